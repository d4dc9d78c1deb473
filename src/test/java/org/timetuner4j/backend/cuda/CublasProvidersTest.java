package org.timetuner4j.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;
import org.timetuner4j.testing.SavedProperty;

/**
 * Every way the CUDA backend multiplies matrices against the CPU backend: our GEMM kernels, and
 * each cuBLAS provider that loads here (JCublas2 needs libcublas.so.12; JavaCPP needs
 * libcublas.so.13, found as {@link CudaLibraryPaths} says, e.g. TIMETUNER_CUDA_LIBS). A provider
 * that does not load skips with its reason; everything skips without CUDA.
 */
@Tag("gpu")
class CublasProvidersTest {
    private static final Backend CPU = CpuBackend.INSTANCE;
    private static final double FP32 = 1e-4;
    private static final Map<String, CudaBackend> BACKENDS = new HashMap<>();

    static Stream<String> paths() { return Stream.of("kernels", "jcublas", "javacpp"); }

    static Stream<Arguments> pathsAndTransposes() {
        return paths().flatMap(p -> Stream.of(false, true).flatMap(ta -> Stream.of(false, true).map(tb -> Arguments.of(p, ta, tb))));
    }

    static Stream<Arguments> providersBatchesAndTransposes() {
        return pathsAndTransposes().filter(a -> !a.get()[0].equals("kernels"))
                .flatMap(a -> Stream.of(1, 3).map(batch -> Arguments.of(a.get()[0], batch, a.get()[1], a.get()[2])));
    }

    private static <T> T withProvider(String provider, Supplier<T> make) {
        try (SavedProperty chosen = SavedProperty.set(CublasSupport.PROPERTY, provider)) {
            return make.get();
        }
    }

    /** A backend whose matrix products run on {@code path} ("kernels" or a provider), or a skip saying why not. */
    private static synchronized CudaBackend backend(String path) {
        Assumptions.assumeTrue(CudaRuntime.available(), () -> "no CUDA here: " + CudaRuntime.reason());
        CudaBackend be = BACKENDS.computeIfAbsent(path,
                p -> p.equals("kernels") ? new CudaBackend(false) : withProvider(p, () -> new CudaBackend(true)));
        if (!path.equals("kernels"))
            Assumptions.assumeTrue(be.cublasStatus().startsWith("used: "),
                    () -> path + " not usable here: " + be.cublasStatus() + " " + CublasSupport.providerLines());
        return be;
    }

    private static String label(String path, CudaBackend be) { return path.equals("kernels") ? "kernels" : be.cublasStatus(); }

    private static Tensor rnd(Backend be, long seed, int... dims) {
        Shape s = Shape.of(dims);
        return be.fromHost(Check.randomArray(new Random(seed), s.numel(), 1.0), s);
    }

    @ParameterizedTest(name = "{0} ta={1} tb={2}")
    @MethodSource("pathsAndTransposes")
    void matmulAgreesWithTheCpuBackend(String path, boolean ta, boolean tb) {
        CudaBackend gpu = backend(path);
        if (!path.equals("kernels")) assertTrue(gpu.cublasStatus().contains(path.equals("jcublas") ? "JCublas2" : "JavaCPP"), gpu.cublasStatus());
        for (int[] mkn : new int[][] {{70, 131, 45}, {256, 320, 192}, {1, 7, 1}}) {
            int m = mkn[0], k = mkn[1], n = mkn[2];
            float[] want, got;
            try (Scope s = Scope.open()) { want = product(CPU, m, k, n, ta, tb); }
            try (Scope s = Scope.open()) { got = product(gpu, m, k, n, ta, tb); }
            Check.maxRelative(m + "x" + k + "x" + n + " ta=" + ta + " tb=" + tb + " " + label(path, gpu), got, want, FP32);
        }
    }

    private static float[] product(Backend be, int m, int k, int n, boolean ta, boolean tb) {
        Tensor a = ta ? rnd(be, 1, k, m) : rnd(be, 1, m, k), b = tb ? rnd(be, 2, n, k) : rnd(be, 2, k, n);
        return be.matmul(a, ta, b, tb).toArray();
    }

    /** Attention runs three of the four transpose pairs as batched products (one matrix per sample). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void batchedProductsInAttentionAgreeWithTheCpuBackend(String path) {
        CudaBackend gpu = backend(path);
        float[][] want, got;
        try (Scope s = Scope.open()) { want = attention(CPU); }
        try (Scope s = Scope.open()) { got = attention(gpu); }
        for (int i = 0; i < want.length; i++) Check.maxRelative("attention [" + i + "] " + label(path, gpu), got[i], want[i], FP32);
    }

    private static float[][] attention(Backend be) {
        Tensor q = rnd(be, 1, 3, 32, 8, 8), k = rnd(be, 2, 3, 32, 8, 8), v = rnd(be, 3, 3, 32, 8, 8), g = rnd(be, 4, 3, 32, 8, 8);
        float scale = (float) (1 / Math.sqrt(32));
        Tensor[] fwd = be.attentionForward(q, k, v, scale);
        Tensor[] bwd = be.attentionBackward(g, q, k, v, fwd[1], scale);
        return new float[][] {fwd[0].toArray(), fwd[1].toArray(), bwd[0].toArray(), bwd[1].toArray(), bwd[2].toArray()};
    }

    /**
     * The provider directly, as the backend calls it: row-major, strided batches, every transpose
     * pair, operands at a byte offset inside their allocation (the raw-address path).
     */
    @ParameterizedTest(name = "{0} batch {1} ta={2} tb={3}")
    @MethodSource("providersBatchesAndTransposes")
    void stridedGemmAgreesWithTheCpuBackend(String provider, int batch, boolean ta, boolean tb) {
        CudaBackend gpu = backend(provider);
        gpu.synchronize();  // makes the device's primary context current on this thread
        CUstream stream = new CUstream();
        cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
        String[] why = new String[1];
        CublasSupport blas = withProvider(provider, () -> CublasSupport.tryCreate(stream, why));
        assertNotNull(blas, why[0]);
        int m = 37, k = 29, n = 45, pad = 32;
        float[] a = Check.randomArray(new Random(1), batch * m * k, 1.0), b = Check.randomArray(new Random(2), batch * k * n, 1.0);
        CUdeviceptr da = upload(a, pad), db = upload(b, pad), dc = upload(new float[batch * m * n], pad);
        long off = (long) pad * Sizeof.FLOAT;
        blas.gemm(ta, tb, m, n, k, da.withByteOffset(off), ta ? m : k, (long) m * k, db.withByteOffset(off), tb ? k : n,
                (long) k * n, dc.withByteOffset(off), n, (long) m * n, batch);
        cuStreamSynchronize(stream);
        float[] got = new float[batch * m * n];
        cuMemcpyDtoH(Pointer.to(got), dc.withByteOffset(off), (long) got.length * Sizeof.FLOAT);
        for (CUdeviceptr p : new CUdeviceptr[] {da, db, dc}) cuMemFree(p);
        cuStreamDestroy(stream);

        float[] want = new float[got.length];
        try (Scope s = Scope.open()) {
            for (int z = 0; z < batch; z++) {
                Tensor az = CPU.fromHost(java.util.Arrays.copyOfRange(a, z * m * k, (z + 1) * m * k), ta ? Shape.of(k, m) : Shape.of(m, k));
                Tensor bz = CPU.fromHost(java.util.Arrays.copyOfRange(b, z * k * n, (z + 1) * k * n), tb ? Shape.of(n, k) : Shape.of(k, n));
                System.arraycopy(CPU.matmul(az, ta, bz, tb).toArray(), 0, want, z * m * n, m * n);
            }
        }
        Check.maxRelative(blas.describe() + " batch " + batch + " ta=" + ta + " tb=" + tb, got, want, FP32);
    }

    /** A device copy of {@code values} after {@code pad} unused floats. */
    private static CUdeviceptr upload(float[] values, int pad) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, (long) (pad + values.length) * Sizeof.FLOAT);
        cuMemcpyHtoD(p.withByteOffset((long) pad * Sizeof.FLOAT), Pointer.to(values), (long) values.length * Sizeof.FLOAT);
        return p;
    }
}
