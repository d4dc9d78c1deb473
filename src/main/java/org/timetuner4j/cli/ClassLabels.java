package org.timetuner4j.cli;

import org.timetuner4j.diffusion.ModelWrapper;
import org.timetuner4j.diffusion.NoisePredictor;

/** What `sample --class-label` asks for: one label, one row per class, or unconditional samples. */
record ClassLabels(Kind kind, int label, int numClasses) {
    enum Kind { NONE, ONE, ALL }

    /**
     * Reads --class-label for this model. Without the option the shipped digits model draws one row per class and any
     * other model samples unconditionally (a class-conditional one with its dropped-label embedding).
     */
    static ClassLabels parse(String option, boolean shippedModel, NoisePredictor model) {
        int classes = model instanceof ModelWrapper w ? w.network().numClasses() : 0;
        if (option == null) return shippedModel && classes > 0 ? new ClassLabels(Kind.ALL, -1, classes) : new ClassLabels(Kind.NONE, -1, classes);
        String o = option.trim().toLowerCase(java.util.Locale.ROOT);
        if (o.equals("none")) return new ClassLabels(Kind.NONE, -1, classes);
        if (classes == 0) throw new IllegalArgumentException("--class-label needs a class-conditional model file; this model has no classes");
        if (o.equals("all")) return new ClassLabels(Kind.ALL, -1, classes);
        int label;
        try {
            label = Integer.parseInt(o);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--class-label must be a number, all or none, got '" + option + "'");
        }
        if (label < 0 || label >= classes)
            throw new IllegalArgumentException("--class-label " + label + " is outside [0, " + (classes - 1) + "]");
        return new ClassLabels(Kind.ONE, label, classes);
    }

    /** The labels a `sample --samples-out` file recorded (metadata class_label and num_classes), or null if it has none. */
    static ClassLabels recorded(java.util.Map<String, String> metadata) {
        String value = metadata.get("class_label"), classes = metadata.get("num_classes");
        if (value == null || classes == null || value.equals("none")) return null;
        int k = Integer.parseInt(classes);
        return value.equals("all") ? new ClassLabels(Kind.ALL, -1, k) : new ClassLabels(Kind.ONE, Integer.parseInt(value), k);
    }

    boolean conditional() { return kind != Kind.NONE; }

    boolean rowPerClass() { return kind == Kind.ALL; }

    int defaultCount() { return kind == Kind.ALL ? numClasses * SampleCommand.PER_CLASS : 16; }

    /** The label of every sample of a run of {@code count}, or null for unconditional sampling. */
    int[] perSample(int count) {
        return switch (kind) {
            case NONE -> null;
            case ONE -> {
                int[] l = new int[count];
                java.util.Arrays.fill(l, label);
                yield l;
            }
            case ALL -> {
                if (count % numClasses != 0)
                    throw new IllegalArgumentException("--class-label all (the default for this model) draws one row per class: the number"
                            + " of samples must be a multiple of " + numClasses + ", got " + count + " (or give --class-label none, or one label)");
                int perClass = count / numClasses;
                int[] l = new int[count];
                for (int k = 0; k < count; k++) l[k] = k / perClass;
                yield l;
            }
        };
    }

    String describe() {
        return switch (kind) {
            case NONE -> "none";
            case ONE -> Integer.toString(label);
            case ALL -> "all";
        };
    }

    /** For the closing line of `sample`. */
    String summary() {
        return switch (kind) {
            case NONE -> numClasses > 0 ? " (unconditional)" : "";
            case ONE -> " of class " + label;
            case ALL -> " (one row per class, 0-" + (numClasses - 1) + ")";
        };
    }
}
