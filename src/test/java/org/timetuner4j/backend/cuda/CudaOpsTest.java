package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.timetuner4j.testing.CudaCase.cuda;
import static org.timetuner4j.testing.CudaCase.rnd;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

/**
 * The CUDA backend beyond single ops: device memory stays flat over a sampler-like loop, and
 * the Adam step (CUDA only) against its formula. Every op of the CUDA backend against the CPU
 * backend is in its family's table under org.timetuner4j.ops (e.g. Conv2dOpTest#cudaMatchesCpu),
 * on our kernels and with cuBLAS/cuDNN. Skips (assumption) where no CUDA driver or device is present.
 */
@Tag("gpu")
class CudaOpsTest {
    @Test void memoryIsFlatAcrossAThousandSteps() {
        CudaBackend gpu = cuda(false);
        long rawAfterWarmUp = -1;
        try (Scope outer = Scope.open()) {
            Tensor x = rnd(gpu, 1, 8, 64, 16, 16), w = rnd(gpu, 2, 64, 64, 3, 3), gamma = rnd(gpu, 3, 64), beta = rnd(gpu, 4, 64);
            for (int step = 0; step < 1000; step++) {  // x ← 0.9·silu(gn(conv(x))) + 0.1·noise, like a sampler's step
                Tensor next;
                try (Scope s = Scope.open()) {
                    Tensor h = gpu.silu(gpu.groupNormForward(gpu.conv2dForward(x, w, null, Conv2dGeometry.of(1, 1)), gamma, beta, 32, 1e-6f)[0]);
                    Tensor noise = gpu.randn(h.shape(), 7, (long) step * h.numel());
                    gpu.fromHost(new float[] {step}, Shape.of(1));  // a per-step upload, freed with the scope
                    next = s.keep(gpu.axpby(0.9f, h, 0.1f, noise));
                }
                x.close();
                x = next;
                if (step == 10) rawAfterWarmUp = gpu.memoryStats().rawAllocations();
            }
            gpu.synchronize();
        }
        CachingAllocator.Stats st = gpu.memoryStats();
        System.out.println("allocator after 1000 steps: " + st);
        assertEquals(rawAfterWarmUp, st.rawAllocations(), "no device allocation after warm-up");
        assertTrue(st.inUse() < (16L << 20), "live bytes stay bounded: " + st);
    }

    @Test void adamStepMatchesTheFormula() {
        CudaBackend gpu = cuda(false);
        float[] p = {1f, -2f, 0.5f}, g = {0.5f, 0.25f, -1f};
        try (Scope s = Scope.open()) {
            Tensor tp = gpu.fromHost(p, Shape.of(3)), tg = gpu.fromHost(g, Shape.of(3));
            Tensor m = gpu.zeros(Shape.of(3)), v = gpu.zeros(Shape.of(3));
            gpu.adamStep(tp, tg, m, v, 1, 0.1, 0.9, 0.999, 1e-8);
            float[] got = tp.toArray();
            float[] want = new float[3];
            for (int i = 0; i < 3; i++) {
                double mi = 0.1 * g[i], vi = 0.001 * g[i] * g[i];
                want[i] = (float) (p[i] - 0.1 * (mi / 0.1) / (Math.sqrt(vi / 0.001) + 1e-8));
            }
            Check.maxRelative("adam step", got, want, 1e-6);
        }
    }
}
