package org.timetuner4j.backend.cpu;

/**
 * One Winograd algorithm F(m×m, 3×3): an m×m output tile from an α×α input tile, α = m + 2,
 * with α² multiplies per channel pair. {@link CpuWinograd} runs the GEMMs between the two
 * transforms; this type supplies the filter matrix and the vectorised input and output transforms.
 *
 * <p>The padded input they read stores each row as m phase segments of q = wp / m values:
 * padded column c sits at (c mod m)·q + c / m, so the columns of consecutive tiles are
 * consecutive lanes of each segment.
 */
sealed interface WinogradTile permits WinogradF2, WinogradF4 {
    /** m: output rows and columns per tile. */
    int outputSize();

    /** α = m + 2. */
    default int inputSize() { return outputSize() + 2; }

    /** G (α×3): the transformed filter is U = G g Gᵀ. */
    float[][] filterMatrix();

    /** Floats of per-thread scratch the two transforms need, for padded rows wq and tile rows tq apart. */
    int scratchSize(int wq, int tq);

    /**
     * V = Bᵀ d B for the tiles of one channel in {@code rows} tile rows whose first padded row
     * starts at {@code base}: V_ξ[tile] lands at v[ξ·vStride + vOff + tile]. A row's whole-vector
     * overhang may land on the next tile row's entries, which are written after it.
     */
    void transformInput(float[] xp, int base, int wp, int wq, int rows, int tw, float[] scratch, float[] v, int vOff, int vStride);

    /**
     * y = Aᵀ M A + bias for the tiles of one output channel in {@code images} consecutive images,
     * {@code rows} tile rows each (M_ξ at m[ξ·mStride + mOff + tile], the images' tiles one after
     * another), written to the output planes at plane + i·planeStride from output row oy0 on,
     * cropped to ho×wo.
     */
    void transformOutput(float[] m, int mOff, int mStride, int images, int rows, int tw, float bias, float[] scratch,
                         float[] out, int plane, int planeStride, int oy0, int ho, int wo);

    static int roundUp(int v, int m) { return (v + m - 1) / m * m; }
}
