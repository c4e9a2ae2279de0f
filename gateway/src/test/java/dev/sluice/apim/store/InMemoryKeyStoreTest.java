package dev.sluice.apim.store;

import java.time.Clock;

class InMemoryKeyStoreTest extends KeyStoreContractTest {

    @Override
    protected KeyStore newStore(Clock clock) {
        return new InMemoryKeyStore(clock);
    }
}
