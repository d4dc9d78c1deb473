package org.timetuner4j.backend.cuda;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.MemoryStats;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * The op set on one CUDA device, on JCuda's driver API and the PTX kernels built from
 * kernels/*.cu. Everything runs on one stream in issue order, so nothing waits for the device
 * except {@link #toHost} (and {@link #synchronize}). Memory comes from a caching allocator;
 * host-to-device copies go through pinned memory ({@link CudaContext}). cuBLAS, when it loads,
 * runs the matrix products (matmul, linear, attention); cuDNN, when it loads, the convolutions
 * with symmetric padding ({@link CudnnConvolutions}); every other op is our kernels. Each op
 * family lives in its own class (CudaConv2d, CudaGroupNorm, … facing the CPU backend's
 * CpuConv2d, CpuGroupNorm, …); this class creates them and dispatches. The CPU backend is the
 * reference this backend is tested against.
 */
public final class CudaBackend implements Backend {
    private static final Object LOCK = new Object();
    private static volatile Object shared;  // the default instance, or the reason (String) creation failed

    private final CudaRuntime.DeviceInfo device;
    private final CudaContext cuda;
    private final CublasSupport cublas;
    private final String cublasStatus;
    private final CudnnConvolutions cudnn;
    private final String cudnnStatus;
    private final CudaElementwise elementwise;
    private final CudaGemm gemm;
    private final CudaConv2d conv2d;
    private final CudaGroupNorm groupNorm;
    private final CudaResample resample;
    private final CudaAttention attention;
    private final CudaEmbedding embedding;
    private final CudaTimestepEmbedding timestepEmbedding;
    private final CudaReduce reduce;
    private final CudaCrossEntropy crossEntropy;
    private final CudaPhilox philox;
    private final CudaAdam adam;

    /**
     * A backend on the probed device with its own stream and memory pool; cuBLAS and cuDNN used
     * when {@code useLibraries} and they load (false: every op on our kernels). Throws
     * IllegalStateException with a one-line reason.
     */
    public CudaBackend(boolean useLibraries) { this(useLibraries, useLibraries); }

    /**
     * As {@link #CudaBackend(boolean)}, choosing cuBLAS (matrix products) and cuDNN
     * (convolutions, see {@link CudnnConvolutions}) separately.
     */
    public CudaBackend(boolean useCublas, boolean useCudnn) {
        if (!CudaRuntime.available()) throw new IllegalStateException("CUDA is not available: " + CudaRuntime.reason());
        device = CudaRuntime.device().orElseThrow();
        cuda = new CudaContext(this, device);
        if (useCublas) {
            String[] why = new String[1];
            cublas = CublasSupport.tryCreate(cuda.stream(), why);
            cublasStatus = cublas != null ? "used: " + cublas.describe() : why[0];
        } else {
            cublas = null;
            cublasStatus = "not used (disabled for this backend)";
        }
        if (useCudnn) {
            String[] why = new String[1];
            cudnn = CudnnConvolutions.tryCreate(cuda.stream(), cuda.allocator(), why);
            cudnnStatus = cudnn != null ? "used: " + cudnn.describe() : why[0];
        } else {
            cudnn = null;
            cudnnStatus = "not used (disabled for this backend)";
        }
        elementwise = new CudaElementwise(cuda);
        gemm = new CudaGemm(cuda, elementwise, cublas);
        conv2d = new CudaConv2d(cuda, cudnn, device.multiprocessors());
        groupNorm = new CudaGroupNorm(cuda);
        resample = new CudaResample(cuda);
        attention = new CudaAttention(cuda, gemm);
        embedding = new CudaEmbedding(cuda);
        timestepEmbedding = new CudaTimestepEmbedding(cuda);
        reduce = new CudaReduce(cuda);
        crossEntropy = new CudaCrossEntropy(cuda);
        philox = new CudaPhilox(cuda);
        adam = new CudaAdam(cuda);
    }

    /** The shared default backend (cuBLAS and cuDNN when they load); IllegalStateException with the reason when CUDA does not work. */
    public static CudaBackend instance() {
        Object s = shared;
        if (s == null) {
            synchronized (LOCK) {
                if (shared == null) {
                    try {
                        shared = new CudaBackend(true);
                    } catch (IllegalStateException e) {
                        shared = e.getMessage();
                    }
                }
                s = shared;
            }
        }
        if (s instanceof CudaBackend b) return b;
        throw new IllegalStateException((String) s);
    }

    /** True when {@link #instance()} gives a working backend (the kernels loaded). */
    public static boolean usable() {
        try {
            instance();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    @Override public String name() { return "cuda"; }

    public CudaRuntime.DeviceInfo device() { return device; }

    /** "used: cuBLAS x.y.z", or why cuBLAS is not used. */
    public String cublasStatus() { return cublasStatus; }

    /** Whether a cuBLAS provider's library loads here (JCublas: libcublas.so.12; JavaCPP: libcublas.so.13), see {@link CublasSupport}. */
    public static String cublasLibraryStatus() {
        String failure = CublasSupport.loadLibrary();
        return failure.isEmpty() ? "library loads" : "not loaded: " + failure;
    }

    /** "used: cuDNN x.y.z via JavaCPP (…) for convolutions with symmetric padding", or why cuDNN is not used. */
    public String cudnnStatus() { return cudnnStatus; }

    /** Where no backend exists (no GPU): why cuDNN is not used, or that its library loads (see {@link CudnnSupport}). */
    public static String cudnnLibraryStatus() { return CudnnSupport.status(); }

    /** The cuDNN convolutions in use, or null (tests read its counters). */
    CudnnConvolutions cudnnConvolutions() { return cudnn; }

    /** Waits until every queued operation has finished. */
    public void synchronize() { cuda.synchronize(); }

    /** How many device-to-host copies (each a wait for the stream) this backend has made. */
    public long hostDownloads() { return cuda.hostDownloads(); }

    /** Allocator statistics (bytes in use, cached, peak, raw allocations). */
    public CachingAllocator.Stats memoryStats() { return cuda.allocator().stats(); }

    /** Returns cached device memory to the driver (after the stream drains). */
    public void trimMemory() {
        synchronize();
        cuda.allocator().releaseCached();
    }

    // ---- memory ----
    @Override public Tensor zeros(Shape shape) { return cuda.zeros(shape); }

    @Override public Tensor fromHost(float[] values, Shape shape) { return cuda.fromHost(values, shape); }

    @Override public float[] toHost(Tensor t) { return cuda.toHost(t); }

    @Override public void free(Tensor t) { cuda.free(t); }

    @Override public MemoryStats memory() { return cuda.live(); }

    @Override public Tensor copy(Tensor t) { return cuda.copyAs(t, t.shape()); }

    @Override public Tensor reshape(Tensor t, Shape shape) {
        cuda.require(t);
        if (shape.numel() != t.numel()) throw new IllegalArgumentException("cannot reshape " + t.shape() + " to " + shape);
        return cuda.copyAs(t, shape);
    }

    // ---- element-wise and activations ----
    @Override public Tensor add(Tensor a, Tensor b) { return elementwise.binary(a, b, CudaElementwise.ADD); }

    @Override public Tensor sub(Tensor a, Tensor b) { return elementwise.binary(a, b, CudaElementwise.SUB); }

    @Override public Tensor mul(Tensor a, Tensor b) { return elementwise.binary(a, b, CudaElementwise.MUL); }

    @Override public Tensor axpby(float alpha, Tensor x, float beta, Tensor y) { return elementwise.axpby(alpha, x, beta, y); }

    @Override public Tensor affine(Tensor x, float s, float c) { return elementwise.affine(x, s, c); }

    @Override public void addInPlace(Tensor acc, Tensor g) { elementwise.addInPlace(acc, g); }

    @Override public Tensor sumToShape(Tensor g, Shape target) { return elementwise.sumToShape(g, target); }

    @Override public Tensor silu(Tensor x) { return elementwise.silu(x); }

    @Override public Tensor siluBackward(Tensor x, Tensor gradOut) { return elementwise.siluBackward(x, gradOut); }

    // ---- linear algebra ----
    @Override public Tensor matmul(Tensor a, boolean ta, Tensor b, boolean tb) { return gemm.matmul(a, ta, b, tb); }

    @Override public Tensor linear(Tensor x, Tensor w, Tensor b) { return gemm.linear(x, w, b); }

    // ---- convolution ----
    @Override public Tensor conv2dForward(Tensor x, Tensor w, Tensor b, Conv2dGeometry g) { return conv2d.forward(x, w, b, g); }

    @Override public Tensor conv2dBackwardInput(Tensor gradOut, Tensor w, Conv2dGeometry g, Shape inputShape) {
        return conv2d.backwardInput(gradOut, w, g, inputShape);
    }

    @Override public Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dGeometry g, Shape weightShape) {
        return conv2d.backwardWeight(x, gradOut, g, weightShape);
    }

    @Override public Tensor conv2dBackwardBias(Tensor gradOut) { return conv2d.backwardBias(gradOut); }

    // ---- normalisation ----
    @Override public Tensor[] groupNormForward(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        return groupNorm.forward(x, gamma, beta, groups, eps, false);
    }

    @Override public Tensor[] groupNormSiluForward(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        return groupNorm.forward(x, gamma, beta, groups, eps, true);
    }

    @Override public Tensor[] groupNormBackward(Tensor gradOut, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups) {
        return groupNorm.backward(gradOut, x, gamma, mean, rstd, groups);
    }

    @Override public Tensor[] groupNormSiluBackward(Tensor gradOut, Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd,
                                                    int groups) {
        return groupNorm.siluBackward(gradOut, x, gamma, beta, mean, rstd, groups);
    }

    // ---- layout and resampling ----
    @Override public Tensor concatChannels(Tensor a, Tensor b) { return resample.concatChannels(a, b); }

    @Override public Tensor sliceChannels(Tensor x, int start, int count) { return resample.sliceChannels(x, start, count); }

    @Override public Tensor upsampleNearest2x(Tensor x) { return resample.upsampleNearest2x(x); }

    @Override public Tensor upsampleNearest2xBackward(Tensor gradOut) { return resample.upsampleNearest2xBackward(gradOut); }

    @Override public Tensor avgPool2x2(Tensor x) { return resample.avgPool2x2(x); }

    @Override public Tensor avgPool2x2Backward(Tensor gradOut, Shape inputShape) { return resample.avgPool2x2Backward(gradOut, inputShape); }

    // ---- attention ----
    @Override public Tensor[] attentionForward(Tensor q, Tensor k, Tensor v, float scale) { return attention.forward(q, k, v, scale); }

    @Override public Tensor[] attentionBackward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor probs, float scale) {
        return attention.backward(gradOut, q, k, v, probs, scale);
    }

    // ---- embeddings ----
    @Override public Tensor embedding(Tensor weight, int[] indices) { return embedding.forward(weight, indices); }

    @Override public Tensor embeddingBackward(Tensor gradOut, int[] indices, int rows) { return embedding.backward(gradOut, indices, rows); }

    @Override public Tensor timestepEmbedding(Tensor t, int dim) { return timestepEmbedding.forward(t, dim); }

    @Override public Tensor timestepEmbeddingBackward(Tensor gradOut, Tensor t, int dim) {
        return timestepEmbedding.backward(gradOut, t, dim);
    }

    // ---- reductions and loss ----
    @Override public Tensor sum(Tensor x) { return reduce.sum(x); }

    @Override public Tensor sumOfSquares(Tensor x) { return reduce.sumOfSquares(x); }

    @Override public Tensor[] crossEntropyForward(Tensor logits, int[] labels) { return crossEntropy.forward(logits, labels); }

    @Override public Tensor crossEntropyBackward(Tensor gradOut, Tensor logits, Tensor rowStats, int[] labels) {
        return crossEntropy.backward(gradOut, logits, rowStats, labels);
    }

    // ---- random numbers ----
    @Override public Tensor randn(Shape shape, long seed, long offset) { return philox.randn(shape, seed, offset); }

    @Override public Tensor randnRows(Shape shape, long seed, long[] offsets) { return philox.randnRows(shape, seed, offsets); }

    @Override public Tensor rand(Shape shape, long seed, long offset) { return philox.rand(shape, seed, offset); }

    @Override public Tensor dropoutMask(Shape shape, float p, long seed, long offset) { return philox.dropoutMask(shape, p, seed, offset); }

    // ---- beyond the Backend interface ----
    /**
     * One Adam step on device-resident tensors, in place (PyTorch's semantics, no weight decay):
     * {@code step} counts from 1 and sets the bias corrections.
     */
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, int step, double lr, double beta1, double beta2, double eps) {
        adam.step(param, grad, m, v, step, lr, beta1, beta2, eps);
    }
}
