package org.timetuner4j.backend;

import org.timetuner4j.tensor.Tensor;

/** The argument checks of the cross-entropy ops, shared by the backends. */
public final class CrossEntropyArgs {
    private CrossEntropyArgs() {}

    /** Logits must be [N,K] with N ≥ 1 and one label in [0, K) per row. */
    public static void check(Tensor logits, int[] labels) {
        if (logits.shape().rank() != 2)
            throw new IllegalArgumentException("cross-entropy logits must be [N,K], got " + logits.shape());
        int n = logits.dim(0), k = logits.dim(1);
        if (n == 0) throw new IllegalArgumentException("cross-entropy of an empty batch");
        if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " rows of logits");
        for (int l : labels)
            if (l < 0 || l >= k) throw new IllegalArgumentException("label " + l + " is outside [0, " + k + ")");
    }
}
