package org.timetuner4j.backend.cuda;

import java.util.HashMap;
import java.util.Map;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** The sinusoidal time embedding and its gradient with respect to the time (embedding.cu). */
final class CudaTimestepEmbedding {
    private final CudaContext cuda;
    private final Map<Integer, Tensor> frequencyTables = new HashMap<>();

    CudaTimestepEmbedding(CudaContext cuda) { this.cuda = cuda; }

    /** The float32 frequency table of the CPU backend, uploaded once per dim and kept. */
    private Tensor frequencies(int dim) {
        synchronized (frequencyTables) {
            Tensor f = frequencyTables.get(dim);
            if (f == null) {
                int half = dim / 2;
                float[] freq = new float[half];
                float step = (float) (-Math.log(10000.0) / (half - 1));
                for (int i = 0; i < half; i++) freq[i] = (float) Math.exp((float) i * step);
                f = Scope.detach(cuda.fromHost(freq, Shape.of(half)));  // kept for the backend's lifetime
                frequencyTables.put(dim, f);
            }
            return f;
        }
    }

    Tensor forward(Tensor t, int dim) {
        cuda.require(t);
        CudaContext.requireRank(t, 1, "time input");
        Tensor out = cuda.alloc(Shape.of(t.numel(), dim));
        if (dim / 2 == 0) {
            if (out.numel() > 0) cuda.zeroWords(cuda.ptr(out), out.numel());
            return out;
        }
        cuda.kernel(Kernel.TIMESTEP_EMBEDDING_FWD, LaunchConfig.elementwise((long) t.numel() * (dim / 2))).ptr(out).ptr(t)
                .ptr(frequencies(dim)).i32(t.numel()).i32(dim).launch();
        return out;
    }

    Tensor backward(Tensor gradOut, Tensor t, int dim) {
        cuda.require(gradOut, t);
        if (dim / 2 == 0) return cuda.zeros(t.shape());
        Tensor gt = cuda.alloc(t.shape());
        cuda.kernel(Kernel.TIMESTEP_EMBEDDING_BWD, LaunchConfig.perRow(t.numel())).ptr(gt).ptr(gradOut).ptr(t).ptr(frequencies(dim))
                .i32(dim).launch();
        return gt;
    }
}
