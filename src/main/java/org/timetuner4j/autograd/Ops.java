package org.timetuner4j.autograd;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * The differentiable ops: each computes its forward on the tensors' backend and, when a tape
 * is recording, registers its backward right beside it. Models and solvers are written with
 * these, so anything they compute can be differentiated.
 */
public final class Ops {
    private Ops() {}

    private static Tensor[] in(Tensor... ts) { return ts; }

    private static boolean wants(Tensor t) { return t != null && t.requiresGrad(); }

    /** The gradient g reduced to {@code shape} (sum over broadcast dimensions), as an owned reference. */
    private static Tensor reduceTo(Tensor g, Shape shape) {
        return g.shape().equals(shape) ? g.retain() : g.backend().sumToShape(g, shape);
    }

    /**
     * A gradient the backward just computed, reduced to {@code shape}. It is already a new
     * reference, so unlike {@link #reduceTo} it is returned as it is, not retained once more.
     */
    private static Tensor reduceNew(Tensor fresh, Shape shape) {
        return fresh.shape().equals(shape) ? fresh : fresh.backend().sumToShape(fresh, shape);
    }

    // ---------------------------------------------------------------- element-wise

    public static Tensor add(Tensor a, Tensor b) {
        Tensor y = a.backend().add(a, b);
        Tape.record(y, g -> new Tensor[] {
                wants(a) ? reduceTo(g, a.shape()) : null,
                wants(b) ? reduceTo(g, b.shape()) : null}, in(a, b));
        return y;
    }

    public static Tensor sub(Tensor a, Tensor b) {
        Tensor y = a.backend().sub(a, b);
        Tape.record(y, g -> {
            Tensor gb = null;
            if (wants(b)) {
                Tensor neg = g.backend().affine(g, -1f, 0f);
                gb = reduceNew(neg, b.shape());
            }
            return new Tensor[] {wants(a) ? reduceTo(g, a.shape()) : null, gb};
        }, in(a, b));
        return y;
    }

    public static Tensor mul(Tensor a, Tensor b) {
        Backend be = a.backend();
        Tensor y = be.mul(a, b);
        Tape.record(y, g -> new Tensor[] {
                wants(a) ? reduceNew(be.mul(g, b), a.shape()) : null,
                wants(b) ? reduceNew(be.mul(g, a), b.shape()) : null}, in(a, b));
        return y;
    }

    /** s·x + c for constants s and c. */
    public static Tensor affine(Tensor x, float s, float c) {
        Tensor y = x.backend().affine(x, s, c);
        Tape.record(y, g -> new Tensor[] {g.backend().affine(g, s, 0f)}, in(x));
        return y;
    }

    public static Tensor scale(Tensor x, float s) { return affine(x, s, 0f); }

    /** alpha·x + beta·y for constants alpha and beta, same shapes. */
    public static Tensor axpby(float alpha, Tensor x, float beta, Tensor y) {
        Tensor out = x.backend().axpby(alpha, x, beta, y);
        Tape.record(out, g -> new Tensor[] {
                wants(x) ? g.backend().affine(g, alpha, 0f) : null,
                wants(y) ? g.backend().affine(g, beta, 0f) : null}, in(x, y));
        return out;
    }

    public static Tensor silu(Tensor x) {
        Tensor y = x.backend().silu(x);
        Tape.record(y, g -> new Tensor[] {g.backend().siluBackward(x, g)}, in(x));
        return y;
    }

    public static Tensor reshape(Tensor x, Shape shape) {
        Tensor y = x.backend().reshape(x, shape);
        Tape.record(y, g -> new Tensor[] {g.backend().reshape(g, x.shape())}, in(x));
        return y;
    }

    /** Inverted dropout: zeroes each value with probability p and scales the rest by 1/(1−p). */
    public static Tensor dropout(Tensor x, float p, long seed, long offset) {
        if (p <= 0f) return x;
        Tensor mask = x.backend().dropoutMask(x.shape(), p, seed, offset);
        Tensor y = x.backend().mul(x, mask);
        Tape.record(y, g -> new Tensor[] {g.backend().mul(g, mask)}, in(x), mask);
        return y;
    }

    // ---------------------------------------------------------------- linear algebra

    /** x [N,I] · wᵀ + b, w [O,I], b [O] or null. */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        Backend be = x.backend();
        Tensor y = be.linear(x, w, b);
        Tape.record(y, g -> new Tensor[] {
                wants(x) ? be.matmul(g, false, w, false) : null,
                wants(w) ? be.matmul(g, true, x, false) : null,
                wants(b) ? be.sumToShape(g, b.shape()) : null}, in(x, w, b));
        return y;
    }

    public static Tensor matmul(Tensor a, boolean ta, Tensor b, boolean tb) {
        Backend be = a.backend();
        Tensor y = be.matmul(a, ta, b, tb);
        // C = op(A)·op(B): dop(A) = g·op(B)ᵀ, dop(B) = op(A)ᵀ·g; transpose back where stored transposed.
        Tape.record(y, g -> new Tensor[] {
                wants(a) ? (ta ? be.matmul(b, tb, g, true) : be.matmul(g, false, b, !tb)) : null,
                wants(b) ? (tb ? be.matmul(g, true, a, ta) : be.matmul(a, !ta, g, false)) : null}, in(a, b));
        return y;
    }

    public static Tensor conv2d(Tensor x, Tensor w, Tensor b, Conv2dGeometry geom) {
        Backend be = x.backend();
        Tensor y = be.conv2dForward(x, w, b, geom);
        Tape.record(y, g -> new Tensor[] {
                wants(x) ? be.conv2dBackwardInput(g, w, geom, x.shape()) : null,
                wants(w) ? be.conv2dBackwardWeight(x, g, geom, w.shape()) : null,
                wants(b) ? be.conv2dBackwardBias(g) : null}, in(x, w, b));
        return y;
    }

    // ---------------------------------------------------------------- normalisation

    public static Tensor groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        return groupNorm(x, gamma, beta, groups, eps, false);
    }

    /** silu(groupNorm(x)) as one op: one pass forward, and no normalised tensor kept for backward. */
    public static Tensor groupNormSilu(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        return groupNorm(x, gamma, beta, groups, eps, true);
    }

    private static Tensor groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps, boolean silu) {
        Backend be = x.backend();
        Tensor[] r = silu ? be.groupNormSiluForward(x, gamma, beta, groups, eps) : be.groupNormForward(x, gamma, beta, groups, eps);
        Tensor y = r[0], mean = r[1], rstd = r[2];
        Tape.record(y, g -> {
            Tensor[] gr = silu ? be.groupNormSiluBackward(g, x, gamma, beta, mean, rstd, groups)
                    : be.groupNormBackward(g, x, gamma, mean, rstd, groups);
            return new Tensor[] {wants(x) ? gr[0] : null, wants(gamma) ? gr[1] : null, wants(beta) ? gr[2] : null};
        }, in(x, gamma, beta), mean, rstd);
        return y;
    }

    // ---------------------------------------------------------------- layout and resampling

    public static Tensor concatChannels(Tensor a, Tensor b) {
        Backend be = a.backend();
        Tensor y = be.concatChannels(a, b);
        int ca = a.dim(1), cb = b.dim(1);
        Tape.record(y, g -> new Tensor[] {
                wants(a) ? be.sliceChannels(g, 0, ca) : null,
                wants(b) ? be.sliceChannels(g, ca, cb) : null}, in(a, b));
        return y;
    }

    /** Channels [start, start+count) of an NCHW tensor (any rank ≥ 2 with channels at dim 1). */
    public static Tensor sliceChannels(Tensor x, int start, int count) {
        Backend be = x.backend();
        Tensor y = be.sliceChannels(x, start, count);
        int total = x.dim(1);
        Tape.record(y, g -> {
            Tensor out = g.retain();
            if (start > 0) {
                Tensor before = be.zeros(x.shape().with(1, start));
                Tensor joined = be.concatChannels(before, out);
                out.close();
                out = joined;
            }
            if (start + count < total) {
                Tensor after = be.zeros(x.shape().with(1, total - start - count));
                Tensor joined = be.concatChannels(out, after);
                out.close();
                out = joined;
            }
            return new Tensor[] {out};
        }, in(x));
        return y;
    }

    public static Tensor upsampleNearest2x(Tensor x) {
        Tensor y = x.backend().upsampleNearest2x(x);
        Tape.record(y, g -> new Tensor[] {g.backend().upsampleNearest2xBackward(g)}, in(x));
        return y;
    }

    public static Tensor avgPool2x2(Tensor x) {
        Tensor y = x.backend().avgPool2x2(x);
        Tape.record(y, g -> new Tensor[] {g.backend().avgPool2x2Backward(g, x.shape())}, in(x));
        return y;
    }

    // ---------------------------------------------------------------- attention

    /** Single-head softmax attention over the H·W positions: out = v·softmax(scale·qᵀk)ᵀ. */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, float scale) {
        Backend be = q.backend();
        Tensor[] r = be.attentionForward(q, k, v, scale);
        Tensor y = r[0], probs = r[1];
        Tape.record(y, g -> {
            Tensor[] gr = be.attentionBackward(g, q, k, v, probs, scale);
            return new Tensor[] {wants(q) ? gr[0] : null, wants(k) ? gr[1] : null, wants(v) ? gr[2] : null};
        }, in(q, k, v), probs);
        return y;
    }

    // ---------------------------------------------------------------- embedding lookup

    /** Rows of weight [V, D] picked by integer labels: [labels.length, D]. */
    public static Tensor embedding(Tensor weight, int[] labels) {
        int[] idx = labels.clone();
        Tensor y = weight.backend().embedding(weight, idx);
        Tape.record(y, g -> new Tensor[] {g.backend().embeddingBackward(g, idx, weight.dim(0))}, in(weight));
        return y;
    }

    /**
     * y_i = f(t_i) for a small tensor of times (e.g. [B]); f and its derivative df are evaluated
     * on the host in double precision. Used for schedule coefficients α(t), σ(t) of a time that
     * may carry a gradient (a tuned time τ = r·t).
     */
    public static Tensor timeFunction(Tensor t, java.util.function.DoubleUnaryOperator f,
                                      java.util.function.DoubleUnaryOperator df) {
        Backend be = t.backend();
        float[] tv = t.toArray();
        float[] y = new float[tv.length];
        for (int i = 0; i < tv.length; i++) y[i] = (float) f.applyAsDouble(tv[i]);
        Tensor out = be.fromHost(y, t.shape());
        Tape.record(out, g -> {
            float[] d = new float[tv.length];
            for (int i = 0; i < tv.length; i++) d[i] = (float) df.applyAsDouble(tv[i]);
            return new Tensor[] {be.mul(g, be.fromHost(d, t.shape()))};
        }, in(t));
        return out;
    }

    // ---------------------------------------------------------------- time embedding

    /** Sinusoidal embedding [N, dim] of the model-input times t [N]; differentiable in t. */
    public static Tensor timestepEmbedding(Tensor t, int dim) {
        Tensor y = t.backend().timestepEmbedding(t, dim);
        Tape.record(y, g -> new Tensor[] {g.backend().timestepEmbeddingBackward(g, t, dim)}, in(t));
        return y;
    }

    // ---------------------------------------------------------------- reductions

    public static Tensor sum(Tensor x) {
        Backend be = x.backend();
        Tensor y = be.sum(x);
        Tape.record(y, g -> new Tensor[] {be.add(be.zeros(x.shape()), g)}, in(x));
        return y;
    }

    /**
     * Mean over the N rows of logits [N,K] of the negative log-likelihood of {@code labels}
     * (softmax cross-entropy), shape []. Backward: (softmax − onehot)/N, from the per-row max and
     * log-sum the forward keeps.
     */
    public static Tensor crossEntropy(Tensor logits, int[] labels) {
        Backend be = logits.backend();
        int[] idx = labels.clone();
        Tensor[] r = be.crossEntropyForward(logits, idx);
        Tensor y = r[0], rowStats = r[1];
        Tape.record(y, g -> new Tensor[] {be.crossEntropyBackward(g, logits, rowStats, idx)}, in(logits), rowStats);
        return y;
    }

    public static Tensor sumOfSquares(Tensor x) {
        Backend be = x.backend();
        Tensor y = be.sumOfSquares(x);
        Tape.record(y, g -> new Tensor[] {be.mul(be.affine(x, 2f, 0f), g)}, in(x));
        return y;
    }
}
