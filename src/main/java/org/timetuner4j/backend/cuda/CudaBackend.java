package org.timetuner4j.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Broadcast;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.CrossEntropyArgs;
import org.timetuner4j.backend.MemoryStats;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * The op set on one CUDA device, on JCuda's driver API and the PTX kernels built from
 * kernels/*.cu. Everything runs on one stream in issue order, so nothing waits for the device
 * except {@link #toHost} (and {@link #synchronize}). Memory comes from a caching allocator;
 * host-to-device copies go through pinned memory. cuBLAS, when it loads, runs the matrix
 * products (matmul, linear, attention); cuDNN, when it loads, the convolutions with symmetric
 * padding ({@link CudnnConvolutions}); every other op is our kernels. The CPU backend is the
 * reference this backend is tested against.
 */
public final class CudaBackend implements Backend {
    private static final Object LOCK = new Object();
    private static volatile Object shared;  // the default instance, or the reason (String) creation failed

    private final CudaRuntime.DeviceInfo device;
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final EnumMap<Kernel, CUfunction> functions = new EnumMap<>(Kernel.class);
    private final CachingAllocator<CUdeviceptr> memory;
    private final MemoryStats live = new MemoryStats();
    private final PinnedUploads uploads;
    private final CublasSupport cublas;
    private final String cublasStatus;
    private final CudnnConvolutions cudnn;
    private final String cudnnStatus;
    private final Map<Integer, Tensor> frequencyTables = new HashMap<>();
    private final CUdeviceptr nullPtr = new CUdeviceptr();
    private Pointer download;
    private long downloadBytes;
    private long downloads;  // toHost calls: each one waits for the stream

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
        try {
            JCudaDriver.setExceptionsEnabled(true);
            CUdevice dev = new CUdevice();
            cuDeviceGet(dev, device.ordinal());
            cuDevicePrimaryCtxRetain(context, dev);
            cuCtxSetCurrent(context);
            cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            loadModules();
            memory = new CachingAllocator<>(new CachingAllocator.Raw<>() {
                @Override public CUdeviceptr alloc(long bytes) {
                    CUdeviceptr p = new CUdeviceptr();
                    cuMemAlloc(p, bytes);
                    return p;
                }

                @Override public void free(CUdeviceptr ptr) { cuMemFree(ptr); }
            });
            uploads = new PinnedUploads(stream, 8L << 20);
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("CUDA backend could not start on " + device.name() + ": " + NativeFailure.summarize(e), e);
        }
        if (useCublas) {
            String[] why = new String[1];
            cublas = CublasSupport.tryCreate(stream, why);
            cublasStatus = cublas != null ? "used: " + cublas.describe() : why[0];
        } else {
            cublas = null;
            cublasStatus = "not used (disabled for this backend)";
        }
        if (useCudnn) {
            String[] why = new String[1];
            cudnn = CudnnConvolutions.tryCreate(stream, memory, why);
            cudnnStatus = cudnn != null ? "used: " + cudnn.describe() : why[0];
        } else {
            cudnn = null;
            cudnnStatus = "not used (disabled for this backend)";
        }
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

    private void loadModules() {
        Map<String, CUmodule> modules = new HashMap<>();
        for (Kernel k : Kernel.values()) {
            CUmodule m = modules.computeIfAbsent(k.module, name -> {
                CUmodule mod = new CUmodule();
                try {
                    cuModuleLoadData(mod, ptx(k.resource()));
                } catch (RuntimeException e) {
                    throw new IllegalStateException("PTX module " + name + " did not load (" + NativeFailure.summarize(e)
                            + "); a CUDA_ERROR_UNSUPPORTED_PTX_VERSION here means the driver is older than CUDA 12.0", e);
                }
                return mod;
            });
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, m, k.entry);
            functions.put(k, f);
        }
    }

    /** The PTX text with the trailing zero byte cuModuleLoadData needs. */
    static byte[] ptx(String resource) {
        try (InputStream in = CudaBackend.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource + " (run tools/build-kernels)");
            byte[] text = in.readAllBytes();
            byte[] z = new byte[text.length + 1];
            System.arraycopy(text, 0, z, 0, text.length);
            return z;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
    public void synchronize() {
        enter();
        cuStreamSynchronize(stream);
    }

    /** How many device-to-host copies (each a wait for the stream) this backend has made. */
    public synchronized long hostDownloads() { return downloads; }

    /** Allocator statistics (bytes in use, cached, peak, raw allocations). */
    public CachingAllocator.Stats memoryStats() { return memory.stats(); }

    /** Returns cached device memory to the driver (after the stream drains). */
    public void trimMemory() {
        synchronize();
        memory.releaseCached();
    }

    // ---- plumbing ----
    private void enter() { cuCtxSetCurrent(context); }

    @SuppressWarnings("unchecked")
    private static CachingAllocator.Block<CUdeviceptr> block(Tensor t) {
        return (CachingAllocator.Block<CUdeviceptr>) t.storage();
    }

    private CUdeviceptr ptr(Tensor t) {
        if (t == null) return nullPtr;
        if (t.backend() != this)
            throw new IllegalArgumentException("tensor on " + t.backend().name() + " passed to the cuda backend");
        return block(t).ptr();
    }

    private void require(Tensor... ts) {
        for (Tensor t : ts) if (t != null) ptr(t);
    }

    /** A new tensor whose contents the next kernel writes completely. */
    private Tensor alloc(Shape shape) {
        enter();
        Tensor t = new Tensor(this, shape, memory.take(4L * shape.numel()));
        live.created(4L * shape.numel());
        return t;
    }

    private CachingAllocator.Block<CUdeviceptr> scratch(long bytes) { return memory.take(bytes); }

    private void release(CachingAllocator.Block<CUdeviceptr> b) { memory.give(b); }

    private void launch(Kernel k, Launch cfg, Object... args) {
        if (cfg == null) return;
        NativePointerObject[] ps = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof CUdeviceptr p) ps[i] = Pointer.to(p);
            else if (a instanceof Integer v) ps[i] = Pointer.to(new int[] {v});
            else if (a instanceof Float v) ps[i] = Pointer.to(new float[] {v});
            else if (a instanceof Long v) ps[i] = Pointer.to(new long[] {v});
            else if (a instanceof Double v) ps[i] = Pointer.to(new double[] {v});
            else throw new IllegalArgumentException("kernel argument " + i + " of " + k.entry + ": " + a);
        }
        cuLaunchKernel(functions.get(k), cfg.gridX(), cfg.gridY(), cfg.gridZ(), cfg.block(), 1, 1, 0, stream,
                Pointer.to(ps), null);
    }

    private static void requireRank(Tensor t, int rank, String what) {
        if (t.shape().rank() != rank)
            throw new IllegalArgumentException(what + " must have rank " + rank + ", got " + t.shape());
    }

    // ---- memory ----
    @Override public Tensor zeros(Shape shape) {
        Tensor t = alloc(shape);
        if (shape.numel() > 0) cuMemsetD32Async(ptr(t), 0, shape.numel(), stream);
        return t;
    }

    @Override public Tensor fromHost(float[] values, Shape shape) {
        if (values.length != shape.numel())
            throw new IllegalArgumentException(values.length + " values do not fill shape " + shape);
        Tensor t = alloc(shape);
        uploads.upload(ptr(t), 4L * values.length, b -> b.asFloatBuffer().put(values));
        return t;
    }

    /** Device copy of small host integers (labels); freed by the caller after the launches that read it. */
    private CachingAllocator.Block<CUdeviceptr> uploadInts(int[] values) {
        enter();
        CachingAllocator.Block<CUdeviceptr> b = scratch(4L * values.length);
        uploads.upload(b.ptr(), 4L * values.length, buf -> buf.asIntBuffer().put(values));
        return b;
    }

    private CachingAllocator.Block<CUdeviceptr> uploadLongs(long[] values) {
        enter();
        CachingAllocator.Block<CUdeviceptr> b = scratch(8L * values.length);
        uploads.upload(b.ptr(), 8L * values.length, buf -> buf.asLongBuffer().put(values));
        return b;
    }

    @Override public float[] toHost(Tensor t) {
        CUdeviceptr p = ptr(t);
        enter();
        long bytes = 4L * t.numel();
        float[] out = new float[t.numel()];
        if (bytes == 0) return out;
        synchronized (this) {
            if (downloadBytes < bytes) {
                if (download != null) cuMemFreeHost(download);
                download = new Pointer();
                downloadBytes = Math.max(bytes, 1L << 20);
                cuMemAllocHost(download, downloadBytes);
            }
            cuMemcpyDtoHAsync(download, p, bytes, stream);
            cuStreamSynchronize(stream);
            downloads++;
            download.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
        }
        return out;
    }

    @Override public void free(Tensor t) {
        memory.give(block(t));
        live.freed(4L * t.numel());
    }

    @Override public MemoryStats memory() { return live; }

    @Override public Tensor copy(Tensor t) { return copyAs(t, t.shape()); }

    private Tensor copyAs(Tensor t, Shape shape) {
        CUdeviceptr src = ptr(t);
        Tensor o = alloc(shape);
        if (shape.numel() > 0) cuMemcpyDtoDAsync(ptr(o), src, 4L * shape.numel(), stream);
        return o;
    }

    @Override public Tensor reshape(Tensor t, Shape shape) {
        require(t);
        if (shape.numel() != t.numel()) throw new IllegalArgumentException("cannot reshape " + t.shape() + " to " + shape);
        return copyAs(t, shape);
    }

    // ---- element-wise ----
    private static final int ADD = 0, SUB = 1, MUL = 2;

    private Tensor binary(Tensor a, Tensor b, int op) {
        require(a, b);
        Shape out = Broadcast.shape(a.shape(), b.shape());
        Tensor o = alloc(out);
        int n = out.numel();
        if (a.shape().equals(out) && b.shape().equals(out)) {
            launch(Kernel.BINARY_SAME, LaunchConfig.elementwise(n), ptr(o), ptr(a), ptr(b), op, n);
        } else {
            broadcastInto(o, a, b, op);
        }
        return o;
    }

    /** out = a op b with broadcasting; out may be a (each element reads only its own a value). */
    private void broadcastInto(Tensor out, Tensor a, Tensor b, int op) {
        int[] d = Broadcast.dims4(out.shape());
        int[] sa = Broadcast.strides4(a.shape(), out.shape()), sb = Broadcast.strides4(b.shape(), out.shape());
        int n = out.numel();
        launch(Kernel.BINARY_BCAST, LaunchConfig.elementwise(n), ptr(out), ptr(a), ptr(b), op, n, d[1], d[2], d[3],
                sa[0], sa[1], sa[2], sa[3], sb[0], sb[1], sb[2], sb[3]);
    }

    @Override public Tensor add(Tensor a, Tensor b) { return binary(a, b, ADD); }

    @Override public Tensor sub(Tensor a, Tensor b) { return binary(a, b, SUB); }

    @Override public Tensor mul(Tensor a, Tensor b) { return binary(a, b, MUL); }

    @Override public Tensor axpby(float alpha, Tensor x, float beta, Tensor y) {
        require(x, y);
        if (!x.shape().equals(y.shape())) throw new IllegalArgumentException("axpby shapes differ: " + x.shape() + " vs " + y.shape());
        Tensor o = alloc(x.shape());
        launch(Kernel.AXPBY, LaunchConfig.elementwise(x.numel()), ptr(o), alpha, ptr(x), beta, ptr(y), x.numel());
        return o;
    }

    @Override public Tensor affine(Tensor x, float s, float c) {
        require(x);
        Tensor o = alloc(x.shape());
        launch(Kernel.AFFINE, LaunchConfig.elementwise(x.numel()), ptr(o), ptr(x), s, c, x.numel());
        return o;
    }

    @Override public void addInPlace(Tensor acc, Tensor g) {
        require(acc, g);
        if (!acc.shape().equals(g.shape())) throw new IllegalArgumentException("addInPlace shapes differ: " + acc.shape() + " vs " + g.shape());
        enter();
        launch(Kernel.ADD_INPLACE, LaunchConfig.elementwise(acc.numel()), ptr(acc), ptr(g), acc.numel());
    }

    @Override public Tensor sumToShape(Tensor g, Shape target) {
        require(g);
        if (g.shape().equals(target)) return copy(g);
        Shape check = Broadcast.shape(target, g.shape());
        if (!check.equals(g.shape())) throw new IllegalArgumentException("cannot reduce " + g.shape() + " to " + target);
        int[] d = Broadcast.dims4(g.shape());
        int mask = Broadcast.reducedMask(g.shape(), target);
        int count = Broadcast.reducedCount(g.shape(), mask);
        Tensor o = alloc(target);
        int targetN = target.numel();
        if (count >= LaunchConfig.BLOCK_PER_TARGET_FROM) {
            launch(Kernel.SUM_TO_SHAPE_BLOCK, LaunchConfig.perRow(targetN), ptr(o), ptr(g), count, mask, d[0], d[1], d[2], d[3]);
        } else {
            launch(Kernel.SUM_TO_SHAPE_THREAD, LaunchConfig.elementwise(targetN), ptr(o), ptr(g), targetN, count, mask,
                    d[0], d[1], d[2], d[3]);
        }
        return o;
    }

    // ---- activations ----
    @Override public Tensor silu(Tensor x) {
        require(x);
        Tensor o = alloc(x.shape());
        launch(Kernel.SILU_FWD, LaunchConfig.elementwise(x.numel()), ptr(o), ptr(x), x.numel());
        return o;
    }

    @Override public Tensor siluBackward(Tensor x, Tensor gradOut) {
        require(x, gradOut);
        Tensor o = alloc(x.shape());
        launch(Kernel.SILU_BWD, LaunchConfig.elementwise(x.numel()), ptr(o), ptr(x), ptr(gradOut), x.numel());
        return o;
    }

    // ---- linear algebra ----
    /**
     * C[z] = op(A[z])·op(B[z]) (+ bias per column) for z < batch, row-major, on cuBLAS when it
     * loaded (bias then added by the broadcast kernel), else on gemm.cu.
     */
    private void gemm(boolean ta, boolean tb, int m, int n, int k, CUdeviceptr a, int lda, long strideA,
                      CUdeviceptr b, int ldb, long strideB, Tensor c, long strideC, int batch, Tensor bias) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            cuMemsetD32Async(ptr(c), 0, (long) batch * m * n, stream);
        } else if (cublas != null) {
            cublas.gemm(ta, tb, m, n, k, a, lda, strideA, b, ldb, strideB, ptr(c), n, strideC, batch);
        } else {
            Kernel kern = ta ? (tb ? Kernel.GEMM_TT : Kernel.GEMM_TN) : (tb ? Kernel.GEMM_NT : Kernel.GEMM_NN);
            launch(kern, LaunchConfig.tiles(m, n, batch), m, n, k, a, lda, strideA, b, ldb, strideB, ptr(c), n, strideC,
                    ptr(bias), 0);
            return;
        }
        if (bias != null) broadcastInto(c, c, bias, ADD);
    }

    @Override public Tensor matmul(Tensor a, boolean ta, Tensor b, boolean tb) {
        require(a, b);
        requireRank(a, 2, "matmul operand");
        requireRank(b, 2, "matmul operand");
        int m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
        int kb = tb ? b.dim(1) : b.dim(0), n = tb ? b.dim(0) : b.dim(1);
        if (k != kb) throw new IllegalArgumentException("matmul inner sizes differ: " + a.shape() + " and " + b.shape());
        Tensor c = alloc(Shape.of(m, n));
        gemm(ta, tb, m, n, k, ptr(a), a.dim(1), 0, ptr(b), b.dim(1), 0, c, 0, 1, null);
        return c;
    }

    @Override public Tensor linear(Tensor x, Tensor w, Tensor b) {
        require(x, w, b);
        requireRank(x, 2, "linear input");
        requireRank(w, 2, "linear weight");
        if (x.dim(1) != w.dim(1)) throw new IllegalArgumentException("linear: input " + x.shape() + " does not fit weight " + w.shape());
        Tensor y = alloc(Shape.of(x.dim(0), w.dim(0)));
        gemm(false, true, x.dim(0), w.dim(0), x.dim(1), ptr(x), x.dim(1), 0, ptr(w), w.dim(1), 0, y, 0, 1, b);
        return y;
    }

    private record ConvDims(int n, int ci, int h, int w, int co, int kh, int kw, int ho, int wo, Conv2dGeometry g) {
        Object[] args() {
            return new Object[] {n, ci, h, w, co, kh, kw, ho, wo, g.stride(), g.padTop(), g.padLeft()};
        }
    }

    private static ConvDims convDims(Shape x, Shape w, Conv2dGeometry g) {
        if (x.rank() != 4 || w.rank() != 4) throw new IllegalArgumentException("conv2d needs NCHW input and OIHW weight, got " + x + " and " + w);
        if (x.dim(1) != w.dim(1)) throw new IllegalArgumentException("conv2d: input " + x + " has " + x.dim(1) + " channels, weight " + w + " expects " + w.dim(1));
        int ho = g.outHeight(x.dim(2), w.dim(2)), wo = g.outWidth(x.dim(3), w.dim(3));
        if (ho <= 0 || wo <= 0) throw new IllegalArgumentException("conv2d: input " + x + " too small for kernel " + w);
        return new ConvDims(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), ho, wo, g);
    }

    private static Object[] concat(Object[] head, Object[] tail) {
        Object[] all = new Object[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    @Override public Tensor conv2dForward(Tensor x, Tensor w, Tensor b, Conv2dGeometry g) {
        require(x, w, b);
        ConvDims d = convDims(x.shape(), w.shape(), g);
        Tensor out = alloc(Shape.of(d.n(), d.co(), d.ho(), d.wo()));
        if (cudnn != null && cudnn.forward(ptr(out), ptr(x), ptr(w), ptr(b), x.shape(), w.shape(), g)) return out;
        launch(Kernel.CONV_FWD, LaunchConfig.tiles(d.co(), (long) d.n() * d.ho() * d.wo(), 1),
                concat(new Object[] {ptr(out), ptr(x), ptr(w), ptr(b)}, d.args()));
        return out;
    }

    @Override public Tensor conv2dBackwardInput(Tensor gradOut, Tensor w, Conv2dGeometry g, Shape inputShape) {
        require(gradOut, w);
        ConvDims d = convDims(inputShape, w.shape(), g);
        Tensor gx = alloc(inputShape);
        if (cudnn != null && cudnn.backwardData(ptr(gx), ptr(gradOut), ptr(w), inputShape, gradOut.shape(), w.shape(), g)) return gx;
        launch(Kernel.CONV_BWD_INPUT, LaunchConfig.tiles(d.ci(), (long) d.n() * d.h() * d.w(), 1),
                concat(new Object[] {ptr(gx), ptr(gradOut), ptr(w)}, d.args()));
        return gx;
    }

    @Override public Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dGeometry g, Shape weightShape) {
        require(x, gradOut);
        ConvDims d = convDims(x.shape(), weightShape, g);
        int k = d.ci() * d.kh() * d.kw();
        long positions = (long) d.n() * d.ho() * d.wo();
        Tensor gw = alloc(weightShape);
        if (cudnn != null && cudnn.backwardFilter(ptr(gw), ptr(x), ptr(gradOut), x.shape(), gradOut.shape(), weightShape, g)) return gw;
        LaunchConfig.Split split = LaunchConfig.weightGradSplit(d.co(), k, positions, device.multiprocessors());
        Launch tiles = LaunchConfig.tiles(d.co(), k, split.splits());
        if (split.splits() == 1) {
            launch(Kernel.CONV_BWD_WEIGHT, tiles, concat(new Object[] {ptr(gw), ptr(x), ptr(gradOut), split.chunk()}, d.args()));
        } else {
            CachingAllocator.Block<CUdeviceptr> part = scratch(4L * split.splits() * weightShape.numel());
            launch(Kernel.CONV_BWD_WEIGHT, tiles, concat(new Object[] {part.ptr(), ptr(x), ptr(gradOut), split.chunk()}, d.args()));
            launch(Kernel.CONV_BWD_WEIGHT_SUM, LaunchConfig.elementwise(weightShape.numel()), ptr(gw), part.ptr(),
                    split.splits(), weightShape.numel());
            release(part);
        }
        return gw;
    }

    @Override public Tensor conv2dBackwardBias(Tensor gradOut) {
        require(gradOut);
        requireRank(gradOut, 4, "conv2d output gradient");
        Shape s = gradOut.shape();
        Tensor gb = alloc(Shape.of(s.dim(1)));
        launch(Kernel.CONV_BWD_BIAS, LaunchConfig.perRow(s.dim(1)), ptr(gb), ptr(gradOut), s.dim(0), s.dim(1), s.dim(2) * s.dim(3));
        return gb;
    }

    // ---- normalisation ----
    @Override public Tensor[] groupNormForward(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        return groupNorm(x, gamma, beta, groups, eps, false);
    }

    @Override public Tensor[] groupNormSiluForward(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        return groupNorm(x, gamma, beta, groups, eps, true);
    }

    private Tensor[] groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps, boolean silu) {
        require(x, gamma, beta);
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), hw = s.numel() / (n * c);
        if (c % groups != 0) throw new IllegalArgumentException("group norm: " + c + " channels not divisible into " + groups + " groups");
        Tensor y = alloc(s), mean = alloc(Shape.of(n * groups)), rstd = alloc(Shape.of(n * groups));
        launch(Kernel.GROUP_NORM_FWD, LaunchConfig.perRow((long) n * groups), ptr(y), ptr(mean), ptr(rstd), ptr(x), ptr(gamma),
                ptr(beta), c, hw, groups, eps, silu ? 1 : 0);
        return new Tensor[] {y, mean, rstd};
    }

    @Override public Tensor[] groupNormBackward(Tensor gradOut, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups) {
        require(gradOut, x, gamma, mean, rstd);
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), hw = s.numel() / (n * c);
        Tensor gx = alloc(s), gg = alloc(Shape.of(c)), gb = alloc(Shape.of(c));
        launch(Kernel.GROUP_NORM_BWD_INPUT, LaunchConfig.perRow((long) n * groups), ptr(gx), ptr(gradOut), ptr(x), ptr(gamma),
                ptr(mean), ptr(rstd), c, hw, groups);
        launch(Kernel.GROUP_NORM_BWD_AFFINE, LaunchConfig.perRow(c), ptr(gg), ptr(gb), ptr(gradOut), ptr(x), ptr(mean), ptr(rstd),
                n, c, hw, groups);
        return new Tensor[] {gx, gg, gb};
    }

    @Override public Tensor[] groupNormSiluBackward(Tensor gradOut, Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd,
                                                    int groups) {
        require(gradOut, x, gamma, beta, mean, rstd);
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), hw = s.numel() / (n * c);
        try (Tensor gz = alloc(s)) {
            launch(Kernel.GROUP_NORM_SILU_GRAD, LaunchConfig.elementwise(s.numel()), ptr(gz), ptr(gradOut), ptr(x), ptr(gamma),
                    ptr(beta), ptr(mean), ptr(rstd), c, hw, groups, (long) s.numel());
            return groupNormBackward(gz, x, gamma, mean, rstd, groups);
        }
    }

    // ---- layout and resampling ----
    private void copyChannels(Tensor dst, int dstOff, Tensor src, int srcOff, int count) {
        Shape d = dst.shape(), s = src.shape();
        int hw = s.numel() / (s.dim(0) * s.dim(1));
        launch(Kernel.COPY_CHANNELS, LaunchConfig.elementwise((long) s.dim(0) * count * hw), ptr(dst), d.dim(1), dstOff,
                ptr(src), s.dim(1), srcOff, count, s.dim(0), hw);
    }

    @Override public Tensor concatChannels(Tensor a, Tensor b) {
        require(a, b);
        Shape sa = a.shape(), sb = b.shape();
        if (sa.rank() != 4 || sb.rank() != 4 || sa.dim(0) != sb.dim(0) || sa.dim(2) != sb.dim(2) || sa.dim(3) != sb.dim(3))
            throw new IllegalArgumentException("cannot concatenate channels of " + sa + " and " + sb);
        Tensor out = alloc(sa.with(1, sa.dim(1) + sb.dim(1)));
        copyChannels(out, 0, a, 0, sa.dim(1));
        copyChannels(out, sa.dim(1), b, 0, sb.dim(1));
        return out;
    }

    @Override public Tensor sliceChannels(Tensor x, int start, int count) {
        require(x);
        Shape s = x.shape();
        if (start < 0 || count < 0 || start + count > s.dim(1))
            throw new IllegalArgumentException("channel slice [" + start + ", " + (start + count) + ") outside " + s);
        Tensor out = alloc(s.with(1, count));
        copyChannels(out, 0, x, start, count);
        return out;
    }

    @Override public Tensor upsampleNearest2x(Tensor x) {
        require(x);
        Shape s = x.shape();
        Tensor out = alloc(Shape.of(s.dim(0), s.dim(1), 2 * s.dim(2), 2 * s.dim(3)));
        launch(Kernel.UPSAMPLE_FWD, LaunchConfig.elementwise(out.numel()), ptr(out), ptr(x), s.dim(0) * s.dim(1), s.dim(2), s.dim(3));
        return out;
    }

    @Override public Tensor upsampleNearest2xBackward(Tensor gradOut) {
        require(gradOut);
        Shape s = gradOut.shape();
        int h = s.dim(2) / 2, w = s.dim(3) / 2;
        Tensor out = alloc(Shape.of(s.dim(0), s.dim(1), h, w));
        launch(Kernel.UPSAMPLE_BWD, LaunchConfig.elementwise(out.numel()), ptr(out), ptr(gradOut), s.dim(0) * s.dim(1), h, w);
        return out;
    }

    @Override public Tensor avgPool2x2(Tensor x) {
        require(x);
        Shape s = x.shape();
        Tensor out = alloc(Shape.of(s.dim(0), s.dim(1), s.dim(2) / 2, s.dim(3) / 2));
        launch(Kernel.AVG_POOL_FWD, LaunchConfig.elementwise(out.numel()), ptr(out), ptr(x), s.dim(0) * s.dim(1), s.dim(2), s.dim(3));
        return out;
    }

    @Override public Tensor avgPool2x2Backward(Tensor gradOut, Shape inputShape) {
        require(gradOut);
        Tensor out = alloc(inputShape);
        launch(Kernel.AVG_POOL_BWD, LaunchConfig.elementwise(out.numel()), ptr(out), ptr(gradOut),
                inputShape.dim(0) * inputShape.dim(1), inputShape.dim(2), inputShape.dim(3));
        return out;
    }

    // ---- attention: per sample, q, k, v are C x P matrices ----
    @Override public Tensor[] attentionForward(Tensor q, Tensor k, Tensor v, float scale) {
        require(q, k, v);
        Shape s = q.shape();
        if (!s.equals(k.shape()) || !s.equals(v.shape()) || s.rank() != 4)
            throw new IllegalArgumentException("attention needs equal NCHW q, k, v; got " + s + ", " + k.shape() + ", " + v.shape());
        int n = s.dim(0), c = s.dim(1), p = s.dim(2) * s.dim(3);
        long cp = (long) c * p, pp = (long) p * p;
        Tensor out = alloc(s), probs = alloc(Shape.of(n, p, p));
        gemm(true, false, p, p, c, ptr(q), p, cp, ptr(k), p, cp, probs, pp, n, null);      // S = qᵀk
        launch(Kernel.SOFTMAX_ROWS_FWD, LaunchConfig.perRow((long) n * p), ptr(probs), p, scale);
        gemm(false, true, c, p, p, ptr(v), p, cp, ptr(probs), p, pp, out, cp, n, null);     // out = v·Aᵀ
        return new Tensor[] {out, probs};
    }

    @Override public Tensor[] attentionBackward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor probs, float scale) {
        require(gradOut, q, k, v, probs);
        Shape s = q.shape();
        int n = s.dim(0), c = s.dim(1), p = s.dim(2) * s.dim(3);
        long cp = (long) c * p, pp = (long) p * p;
        Tensor gq = alloc(s), gk = alloc(s), gv = alloc(s);
        Tensor gs = alloc(Shape.of(n, p, p));
        gemm(false, false, c, p, p, ptr(gradOut), p, cp, ptr(probs), p, pp, gv, cp, n, null);  // gv = gout·A
        gemm(true, false, p, p, c, ptr(gradOut), p, cp, ptr(v), p, cp, gs, pp, n, null);       // gA = goutᵀ·v
        launch(Kernel.SOFTMAX_ROWS_BWD, LaunchConfig.perRow((long) n * p), ptr(gs), ptr(probs), p, scale);
        gemm(false, true, c, p, p, ptr(k), p, cp, ptr(gs), p, pp, gq, cp, n, null);            // gq = k·gSᵀ
        gemm(false, false, c, p, p, ptr(q), p, cp, ptr(gs), p, pp, gk, cp, n, null);           // gk = q·gS
        gs.close();
        return new Tensor[] {gq, gk, gv};
    }

    // ---- embedding lookup ----
    @Override public Tensor embedding(Tensor weight, int[] indices) {
        require(weight);
        requireRank(weight, 2, "embedding weight");
        int v = weight.dim(0), d = weight.dim(1);
        for (int idx : indices)
            if (idx < 0 || idx >= v) throw new IllegalArgumentException("label " + idx + " is outside [0, " + v + ")");
        Tensor out = alloc(Shape.of(indices.length, d));
        if (indices.length == 0) return out;
        CachingAllocator.Block<CUdeviceptr> idx = uploadInts(indices);
        launch(Kernel.EMBEDDING_FWD, LaunchConfig.elementwise((long) indices.length * d), ptr(out), ptr(weight), idx.ptr(),
                indices.length, d);
        release(idx);
        return out;
    }

    @Override public Tensor embeddingBackward(Tensor gradOut, int[] indices, int rows) {
        require(gradOut);
        int d = gradOut.dim(1);
        for (int idx : indices)
            if (idx < 0 || idx >= rows) throw new IllegalArgumentException("label " + idx + " is outside [0, " + rows + ")");
        if (indices.length == 0) return zeros(Shape.of(rows, d));
        Tensor out = alloc(Shape.of(rows, d));
        CachingAllocator.Block<CUdeviceptr> idx = uploadInts(indices);
        launch(Kernel.EMBEDDING_BWD, LaunchConfig.elementwise((long) rows * d), ptr(out), ptr(gradOut), idx.ptr(),
                indices.length, rows, d);
        release(idx);
        return out;
    }

    // ---- time embedding ----
    /** The float32 frequency table of the CPU backend, uploaded once per dim and kept. */
    private Tensor frequencies(int dim) {
        synchronized (frequencyTables) {
            Tensor f = frequencyTables.get(dim);
            if (f == null) {
                int half = dim / 2;
                float[] freq = new float[half];
                float step = (float) (-Math.log(10000.0) / (half - 1));
                for (int i = 0; i < half; i++) freq[i] = (float) Math.exp((float) i * step);
                f = Scope.detach(fromHost(freq, Shape.of(half)));  // kept for the backend's lifetime
                frequencyTables.put(dim, f);
            }
            return f;
        }
    }

    @Override public Tensor timestepEmbedding(Tensor t, int dim) {
        require(t);
        requireRank(t, 1, "time input");
        Tensor out = alloc(Shape.of(t.numel(), dim));
        if (dim / 2 == 0) {
            if (out.numel() > 0) cuMemsetD32Async(ptr(out), 0, out.numel(), stream);
            return out;
        }
        launch(Kernel.TIME_EMBEDDING_FWD, LaunchConfig.elementwise((long) t.numel() * (dim / 2)), ptr(out), ptr(t),
                ptr(frequencies(dim)), t.numel(), dim);
        return out;
    }

    @Override public Tensor timestepEmbeddingBackward(Tensor gradOut, Tensor t, int dim) {
        require(gradOut, t);
        if (dim / 2 == 0) return zeros(t.shape());
        Tensor gt = alloc(t.shape());
        launch(Kernel.TIME_EMBEDDING_BWD, LaunchConfig.perRow(t.numel()), ptr(gt), ptr(gradOut), ptr(t), ptr(frequencies(dim)), dim);
        return gt;
    }

    // ---- reductions ----
    private Tensor reduce(Tensor x, int square) {
        require(x);
        Tensor out = alloc(Shape.scalar());
        int blocks = LaunchConfig.reduceBlocks(x.numel());
        CachingAllocator.Block<CUdeviceptr> partial = scratch(8L * blocks);
        if (x.numel() == 0) {
            cuMemsetD32Async(partial.ptr(), 0, 2L * blocks, stream);
        } else {
            launch(Kernel.REDUCE_PARTIAL, new Launch(blocks, 1, 1, LaunchConfig.THREADS), partial.ptr(), ptr(x), x.numel(), square);
        }
        launch(Kernel.REDUCE_FINISH, new Launch(1, 1, 1, LaunchConfig.THREADS), ptr(out), partial.ptr(), blocks);
        release(partial);
        return out;
    }

    @Override public Tensor sum(Tensor x) { return reduce(x, 0); }

    @Override public Tensor sumOfSquares(Tensor x) { return reduce(x, 1); }

    // ---- classification loss ----
    @Override public Tensor[] crossEntropyForward(Tensor logits, int[] labels) {
        require(logits);
        CrossEntropyArgs.check(logits, labels);
        int n = logits.dim(0), k = logits.dim(1);
        Tensor loss = alloc(Shape.scalar()), stats = alloc(Shape.of(n, 2));
        CachingAllocator.Block<CUdeviceptr> idx = uploadInts(labels);
        CachingAllocator.Block<CUdeviceptr> nll = scratch(8L * n);
        launch(Kernel.CROSS_ENTROPY_ROWS, LaunchConfig.perRow(n), ptr(stats), nll.ptr(), ptr(logits), idx.ptr(), k);
        launch(Kernel.CROSS_ENTROPY_MEAN, new Launch(1, 1, 1, LaunchConfig.THREADS), ptr(loss), nll.ptr(), n);
        release(nll);
        release(idx);
        return new Tensor[] {loss, stats};
    }

    @Override public Tensor crossEntropyBackward(Tensor gradOut, Tensor logits, Tensor rowStats, int[] labels) {
        require(gradOut, logits, rowStats);
        CrossEntropyArgs.check(logits, labels);
        int n = logits.dim(0), k = logits.dim(1);
        Tensor gz = alloc(logits.shape());
        CachingAllocator.Block<CUdeviceptr> idx = uploadInts(labels);
        launch(Kernel.CROSS_ENTROPY_BWD, LaunchConfig.elementwise((long) n * k), ptr(gz), ptr(gradOut), ptr(logits),
                ptr(rowStats), idx.ptr(), n, k);
        release(idx);
        return gz;
    }

    // ---- random numbers ----
    @Override public Tensor randn(Shape shape, long seed, long offset) {
        Tensor out = alloc(shape);
        launch(Kernel.PHILOX_RANDN, LaunchConfig.elementwise(shape.numel()), ptr(out), shape.numel(), seed, offset);
        return out;
    }

    @Override public Tensor randnRows(Shape shape, long seed, long[] offsets) {
        int rows = shape.dim(0), d = shape.numel() / rows;
        if (offsets.length != rows) throw new IllegalArgumentException(offsets.length + " offsets for " + rows + " rows");
        Tensor out = alloc(shape);
        if (shape.numel() == 0) return out;
        CachingAllocator.Block<CUdeviceptr> offs = uploadLongs(offsets);
        launch(Kernel.PHILOX_RANDN_ROWS, LaunchConfig.elementwise(shape.numel()), ptr(out), rows, d, seed, offs.ptr());
        release(offs);
        return out;
    }

    @Override public Tensor rand(Shape shape, long seed, long offset) {
        Tensor out = alloc(shape);
        launch(Kernel.PHILOX_RAND, LaunchConfig.elementwise(shape.numel()), ptr(out), shape.numel(), seed, offset);
        return out;
    }

    @Override public Tensor dropoutMask(Shape shape, float p, long seed, long offset) {
        Tensor out = alloc(shape);
        float keep = 1f / (1f - p);
        launch(Kernel.PHILOX_DROPOUT, LaunchConfig.elementwise(shape.numel()), ptr(out), shape.numel(), p, keep, seed, offset);
        return out;
    }

    // ---- beyond the Backend interface ----
    /**
     * One Adam step on device-resident tensors, in place (PyTorch's semantics, no weight decay):
     * {@code step} counts from 1 and sets the bias corrections.
     */
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, int step, double lr, double beta1, double beta2, double eps) {
        require(param, grad, m, v);
        if (!param.shape().equals(grad.shape()) || !param.shape().equals(m.shape()) || !param.shape().equals(v.shape()))
            throw new IllegalArgumentException("adam: parameter, gradient and moments must have one shape");
        enter();
        double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
        launch(Kernel.ADAM_STEP, LaunchConfig.elementwise(param.numel()), ptr(param), ptr(grad), ptr(m), ptr(v), param.numel(),
                lr, beta1, beta2, eps, c1, c2);
    }
}
