package org.timetuner4j.backend.cpu;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.CrossEntropyArgs;
import org.timetuner4j.backend.MemoryStats;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** The pure-Java reference backend: storage is a {@code float[]}, kernels run on {@link Parallel}. */
public final class CpuBackend implements Backend {
    /** Throws {@link VectorApiMissingError} on first use in a JVM without the Vector API. */
    public static final CpuBackend INSTANCE = create();

    private static CpuBackend create() {
        VectorApi.require();
        return new CpuBackend();
    }

    /** How 3×3 stride-1 convolutions run, for {@code info}. */
    public static String convolutionAlgorithm() {
        return CpuWinograd.describe();
    }

    private final ArrayPool pool = new ArrayPool(Runtime.getRuntime().maxMemory() / 4);
    private final MemoryStats live = new MemoryStats();

    private final CpuChannelBlocked channelBlocked = new CpuChannelBlocked(this);

    private CpuBackend() {}

    /** An output array every element of which the kernel writes. */
    float[] alloc(int n) { return pool.take(n); }

    ArrayPool pool() { return pool; }

    /** An output array the kernel accumulates into. */
    private float[] zeroed(int n) {
        float[] a = pool.take(n);
        java.util.Arrays.fill(a, 0f);
        return a;
    }

    /** Drops the cached arrays of freed tensors. */
    public void trimMemory() { pool.clear(); }

    @Override public String name() { return "cpu"; }

    static float[] data(Tensor t) {
        return (float[]) t.storage();
    }

    Tensor wrap(float[] values, Shape shape) {
        live.created(4L * shape.numel());
        return new Tensor(this, shape, values);
    }

    void requireCpu(Tensor... ts) {
        for (Tensor t : ts)
            if (t != null && t.backend() != this)
                throw new IllegalArgumentException("tensor on " + t.backend().name() + " passed to the cpu backend");
    }

    private static void requireRank(Tensor t, int rank, String what) {
        if (t.shape().rank() != rank)
            throw new IllegalArgumentException(what + " must have rank " + rank + ", got " + t.shape());
    }

    // ---- memory ----
    @Override public Tensor zeros(Shape shape) { return wrap(zeroed(shape.numel()), shape); }

    @Override public Tensor fromHost(float[] values, Shape shape) {
        if (values.length != shape.numel())
            throw new IllegalArgumentException(values.length + " values do not fill shape " + shape);
        float[] a = alloc(values.length);
        System.arraycopy(values, 0, a, 0, values.length);
        return wrap(a, shape);
    }

    @Override public Tensor adoptHost(float[] values, Shape shape) {
        if (values.length != shape.numel())
            throw new IllegalArgumentException(values.length + " values do not fill shape " + shape);
        KeptWeights.forget(values);
        return wrap(values, shape);
    }

    @Override public float[] toHost(Tensor t) { requireCpu(t); return data(t).clone(); }

    @Override public void free(Tensor t) {
        pool.give(data(t));
        live.freed(4L * t.numel());
    }

    @Override public MemoryStats memory() { return live; }

    @Override public Tensor copy(Tensor t) { requireCpu(t); return fromHost(data(t), t.shape()); }

    @Override public Tensor reshape(Tensor t, Shape shape) {
        requireCpu(t);
        if (shape.numel() != t.numel()) throw new IllegalArgumentException("cannot reshape " + t.shape() + " to " + shape);
        return fromHost(data(t), shape);
    }

    // ---- element-wise ----
    private Tensor binary(Tensor a, Tensor b, CpuElementwise.BinaryOp op) {
        requireCpu(a, b);
        Shape out = org.timetuner4j.backend.Broadcast.shape(a.shape(), b.shape());
        float[] o = alloc(out.numel());
        CpuElementwise.binary(data(a), a.shape(), data(b), b.shape(), o, out, op);
        return wrap(o, out);
    }

    @Override public Tensor add(Tensor a, Tensor b) {
        requireCpu(a, b);
        Tensor full = CpuElementwise.perPlane(b.shape(), a.shape()) ? a : CpuElementwise.perPlane(a.shape(), b.shape()) ? b : null;
        if (full != null) {
            Tensor small = full == a ? b : a;
            float[] o = alloc(full.shape().numel());
            CpuElementwise.addPerPlane(data(full), full.shape(), data(small), small.shape(), o);
            return wrap(o, full.shape());
        }
        return binary(a, b, CpuElementwise.BinaryOp.ADD);
    }

    @Override public Tensor sub(Tensor a, Tensor b) { return binary(a, b, CpuElementwise.BinaryOp.SUB); }

    @Override public Tensor mul(Tensor a, Tensor b) { return binary(a, b, CpuElementwise.BinaryOp.MUL); }

    @Override public Tensor axpby(float alpha, Tensor x, float beta, Tensor y) {
        requireCpu(x, y);
        if (!x.shape().equals(y.shape())) throw new IllegalArgumentException("axpby shapes differ: " + x.shape() + " vs " + y.shape());
        float[] a = data(x), b = data(y), o = alloc(a.length);
        Parallel.forRange(a.length, 1 << 15, (f, t) -> { for (int i = f; i < t; i++) o[i] = alpha * a[i] + beta * b[i]; });
        return wrap(o, x.shape());
    }

    @Override public Tensor affine(Tensor x, float s, float c) {
        requireCpu(x);
        float[] a = data(x), o = alloc(a.length);
        Parallel.forRange(a.length, 1 << 15, (f, t) -> { for (int i = f; i < t; i++) o[i] = s * a[i] + c; });
        return wrap(o, x.shape());
    }

    @Override public void addInPlace(Tensor acc, Tensor g) {
        requireCpu(acc, g);
        if (!acc.shape().equals(g.shape())) throw new IllegalArgumentException("addInPlace shapes differ: " + acc.shape() + " vs " + g.shape());
        float[] a = data(acc), b = data(g);
        KeptWeights.forget(a);
        Parallel.forRange(a.length, 1 << 15, (f, t) -> { for (int i = f; i < t; i++) a[i] += b[i]; });
    }

    @Override public Tensor sumToShape(Tensor g, Shape target) {
        requireCpu(g);
        return wrap(CpuElementwise.sumToShape(data(g), g.shape(), target), target);
    }

    @Override public Tensor silu(Tensor x) {
        requireCpu(x);
        float[] o = alloc(x.numel());
        CpuElementwise.silu(data(x), o);
        return wrap(o, x.shape());
    }

    @Override public Tensor siluBackward(Tensor x, Tensor gradOut) {
        requireCpu(x, gradOut);
        float[] o = alloc(x.numel());
        CpuElementwise.siluBackward(data(x), data(gradOut), o);
        return wrap(o, x.shape());
    }

    // ---- linear algebra ----
    @Override public Tensor matmul(Tensor a, boolean ta, Tensor b, boolean tb) {
        requireCpu(a, b);
        requireRank(a, 2, "matmul operand");
        requireRank(b, 2, "matmul operand");
        int m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
        int kb = tb ? b.dim(1) : b.dim(0), n = tb ? b.dim(0) : b.dim(1);
        if (k != kb) throw new IllegalArgumentException("matmul inner sizes differ: " + a.shape() + " and " + b.shape());
        float[] c = zeroed(m * n);
        float[] av = data(a), bv = data(b);
        int lda = a.dim(1), ldb = b.dim(1);
        int rows = Math.max(Gemm.MR, (m + Parallel.threads() * 2 - 1) / (Parallel.threads() * 2));
        int blocks = (m + rows - 1) / rows;
        Parallel.forEach(blocks, blk -> {
            int r0 = blk * rows, rc = Math.min(rows, m - r0);
            int aOff = ta ? r0 : r0 * lda;
            Gemm.gemm(ta, tb, rc, n, k, av, aOff, lda, bv, 0, ldb, c, r0 * n, n);
        });
        return wrap(c, Shape.of(m, n));
    }

    @Override public Tensor linear(Tensor x, Tensor w, Tensor b) {
        requireRank(x, 2, "linear input");
        requireRank(w, 2, "linear weight");
        if (x.dim(1) != w.dim(1)) throw new IllegalArgumentException("linear: input " + x.shape() + " does not fit weight " + w.shape());
        Tensor y = matmul(x, false, w, true);
        if (b != null) {
            float[] yv = data(y), bv = data(b);
            int o = w.dim(0);
            for (int i = 0; i < yv.length; i++) yv[i] += bv[i % o];
        }
        return y;
    }

    private CpuConv2d.Dims convDims(Shape x, Shape w, Conv2dGeometry g) {
        if (x.rank() != 4 || w.rank() != 4) throw new IllegalArgumentException("conv2d needs NCHW input and OIHW weight, got " + x + " and " + w);
        if (x.dim(1) != w.dim(1)) throw new IllegalArgumentException("conv2d: input " + x + " has " + x.dim(1) + " channels, weight " + w + " expects " + w.dim(1));
        int ho = g.outHeight(x.dim(2), w.dim(2)), wo = g.outWidth(x.dim(3), w.dim(3));
        if (ho <= 0 || wo <= 0) throw new IllegalArgumentException("conv2d: input " + x + " too small for kernel " + w);
        return new CpuConv2d.Dims(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), ho, wo, g);
    }

    @Override public Tensor conv2dForward(Tensor x, Tensor w, Tensor b, Conv2dGeometry g) {
        requireCpu(x, w, b);
        CpuConv2d.Dims d = convDims(x.shape(), w.shape(), g);
        float[] out = alloc(d.n() * d.co() * d.p());
        CpuConv2d.forward(data(x), data(w), b == null ? null : data(b), d, out, pool);
        return wrap(out, Shape.of(d.n(), d.co(), d.ho(), d.wo()));
    }

    /** {@code -Dtimetuner.cpu.fuse=off} runs {@link #resnetBlockInterior} as the composition (for comparisons). */
    static boolean fuse = !"off".equals(System.getProperty("timetuner.cpu.fuse"));

    /**
     * Fused when both convolutions run by Winograd and the middle channels fill whole vectors:
     * conv1 writes its output blocked by channel vectors with the shift added as a per-image
     * bias, the second group norm reads that and writes the padded blocked input conv2's
     * transforms read, so neither the scatter into NCHW nor the copy out of it runs in between.
     * When x's channels also fill whole vectors (and its groups fit in them), the first group
     * norm writes conv1's padded blocked input the same way, straight from NCHW x.
     */
    @Override public Tensor resnetBlockInterior(Tensor x, Tensor gamma1, Tensor beta1, Tensor w1, Tensor b1, Tensor shift,
                                                Tensor gamma2, Tensor beta2, int groups, float eps, Tensor w2, Tensor b2, Tensor skip) {
        requireCpu(x, gamma1, beta1, w1, b1, shift, gamma2, beta2, w2, b2, skip);
        Conv2dGeometry same = Conv2dGeometry.of(1, 1);
        CpuConv2d.Dims d1 = convDims(x.shape(), w1.shape(), same);
        int c = d1.co(), ci = d1.ci(), lanes = CpuWinograd.lanes();
        boolean fused = fuse && w2.shape().rank() == 4 && w2.shape().dim(1) == c && shift.shape().equals(Shape.of(d1.n(), c))
                && c % lanes == 0 && c % groups == 0 && ci % groups == 0 && CpuWinograd.applies(d1);
        CpuConv2d.Dims d2 = fused ? convDims(Shape.of(d1.n(), c, d1.ho(), d1.wo()), w2.shape(), same) : null;
        Shape outShape = fused ? Shape.of(d2.n(), d2.co(), d2.ho(), d2.wo()) : null;
        if (!fused || !CpuWinograd.applies(d2) || (skip != null && !skip.shape().equals(outShape)))
            return Backend.super.resnetBlockInterior(x, gamma1, beta1, w1, b1, shift, gamma2, beta2, groups, eps, w2, b2, skip);
        float[] bias1 = CpuResnetInterior.shiftedBias(b1 == null ? null : data(b1), data(shift), d1.n(), c);
        float[] h = pool.take(d1.n() * c * d1.p());
        if (ci % lanes == 0 && lanes % (ci / groups) == 0) {
            CpuWinograd.PaddedInput layout1 = CpuWinograd.PaddedInput.of(d1);
            float[] xb1 = pool.take(layout1.size(d1.n()));
            CpuBlockedGroupNorm.siluIntoPaddedFromNchw(data(x), data(gamma1), data(beta1), d1.n(), ci, d1.h(), d1.w(), groups, eps, xb1, layout1);
            CpuWinograd.forward(CpuWinograd.tile(), xb1, true, data(w1), false, bias1, d1, h, null, true, pool);
            pool.give(xb1);
        } else {
            try (Scope scope = Scope.open()) {
                Tensor n1 = groupNormSiluForward(x, gamma1, beta1, groups, eps)[0];
                CpuWinograd.forward(CpuWinograd.tile(), data(n1), false, data(w1), false, bias1, d1, h, null, true, pool);
            }
        }
        float[] out = alloc(d2.n() * d2.co() * d2.p());
        CpuResnetInterior.afterConv1(h, data(gamma2), data(beta2), groups, eps, d2, data(w2), b2 == null ? null : data(b2),
                skip == null ? null : data(skip), out, false, pool);
        return wrap(out, outShape);
    }

    /** With {@code -Dtimetuner.cpu.fuse=off} a UNet stays in NCHW, as it does on other backends. */
    @Override public java.util.Optional<org.timetuner4j.backend.ChannelBlockedOps> channelBlocked() {
        return fuse && CpuWinograd.ENABLED ? java.util.Optional.of(channelBlocked) : java.util.Optional.empty();
    }

    @Override public Tensor conv2dBackwardInput(Tensor gradOut, Tensor w, Conv2dGeometry g, Shape inputShape) {
        requireCpu(gradOut, w);
        CpuConv2d.Dims d = convDims(inputShape, w.shape(), g);
        float[] gx = CpuConv2d.backwardInputWritesAll(d) ? alloc(inputShape.numel()) : zeroed(inputShape.numel());
        CpuConv2d.backwardInput(data(gradOut), data(w), d, gx, pool);
        return wrap(gx, inputShape);
    }

    @Override public Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dGeometry g, Shape weightShape) {
        requireCpu(x, gradOut);
        CpuConv2d.Dims d = convDims(x.shape(), weightShape, g);
        float[] gw = zeroed(weightShape.numel());
        CpuConv2d.backwardWeight(data(x), data(gradOut), d, gw);
        return wrap(gw, weightShape);
    }

    @Override public Tensor conv2dBackwardBias(Tensor gradOut) {
        requireCpu(gradOut);
        Shape s = gradOut.shape();
        float[] gb = new float[s.dim(1)];
        CpuConv2d.backwardBias(data(gradOut), s.dim(0), s.dim(1), s.dim(2) * s.dim(3), gb);
        return wrap(gb, Shape.of(s.dim(1)));
    }

    // ---- normalisation ----
    @Override public Tensor[] groupNormForward(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        return groupNorm(x, gamma, beta, groups, eps, false);
    }

    @Override public Tensor[] groupNormSiluForward(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        return groupNorm(x, gamma, beta, groups, eps, true);
    }

    private Tensor[] groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps, boolean silu) {
        requireCpu(x, gamma, beta);
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), hw = s.numel() / (n * c);
        if (c % groups != 0) throw new IllegalArgumentException("group norm: " + c + " channels not divisible into " + groups + " groups");
        float[] y = alloc(s.numel()), mean = new float[n * groups], rstd = new float[n * groups];
        CpuGroupNorm.forward(data(x), data(gamma), data(beta), n, c, hw, groups, eps, silu, y, mean, rstd);
        return new Tensor[] {wrap(y, s), wrap(mean, Shape.of(n * groups)), wrap(rstd, Shape.of(n * groups))};
    }

    @Override public Tensor[] groupNormBackward(Tensor gradOut, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups) {
        requireCpu(gradOut, x, gamma, mean, rstd);
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), hw = s.numel() / (n * c);
        float[] gx = alloc(s.numel()), gg = new float[c], gb = new float[c];
        CpuGroupNorm.backward(data(gradOut), data(x), data(gamma), data(mean), data(rstd), n, c, hw, groups, gx, gg, gb);
        return new Tensor[] {wrap(gx, s), wrap(gg, Shape.of(c)), wrap(gb, Shape.of(c))};
    }

    @Override public Tensor[] groupNormSiluBackward(Tensor gradOut, Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd,
                                                    int groups) {
        requireCpu(gradOut, x, gamma, beta, mean, rstd);
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), hw = s.numel() / (n * c);
        float[] gz = alloc(s.numel()), gx = alloc(s.numel()), gg = new float[c], gb = new float[c];
        CpuGroupNorm.siluGrad(data(gradOut), data(x), data(gamma), data(beta), data(mean), data(rstd), n, c, hw, groups, gz);
        CpuGroupNorm.backward(gz, data(x), data(gamma), data(mean), data(rstd), n, c, hw, groups, gx, gg, gb);
        pool.give(gz);
        return new Tensor[] {wrap(gx, s), wrap(gg, Shape.of(c)), wrap(gb, Shape.of(c))};
    }

    // ---- layout and resampling ----
    @Override public Tensor concatChannels(Tensor a, Tensor b) {
        requireCpu(a, b);
        Shape sa = a.shape(), sb = b.shape();
        if (sa.rank() != 4 || sb.rank() != 4 || sa.dim(0) != sb.dim(0) || sa.dim(2) != sb.dim(2) || sa.dim(3) != sb.dim(3))
            throw new IllegalArgumentException("cannot concatenate channels of " + sa + " and " + sb);
        int hw = sa.dim(2) * sa.dim(3);
        float[] out = alloc(sa.numel() + sb.numel());
        CpuResample.concatChannels(data(a), sa.dim(1), data(b), sb.dim(1), sa.dim(0), hw, out);
        return wrap(out, sa.with(1, sa.dim(1) + sb.dim(1)));
    }

    @Override public Tensor sliceChannels(Tensor x, int start, int count) {
        requireCpu(x);
        Shape s = x.shape();
        if (start < 0 || count < 0 || start + count > s.dim(1))
            throw new IllegalArgumentException("channel slice [" + start + ", " + (start + count) + ") outside " + s);
        int hw = s.numel() / (s.dim(0) * s.dim(1));
        float[] out = alloc(s.dim(0) * count * hw);
        CpuResample.sliceChannels(data(x), s.dim(1), start, count, s.dim(0), hw, out);
        return wrap(out, s.with(1, count));
    }

    @Override public Tensor upsampleNearest2x(Tensor x) {
        requireCpu(x);
        Shape s = x.shape();
        float[] out = alloc(s.numel() * 4);
        CpuResample.upsampleNearest2x(data(x), s.dim(0) * s.dim(1), s.dim(2), s.dim(3), out);
        return wrap(out, Shape.of(s.dim(0), s.dim(1), 2 * s.dim(2), 2 * s.dim(3)));
    }

    /** The convolution's blocked input written from x, each pixel four times, when it runs by Winograd; composed otherwise. */
    @Override public Tensor upsampleConv(Tensor x, Tensor w, Tensor b) {
        requireCpu(x, w, b);
        Shape s = x.shape();
        if (s.rank() != 4 || w.shape().rank() != 4 || w.shape().dim(2) != 3 || w.shape().dim(3) != 3)
            return Backend.super.upsampleConv(x, w, b);
        CpuConv2d.Dims d = convDims(Shape.of(s.dim(0), s.dim(1), 2 * s.dim(2), 2 * s.dim(3)), w.shape(), Conv2dGeometry.of(1, 1));
        if (!fuse || !CpuWinograd.applies(d)) return Backend.super.upsampleConv(x, w, b);
        float[] out = alloc(d.n() * d.co() * d.p());
        CpuWinograd.forwardUpsampled(data(x), false, data(w), b == null ? null : data(b), d, out, pool);
        return wrap(out, Shape.of(d.n(), d.co(), d.ho(), d.wo()));
    }

    @Override public Tensor upsampleNearest2xBackward(Tensor gradOut) {
        requireCpu(gradOut);
        Shape s = gradOut.shape();
        int h = s.dim(2) / 2, w = s.dim(3) / 2;
        float[] out = alloc(s.dim(0) * s.dim(1) * h * w);
        CpuResample.upsampleNearest2xBackward(data(gradOut), s.dim(0) * s.dim(1), h, w, out);
        return wrap(out, Shape.of(s.dim(0), s.dim(1), h, w));
    }

    @Override public Tensor avgPool2x2(Tensor x) {
        requireCpu(x);
        Shape s = x.shape();
        Shape o = Shape.of(s.dim(0), s.dim(1), s.dim(2) / 2, s.dim(3) / 2);
        float[] out = alloc(o.numel());
        CpuResample.avgPool2x2(data(x), s.dim(0) * s.dim(1), s.dim(2), s.dim(3), out);
        return wrap(out, o);
    }

    @Override public Tensor avgPool2x2Backward(Tensor gradOut, Shape inputShape) {
        requireCpu(gradOut);
        float[] out = zeroed(inputShape.numel());
        CpuResample.avgPool2x2Backward(data(gradOut), inputShape.dim(0) * inputShape.dim(1), inputShape.dim(2), inputShape.dim(3), out);
        return wrap(out, inputShape);
    }

    // ---- attention ----
    @Override public Tensor[] attentionForward(Tensor q, Tensor k, Tensor v, float scale) {
        requireCpu(q, k, v);
        Shape s = q.shape();
        if (!s.equals(k.shape()) || !s.equals(v.shape()) || s.rank() != 4)
            throw new IllegalArgumentException("attention needs equal NCHW q, k, v; got " + s + ", " + k.shape() + ", " + v.shape());
        int n = s.dim(0), c = s.dim(1), p = s.dim(2) * s.dim(3);
        float[] out = alloc(s.numel()), probs = alloc(n * p * p);
        CpuAttention.forward(data(q), data(k), data(v), n, c, p, scale, out, probs);
        return new Tensor[] {wrap(out, s), wrap(probs, Shape.of(n, p, p))};
    }

    @Override public Tensor[] attentionBackward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor probs, float scale) {
        requireCpu(gradOut, q, k, v, probs);
        Shape s = q.shape();
        int n = s.dim(0), c = s.dim(1), p = s.dim(2) * s.dim(3);
        float[] gq = zeroed(s.numel()), gk = zeroed(s.numel()), gv = zeroed(s.numel());
        CpuAttention.backward(data(gradOut), data(q), data(k), data(v), data(probs), n, c, p, scale, gq, gk, gv);
        return new Tensor[] {wrap(gq, s), wrap(gk, s), wrap(gv, s)};
    }

    // ---- embedding lookup ----
    @Override public Tensor embedding(Tensor weight, int[] indices) {
        requireCpu(weight);
        requireRank(weight, 2, "embedding weight");
        int v = weight.dim(0), d = weight.dim(1);
        float[] w = data(weight), out = alloc(indices.length * d);
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= v)
                throw new IllegalArgumentException("label " + indices[i] + " is outside [0, " + v + ")");
            System.arraycopy(w, indices[i] * d, out, i * d, d);
        }
        return wrap(out, Shape.of(indices.length, d));
    }

    @Override public Tensor embeddingBackward(Tensor gradOut, int[] indices, int rows) {
        requireCpu(gradOut);
        int d = gradOut.dim(1);
        float[] g = data(gradOut), out = zeroed(rows * d);
        for (int i = 0; i < indices.length; i++)
            for (int j = 0; j < d; j++) out[indices[i] * d + j] += g[i * d + j];
        return wrap(out, Shape.of(rows, d));
    }

    // ---- time embedding ----
    @Override public Tensor timestepEmbedding(Tensor t, int dim) {
        requireCpu(t);
        requireRank(t, 1, "time input");
        float[] out = alloc(t.numel() * dim);
        CpuTimestepEmbedding.forward(data(t), dim, out);
        return wrap(out, Shape.of(t.numel(), dim));
    }

    @Override public Tensor timestepEmbeddingBackward(Tensor gradOut, Tensor t, int dim) {
        requireCpu(gradOut, t);
        float[] gt = new float[t.numel()];
        CpuTimestepEmbedding.backward(data(gradOut), data(t), dim, gt);
        return wrap(gt, t.shape());
    }

    // ---- reductions ----
    @Override public Tensor sum(Tensor x) {
        requireCpu(x);
        float[] v = data(x);
        return wrap(new float[] {(float) Parallel.sum(v.length, i -> v[i])}, Shape.scalar());
    }

    @Override public Tensor sumOfSquares(Tensor x) {
        requireCpu(x);
        float[] v = data(x);
        return wrap(new float[] {(float) Parallel.sum(v.length, i -> (double) v[i] * v[i])}, Shape.scalar());
    }

    // ---- classification loss ----
    @Override public Tensor[] crossEntropyForward(Tensor logits, int[] labels) {
        requireCpu(logits);
        CrossEntropyArgs.check(logits, labels);
        float[] stats = alloc(2 * labels.length);
        double loss = CpuCrossEntropy.forward(data(logits), labels, logits.dim(1), stats);
        return new Tensor[] {wrap(new float[] {(float) loss}, Shape.scalar()), wrap(stats, Shape.of(labels.length, 2))};
    }

    @Override public Tensor crossEntropyBackward(Tensor gradOut, Tensor logits, Tensor rowStats, int[] labels) {
        requireCpu(gradOut, logits, rowStats);
        CrossEntropyArgs.check(logits, labels);
        float[] gz = alloc(logits.numel());
        CpuCrossEntropy.backward(gradOut.item(), data(logits), data(rowStats), labels, logits.dim(1), gz);
        return wrap(gz, logits.shape());
    }

    // ---- random numbers ----
    @Override public Tensor randn(Shape shape, long seed, long offset) {
        float[] out = alloc(shape.numel());
        Philox.fillNormal(out, seed, offset);
        return wrap(out, shape);
    }

    @Override public Tensor randnRows(Shape shape, long seed, long[] offsets) {
        int rows = shape.dim(0), d = shape.numel() / rows;
        if (offsets.length != rows) throw new IllegalArgumentException(offsets.length + " offsets for " + rows + " rows");
        float[] out = alloc(shape.numel());
        Parallel.forEach(rows, k -> {
            for (int j = 0; j < d; j++) out[k * d + j] = Philox.normal(seed, offsets[k] + j);
        });
        return wrap(out, shape);
    }

    @Override public Tensor rand(Shape shape, long seed, long offset) {
        float[] out = alloc(shape.numel());
        Philox.fillUniform(out, seed, offset);
        return wrap(out, shape);
    }

    @Override public Tensor dropoutMask(Shape shape, float p, long seed, long offset) {
        float[] out = alloc(shape.numel());
        Philox.fillUniform(out, seed, offset);
        float keep = 1f / (1f - p);
        for (int i = 0; i < out.length; i++) out[i] = out[i] < p ? 0f : keep;
        return wrap(out, shape);
    }
}
