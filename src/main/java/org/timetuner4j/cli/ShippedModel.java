package org.timetuner4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The files that ship in weights/, used when a command is not told which model to use. */
final class ShippedModel {
    static final String RELATIVE = "weights/mnist-digits.safetensors";
    static final String CLASSIFIER = "weights/digit-classifier.safetensors";

    /** Where the τ files tuned for the shipped model live: {@code mnist-digits-<solver>-nfe<N>-<trajectory>.json}. */
    static final String TUNED_FOLDER = "weights/tuned";

    private ShippedModel() {}

    /** The τ file shipped for these sampler settings, or null when none ships. */
    static Path tunedFile(String solver, int nfe, String trajectory) {
        Path p = path(TUNED_FOLDER + "/mnist-digits-" + solver + "-nfe" + nfe + "-" + trajectory + ".json");
        return Files.isRegularFile(p) ? p : null;
    }

    /**
     * A shipped file: under the project folder the launcher names ({@code -Dtimetuner.home}),
     * else beside the jar's folder (target/..), else in the working directory.
     */
    static Path path(String relative) {
        String home = System.getProperty("timetuner.home");
        if (home != null) return Path.of(home).resolve(relative);
        try {
            Path jar = Path.of(ShippedModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = jar.getParent() == null ? null : jar.getParent().resolveSibling(relative);
            if (candidate != null && Files.isRegularFile(candidate)) return candidate;
        } catch (Exception ignored) {
            // no code source: fall back to the working directory
        }
        return Path.of(relative);
    }

    /** The shipped digits model as a --model value; a clear error when it is not there. */
    static String require() {
        return require(RELATIVE, "--model", "--model M.safetensors or gaussian:…").toString();
    }

    /** A shipped file that stands in for {@code option}; a clear error when it is not there. */
    static Path require(String relative, String option, String alternative) {
        Path p = path(relative);
        if (!Files.isRegularFile(p))
            throw new IllegalArgumentException("no " + option + " given and the shipped " + p + " is missing; pass " + alternative);
        return p;
    }
}
