package org.timetuner4j.backend.cpu;

import org.timetuner4j.backend.ChannelBlockedOps;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * The CPU's ops on activations blocked by one vector of channels, the layout its Winograd
 * transforms, its blocked group norm and {@link CpuBlockedConv} read and write. A UNet's residual
 * block then runs from blocked x to blocked output with its shortcut added as conv2's tiles are
 * written; before, each block scattered conv2's tiles into NCHW and the next block copied them
 * back into vectors of channels.
 */
final class CpuChannelBlocked implements ChannelBlockedOps {
    private static final int L = CpuWinograd.lanes();
    private final CpuBackend backend;

    CpuChannelBlocked(CpuBackend backend) { this.backend = backend; }

    @Override public int lanes() { return L; }

    @Override public Tensor block(Tensor x) {
        backend.requireCpu(x);
        Shape s = x.shape();
        if (s.rank() != 4 || s.dim(1) % L != 0) throw new IllegalArgumentException("cannot block " + s + " by " + L + " channels");
        int n = s.dim(0), c = s.dim(1), hw = s.dim(2) * s.dim(3), blocks = c / L;
        float[] v = CpuBackend.data(x), out = backend.alloc(s.numel());
        CpuWinograd.PaddedInput unpadded = new CpuWinograd.PaddedInput(blocks, s.dim(2), s.dim(3), 0, 0);
        // image job / blocks, channels (job % blocks)·L…: the same offset, job·L·hw, in both layouts
        Parallel.forEach(n * blocks, job -> unpadded.copyIn(v, job * L * hw, L, s.dim(2), s.dim(3), out, job * hw * L));
        return backend.wrap(out, blockedShape(n, c, s.dim(2), s.dim(3)));
    }

    @Override public Tensor unblock(Tensor xb) {
        backend.requireCpu(xb);
        Shape s = requireBlocked(xb, "unblock");
        int n = s.dim(0), blocks = s.dim(1), hw = s.dim(2) * s.dim(3);
        float[] v = CpuBackend.data(xb), out = backend.alloc(s.numel());
        Parallel.forEach(n * blocks, job -> {
            int base = job * L * hw;
            for (int k = 0; k < L; k++)
                for (int p = 0; p < hw; p++) out[base + k * hw + p] = v[base + p * L + k];
        });
        return backend.wrap(out, Shape.of(n, blocks * L, s.dim(2), s.dim(3)));
    }

    @Override public Tensor conv2d(Tensor xb, Tensor w, Tensor b, Conv2dGeometry g) {
        backend.requireCpu(xb, w, b);
        Shape s = requireBlocked(xb, "conv2d");
        Shape ws = w.shape();
        if (ws.rank() != 4 || ws.dim(1) != s.dim(1) * L)
            throw new IllegalArgumentException("conv2d: blocked input " + s + " has " + s.dim(1) * L + " channels, weight " + ws + " expects " + ws.dim(1));
        CpuBlockedConv.Dims d = new CpuBlockedConv.Dims(s.dim(0), ws.dim(1), s.dim(2), s.dim(3), ws.dim(0), ws.dim(2), ws.dim(3), g);
        float[] out = backend.alloc(d.n() * d.co() * d.ho() * d.wo());
        CpuBlockedConv.forward(CpuBackend.data(xb), CpuBackend.data(w), b == null ? null : CpuBackend.data(b), d, out, null, backend.pool());
        return backend.wrap(out, blockedShape(d.n(), d.co(), d.ho(), d.wo()));
    }

    @Override public Tensor upsampleConv(Tensor xb, Tensor w, Tensor b) {
        backend.requireCpu(xb, w, b);
        Shape s = requireBlocked(xb, "upsampleConv");
        CpuConv2d.Dims d = winogradDims(s.dim(0), s.dim(1) * L, 2 * s.dim(2), 2 * s.dim(3), w);
        float[] out = backend.alloc(d.n() * d.co() * d.p());
        CpuWinograd.forwardUpsampled(CpuBackend.data(xb), true, CpuBackend.data(w), b == null ? null : CpuBackend.data(b), d, out, backend.pool());
        return backend.wrap(out, blockedShape(d.n(), d.co(), d.ho(), d.wo()));
    }

    @Override public Tensor resnetBlockInterior(Tensor xb, Tensor gamma1, Tensor beta1, Tensor w1, Tensor b1, Tensor shift,
                                                Tensor gamma2, Tensor beta2, int groups, float eps, Tensor w2, Tensor b2, Tensor skip) {
        backend.requireCpu(xb, gamma1, beta1, w1, b1, shift, gamma2, beta2, w2, b2, skip);
        Shape s = requireBlocked(xb, "resnetBlockInterior");
        int n = s.dim(0), ci = s.dim(1) * L, h = s.dim(2), w = s.dim(3);
        CpuConv2d.Dims d1 = winogradDims(n, ci, h, w, w1), d2 = winogradDims(n, d1.co(), h, w, w2);
        int c = d1.co();
        if (c % L != 0 || c % groups != 0 || ci % groups != 0 || d2.co() % L != 0)
            throw new IllegalArgumentException("blocked residual block: " + ci + " → " + c + " → " + d2.co() + " channels, "
                    + groups + " groups, blocks of " + L);
        if (!shift.shape().equals(Shape.of(n, c))) throw new IllegalArgumentException("shift " + shift.shape() + ", expected [" + n + ", " + c + "]");
        Shape outShape = blockedShape(n, d2.co(), h, w);
        if (skip != null && !skip.shape().equals(outShape)) throw new IllegalArgumentException("skip " + skip.shape() + ", expected " + outShape);
        ArrayPool pool = backend.pool();
        float[] bias1 = CpuResnetInterior.shiftedBias(b1 == null ? null : CpuBackend.data(b1), CpuBackend.data(shift), n, c);
        CpuWinograd.PaddedInput layout1 = CpuWinograd.PaddedInput.of(d1);
        float[] xb1 = pool.take(layout1.size(n));
        CpuBlockedGroupNorm.siluIntoPadded(CpuBackend.data(xb), CpuBackend.data(gamma1), CpuBackend.data(beta1), n, ci, h, w, groups, eps, xb1, layout1);
        float[] mid = pool.take(n * c * h * w);
        CpuWinograd.forward(CpuWinograd.tile(), xb1, true, CpuBackend.data(w1), false, bias1, d1, mid, null, true, pool);
        pool.give(xb1);
        float[] out = backend.alloc(outShape.numel());
        CpuResnetInterior.afterConv1(mid, CpuBackend.data(gamma2), CpuBackend.data(beta2), groups, eps, d2, CpuBackend.data(w2),
                b2 == null ? null : CpuBackend.data(b2), skip == null ? null : CpuBackend.data(skip), out, true, pool);
        return backend.wrap(out, outShape);
    }

    /**
     * The norm writes blocked h; q, k and v are computed from it pixel-major ([n][p][c], what the
     * attention's matrix products read as they are); proj reads the pixel-major result and adds
     * x as it writes its blocked output.
     */
    @Override public Tensor attentionBlock(Tensor xb, Tensor gamma, Tensor beta, int groups, float eps, Tensor wq, Tensor bq,
                                           Tensor wk, Tensor bk, Tensor wv, Tensor bv, Tensor wProj, Tensor bProj, float scale) {
        backend.requireCpu(xb, gamma, beta, wq, bq, wk, bk, wv, bv, wProj, bProj);
        Shape s = requireBlocked(xb, "attentionBlock");
        int n = s.dim(0), blocks = s.dim(1), c = blocks * L, h = s.dim(2), w = s.dim(3), p = h * w;
        if (c % groups != 0) throw new IllegalArgumentException("attention block: " + c + " channels in " + groups + " groups");
        for (Tensor weight : new Tensor[] {wq, wk, wv, wProj})
            if (!weight.shape().equals(Shape.of(c, c, 1, 1)))
                throw new IllegalArgumentException("attention block on " + c + " channels: projection weight " + weight.shape());
        ArrayPool pool = backend.pool();
        float[] normed = pool.take(n * c * p);
        CpuBlockedGroupNorm.intoPadded(CpuBackend.data(xb), CpuBackend.data(gamma), CpuBackend.data(beta), n, c, h, w, groups, eps, false,
                normed, new CpuWinograd.PaddedInput(blocks, h, w, 0, 0));
        Conv2dGeometry pointwise = Conv2dGeometry.of(1, 0);
        CpuBlockedConv.Dims toPixelMajor = new CpuBlockedConv.Dims(n, c, h, w, c, 1, 1, pointwise, false, true);
        float[][] qkv = new float[3][];
        Tensor[][] projections = {{wq, bq}, {wk, bk}, {wv, bv}};
        for (int j = 0; j < 3; j++) {
            qkv[j] = pool.take(n * c * p);
            Tensor bias = projections[j][1];
            CpuBlockedConv.forward(normed, CpuBackend.data(projections[j][0]), bias == null ? null : CpuBackend.data(bias), toPixelMajor,
                    qkv[j], null, pool);
        }
        float[] attended = normed, probs = pool.take(n * p * p);  // h is spent: its array takes the attention's output
        CpuAttention.forwardNhwc(qkv[0], qkv[1], qkv[2], n, c, p, scale, attended, probs);
        pool.give(probs);
        for (float[] a : qkv) pool.give(a);
        float[] out = backend.alloc(s.numel());
        CpuBlockedConv.forward(attended, CpuBackend.data(wProj), bProj == null ? null : CpuBackend.data(bProj),
                new CpuBlockedConv.Dims(n, c, h, w, c, 1, 1, pointwise, true, false), out, CpuBackend.data(xb), pool);
        pool.give(attended);
        return backend.wrap(out, s);
    }

    @Override public Tensor concatChannels(Tensor a, Tensor b) {
        backend.requireCpu(a, b);
        Shape sa = requireBlocked(a, "concatChannels"), sb = requireBlocked(b, "concatChannels");
        if (sa.dim(0) != sb.dim(0) || sa.dim(2) != sb.dim(2) || sa.dim(3) != sb.dim(3))
            throw new IllegalArgumentException("cannot concatenate channels of " + sa + " and " + sb);
        float[] out = backend.alloc(sa.numel() + sb.numel());
        CpuResample.concatChannels(CpuBackend.data(a), sa.dim(1), CpuBackend.data(b), sb.dim(1), sa.dim(0), sa.dim(2) * sa.dim(3) * L, out);
        return backend.wrap(out, sa.with(1, sa.dim(1) + sb.dim(1)));
    }

    private static Shape blockedShape(int n, int c, int h, int w) { return Shape.of(n, c / L, h, w, L); }

    private static Shape requireBlocked(Tensor t, String op) {
        Shape s = t.shape();
        if (s.rank() != 5 || s.dim(4) != L) throw new IllegalArgumentException(op + ": " + s + " is not blocked by " + L + " channels");
        return s;
    }

    /** A 3×3, padding-1 convolution of w on an n×ci×h×w input, which must run by Winograd. */
    private static CpuConv2d.Dims winogradDims(int n, int ci, int h, int w, Tensor weight) {
        Shape ws = weight.shape();
        if (ws.rank() != 4 || ws.dim(1) != ci || ws.dim(2) != 3 || ws.dim(3) != 3)
            throw new IllegalArgumentException("expected a 3×3 weight for " + ci + " input channels, got " + ws);
        CpuConv2d.Dims d = new CpuConv2d.Dims(n, ci, h, w, ws.dim(0), 3, 3, h, w, Conv2dGeometry.of(1, 1));
        if (!CpuWinograd.applies(d)) throw new IllegalArgumentException("blocked convolutions run by Winograd, which is off or does not apply to " + ws);
        return d;
    }
}
