package org.timetuner4j.backend.cpu;

/**
 * Copies rows of an input plane into the zero-padded, phase-split rows the Winograd input
 * transforms read (see {@link WinogradTile}): padded column p of a row sits at
 * (p mod m)·(wp / m) + p / m. Where each input column lands, and which padded positions no
 * input column reaches, are worked out once per convolution, so copying a row is one plain loop.
 */
final class WinogradStrip {
    private final int h, w, padTop, wp;
    /** Position in the padded row of input column c, for the columns that fit in it. */
    private final int[] columnAt;
    /** Positions in the padded row that stay zero (padding left and right). */
    private final int[] blanks;

    WinogradStrip(CpuConv2d.Dims d, int m, int wp) {
        this.h = d.h();
        this.w = d.w();
        this.padTop = d.g().padTop();
        this.wp = wp;
        int pl = d.g().padLeft(), q = wp / m, cols = Math.max(0, Math.min(w, wp - pl));
        columnAt = new int[cols];
        boolean[] covered = new boolean[wp];
        for (int c = 0; c < cols; c++) {
            int p = pl + c;
            columnAt[c] = p % m * q + p / m;
            covered[columnAt[c]] = true;
        }
        blanks = java.util.stream.IntStream.range(0, wp).filter(i -> !covered[i]).toArray();
    }

    /** Padded rows [py0, py0 + count) of the plane at {@code plane} into strip, wp apart from 0. */
    void fill(float[] x, int plane, int py0, int count, float[] strip) {
        int[] at = columnAt, zero = blanks;
        for (int r = 0; r < count; r++) {
            int y = py0 + r - padTop, row = r * wp;
            if (y < 0 || y >= h) {
                java.util.Arrays.fill(strip, row, row + wp, 0f);
                continue;
            }
            int in = plane + y * w;
            for (int c = 0; c < at.length; c++) strip[row + at[c]] = x[in + c];
            for (int z : zero) strip[row + z] = 0f;
        }
    }
}
