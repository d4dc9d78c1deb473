package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.timetuner4j.backend.Broadcast;
import org.timetuner4j.tensor.Shape;

/** Element-wise kernels with numpy broadcasting (rank <= 4), SiLU and their backwards. */
final class CpuElementwise {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private CpuElementwise() {}

    /**
     * The binary ops. Same-shape operands run one plain loop per op, which C2 vectorises; through
     * a lambda per element (three of them at one call site) they cost several ns a value.
     */
    enum BinaryOp {
        ADD { @Override float apply(float a, float b) { return a + b; } },
        SUB { @Override float apply(float a, float b) { return a - b; } },
        MUL { @Override float apply(float a, float b) { return a * b; } };

        abstract float apply(float a, float b);
    }

    static void binary(float[] a, Shape sa, float[] b, Shape sb, float[] out, Shape so, BinaryOp op) {
        int n = so.numel();
        if (sa.equals(so) && sb.equals(so)) {
            Parallel.forRange(n, 1 << 15, (from, to) -> {
                switch (op) {
                    case ADD -> { for (int i = from; i < to; i++) out[i] = a[i] + b[i]; }
                    case SUB -> { for (int i = from; i < to; i++) out[i] = a[i] - b[i]; }
                    case MUL -> { for (int i = from; i < to; i++) out[i] = a[i] * b[i]; }
                }
            });
            return;
        }
        int[] d = Broadcast.dims4(so);
        int[] stA = Broadcast.strides4(sa, so), stB = Broadcast.strides4(sb, so);
        int outer = d[0] * d[1] * d[2];
        int inner = d[3];
        Parallel.forRange(outer, Math.max(1, (1 << 14) / Math.max(1, inner)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int i2 = r % d[2], i1 = (r / d[2]) % d[1], i0 = r / (d[2] * d[1]);
                int ia = i0 * stA[0] + i1 * stA[1] + i2 * stA[2];
                int ib = i0 * stB[0] + i1 * stB[1] + i2 * stB[2];
                int io = r * inner;
                int sa3 = stA[3], sb3 = stB[3];
                for (int j = 0; j < inner; j++) out[io + j] = op.apply(a[ia + j * sa3], b[ib + j * sb3]);
            }
        });
    }

    /**
     * True when {@code small} holds one value per (H, W) plane of {@code full} (rank-4 view,
     * broadcast over the last two dims only), as a ResnetBlock's h + temb[:, :, None, None].
     */
    static boolean perPlane(Shape small, Shape full) {
        int[] d = Broadcast.dims4(full), ds = Broadcast.dims4(small);
        return full.rank() == 4 && ds[2] == 1 && ds[3] == 1 && d[2] * d[3] > 1 && Broadcast.shape(small, full).equals(full);
    }

    /** out = full + small with {@link #perPlane}(small's shape, full's shape): one vector add per plane run. */
    static void addPerPlane(float[] full, Shape fs, float[] small, Shape ss, float[] out) {
        int[] d = Broadcast.dims4(fs), st = Broadcast.strides4(ss, fs);
        int plane = d[2] * d[3];
        Parallel.forRange(d[0] * d[1], Math.max(1, (1 << 14) / plane), (from, to) -> {
            for (int p = from; p < to; p++) {
                float sp = small[p / d[1] * st[0] + p % d[1] * st[1]];
                FloatVector s = FloatVector.broadcast(S, sp);
                int i = p * plane, end = i + plane;
                for (int vEnd = i + S.loopBound(plane); i < vEnd; i += S.length())
                    FloatVector.fromArray(S, full, i).add(s).intoArray(out, i);
                for (; i < end; i++) out[i] = full[i] + sp;
            }
        });
    }

    /** Sums g (of shape gs) into a tensor of shape target (whose broadcast produced gs). */
    static float[] sumToShape(float[] g, Shape gs, Shape target) {
        if (gs.equals(target)) return g.clone();
        Shape check = Broadcast.shape(target, gs);
        if (!check.equals(gs)) throw new IllegalArgumentException("cannot reduce " + gs + " to " + target);
        if (perPlane(target, gs)) return sumPlanes(g, gs, target);
        int[] d = Broadcast.dims4(gs);
        int[] st = Broadcast.strides4(target, gs);
        double[] acc = new double[target.numel()];
        int idx = 0;
        for (int i0 = 0; i0 < d[0]; i0++)
            for (int i1 = 0; i1 < d[1]; i1++)
                for (int i2 = 0; i2 < d[2]; i2++) {
                    int base = i0 * st[0] + i1 * st[1] + i2 * st[2];
                    for (int i3 = 0; i3 < d[3]; i3++) acc[base + i3 * st[3]] += g[idx++];
                }
        float[] out = new float[target.numel()];
        for (int i = 0; i < out.length; i++) out[i] = (float) acc[i];
        return out;
    }

    private static final int SUM_CHUNK = 8 * S.length();

    /**
     * sumToShape to one value per (H, W) plane: each plane summed in float lanes over short
     * chunks, then chunks, lanes and planes added in double, in a fixed order (deterministic
     * for any thread count).
     */
    private static float[] sumPlanes(float[] g, Shape gs, Shape target) {
        int[] d = Broadcast.dims4(gs), st = Broadcast.strides4(target, gs);
        int plane = d[2] * d[3], planes = d[0] * d[1];
        double[] sums = new double[planes];
        Parallel.forRange(planes, Math.max(1, (1 << 14) / plane), (from, to) -> {
            for (int p = from; p < to; p++) {
                int i = p * plane, end = i + plane;
                double s = 0;
                while (i + SUM_CHUNK <= end) {  // at most SUM_CHUNK / L float adds per lane before going to double
                    FloatVector acc = FloatVector.fromArray(S, g, i);
                    for (int k = S.length(); k < SUM_CHUNK; k += S.length()) acc = acc.add(FloatVector.fromArray(S, g, i + k));
                    s += VectorMath.sumLanes(acc);
                    i += SUM_CHUNK;
                }
                for (; i < end; i++) s += g[i];
                sums[p] = s;
            }
        });
        double[] acc = new double[target.numel()];
        for (int p = 0; p < planes; p++) acc[p / d[1] * st[0] + p % d[1] * st[1]] += sums[p];
        float[] out = new float[acc.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) acc[i];
        return out;
    }

    /** x·sigmoid(x), evaluated as PyTorch does: sigmoid first, then the product. */
    static void silu(float[] x, float[] out) {
        Parallel.forRange(x.length, 1 << 14, (from, to) -> silu(x, out, from, to));
    }

    /** out[i] = silu(x[i]) for i in [from, to); out may be x. */
    static void silu(float[] x, float[] out, int from, int to) {
        float[] e = CHUNK.get();
        for (int c = from; c < to; c += e.length) {
            int n = Math.min(e.length, to - c), i = 0;
            VectorMath.exp(x, c, -1f, 0f, e, 0, n);
            for (int whole = S.loopBound(n); i < whole; i += S.length()) {
                FloatVector sig = ONE.div(ONE.add(FloatVector.fromArray(S, e, i)));
                FloatVector.fromArray(S, x, c + i).mul(sig).intoArray(out, c + i);
            }
            for (; i < n; i++) out[c + i] = x[c + i] * (1f / (1f + e[i]));
        }
    }

    /** e^−x for a chunk of a SiLU (forward or backward), per thread. */
    private static final ThreadLocal<float[]> CHUNK = ThreadLocal.withInitial(() -> new float[1024]);

    /** d silu/dx = s·(1 + x·(1 − s)). */
    static void siluBackward(float[] x, float[] gout, float[] out) {
        Parallel.forRange(x.length, 1 << 14, (from, to) -> siluBackward(x, gout, out, from, to));
    }

    /** out[i] = gout[i]·silu'(x[i]) for i in [from, to); out may be x. */
    static void siluBackward(float[] x, float[] gout, float[] out, int from, int to) {
        float[] e = CHUNK.get();
        for (int c = from; c < to; c += e.length) {
            int n = Math.min(e.length, to - c), i = 0;
            VectorMath.exp(x, c, -1f, 0f, e, 0, n);
            for (int whole = S.loopBound(n); i < whole; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, c + i), sig = ONE.div(ONE.add(FloatVector.fromArray(S, e, i)));
                FloatVector d = sig.mul(ONE.add(v.mul(ONE.sub(sig))));
                FloatVector.fromArray(S, gout, c + i).mul(d).intoArray(out, c + i);
            }
            for (; i < n; i++) {
                float v = x[c + i], sig = 1f / (1f + e[i]);
                out[c + i] = gout[c + i] * (sig * (1f + v * (1f - sig)));
            }
        }
    }
}
