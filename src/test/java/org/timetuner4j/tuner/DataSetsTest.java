package org.timetuner4j.tuner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.tensor.Tensor;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSetsTest {
    @TempDir Path tmp;
    private final CpuBackend be = CpuBackend.INSTANCE;

    @Test void pngFolderIsReadIntoMinusOneToOne() throws Exception {
        for (int k = 0; k < 3; k++) {
            BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) img.setRGB(x, y, k == 0 ? 0x000000 : k == 1 ? 0xFFFFFF : 0xFF0000);
            ImageIO.write(img, "png", tmp.resolve("img" + k + ".png").toFile());
        }
        Files.writeString(tmp.resolve("notes.txt"), "ignored");
        TrainingData rgb = DataSets.open(tmp.toString(), new int[] {3, 4, 4});
        assertEquals(3, rgb.size());
        // every image appears once per epoch, in a seed-dependent order
        float[] seen = new float[3];
        for (int b = 0; b < 3; b++) {
            Tensor t = rgb.batch(be, 5, b, 1);
            float[] v = t.toArray();
            seen[b] = v[0] + v[16];  // red + green of the first pixel: −2 black, 2 white, 0 red
        }
        java.util.Arrays.sort(seen);
        assertArrayEquals(new float[] {-2f, 0f, 2f}, seen, 1e-6f);
        assertNull(rgb.batch(be, 5, 3, 1), "the epoch ends after the data");
        TrainingData grey = DataSets.open(tmp.toString(), new int[] {1, 4, 4});
        assertEquals(1 * 4 * 4 * 2, grey.batch(be, 1, 0, 2).numel());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSets.open(tmp.toString(), new int[] {3, 8, 8}));
        assertTrue(e.getMessage().contains("takes 8x8"), e.getMessage());
    }

    @Test void safetensorsImagesMustFitTheModel() throws Exception {
        Path f = tmp.resolve("d.safetensors");
        Safetensors.write(f, Map.of("images", TensorData.f32(new float[5 * 2 * 3 * 3], 5, 2, 3, 3)), Map.of(), "F32");
        TrainingData d = DataSets.open(f.toString(), new int[] {2, 3, 3});
        assertEquals(5, d.size());
        assertEquals(1, d.batch(be, 0, 2, 2).dim(0), "the last batch is smaller");
        assertThrows(IllegalArgumentException.class, () -> DataSets.open(f.toString(), new int[] {1, 3, 3}));
        assertThrows(java.io.IOException.class, () -> DataSets.open(tmp.resolve("missing.safetensors").toString(), new int[] {2, 3, 3}));
    }
}
