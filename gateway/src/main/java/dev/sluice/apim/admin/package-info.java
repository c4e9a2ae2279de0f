/**
 * The API management admin REST API ({@link dev.sluice.apim.admin.ApimAdminService}), served on the admin listener
 * behind an admin token: developers, apps, keys and analytics queries, as the {@code sluice} commands offer them.
 */
@NullMarked
package dev.sluice.apim.admin;

import org.jspecify.annotations.NullMarked;
