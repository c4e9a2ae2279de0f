package dev.sluice.apim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Makes and hashes API keys.
 *
 * <p>A key is {@value #PREFIX} followed by 32 random bytes in URL-safe Base64 (256 bits of entropy). Stores keep its
 * SHA-256 hash only: with that much entropy a plain hash cannot be reversed by guessing, and it lets a presented key
 * be looked up by its hash in constant time, with no per-key salt to try. The final comparison of hashes uses
 * {@link MessageDigest#isEqual}, which takes the same time wherever two hashes differ.
 */
public final class ApiKeys {

    /** Every key starts with this, so that secret scanners and people can recognise one. */
    public static final String PREFIX = "sluice_";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();

    private ApiKeys() {}

    /** Returns a new random key. */
    public static String newKey() {
        final byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Returns the SHA-256 hash of {@code key}'s UTF-8 bytes. */
    public static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** Returns {@code hash} in lower-case hex, the form caches and logs may use. */
    public static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    /** Returns whether two hashes are equal, in time that does not depend on where they differ. */
    public static boolean sameHash(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    /** Returns the last four characters of {@code key}, shown in listings to tell keys apart. */
    public static String hint(String key) {
        return key.length() <= 4 ? key : key.substring(key.length() - 4);
    }

    /** Returns a new id: {@code prefix}, an underscore and 16 random characters. */
    public static String newId(String prefix) {
        final StringBuilder b = new StringBuilder(prefix.length() + 17).append(prefix).append('_');
        for (int i = 0; i < 16; i++) {
            b.append(ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)]);
        }
        return b.toString();
    }
}
