/**
 * The {@code sluice keys|apps|developers} commands, which manage the key store the {@code api-management} extension
 * reads (they may run while the gateway serves, which picks up changes within its {@code cacheSync} interval), and
 * {@code sluice analytics}, which summarizes the records it writes. All take the store the same way
 * ({@link dev.sluice.apim.cli.StoreLocation}: {@code --data-dir} for SQLite, {@code --key-store} or
 * {@code $SLUICE_KEY_STORE} for PostgreSQL), as does {@code sluice serve} for its admin API.
 */
@NullMarked
package dev.sluice.apim.cli;

import org.jspecify.annotations.NullMarked;
