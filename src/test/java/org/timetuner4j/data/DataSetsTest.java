package org.timetuner4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.RawSafetensors;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
        DataSet rgb = DataSets.open(tmp.toString(), new int[] {3, 4, 4});
        assertEquals(3, rgb.size());
        assertNull(rgb.labels());
        // every image appears once per epoch, in a seed-dependent order
        float[] seen = new float[3];
        for (int b = 0; b < 3; b++) {
            Tensor t = rgb.batch(be, 5, b, 1);
            float[] v = t.toArray();
            seen[b] = v[0] + v[16];  // red + green of the first pixel: −2 black, 2 white, 0 red
        }
        Arrays.sort(seen);
        assertArrayEquals(new float[] {-2f, 0f, 2f}, seen, 1e-6f);
        assertThrows(IndexOutOfBoundsException.class, () -> rgb.batch(be, 5, 3, 1), "the epoch ends after the data");
        DataSet grey = DataSets.open(tmp.toString(), new int[] {1, 4, 4});
        assertEquals(1 * 4 * 4 * 2, grey.batch(be, 1, 0, 2).numel());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSets.open(tmp.toString(), new int[] {3, 8, 8}));
        assertTrue(e.getMessage().contains("takes 8x8"), e.getMessage());
    }

    @Test void safetensorsImagesMustFitTheModel() throws Exception {
        Path f = tmp.resolve("d.safetensors");
        Safetensors.write(f, Map.of("images", TensorData.f32(new float[5 * 2 * 3 * 3], 5, 2, 3, 3)), Map.of(), "F32");
        DataSet d = DataSets.open(f.toString(), new int[] {2, 3, 3});
        assertEquals(5, d.size());
        assertThrows(IllegalArgumentException.class, () -> DataSets.open(f.toString(), new int[] {1, 3, 3}));
        assertThrows(java.io.IOException.class, () -> DataSets.open(tmp.resolve("missing.safetensors").toString(), new int[] {2, 3, 3}));
    }

    @Test void batchesAreAlwaysFullAndTheLeftoverIsSkipped() throws Exception {
        float[] x = new float[5];
        for (int i = 0; i < 5; i++) x[i] = i;
        ImageSet d = new ImageSet(x, 5, new int[] {1, 1, 1}, null);
        assertEquals(2, d.batchesPerEpoch(2), "5 images make two full batches of 2");
        assertEquals(2, d.batch(be, 9, 1, 2).dim(0));
        assertThrows(IndexOutOfBoundsException.class, () -> d.batch(be, 9, 2, 2), "no short third batch");
        // the two batches of an epoch are four different images of its shuffled order
        float[] a = d.batch(be, 9, 0, 2).toArray(), b = d.batch(be, 9, 1, 2).toArray();
        int[] order = Shuffle.permutation(5, 9);
        assertArrayEquals(new float[] {order[0], order[1], order[2], order[3]}, new float[] {a[0], a[1], b[0], b[1]});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.batchesPerEpoch(6));
        assertTrue(e.getMessage().contains("--batch 6 is larger than the data set (5 images)"), e.getMessage());
    }

    @Test void u8ImagesAreMappedToMinusOneToOneAndLabelsAreRead() throws Exception {
        Path f = tmp.resolve("u8.safetensors");
        new RawSafetensors()
                .add("images", "U8", new int[] {3, 1, 1, 2}, RawSafetensors.u8(0, 255, 51, 204, 127, 128))
                .add("labels", "I64", new int[] {3}, RawSafetensors.i64(7, 0, 3))
                .write(f);
        DataSet d = DataSets.open(f.toString(), new int[] {1, 1, 2});
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {7, 0, 3}, d.labels());
        float[] v = d.images(be, new int[] {2, 0, 1}).toArray();
        float[] expected = {127 / 127.5f - 1, 128 / 127.5f - 1, -1, 1, 51 / 127.5f - 1, 204 / 127.5f - 1};
        assertArrayEquals(expected, v, 1e-7f);

        // the trainer's view of the same file comes from the same reader
        ImageSet l = ImageSet.read(f);
        assertEquals(3, l.size());
        assertEquals(8, l.numClasses());
        assertArrayEquals(new int[] {3, 7, 0}, l.labels(new int[] {2, 0, 1}));
        assertArrayEquals(expected, l.gather(new int[] {2, 0, 1}), 1e-7f);
    }

    @Test void badLabelsAndImageTypesAreRefusedInOneLine() throws Exception {
        Path wrongCount = tmp.resolve("a.safetensors");
        new RawSafetensors().add("images", "U8", new int[] {2, 1, 1, 1}, RawSafetensors.u8(1, 2))
                .add("labels", "I64", new int[] {3}, RawSafetensors.i64(0, 1, 2)).write(wrongCount);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSets.open(wrongCount.toString(), new int[] {1, 1, 1}));
        assertTrue(e.getMessage().contains("labels must be [2]"), e.getMessage());

        Path negative = tmp.resolve("b.safetensors");
        new RawSafetensors().add("images", "U8", new int[] {2, 1, 1, 1}, RawSafetensors.u8(1, 2))
                .add("labels", "I64", new int[] {2}, RawSafetensors.i64(0, -1)).write(negative);
        e = assertThrows(IllegalArgumentException.class, () -> DataSets.open(negative.toString(), new int[] {1, 1, 1}));
        assertTrue(e.getMessage().contains("label 1 is -1"), e.getMessage());

        Path floatLabels = tmp.resolve("c.safetensors");
        new RawSafetensors().add("images", "U8", new int[] {1, 1, 1, 1}, RawSafetensors.u8(1))
                .add("labels", "F32", new int[] {1}, RawSafetensors.f32(0.5f)).write(floatLabels);
        e = assertThrows(IllegalArgumentException.class, () -> DataSets.open(floatLabels.toString(), new int[] {1, 1, 1}));
        assertTrue(e.getMessage().contains("labels must be an integer tensor"), e.getMessage());

        Path i32Images = tmp.resolve("d.safetensors");
        new RawSafetensors().add("images", "I32", new int[] {1, 1, 1, 1}, new byte[4]).write(i32Images);
        e = assertThrows(IllegalArgumentException.class, () -> DataSets.open(i32Images.toString(), new int[] {1, 1, 1}));
        assertTrue(e.getMessage().contains("dtype I32"), e.getMessage());

        Path nan = tmp.resolve("e.safetensors");
        new RawSafetensors().add("images", "F32", new int[] {1, 1, 1, 2}, RawSafetensors.f32(0f, Float.NaN)).write(nan);
        e = assertThrows(IllegalArgumentException.class, () -> DataSets.open(nan.toString(), new int[] {1, 1, 2}));
        assertTrue(e.getMessage().contains("must lie in [-1, 1], found NaN (value 1)"), e.getMessage());

        Path pixels = tmp.resolve("f.safetensors");  // float pixels 0–255: not the model's range
        new RawSafetensors().add("images", "F32", new int[] {1, 1, 1, 2}, RawSafetensors.f32(0f, 255f)).write(pixels);
        e = assertThrows(IllegalArgumentException.class, () -> DataSets.open(pixels.toString(), new int[] {1, 1, 2}));
        assertTrue(e.getMessage().contains("found 255.0 (value 1)"), e.getMessage());
    }

    @Test void gaussianDrawKIsTheSameWhateverItIsAskedWith() {
        GaussianData g = new GaussianData(GaussianSpec.parse("gaussian:mean=0.5,std=0.1,shape=1x2x2").data());
        float[] both = g.images(be, new int[] {3, 8}).toArray(), eight = g.images(be, new int[] {8}).toArray();
        assertArrayEquals(Arrays.copyOfRange(both, 4, 8), eight);
        assertNull(g.labels());
        assertEquals(Integer.MAX_VALUE, g.batchesPerEpoch(64));
    }
}
