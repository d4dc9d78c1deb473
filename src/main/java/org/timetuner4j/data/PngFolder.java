package org.timetuner4j.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** A folder of PNG images (in name order) as a data set: pixels 0–255 mapped to [−1, 1]; grey for one channel, RGB for three. */
public final class PngFolder {
    private PngFolder() {}

    public static ImageSet read(Path dir, int[] modelShape) throws IOException {
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
        return new ImageSet(out, files.size(), modelShape, null);
    }
}
