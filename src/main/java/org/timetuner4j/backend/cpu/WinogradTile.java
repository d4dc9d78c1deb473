package org.timetuner4j.backend.cpu;

/**
 * One Winograd algorithm F(m×m, 3×3): an m×m output tile from an α×α input tile, α = m + 2,
 * with α² multiplies per channel pair. {@link CpuWinograd} runs the GEMMs between the two
 * transforms; this type supplies the filter matrix and the input and output transforms, which
 * work on L channels at once (one vector per pixel).
 */
sealed interface WinogradTile permits WinogradF2, WinogradF4 {
    /** m: output rows and columns per tile. */
    int outputSize();

    /** α = m + 2. */
    default int inputSize() { return outputSize() + 2; }

    /** G (α×3): the transformed filter is U = G g Gᵀ. */
    float[][] filterMatrix();

    /**
     * V = Bᵀ d B for one α×α input tile of L channels at once (one vector per pixel): pixel
     * (i, j) of the tile at xb[at + i·row + j·L]; V_ξ written to v[vAt + ξ·vStride]. tmp holds
     * α² vectors.
     */
    void transformInputChannels(float[] xb, int at, int row, float[] tmp, float[] v, int vAt, int vStride);

    /**
     * y = Aᵀ M A + bias for one tile of L channels at once: M_ξ at m[mAt + ξ·mStride], the
     * channels' biases at bias[biasAt …]; output (r, c) of the tile lands at y[(r·m + c)·L …].
     * tmp holds α·m vectors.
     */
    void transformOutputChannels(float[] m, int mAt, int mStride, float[] bias, int biasAt, float[] tmp, float[] y);

    static int roundUp(int v, int m) { return (v + m - 1) / m * m; }
}
