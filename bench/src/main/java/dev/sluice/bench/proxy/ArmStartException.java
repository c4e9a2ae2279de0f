package dev.sluice.bench.proxy;

/** An arm's process exited or never became ready; the message carries the tail of its log. */
public final class ArmStartException extends RuntimeException {

    public ArmStartException(String message) {
        super(message);
    }
}
