package org.timetuner4j.diffusion;

/** What a network predicts; see {@link ModelWrapper} for the conversion to noise. */
public enum ModelType {
    NOISE("noise"), X_START("x_start"), V("v"), SCORE("score");

    private final String id;

    ModelType(String id) { this.id = id; }

    public String id() { return id; }

    public static ModelType of(String id) {
        for (ModelType m : values()) if (m.id.equals(id)) return m;
        throw new IllegalArgumentException("model type '" + id + "' is not one of noise, x_start, v, score");
    }
}
