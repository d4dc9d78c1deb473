package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;
import org.timetuner4j.testing.SavedProperty;

/**
 * With TF32 allowed ({@link CudaMathMode}), cuBLAS products and cuDNN convolutions stay within
 * 1e-2 relative of the CPU backend (TF32 keeps 10 mantissa bits of each operand; sums are fp32).
 * Skips without CUDA, and where neither cuBLAS nor cuDNN loads (our kernels have no TF32 path).
 */
@Tag("gpu")
class Tf32Test {
    private static final double TF32 = 1e-2;

    private static Tensor rnd(Backend be, long seed, int... dims) {
        Shape s = Shape.of(dims);
        return be.fromHost(Check.randomArray(new Random(seed), s.numel(), 1.0), s);
    }

    @Test void tf32ProductsAndConvolutionsStayNearFp32() {
        Assumptions.assumeTrue(CudaRuntime.available(), () -> "no CUDA here: " + CudaRuntime.reason());
        CudaBackend gpu;
        try (SavedProperty tf32 = SavedProperty.set(CudaMathMode.PROPERTY, "on")) {
            gpu = new CudaBackend(true, true);
        }
        boolean blas = gpu.cublasStatus().startsWith("used: "), dnn = gpu.cudnnStatus().startsWith("used: ");
        Assumptions.assumeTrue(blas || dnn, () -> "neither cuBLAS nor cuDNN runs here: " + gpu.cublasStatus() + "; " + gpu.cudnnStatus());
        System.out.println("TF32 backend: " + gpu.cublasStatus() + "; " + gpu.cudnnStatus());
        Backend cpu = CpuBackend.INSTANCE;
        int compared = 0;
        if (blas) {
            float[] want, got;
            try (Scope s = Scope.open()) { want = cpu.matmul(rnd(cpu, 1, 384, 512), false, rnd(cpu, 2, 512, 256), false).toArray(); }
            try (Scope s = Scope.open()) { got = gpu.matmul(rnd(gpu, 1, 384, 512), false, rnd(gpu, 2, 512, 256), false).toArray(); }
            Check.maxRelative("matmul 384x512x256, TF32 allowed", got, want, TF32);
            compared++;
        }
        if (dnn) {
            Conv2dGeometry g = Conv2dGeometry.of(1, 1);
            float[][] want = conv(cpu, g), got = conv(gpu, g);
            for (int i = 0; i < want.length; i++) Check.maxRelative("conv 64->64 3x3 [" + i + "], TF32 allowed", got[i], want[i], TF32);
            compared++;
        }
        assertTrue(compared > 0);
    }

    private static float[][] conv(Backend be, Conv2dGeometry g) {
        try (Scope s = Scope.open()) {
            Tensor x = rnd(be, 3, 4, 64, 16, 16), w = rnd(be, 4, 64, 64, 3, 3), gy = rnd(be, 5, 4, 64, 16, 16);
            return new float[][] {be.conv2dForward(x, w, null, g).toArray(), be.conv2dBackwardInput(gy, w, g, x.shape()).toArray(),
                    be.conv2dBackwardWeight(x, gy, g, w.shape()).toArray()};
        }
    }
}
