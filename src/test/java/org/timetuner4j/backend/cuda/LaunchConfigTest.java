package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.timetuner4j.backend.Broadcast;
import org.timetuner4j.tensor.Shape;

/** CPU-side checks of the launch shapes, the allocator and the broadcasting helpers (no GPU). */
class LaunchConfigTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 255, 256, 257, 65535L * 256, 65535L * 256 + 1, 1L << 31})
    void elementwiseGridsCoverTheWorkOrStride(long n) {
        Launch l = LaunchConfig.elementwise(n);
        assertEquals(LaunchConfig.THREADS, l.block());
        assertTrue(l.gridX() >= 1 && l.gridX() <= LaunchConfig.MAX_STRIDE_BLOCKS);
        // a grid-stride loop visits everything; without striding the grid must cover n itself
        if (l.gridX() < LaunchConfig.MAX_STRIDE_BLOCKS) assertTrue((long) l.gridX() * l.block() >= n);
        assertTrue((long) (l.gridX() - 1) * l.block() < n, "no idle block");
    }

    @Test void nothingToLaunchForEmptyWork() {
        assertNull(LaunchConfig.elementwise(0));
        assertNull(LaunchConfig.perRow(0));
        assertNull(LaunchConfig.tiles(0, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> new Launch(0, 1, 1, 256));
    }

    @Test void tilesCoverTheProductAndRespectGridLimits() {
        for (int[] mnb : new int[][] {{1, 1, 1}, {64, 64, 1}, {65, 63, 3}, {128, 128 * 1024, 1}, {1024, 1024, 64}}) {
            Launch l = LaunchConfig.tiles(mnb[0], mnb[1], mnb[2]);
            assertTrue((long) l.gridY() * LaunchConfig.TILE >= mnb[0] && (long) (l.gridY() - 1) * LaunchConfig.TILE < mnb[0]);
            assertTrue((long) l.gridX() * LaunchConfig.TILE >= mnb[1] && (long) (l.gridX() - 1) * LaunchConfig.TILE < mnb[1]);
            assertEquals(mnb[2], l.gridZ());
            assertEquals(LaunchConfig.THREADS, l.block());
        }
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.tiles(64L * 65536, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.tiles(1, 1, 65536));
    }

    @Test void perRowIsOneBlockPerRow() {
        Launch l = LaunchConfig.perRow(4096);
        assertEquals(4096, l.gridX());
        assertEquals(LaunchConfig.THREADS, l.block());
    }

    @Test void weightGradientSplitsPartitionThePositions() {
        int[][] cases = {{128, 1152, 128 * 32 * 32}, {3, 27, 5}, {256, 2304, 8 * 8 * 8}, {64, 64, 1 << 20}, {1, 1, 1}};
        for (int sms : new int[] {1, 132}) {
            for (int[] c : cases) {
                LaunchConfig.Split s = LaunchConfig.weightGradSplit(c[0], c[1], c[2], sms);
                assertTrue(s.splits() >= 1 && s.chunk() >= 1);
                assertTrue((long) s.splits() * s.chunk() >= c[2], "splits cover all positions");
                assertTrue((long) (s.splits() - 1) * s.chunk() < c[2], "no empty split");
                assertTrue(s.splits() == 1 || s.chunk() >= LaunchConfig.THREADS / 2, "splits are not tiny");
                LaunchConfig.tiles(c[0], c[1], s.splits());  // fits the grid
            }
        }
        // a big reduction over few tiles is split on a big GPU, not on a one-SM one
        assertTrue(LaunchConfig.weightGradSplit(64, 64, 1 << 20, 132).splits() > 1);
        assertEquals(1, LaunchConfig.weightGradSplit(128, 1152, 100, 132).splits());
    }

    @Test void reduceBlocksAreBounded() {
        assertEquals(1, LaunchConfig.reduceBlocks(0));
        assertEquals(1, LaunchConfig.reduceBlocks(256));
        assertEquals(2, LaunchConfig.reduceBlocks(257));
        assertEquals(LaunchConfig.MAX_REDUCE_BLOCKS, LaunchConfig.reduceBlocks(1L << 30));
    }

    // ---- caching allocator ----
    /** A fake device: hands out numbered blocks, counts live bytes, can be made to run out. */
    static final class FakeDevice implements CachingAllocator.Raw<Long> {
        long next = 1, live, limit = Long.MAX_VALUE, allocs;
        final List<Long> freed = new ArrayList<>();
        final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

        @Override public Long alloc(long bytes) {
            if (live + bytes > limit) throw new IllegalStateException("CUDA_ERROR_OUT_OF_MEMORY");
            live += bytes;
            allocs++;
            sizes.put(next, bytes);
            return next++;
        }

        @Override public void free(Long p) {
            live -= sizes.remove(p);
            freed.add(p);
        }
    }

    @Test void sizeClassesRoundUpWithBoundedWaste() {
        assertEquals(512, CachingAllocator.sizeClass(0));
        assertEquals(512, CachingAllocator.sizeClass(512));
        assertEquals(1024, CachingAllocator.sizeClass(513));
        assertEquals(1L << 20, CachingAllocator.sizeClass((1L << 20) - 3));
        for (long b = 1; b < (1L << 34); b = b * 3 + 7) {
            long c = CachingAllocator.sizeClass(b);
            assertTrue(c >= b);
            if (b > (1L << 20)) assertTrue(c - b <= b / 8, "waste of " + b + " -> " + c);
        }
    }

    @Test void freedBlocksAreReusedSoALoopAllocatesNothingAfterWarmUp() {
        FakeDevice dev = new FakeDevice();
        CachingAllocator<Long> a = new CachingAllocator<>(dev);
        long afterWarmUp = -1;
        for (int step = 0; step < 1000; step++) {
            List<CachingAllocator.Block<Long>> live = new ArrayList<>();
            for (int op = 0; op < 20; op++) live.add(a.take(4L * (1000 + 37 * op)));
            for (int i = live.size() - 1; i >= 0; i--) a.give(live.get(i));
            if (step == 0) afterWarmUp = dev.allocs;
        }
        assertEquals(afterWarmUp, dev.allocs, "no raw allocation after the first step");
        assertEquals(0, a.stats().inUse());
        assertEquals(dev.live, a.stats().cached());
    }

    @Test void runningOutReleasesTheCacheAndRetries() {
        FakeDevice dev = new FakeDevice();
        dev.limit = 4096;
        CachingAllocator<Long> a = new CachingAllocator<>(dev);
        a.give(a.take(2048));
        a.give(a.take(1024));
        CachingAllocator.Block<Long> big = a.take(4096);  // needs the cached 3 KiB back
        assertEquals(4096, big.bytes());
        assertEquals(2, dev.freed.size());
        a.give(big);
        CachingAllocator.Block<Long> again = a.take(4000);
        assertThrows(IllegalStateException.class, () -> a.take(4096), "nothing cached, nothing left");
        a.give(again);
    }

    // ---- broadcasting ----
    @Test void broadcastStridesAndReductionMasks() {
        Shape out = Shape.of(2, 3, 4, 5);
        assertEquals(out, Broadcast.shape(Shape.of(2, 3, 4, 5), Shape.of(3, 1, 5)));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 5, 0, 1}, Broadcast.strides4(Shape.of(3, 1, 5), out));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {60, 20, 5, 1}, Broadcast.strides4(out, out));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 0, 0, 0}, Broadcast.strides4(Shape.scalar(), out));
        int mask = Broadcast.reducedMask(out, Shape.of(3, 1, 5));
        assertEquals(0b0101, mask);
        assertEquals(8, Broadcast.reducedCount(out, mask));
        assertEquals(0b1101, Broadcast.reducedMask(Shape.of(8, 16, 4, 4), Shape.of(1, 16, 1, 1)));
        assertThrows(IllegalArgumentException.class, () -> Broadcast.shape(Shape.of(2, 3), Shape.of(4)));
        assertThrows(IllegalArgumentException.class, () -> Broadcast.dims4(Shape.of(1, 2, 3, 4, 5)));
    }
}
