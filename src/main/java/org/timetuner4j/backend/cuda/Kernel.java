package org.timetuner4j.backend.cuda;

/**
 * Every kernel entry point in the PTX modules (src/main/resources/kernels/MODULE.ptx, built from
 * kernels/MODULE.cu) and the shape of its launch. KernelCatalogTest checks this list against the
 * committed PTX both ways and checks each launch shape on sample problems.
 */
public enum Kernel {
    FILL("elementwise", "fill_f32", Shape.ELEMENTWISE),
    BINARY_BCAST("elementwise", "binary_bcast", Shape.ELEMENTWISE),
    BINARY_SAME("elementwise", "binary_same", Shape.ELEMENTWISE),
    AXPBY("elementwise", "axpby_f32", Shape.ELEMENTWISE),
    AFFINE("elementwise", "affine_f32", Shape.ELEMENTWISE),
    ADD_INPLACE("elementwise", "add_inplace_f32", Shape.ELEMENTWISE),
    SILU_FWD("elementwise", "silu_fwd", Shape.ELEMENTWISE),
    SILU_BWD("elementwise", "silu_bwd", Shape.ELEMENTWISE),
    SUM_TO_SHAPE_THREAD("elementwise", "sum_to_shape_thread", Shape.ELEMENTWISE),
    SUM_TO_SHAPE_BLOCK("elementwise", "sum_to_shape_block", Shape.PER_ROW),
    GEMM_NN("gemm", "gemm_nn", Shape.TILES),
    GEMM_NT("gemm", "gemm_nt", Shape.TILES),
    GEMM_TN("gemm", "gemm_tn", Shape.TILES),
    GEMM_TT("gemm", "gemm_tt", Shape.TILES),
    CONV_FWD("conv", "conv2d_fwd", Shape.TILES),
    CONV_BWD_INPUT("conv", "conv2d_bwd_input", Shape.TILES),
    CONV_BWD_WEIGHT("conv", "conv2d_bwd_weight", Shape.TILES),
    CONV_BWD_WEIGHT_SUM("conv", "conv2d_bwd_weight_sum", Shape.ELEMENTWISE),
    CONV_BWD_BIAS("conv", "conv2d_bwd_bias", Shape.PER_ROW),
    GROUP_NORM_FWD("groupnorm", "group_norm_fwd", Shape.PER_ROW),
    GROUP_NORM_BWD_INPUT("groupnorm", "group_norm_bwd_input", Shape.PER_ROW),
    GROUP_NORM_BWD_AFFINE("groupnorm", "group_norm_bwd_affine", Shape.PER_ROW),
    GROUP_NORM_SILU_GRAD("groupnorm", "group_norm_silu_grad", Shape.ELEMENTWISE),
    SOFTMAX_ROWS_FWD("attention", "softmax_rows_fwd", Shape.PER_ROW),
    SOFTMAX_ROWS_BWD("attention", "softmax_rows_bwd", Shape.PER_ROW),
    COPY_CHANNELS("resample", "copy_channels", Shape.ELEMENTWISE),
    UPSAMPLE_FWD("resample", "upsample_nearest2x_fwd", Shape.ELEMENTWISE),
    UPSAMPLE_BWD("resample", "upsample_nearest2x_bwd", Shape.ELEMENTWISE),
    AVG_POOL_FWD("resample", "avg_pool2x2_fwd", Shape.ELEMENTWISE),
    AVG_POOL_BWD("resample", "avg_pool2x2_bwd", Shape.ELEMENTWISE),
    EMBEDDING_FWD("embedding", "embedding_fwd", Shape.ELEMENTWISE),
    EMBEDDING_BWD("embedding", "embedding_bwd", Shape.ELEMENTWISE),
    TIME_EMBEDDING_FWD("embedding", "timestep_embedding_fwd", Shape.ELEMENTWISE),
    TIME_EMBEDDING_BWD("embedding", "timestep_embedding_bwd", Shape.PER_ROW),
    REDUCE_PARTIAL("reduce", "reduce_partial", Shape.REDUCE),
    REDUCE_FINISH("reduce", "reduce_finish", Shape.SINGLE_BLOCK),
    CROSS_ENTROPY_ROWS("loss", "cross_entropy_rows", Shape.PER_ROW),
    CROSS_ENTROPY_MEAN("loss", "cross_entropy_mean", Shape.SINGLE_BLOCK),
    CROSS_ENTROPY_BWD("loss", "cross_entropy_bwd", Shape.ELEMENTWISE),
    PHILOX_RANDN("philox", "philox_randn", Shape.ELEMENTWISE),
    PHILOX_RANDN_ROWS("philox", "philox_randn_rows", Shape.ELEMENTWISE),
    PHILOX_RAND("philox", "philox_rand", Shape.ELEMENTWISE),
    PHILOX_DROPOUT("philox", "philox_dropout_mask", Shape.ELEMENTWISE),
    ADAM_STEP("adam", "adam_step", Shape.ELEMENTWISE);

    /** How a kernel's grid is laid out (see {@link LaunchConfig}). */
    public enum Shape {
        /** grid-stride over items: {@link LaunchConfig#elementwise} */
        ELEMENTWISE,
        /** one block per row/group/channel: {@link LaunchConfig#perRow} */
        PER_ROW,
        /** 64x64 output tiles, batch or split in z: {@link LaunchConfig#tiles} */
        TILES,
        /** partial sums: {@link LaunchConfig#reduceBlocks} blocks */
        REDUCE,
        /** one block */
        SINGLE_BLOCK
    }

    public final String module;
    public final String entry;
    public final Shape shape;

    Kernel(String module, String entry, Shape shape) {
        this.module = module;
        this.entry = entry;
        this.shape = shape;
    }

    /** The PTX resource of this kernel's module. */
    public String resource() { return "/kernels/" + module + ".ptx"; }
}
