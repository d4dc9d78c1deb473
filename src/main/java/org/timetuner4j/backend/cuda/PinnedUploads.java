package org.timetuner4j.backend.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;

/**
 * Host-to-device copies through a ring of pinned (page-locked) host memory, so that an upload
 * is a true asynchronous DMA on the stream and the host does not wait for the device. Each
 * upload's region is guarded by an event recorded after its copy; the host waits only when the
 * ring wraps onto a region whose copy has not finished yet (rare: the ring is much larger than
 * the small per-step uploads — time values, labels, offsets). Regions are reserved in order, so
 * the regions a new one overlaps are always the oldest pending ones.
 */
final class PinnedUploads {
    private static final long ALIGN = 256;
    private record Region(long start, long end, CUevent done) {}

    private final CUstream stream;
    private final ArrayDeque<Region> pending = new ArrayDeque<>();
    private final ArrayDeque<CUevent> spareEvents = new ArrayDeque<>();
    private Pointer base;
    private ByteBuffer view;
    private long capacity, head;

    PinnedUploads(CUstream stream, long capacity) {
        this.stream = stream;
        allocate(capacity);
    }

    private void allocate(long bytes) {
        base = new Pointer();
        cuMemAllocHost(base, bytes);
        capacity = bytes;
        view = base.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
        head = 0;
    }

    /** Copies {@code bytes} bytes that {@code fill} writes at the buffer's position into dst. */
    synchronized void upload(CUdeviceptr dst, long bytes, java.util.function.Consumer<ByteBuffer> fill) {
        if (bytes == 0) return;
        long size = (bytes + ALIGN - 1) / ALIGN * ALIGN;
        if (size > capacity / 2) grow(size * 2);
        if (head + size > capacity) head = 0;
        while (!pending.isEmpty() && overlaps(pending.peekFirst(), head, head + size)) {
            Region r = pending.pollFirst();
            cuEventSynchronize(r.done());
            spareEvents.push(r.done());
        }
        ByteBuffer b = view.duplicate().order(ByteOrder.nativeOrder());
        b.position((int) head).limit((int) (head + bytes));
        fill.accept(b.slice().order(ByteOrder.nativeOrder()));
        cuMemcpyHtoDAsync(dst, base.withByteOffset(head), bytes, stream);
        CUevent ev = spareEvents.isEmpty() ? newEvent() : spareEvents.pop();
        cuEventRecord(ev, stream);
        pending.addLast(new Region(head, head + size, ev));
        head += size;
    }

    private static boolean overlaps(Region r, long start, long end) {
        return r.start() < end && start < r.end();
    }

    private CUevent newEvent() {
        CUevent ev = new CUevent();
        cuEventCreate(ev, CUevent_flags.CU_EVENT_DISABLE_TIMING);
        return ev;
    }

    private void grow(long bytes) {
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("upload of " + bytes + " bytes is too large");
        drain();
        cuMemFreeHost(base);
        allocate(bytes);
    }

    /** Waits for every pending copy. */
    synchronized void drain() {
        while (!pending.isEmpty()) {
            Region r = pending.pollFirst();
            cuEventSynchronize(r.done());
            spareEvents.push(r.done());
        }
    }
}
