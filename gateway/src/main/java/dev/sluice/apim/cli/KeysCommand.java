package dev.sluice.apim.cli;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.ApiKey;
import dev.sluice.apim.CreatedKey;
import dev.sluice.apim.analytics.TimeBounds;
import dev.sluice.apim.store.KeyStore;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice keys create|list|revoke|approve|rotate}. A created key is printed once: only its hash is stored.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
         description = "Manages API keys of apps (API management).",
         subcommands = { KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class,
                         KeysCommand.Approve.class, KeysCommand.Rotate.class })
public final class KeysCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.@Nullable CommandSpec spec;

    @Override
    public void run() {
        if (spec != null) {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    static Map<String, Object> json(ApiKey k) {
        return StoreOptions.fields("id", k.id(), "appId", k.appId(), "hint", "…" + k.hint(), "status",
                                   k.status().wireName(), "createdAt", k.createdAt().toString(), "expiresAt",
                                   k.expiresAt() != null ? k.expiresAt().toString() : null, "lastUsedAt",
                                   k.lastUsedAt() != null ? k.lastUsedAt().toString() : null);
    }

    static void print(StoreOptions.StoreCommand c, List<ApiKey> keys) {
        if (c.options.json) {
            c.options.printJson(c.out(), keys.stream().map(KeysCommand::json).toList());
            return;
        }
        c.out().printf("%-22s %-9s %-22s %-6s %-24s %-24s %s%n", "ID", "STATUS", "APP", "KEY", "CREATED",
                       "EXPIRES", "LAST USED");
        for (ApiKey k : keys) {
            c.out().printf("%-22s %-9s %-22s %-6s %-24s %-24s %s%n", k.id(), k.status().wireName(), k.appId(),
                           "…" + k.hint(), k.createdAt(), k.expiresAt() != null ? k.expiresAt() : "never",
                           k.lastUsedAt() != null ? k.lastUsedAt() : "never");
        }
    }

    /** Prints a new key, the only time it can be seen. */
    static void printCreated(StoreOptions.StoreCommand c, CreatedKey created) {
        if (c.options.json) {
            final Map<String, Object> m = new java.util.LinkedHashMap<>(json(created.key()));
            m.put("key", created.secret());
            c.options.printJson(c.out(), m);
            return;
        }
        print(c, List.of(created.key()));
        c.out().println();
        c.out().println("key: " + created.secret());
        c.out().println("Store it now: Sluice keeps only its hash and cannot show it again.");
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a key for an app.")
    static final class Create extends StoreOptions.StoreCommand {
        @Option(names = "--app", required = true, paramLabel = "APP_ID")
        String app = "";

        @Option(names = "--expires-in", paramLabel = "DURATION",
                description = "Lifetime such as 90m, 12h or 30d. Default: never expires.")
        @Nullable String expiresIn;

        @Override
        void run(KeyStore store) {
            final Instant expiresAt = expiresIn != null
                                      ? Instant.now().plus(TimeBounds.duration("--expires-in", expiresIn)) : null;
            printCreated(this, store.createKey(app, expiresAt));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists keys (never the keys themselves).")
    static final class ListKeys extends StoreOptions.StoreCommand {
        @Option(names = "--app", paramLabel = "APP_ID", description = "Only this app's keys.")
        @Nullable String app;

        @Override
        void run(KeyStore store) {
            print(this, store.keys(app));
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Stops a key (ApiKeyNotApproved).")
    static final class Revoke extends StoreOptions.StoreCommand {
        @Parameters(paramLabel = "KEY_ID")
        String key = "";

        @Override
        void run(KeyStore store) {
            print(this, List.of(store.setKeyStatus(key, ApiKey.Status.REVOKED)));
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Lets a revoked key work again.")
    static final class Approve extends StoreOptions.StoreCommand {
        @Parameters(paramLabel = "KEY_ID")
        String key = "";

        @Override
        void run(KeyStore store) {
            print(this, List.of(store.setKeyStatus(key, ApiKey.Status.APPROVED)));
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
             description = "Creates a new key for the same app and revokes the old one, at once or after --grace.")
    static final class Rotate extends StoreOptions.StoreCommand {
        @Parameters(paramLabel = "KEY_ID")
        String key = "";

        @Option(names = "--grace", paramLabel = "DURATION",
                description = "Keep the old key working this long (e.g. 1h) so clients can switch.")
        @Nullable String grace;

        @Option(names = "--expires-in", paramLabel = "DURATION", description = "Lifetime of the new key.")
        @Nullable String expiresIn;

        @Override
        void run(KeyStore store) {
            final Instant now = Instant.now();
            final Instant newExpiry = expiresIn != null ? now.plus(TimeBounds.duration("--expires-in", expiresIn))
                                                        : null;
            final Instant oldExpiry = grace != null ? now.plus(TimeBounds.duration("--grace", grace)) : null;
            printCreated(this, store.rotateKey(key, newExpiry, oldExpiry));
        }
    }
}
