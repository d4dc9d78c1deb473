package org.timetuner4j.backend.cpu;

import org.timetuner4j.backend.Conv2dGeometry;

/**
 * The weight gradient of a stride-1 k×k convolution without im2col:
 * gw[o, c, ky, kx] = Σ_n Σ_p gout_n[o, p] · xpad_n[c, p + ky·Wp + kx], where p runs over the
 * output positions laid out on the padded width Wp (the Wp − Wo extra columns carry zero
 * gradient). Each kernel offset (ky, kx) is then a plain product gout · xpadᵀ whose second
 * operand is the same padded input shifted by ky·Wp + kx positions — and a shift of K is a
 * window into one packed panel. So every image's input is packed once (not k² times, as
 * im2col would), and its gradient once; the k² products run on the GEMM micro-kernel.
 * Tasks own (offset, channel panel) pairs and add the images in order: deterministic.
 */
final class CpuConvWeightGradient {
    private CpuConvWeightGradient() {}

    static boolean applies(CpuConv2d.Dims d) {
        return d.g().stride() == 1 && !d.pointwise();
    }

    static void compute(float[] x, float[] gout, CpuConv2d.Dims d, float[] gw) {
        Conv2dGeometry g = d.g();
        int n = d.n(), ci = d.ci(), co = d.co(), h = d.h(), w = d.w(), kh = d.kh(), kw = d.kw(), ho = d.ho(), wo = d.wo();
        int wp = w + g.padLeft() + g.padRight(), hp = h + g.padTop() + g.padBottom();
        int positions = ho * wp;                    // K of every product
        int rows = hp * wp + kw - 1;                // rows of a packed input panel: the largest shift fits
        int nr = Gemm.panelWidth(), panels = (ci + nr - 1) / nr, panelSize = rows * nr;

        // gout of each image on the padded width (zero in columns wo … wp−1), packed as A
        Gemm.PackedA[] a = new Gemm.PackedA[n];
        // each image's zero-padded input, NR channels per panel, k-major (position-major)
        float[] xp = new float[n * panels * panelSize];
        Parallel.forEach(n, img -> {
            float[] wide = new float[co * positions];
            for (int o = 0; o < co; o++)
                for (int oy = 0; oy < ho; oy++)
                    System.arraycopy(gout, ((img * co + o) * ho + oy) * wo, wide, o * positions + oy * wp, wo);
            a[img] = Gemm.pack(false, co, positions, wide, 0, positions);
            for (int c = 0; c < ci; c++) {
                int base = (img * panels + c / nr) * panelSize + c % nr, plane = (img * ci + c) * h * w;
                for (int y = 0; y < h; y++) {
                    int dst = base + ((y + g.padTop()) * wp + g.padLeft()) * nr, src = plane + y * w;
                    for (int xx = 0; xx < w; xx++, dst += nr) xp[dst] = x[src + xx];
                }
            }
        });

        int offsets = kh * kw;
        float[] byOffset = new float[offsets * co * ci];  // [offset][o][c]
        Parallel.forEach(offsets * panels, task -> {
            int off = task / panels, panel = task % panels, shift = (off / kw) * wp + off % kw;
            int width = Math.min(nr, ci - panel * nr);
            for (int img = 0; img < n; img++)
                Gemm.productWithPanel(a[img], xp, (img * panels + panel) * panelSize + shift * nr, width,
                        byOffset, off * co * ci + panel * nr, ci, img == 0);
        });
        Parallel.forEach(co, o -> {
            for (int c = 0; c < ci; c++)
                for (int off = 0; off < offsets; off++)
                    gw[(o * ci + c) * offsets + off] = byOffset[(off * co + o) * ci + c];
        });
    }
}
