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
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.ByteOrder;
import java.util.EnumMap;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import org.timetuner4j.backend.MemoryStats;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * What every CUDA op family shares: the device's context, the one stream everything is queued
 * on in issue order, the kernels, the caching allocator and the pinned upload and download
 * buffers. Only {@link #toHost} (and {@link #synchronize}) waits for the device.
 */
final class CudaContext implements KernelArgs.Launcher {
    private final CudaBackend owner;
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final EnumMap<Kernel, CUfunction> functions;
    private final CachingAllocator<CUdeviceptr> memory;
    private final MemoryStats live = new MemoryStats();
    private final PinnedUploads uploads;
    private final CUdeviceptr nullPtr = new CUdeviceptr();
    private Pointer download;
    private long downloadBytes;
    private long downloads;  // toHost calls: each one waits for the stream

    /** The context of {@code device} for the tensors of {@code owner}; IllegalStateException with a one-line reason. */
    CudaContext(CudaBackend owner, CudaRuntime.DeviceInfo device) {
        this.owner = owner;
        try {
            JCudaDriver.setExceptionsEnabled(true);
            CUdevice dev = new CUdevice();
            cuDeviceGet(dev, device.ordinal());
            cuDevicePrimaryCtxRetain(context, dev);
            cuCtxSetCurrent(context);
            cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            functions = KernelModules.load();
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
    }

    CUstream stream() { return stream; }

    CachingAllocator<CUdeviceptr> allocator() { return memory; }

    MemoryStats live() { return live; }

    /** Makes this context current on the calling thread. */
    void enter() { cuCtxSetCurrent(context); }

    /** Waits until every queued operation has finished. */
    void synchronize() {
        enter();
        cuStreamSynchronize(stream);
    }

    /** How many device-to-host copies (each a wait for the stream) have been made. */
    synchronized long hostDownloads() { return downloads; }

    @SuppressWarnings("unchecked")
    private static CachingAllocator.Block<CUdeviceptr> block(Tensor t) {
        return (CachingAllocator.Block<CUdeviceptr>) t.storage();
    }

    /** The device pointer of a tensor of this backend; the null pointer for null. */
    @Override public CUdeviceptr ptr(Tensor t) {
        if (t == null) return nullPtr;
        if (t.backend() != owner)
            throw new IllegalArgumentException("tensor on " + t.backend().name() + " passed to the cuda backend");
        return block(t).ptr();
    }

    /** Checks that every non-null tensor lives on this backend. */
    void require(Tensor... ts) {
        for (Tensor t : ts) if (t != null) ptr(t);
    }

    static void requireRank(Tensor t, int rank, String what) {
        if (t.shape().rank() != rank)
            throw new IllegalArgumentException(what + " must have rank " + rank + ", got " + t.shape());
    }

    /** A new tensor whose contents the next kernel writes completely. */
    Tensor alloc(Shape shape) {
        enter();
        Tensor t = new Tensor(owner, shape, memory.take(4L * shape.numel()));
        live.created(4L * shape.numel());
        return t;
    }

    CachingAllocator.Block<CUdeviceptr> scratch(long bytes) { return memory.take(bytes); }

    void release(CachingAllocator.Block<CUdeviceptr> b) { memory.give(b); }

    /** Starts the typed argument list of one launch of {@code k} with shape {@code cfg} (null: nothing to launch). */
    KernelArgs kernel(Kernel k, Launch cfg) { return new KernelArgs(k, cfg, this); }

    @Override public void launch(Kernel k, Launch cfg, Pointer params) {
        if (cfg == null) return;
        cuLaunchKernel(functions.get(k), cfg.gridX(), cfg.gridY(), cfg.gridZ(), cfg.block(), 1, 1, 0, stream, params, null);
    }

    /** Queues a zero fill of {@code count} 32-bit words at {@code p}. */
    void zeroWords(CUdeviceptr p, long count) { cuMemsetD32Async(p, 0, count, stream); }

    Tensor zeros(Shape shape) {
        Tensor t = alloc(shape);
        if (shape.numel() > 0) zeroWords(ptr(t), shape.numel());
        return t;
    }

    Tensor fromHost(float[] values, Shape shape) {
        if (values.length != shape.numel())
            throw new IllegalArgumentException(values.length + " values do not fill shape " + shape);
        Tensor t = alloc(shape);
        uploads.upload(ptr(t), 4L * values.length, b -> b.asFloatBuffer().put(values));
        return t;
    }

    /** Device copy of small host integers (labels); freed by the caller after the launches that read it. */
    CachingAllocator.Block<CUdeviceptr> uploadInts(int[] values) {
        enter();
        CachingAllocator.Block<CUdeviceptr> b = scratch(4L * values.length);
        uploads.upload(b.ptr(), 4L * values.length, buf -> buf.asIntBuffer().put(values));
        return b;
    }

    CachingAllocator.Block<CUdeviceptr> uploadLongs(long[] values) {
        enter();
        CachingAllocator.Block<CUdeviceptr> b = scratch(8L * values.length);
        uploads.upload(b.ptr(), 8L * values.length, buf -> buf.asLongBuffer().put(values));
        return b;
    }

    float[] toHost(Tensor t) {
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

    void free(Tensor t) {
        memory.give(block(t));
        live.freed(4L * t.numel());
    }

    /** A copy of {@code t}'s values under {@code shape} (same element count). */
    Tensor copyAs(Tensor t, Shape shape) {
        CUdeviceptr src = ptr(t);
        Tensor o = alloc(shape);
        if (shape.numel() > 0) cuMemcpyDtoDAsync(ptr(o), src, 4L * shape.numel(), stream);
        return o;
    }
}
