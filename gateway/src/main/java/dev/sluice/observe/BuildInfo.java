package dev.sluice.observe;

/** The build's version and commit, for {@code inference_extension_info}. */
final class BuildInfo {

    private BuildInfo() {}

    /** Returns the version from the jar manifest, or {@code dev} when running from classes. */
    static String version() {
        final String v = BuildInfo.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    /** Returns the commit from the {@code sluice.commit} system property, or {@code unknown}. */
    static String commit() {
        return System.getProperty("sluice.commit", "unknown");
    }
}
