package org.timetuner4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Opens what a user names as training data (--data). */
public final class DataSets {
    private DataSets() {}

    /**
     * {@code gaussian:…} (draws from the analytic model's data distribution), a
     * {@code .safetensors} file of images (see {@link SafetensorsImages}), or a folder of PNG
     * images (see {@link PngFolder}); the images must have the model's shape.
     */
    public static DataSet open(String spec, int[] modelShape) throws IOException {
        if (spec.startsWith("gaussian:")) {
            GaussianDistribution g = GaussianSpec.parse(spec).data();
            requireShape(g.shape(), modelShape, spec);
            return new GaussianData(g);
        }
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) return PngFolder.read(p, modelShape);
        if (!Files.isRegularFile(p)) throw new IOException("data not found: " + spec);
        if (!spec.endsWith(".safetensors"))
            throw new IllegalArgumentException("--data must be gaussian:…, a .safetensors file of images, or a folder of PNGs: " + spec);
        DataSet d = SafetensorsImages.read(p);
        requireShape(d.sampleShape(), modelShape, spec);
        return d;
    }

    private static void requireShape(int[] data, int[] model, String what) {
        if (!Arrays.equals(data, model))
            throw new IllegalArgumentException(what + ": images are " + Arrays.toString(data) + " but the model expects " + Arrays.toString(model));
    }
}
