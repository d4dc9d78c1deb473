package org.timetuner4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The model that ships in weights/, used when `sample` is given no --model. */
final class ShippedModel {
    static final String RELATIVE = "weights/mnist-digits.safetensors";

    private ShippedModel() {}

    /**
     * The shipped model file: under the project folder the launcher names ({@code -Dtimetuner.home}),
     * else beside the jar's folder (target/..), else in the working directory.
     */
    static Path path() {
        String home = System.getProperty("timetuner.home");
        if (home != null) return Path.of(home).resolve(RELATIVE);
        try {
            Path jar = Path.of(ShippedModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = jar.getParent() == null ? null : jar.getParent().resolveSibling(RELATIVE);
            if (candidate != null && Files.isRegularFile(candidate)) return candidate;
        } catch (Exception ignored) {
            // no code source: fall back to the working directory
        }
        return Path.of(RELATIVE);
    }

    /** The shipped model as a --model value; a clear error when it is not there. */
    static String require() {
        Path p = path();
        if (!Files.isRegularFile(p))
            throw new IllegalArgumentException("no --model given and the shipped model " + p + " is missing; pass --model M.safetensors or gaussian:…");
        return p.toString();
    }
}
