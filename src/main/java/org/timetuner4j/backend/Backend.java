package org.timetuner4j.backend;

import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * The complete op set of the engine. Every op returns a new tensor (owned by the current
 * scope) and leaves its inputs unchanged unless its name says "InPlace". Backward kernels sit
 * next to their forward. Layouts: activations NCHW, conv weights [O,I,kh,kw], linear weights
 * [O,I] (y = x·Wᵀ + b).
 */
public interface Backend {

    String name();

    // ---- memory ----
    Tensor zeros(Shape shape);

    Tensor fromHost(float[] values, Shape shape);

    /**
     * Like {@link #fromHost}, but the caller hands {@code values} over and never touches it
     * again, so a backend that keeps host arrays (the CPU one) uses it without a copy.
     */
    default Tensor adoptHost(float[] values, Shape shape) { return fromHost(values, shape); }

    float[] toHost(Tensor t);

    /** Releases the storage of a tensor whose last owner closed it. */
    void free(Tensor t);

    /** The tensors this backend holds now (created and not yet freed). */
    MemoryStats memory();

    Tensor copy(Tensor t);

    /** Same values, another shape with the same element count. */
    Tensor reshape(Tensor t, Shape shape);

    // ---- element-wise, with broadcasting (numpy rules, rank <= 4) ----
    Tensor add(Tensor a, Tensor b);

    Tensor sub(Tensor a, Tensor b);

    Tensor mul(Tensor a, Tensor b);

    /** alpha·x + beta·y, same shapes. */
    Tensor axpby(float alpha, Tensor x, float beta, Tensor y);

    /** s·x + c. */
    Tensor affine(Tensor x, float s, float c);

    /** acc += g, same shapes (gradient accumulation). */
    void addInPlace(Tensor acc, Tensor g);

    /** Sums {@code g} over the dimensions that were broadcast to produce it from {@code target}. */
    Tensor sumToShape(Tensor g, Shape target);

    // ---- activations ----
    Tensor silu(Tensor x);

    Tensor siluBackward(Tensor x, Tensor gradOut);

    // ---- linear algebra ----
    /** op(a)·op(b) for 2-D tensors; op transposes when the flag is set. */
    Tensor matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB);

    /** x [N,I] · wᵀ [I,O] + b [O]; bias may be null. */
    Tensor linear(Tensor x, Tensor w, Tensor b);

    Tensor conv2dForward(Tensor x, Tensor w, Tensor b, Conv2dGeometry g);

    Tensor conv2dBackwardInput(Tensor gradOut, Tensor w, Conv2dGeometry g, Shape inputShape);

    Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dGeometry g, Shape weightShape);

    Tensor conv2dBackwardBias(Tensor gradOut);

    // ---- normalisation ----
    /** Returns {y, mean [N·G], rstd [N·G]}. */
    Tensor[] groupNormForward(Tensor x, Tensor gamma, Tensor beta, int groups, float eps);

    /** Returns {grad x, grad gamma, grad beta}. */
    Tensor[] groupNormBackward(Tensor gradOut, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups);

    /** silu(groupNorm(x)) in one pass (the UNet's norm-then-swish); returns {y, mean, rstd}. */
    Tensor[] groupNormSiluForward(Tensor x, Tensor gamma, Tensor beta, int groups, float eps);

    /**
     * Returns {grad x, grad gamma, grad beta} of silu(groupNorm(x)); the normalised values are
     * recomputed from x, mean and rstd, so the forward keeps no pre-activation tensor.
     */
    Tensor[] groupNormSiluBackward(Tensor gradOut, Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd, int groups);

    /**
     * A residual block at inference, its shortcut given:
     * skip + conv2(silu(groupNorm2(conv1(silu(groupNorm1(x))) + shift))), both convolutions 3×3
     * with padding 1, both norms with {@code groups} and {@code eps}, shift [N, C] added to every
     * pixel of channel c of image n (the time embedding), skip (x or its 1×1 projection; null for
     * none) shaped like the output. By default the composition of the ops above; a backend may
     * run it without the intermediate tensors' usual layout. No gradient flows through it.
     */
    default Tensor resnetBlockInterior(Tensor x, Tensor gamma1, Tensor beta1, Tensor w1, Tensor b1, Tensor shift,
                                       Tensor gamma2, Tensor beta2, int groups, float eps, Tensor w2, Tensor b2, Tensor skip) {
        Conv2dGeometry same = Conv2dGeometry.of(1, 1);
        try (Scope scope = Scope.open()) {
            Tensor h = groupNormSiluForward(x, gamma1, beta1, groups, eps)[0];
            h = conv2dForward(h, w1, b1, same);
            h = add(h, reshape(shift, Shape.of(shift.dim(0), shift.dim(1), 1, 1)));
            h = groupNormSiluForward(h, gamma2, beta2, groups, eps)[0];
            h = conv2dForward(h, w2, b2, same);
            return scope.keep(skip == null ? h : add(skip, h));
        }
    }

    /**
     * The ops on channel-blocked activations, where this backend's kernels work in that layout
     * natively ({@link ChannelBlockedOps}); empty otherwise, and then a network stays in NCHW.
     */
    default java.util.Optional<ChannelBlockedOps> channelBlocked() { return java.util.Optional.empty(); }

    // ---- layout and resampling ----
    Tensor concatChannels(Tensor a, Tensor b);

    Tensor sliceChannels(Tensor x, int start, int count);

    Tensor upsampleNearest2x(Tensor x);

    Tensor upsampleNearest2xBackward(Tensor gradOut);

    /**
     * conv(upsampleNearest2x(x), w, b) with a 3×3 kernel and padding 1 (a UNet's upsampling
     * step) at inference. By default the composition; a backend may skip the upsampled tensor.
     * No gradient flows through it.
     */
    default Tensor upsampleConv(Tensor x, Tensor w, Tensor b) {
        try (Scope scope = Scope.open()) {
            return scope.keep(conv2dForward(upsampleNearest2x(x), w, b, Conv2dGeometry.of(1, 1)));
        }
    }

    Tensor avgPool2x2(Tensor x);

    Tensor avgPool2x2Backward(Tensor gradOut, Shape inputShape);

    // ---- attention: q, k, v [N,C,H,W], softmax over the H·W keys ----
    /** Returns {out [N,C,H,W], probabilities [N,HW,HW]}. */
    Tensor[] attentionForward(Tensor q, Tensor k, Tensor v, float scale);

    /** Returns {grad q, grad k, grad v}. */
    Tensor[] attentionBackward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor probs, float scale);

    // ---- embedding lookup (class labels) ----
    /** Rows {@code indices} of weight [V, D]: [indices.length, D]. */
    Tensor embedding(Tensor weight, int[] indices);

    /** Gradient of {@link #embedding} w.r.t. weight: gradOut's rows summed into [V, D]. */
    Tensor embeddingBackward(Tensor gradOut, int[] indices, int rows);

    // ---- sinusoidal time embedding (ddim order: sin block, then cos block) ----
    Tensor timestepEmbedding(Tensor t, int dim);

    /** d(Σ gradOut·emb)/dt, shape [N]. */
    Tensor timestepEmbeddingBackward(Tensor gradOut, Tensor t, int dim);

    // ---- reductions ----
    /** Sum of all elements, shape []. */
    Tensor sum(Tensor x);

    /** Sum of squares of all elements, shape []. */
    Tensor sumOfSquares(Tensor x);

    // ---- classification loss ----
    /**
     * Softmax cross-entropy of logits [N,K] against labels in [0, K): returns {mean negative
     * log-likelihood [], row statistics [N,2]}. Row r's statistics are m = max z and
     * ln Σ exp(z − m) (the sum in double); kept apart, not added, so that softmax = exp(z − m − ln s)
     * loses no precision to a rounded log-sum-exp when the logits are large.
     */
    Tensor[] crossEntropyForward(Tensor logits, int[] labels);

    /** Gradient w.r.t. the logits: gradOut·(softmax − onehot)/N, [N,K]; gradOut has shape []. */
    Tensor crossEntropyBackward(Tensor gradOut, Tensor logits, Tensor rowStats, int[] labels);

    // ---- random numbers: counter-based, identical on every backend ----
    /** Standard normal values; element i depends only on (seed, offset + i). */
    Tensor randn(Shape shape, long seed, long offset);

    /**
     * Standard normal values for a batch: element j of row k (shape.dim(0) rows) depends only on
     * (seed, offsets[k] + j), so each sample has its own stream.
     */
    Tensor randnRows(Shape shape, long seed, long[] offsets);

    /** Uniform values in [0,1); element i depends only on (seed, offset + i). */
    Tensor rand(Shape shape, long seed, long offset);

    /** Inverted-dropout mask: 0 where uniform value i < p, else 1/(1−p). */
    Tensor dropoutMask(Shape shape, float p, long seed, long offset);
}
