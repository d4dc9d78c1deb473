package org.timetuner4j.nn;

import java.util.Arrays;
import java.util.Objects;

/**
 * Hyper-parameters of the DDPM UNet as defined by ermongroup/ddim's {@code Model} (and pesser's
 * pytorch_diffusion port), with the same names as ddim's {@code configs/*.yml}.
 *
 * <p>Levels are numbered from 0 (full resolution) to {@code numLevels()-1}; level i has
 * {@code ch*chMult[i]} channels and feature maps of {@link #levelResolution(int)} pixels per side;
 * attention follows every ResnetBlock of a level whose resolution is listed in
 * {@code attnResolutions}. {@code outCh} is the number of output channels, {@code inChannels} the
 * number of image channels, {@code resolution} the image size (ddim's {@code data.image_size}).
 *
 * <p>The record is immutable: array components are copied in and out. {@code equals},
 * {@code hashCode} and {@code toString} compare and print array contents. The canonical constructor
 * checks only for nulls; call {@link #validate()} (as the JSON reader and the inference from
 * weights in {@code io} do) to check the values.
 */
public record UNetConfig(int ch, int outCh, int[] chMult, int numResBlocks, int[] attnResolutions,
                         double dropout, int inChannels, int resolution, boolean resampWithConv, int numClasses) {

    /** GroupNorm group count used by every normalisation layer of the model. */
    public static final int GROUPNORM_GROUPS = 32;

    public UNetConfig {
        chMult = Objects.requireNonNull(chMult, "chMult").clone();
        attnResolutions = Objects.requireNonNull(attnResolutions, "attnResolutions").clone();
    }

    /** An unconditional network (no class labels), the ddim model. */
    public UNetConfig(int ch, int outCh, int[] chMult, int numResBlocks, int[] attnResolutions,
                      double dropout, int inChannels, int resolution, boolean resampWithConv) {
        this(ch, outCh, chMult, numResBlocks, attnResolutions, dropout, inChannels, resolution, resampWithConv, 0);
    }

    /**
     * Class conditioning (an extension of the ddim model): {@code num_classes} labels plus a
     * null label (index num_classes, for classifier-free guidance), embedded by
     * {@code label_emb.weight} [num_classes + 1, 4·ch] and added to the time embedding.
     */
    public boolean isClassConditional() { return numClasses > 0; }

    public UNetConfig withNumClasses(int n) {
        return new UNetConfig(ch, outCh, chMult, numResBlocks, attnResolutions, dropout, inChannels, resolution, resampWithConv, n);
    }

    // ---------------------------------------------------------------- released ddim configurations

    /** ddim's {@code cifar10.yml}: 35,746,307 parameters. */
    public static UNetConfig cifar10() {
        return new UNetConfig(128, 3, new int[] {1, 2, 2, 2}, 2, new int[] {16}, 0.1, 3, 32, true);
    }

    /** ddim's {@code celeba.yml} (64x64): 78,700,803 parameters. */
    public static UNetConfig celeba64() {
        return new UNetConfig(128, 3, new int[] {1, 2, 2, 2, 4}, 2, new int[] {16}, 0.1, 3, 64, true);
    }

    /** ddim's {@code bedroom.yml} / {@code church.yml} (256x256): 113,673,219 parameters. */
    public static UNetConfig lsun256() {
        return new UNetConfig(128, 3, new int[] {1, 1, 2, 2, 4, 4}, 2, new int[] {16}, 0.0, 3, 256, true);
    }

    // ---------------------------------------------------------------- accessors and geometry

    @Override
    public int[] chMult() {
        return chMult.clone();
    }

    @Override
    public int[] attnResolutions() {
        return attnResolutions.clone();
    }

    /** Number of resolution levels, {@code chMult.length}. */
    public int numLevels() {
        return chMult.length;
    }

    /** Width of the timestep embedding after the MLP, 4*ch. */
    public int tembChannels() {
        return 4 * ch;
    }

    /** Channels of level i's ResnetBlock outputs, ch*chMult[i]. */
    public int levelChannels(int level) {
        checkLevel(level);
        return ch * chMult[level];
    }

    /**
     * Side length of level i's feature maps: {@code resolution}, then each Downsample's output
     * size: floor((s + 1 - 3) / 2) + 1 with the conv (pad right/bottom by 1, 3x3, stride 2), or
     * floor(s / 2) with 2x2 average pooling.
     */
    public int levelResolution(int level) {
        checkLevel(level);
        int s = resolution;
        for (int i = 0; i < level; i++) s = downsampledSize(s, resampWithConv);
        return s;
    }

    /** Whether level i has an AttnBlock after each ResnetBlock (its resolution is in attnResolutions). */
    public boolean hasAttention(int level) {
        int r = levelResolution(level);
        for (int a : attnResolutions) if (a == r) return true;
        return false;
    }

    private static int downsampledSize(int s, boolean withConv) {
        return withConv ? Math.floorDiv(s + 1 - 3, 2) + 1 : Math.floorDiv(s, 2);
    }

    private void checkLevel(int level) {
        if (level < 0 || level >= chMult.length) {
            throw new IndexOutOfBoundsException("level " + level + " out of range 0.." + (chMult.length - 1));
        }
    }

    // ---------------------------------------------------------------- validation

    /**
     * Checks that the configuration describes a buildable model.
     *
     * @return this
     * @throws IllegalArgumentException with a one-line message naming the offending field
     */
    public UNetConfig validate() {
        if (ch <= 0) bad("ch must be positive, got " + ch);
        if (ch > 1 << 20) bad("ch = " + ch + " is unreasonably large");
        if (ch % GROUPNORM_GROUPS != 0) {
            bad("ch must be a multiple of " + GROUPNORM_GROUPS + " (GroupNorm uses " + GROUPNORM_GROUPS
                    + " groups and normalises ch channels at the first ResnetBlock), got " + ch);
        }
        if (outCh <= 0) bad("out_ch must be positive, got " + outCh);
        if (inChannels <= 0) bad("in_channels must be positive, got " + inChannels);
        if (chMult.length == 0) bad("ch_mult must list at least one level");
        for (int i = 0; i < chMult.length; i++) {
            if (chMult[i] <= 0) bad("ch_mult[" + i + "] must be positive, got " + chMult[i]);
            long c = (long) ch * chMult[i];
            if (c > 1 << 20) bad("ch*ch_mult[" + i + "] = " + c + " channels is unreasonably large");
            if (c % GROUPNORM_GROUPS != 0) {
                bad("ch*ch_mult[" + i + "] = " + c + " must be a multiple of " + GROUPNORM_GROUPS + " (GroupNorm groups)");
            }
        }
        if (numResBlocks <= 0) bad("num_res_blocks must be positive, got " + numResBlocks);
        if (numClasses < 0) bad("num_classes must be >= 0, got " + numClasses);
        if (!(dropout >= 0 && dropout < 1)) bad("dropout must be in [0, 1), got " + dropout);
        for (int a : attnResolutions) {
            if (a <= 0) bad("attn_resolutions values must be positive, got " + a);
        }
        if (resolution <= 0) bad("resolution (image_size) must be positive, got " + resolution);
        // The up path doubles the size after each Upsample, so every Downsample must halve exactly.
        StringBuilder sizes = new StringBuilder().append(resolution);
        int s = resolution;
        for (int i = 1; i < chMult.length; i++) {
            int next = downsampledSize(s, resampWithConv);
            sizes.append(" -> ").append(next);
            if (next < 1 || 2 * next != s) {
                bad("resolution " + resolution + " does not halve exactly through " + chMult.length + " levels ("
                        + sizes + "); it must be a multiple of 2^" + (chMult.length - 1) + " = "
                        + (1L << Math.min(62, chMult.length - 1)));
            }
            s = next;
        }
        return this;
    }

    private static void bad(String message) {
        throw new IllegalArgumentException("invalid UNet config: " + message);
    }

    // ---------------------------------------------------------------- Object methods

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c && ch == c.ch && outCh == c.outCh && Arrays.equals(chMult, c.chMult)
                && numResBlocks == c.numResBlocks && Arrays.equals(attnResolutions, c.attnResolutions)
                && Double.compare(dropout, c.dropout) == 0 && inChannels == c.inChannels
                && resolution == c.resolution && resampWithConv == c.resampWithConv && numClasses == c.numClasses;
    }

    @Override
    public int hashCode() {
        return Objects.hash(ch, outCh, Arrays.hashCode(chMult), numResBlocks, Arrays.hashCode(attnResolutions),
                dropout, inChannels, resolution, resampWithConv, numClasses);
    }

    @Override
    public String toString() {
        return "UNetConfig[ch=" + ch + ", outCh=" + outCh + ", chMult=" + Arrays.toString(chMult)
                + ", numResBlocks=" + numResBlocks + ", attnResolutions=" + Arrays.toString(attnResolutions)
                + ", dropout=" + dropout + ", inChannels=" + inChannels + ", resolution=" + resolution
                + ", resampWithConv=" + resampWithConv + (numClasses > 0 ? ", numClasses=" + numClasses : "") + "]";
    }
}
