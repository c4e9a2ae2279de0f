/**
 * Where developers, apps and keys live: the {@link dev.sluice.apim.store.KeyStore} interface, its SQLite,
 * PostgreSQL and in-memory implementations, and the {@link dev.sluice.apim.store.CredentialCache} that keeps the
 * request path off the database.
 */
@NullMarked
package dev.sluice.apim.store;

import org.jspecify.annotations.NullMarked;
