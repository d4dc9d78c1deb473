package org.timetuner4j.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a batch of images in [−1, 1] as one PNG grid (RGB for 3 channels, grey otherwise: channel 0). */
public final class ImageGrid {
    private ImageGrid() {}

    public static void writePng(float[] images, int count, int channels, int height, int width, Path path) throws IOException {
        writePng(images, count, channels, height, width, (int) Math.ceil(Math.sqrt(count)), path);
    }

    /** The same with {@code cols} images per row (e.g. one row per class). */
    public static void writePng(float[] images, int count, int channels, int height, int width, int cols, Path path) throws IOException {
        if (cols < 1) throw new IllegalArgumentException("a grid needs at least one column");
        int rows = (count + cols - 1) / cols;
        int pad = 2;
        int zoom = Math.max(1, (64 + width - 1) / width);  // small images are enlarged (nearest) to be seen
        int gw = cols * (width * zoom + pad) + pad, gh = rows * (height * zoom + pad) + pad;
        BufferedImage img = new BufferedImage(gw, gh, BufferedImage.TYPE_INT_RGB);
        int border = 0x202020;
        for (int y = 0; y < gh; y++) for (int x = 0; x < gw; x++) img.setRGB(x, y, border);
        int plane = height * width;
        for (int k = 0; k < count; k++) {
            int ox = pad + (k % cols) * (width * zoom + pad), oy = pad + (k / cols) * (height * zoom + pad);
            int base = k * channels * plane;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) {
                    int p = y * width + x;
                    int r = toByte(images[base + p]);
                    int g = channels == 3 ? toByte(images[base + plane + p]) : r;
                    int b = channels == 3 ? toByte(images[base + 2 * plane + p]) : r;
                    for (int dy = 0; dy < zoom; dy++)
                        for (int dx = 0; dx < zoom; dx++)
                            img.setRGB(ox + x * zoom + dx, oy + y * zoom + dy, (r << 16) | (g << 8) | b);
                }
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!ImageIO.write(img, "png", path.toFile())) throw new IOException("no PNG writer available");
    }

    /** [−1, 1] → [0, 255], clamped. */
    static int toByte(float v) {
        double u = (v + 1) * 127.5;
        return (int) Math.max(0, Math.min(255, Math.round(u)));
    }
}
