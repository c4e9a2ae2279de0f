/**
 * The {@code sluice keys|apps|developers} commands, which manage the key store the {@code api-management} extension
 * reads; they may run while the gateway serves, which picks up changes within its {@code cacheSync} interval.
 */
@NullMarked
package dev.sluice.apim.cli;

import org.jspecify.annotations.NullMarked;
