package org.timetuner4j.data;

import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * A {@code .safetensors} data set: images [N,C,H,W] in a tensor named {@code images} or
 * {@code x0} (or the file's only tensor), either floats in [−1, 1] or U8 pixels 0–255 (mapped
 * to x/127.5 − 1), and optionally {@code labels} [N], an integer class ≥ 0 per image (an integer
 * dtype). The one reader of this format, for tuning and training alike.
 */
public final class SafetensorsImages {
    private static final Set<String> FLOAT_TYPES = Set.of("F32", "F16", "BF16", "F64");
    private static final Set<String> INTEGER_TYPES = Set.of("I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8");

    /** Float images may overshoot [−1, 1] by rounding (e.g. from float16). */
    private static final float RANGE_SLACK = 1e-4f;

    private SafetensorsImages() {}

    public static ImageSet read(Path file) throws IOException {
        SafetensorsFile f = Safetensors.read(file);
        TensorData t = f.get("images");
        if (t == null) t = f.get("x0");
        if (t == null && f.tensors().size() == 1) t = f.tensors().values().iterator().next();
        if (t == null) throw new IllegalArgumentException(file + " holds several tensors and none is named 'images' or 'x0'");
        if (t.rank() != 4) throw new IllegalArgumentException(file + ": images must be [N,C,H,W], got " + t.shapeString());
        float[] x = pixels(file, t);
        TensorData l = f.get("labels");
        int[] labels = l == null || l == t ? null : labels(file, l, t.dim(0));
        return new ImageSet(x, t.dim(0), Arrays.copyOfRange(t.shape(), 1, 4), labels);
    }

    private static float[] pixels(Path file, TensorData t) {
        float[] v = t.values();
        if (t.dtype().equals("U8")) {
            float[] out = new float[v.length];
            for (int i = 0; i < v.length; i++) out[i] = v[i] / 127.5f - 1f;
            return out;
        }
        if (!FLOAT_TYPES.contains(t.dtype()))
            throw new IllegalArgumentException(file + ": images of dtype " + t.dtype() + "; use U8 pixels 0–255 or floats in [-1, 1]");
        for (int i = 0; i < v.length; i++)
            if (!(Math.abs(v[i]) <= 1 + RANGE_SLACK))  // also NaN
                throw new IllegalArgumentException(file + ": float images must lie in [-1, 1], found " + v[i] + " (value " + i + ")");
        return v;
    }

    private static int[] labels(Path file, TensorData l, int n) {
        if (!INTEGER_TYPES.contains(l.dtype()))
            throw new IllegalArgumentException(file + ": labels must be an integer tensor, not " + l.dtype());
        if (l.rank() != 1 || l.dim(0) != n)
            throw new IllegalArgumentException(file + ": labels must be [" + n + "] (one per image), got " + l.shapeString());
        float[] v = l.values();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            if (!(v[i] >= 0 && v[i] <= Integer.MAX_VALUE))
                throw new IllegalArgumentException(file + ": label " + i + " is " + (long) v[i] + "; classes are integers >= 0");
            out[i] = (int) v[i];
        }
        return out;
    }
}
