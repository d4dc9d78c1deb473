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

    interface BinaryOp {
        float apply(float a, float b);
    }

    static void binary(float[] a, Shape sa, float[] b, Shape sb, float[] out, Shape so, BinaryOp op) {
        int n = so.numel();
        if (sa.equals(so) && sb.equals(so)) {
            Parallel.forRange(n, 1 << 15, (from, to) -> {
                for (int i = from; i < to; i++) out[i] = op.apply(a[i], b[i]);
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

    /** Sums g (of shape gs) into a tensor of shape target (whose broadcast produced gs). */
    static float[] sumToShape(float[] g, Shape gs, Shape target) {
        if (gs.equals(target)) return g.clone();
        Shape check = Broadcast.shape(target, gs);
        if (!check.equals(gs)) throw new IllegalArgumentException("cannot reduce " + gs + " to " + target);
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

    /** x·sigmoid(x), evaluated as PyTorch does: sigmoid first, then the product. */
    static void silu(float[] x, float[] out) {
        Parallel.forRange(x.length, 1 << 14, (from, to) -> silu(x, out, from, to));
    }

    /** out[i] = silu(x[i]) for i in [from, to); out may be x. */
    static void silu(float[] x, float[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector sig = VectorMath.sigmoid(v);
            v.mul(sig).intoArray(out, i);
        }
        for (; i < to; i++) {
            float v = x[i];
            float s = (float) (1.0 / (1.0 + Math.exp(-v)));
            out[i] = v * s;
        }
    }

    /** d silu/dx = s·(1 + x·(1 − s)). */
    static void siluBackward(float[] x, float[] gout, float[] out) {
        Parallel.forRange(x.length, 1 << 14, (from, to) -> siluBackward(x, gout, out, from, to));
    }

    /** out[i] = gout[i]·silu'(x[i]) for i in [from, to); out may be x. */
    static void siluBackward(float[] x, float[] gout, float[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector sig = VectorMath.sigmoid(v);
            FloatVector d = sig.mul(ONE.add(v.mul(ONE.sub(sig))));
            FloatVector.fromArray(S, gout, i).mul(d).intoArray(out, i);
        }
        for (; i < to; i++) {
            double v = x[i];
            double s = 1.0 / (1.0 + Math.exp(-v));
            out[i] = (float) (gout[i] * s * (1.0 + v * (1.0 - s)));
        }
    }
}
