package org.timetuner4j.tuner;

import org.timetuner4j.diffusion.GaussianModel;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Opens what a user names as training data (--data). */
public final class DataSets {
    private DataSets() {}

    /**
     * {@code gaussian:…} (draws from the analytic model's data distribution), a
     * {@code .safetensors} file holding one tensor of images [N,C,H,W] in [−1, 1] (named
     * {@code images} or {@code x0}, or its only tensor), or a folder of PNG images (mapped to
     * [−1, 1]; grey for one channel, RGB for three).
     */
    public static TrainingData open(String spec, int[] modelShape) throws IOException {
        if (spec.startsWith("gaussian:")) {
            GaussianModel g = GaussianModel.parse(spec);
            requireShape(g.sampleShape(), modelShape, spec);
            return new GaussianData(g);
        }
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) return pngFolder(p, modelShape);
        if (!Files.isRegularFile(p)) throw new IOException("data not found: " + spec);
        if (!spec.endsWith(".safetensors"))
            throw new IllegalArgumentException("--data must be gaussian:…, a .safetensors file of images, or a folder of PNGs: " + spec);
        SafetensorsFile f = Safetensors.read(p);
        TensorData t = f.tensors().get("images");
        if (t == null) t = f.tensors().get("x0");
        if (t == null && f.tensors().size() == 1) t = f.tensors().values().iterator().next();
        if (t == null) throw new IllegalArgumentException(spec + " holds several tensors and none is named 'images' or 'x0'");
        if (t.rank() != 4) throw new IllegalArgumentException(spec + ": images must be [N,C,H,W], got " + t.shapeString());
        int[] s = Arrays.copyOfRange(t.shape(), 1, 4);
        requireShape(s, modelShape, spec);
        return new ImageTensorData(t.values(), t.dim(0), s);
    }

    private static void requireShape(int[] data, int[] model, String what) {
        if (!Arrays.equals(data, model))
            throw new IllegalArgumentException(what + ": images are " + Arrays.toString(data) + " but the model expects " + Arrays.toString(model));
    }

    private static TrainingData pngFolder(Path dir, int[] modelShape) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().toLowerCase().endsWith(".png")).sorted().toList();
        }
        if (files.isEmpty()) throw new IllegalArgumentException("no PNG images in " + dir);
        int c = modelShape[0], h = modelShape[1], w = modelShape[2];
        if (c != 1 && c != 3) throw new IllegalArgumentException("PNG folders need a model with 1 or 3 channels, not " + c);
        float[] out = new float[files.size() * c * h * w];
        for (int k = 0; k < files.size(); k++) {
            BufferedImage img = ImageIO.read(files.get(k).toFile());
            if (img == null) throw new IOException("not a readable PNG: " + files.get(k));
            if (img.getWidth() != w || img.getHeight() != h)
                throw new IllegalArgumentException(files.get(k) + " is " + img.getWidth() + "x" + img.getHeight()
                        + " but the model takes " + w + "x" + h);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int rgb = img.getRGB(x, y);
                    int r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;
                    int base = k * c * h * w + y * w + x;
                    if (c == 1) out[base] = ((r + g + b) / 3f) / 127.5f - 1f;
                    else {
                        out[base] = r / 127.5f - 1f;
                        out[base + h * w] = g / 127.5f - 1f;
                        out[base + 2 * h * w] = b / 127.5f - 1f;
                    }
                }
        }
        return new ImageTensorData(out, files.size(), modelShape);
    }
}
