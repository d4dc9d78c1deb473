package org.timetuner4j.backend.cuda;

import static org.timetuner4j.backend.cuda.KernelParam.F32;
import static org.timetuner4j.backend.cuda.KernelParam.F64;
import static org.timetuner4j.backend.cuda.KernelParam.I32;
import static org.timetuner4j.backend.cuda.KernelParam.I64;
import static org.timetuner4j.backend.cuda.KernelParam.PTR;

import java.util.List;

/**
 * Every kernel entry point in the PTX modules (src/main/resources/kernels/MODULE.ptx, built from
 * kernels/MODULE.cu), the shape of its launch and its parameter list, which {@link KernelArgs}
 * enforces on every launch. KernelCatalogTest checks this list against the committed PTX both
 * ways and checks each launch shape on sample problems; KernelSignatureTest checks each
 * parameter list against the PTX {@code .param} list.
 */
public enum Kernel {
    FILL("elementwise", "fill_f32", Shape.ELEMENTWISE,
            PTR, F32, I32),
    BINARY_BCAST("elementwise", "binary_bcast", Shape.ELEMENTWISE,
            PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32),
    BINARY_SAME("elementwise", "binary_same", Shape.ELEMENTWISE,
            PTR, PTR, PTR, I32, I32),
    AXPBY("elementwise", "axpby_f32", Shape.ELEMENTWISE,
            PTR, F32, PTR, F32, PTR, I32),
    AFFINE("elementwise", "affine_f32", Shape.ELEMENTWISE,
            PTR, PTR, F32, F32, I32),
    ADD_INPLACE("elementwise", "add_inplace_f32", Shape.ELEMENTWISE,
            PTR, PTR, I32),
    SILU_FWD("elementwise", "silu_fwd", Shape.ELEMENTWISE,
            PTR, PTR, I32),
    SILU_BWD("elementwise", "silu_bwd", Shape.ELEMENTWISE,
            PTR, PTR, PTR, I32),
    SUM_TO_SHAPE_THREAD("elementwise", "sum_to_shape_thread", Shape.ELEMENTWISE,
            PTR, PTR, I32, I32, I32, I32, I32, I32, I32),
    SUM_TO_SHAPE_BLOCK("elementwise", "sum_to_shape_block", Shape.PER_ROW,
            PTR, PTR, I32, I32, I32, I32, I32, I32),
    GEMM_NN("gemm", "gemm_nn", Shape.TILES,
            I32, I32, I32, PTR, I32, I64, PTR, I32, I64, PTR, I32, I64, PTR, I32),
    GEMM_NT("gemm", "gemm_nt", Shape.TILES,
            I32, I32, I32, PTR, I32, I64, PTR, I32, I64, PTR, I32, I64, PTR, I32),
    GEMM_TN("gemm", "gemm_tn", Shape.TILES,
            I32, I32, I32, PTR, I32, I64, PTR, I32, I64, PTR, I32, I64, PTR, I32),
    GEMM_TT("gemm", "gemm_tt", Shape.TILES,
            I32, I32, I32, PTR, I32, I64, PTR, I32, I64, PTR, I32, I64, PTR, I32),
    CONV_FWD("conv", "conv2d_fwd", Shape.TILES,
            PTR, PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32),
    CONV_BWD_INPUT("conv", "conv2d_bwd_input", Shape.TILES,
            PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32),
    CONV_BWD_WEIGHT("conv", "conv2d_bwd_weight", Shape.TILES,
            PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32),
    CONV_BWD_WEIGHT_SUM("conv", "conv2d_bwd_weight_sum", Shape.ELEMENTWISE,
            PTR, PTR, I32, I32),
    CONV_BWD_BIAS("conv", "conv2d_bwd_bias", Shape.PER_ROW,
            PTR, PTR, I32, I32, I32),
    GROUP_NORM_FWD("groupnorm", "group_norm_fwd", Shape.PER_ROW,
            PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, F32, I32),
    GROUP_NORM_BWD_INPUT("groupnorm", "group_norm_bwd_input", Shape.PER_ROW,
            PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32),
    GROUP_NORM_BWD_AFFINE("groupnorm", "group_norm_bwd_affine", Shape.PER_ROW,
            PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I32),
    GROUP_NORM_SILU_GRAD("groupnorm", "group_norm_silu_grad", Shape.ELEMENTWISE,
            PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I64),
    SOFTMAX_ROWS_FWD("attention", "softmax_rows_fwd", Shape.PER_ROW,
            PTR, I32, F32),
    SOFTMAX_ROWS_BWD("attention", "softmax_rows_bwd", Shape.PER_ROW,
            PTR, PTR, I32, F32),
    COPY_CHANNELS("resample", "copy_channels", Shape.ELEMENTWISE,
            PTR, I32, I32, PTR, I32, I32, I32, I32, I32),
    UPSAMPLE_FWD("resample", "upsample_nearest2x_fwd", Shape.ELEMENTWISE,
            PTR, PTR, I32, I32, I32),
    UPSAMPLE_BWD("resample", "upsample_nearest2x_bwd", Shape.ELEMENTWISE,
            PTR, PTR, I32, I32, I32),
    AVG_POOL_FWD("resample", "avg_pool2x2_fwd", Shape.ELEMENTWISE,
            PTR, PTR, I32, I32, I32),
    AVG_POOL_BWD("resample", "avg_pool2x2_bwd", Shape.ELEMENTWISE,
            PTR, PTR, I32, I32, I32),
    EMBEDDING_FWD("embedding", "embedding_fwd", Shape.ELEMENTWISE,
            PTR, PTR, PTR, I32, I32),
    EMBEDDING_BWD("embedding", "embedding_bwd", Shape.ELEMENTWISE,
            PTR, PTR, PTR, I32, I32, I32),
    TIME_EMBEDDING_FWD("embedding", "timestep_embedding_fwd", Shape.ELEMENTWISE,
            PTR, PTR, PTR, I32, I32),
    TIME_EMBEDDING_BWD("embedding", "timestep_embedding_bwd", Shape.PER_ROW,
            PTR, PTR, PTR, PTR, I32),
    REDUCE_PARTIAL("reduce", "reduce_partial", Shape.REDUCE,
            PTR, PTR, I32, I32),
    REDUCE_FINISH("reduce", "reduce_finish", Shape.SINGLE_BLOCK,
            PTR, PTR, I32),
    CROSS_ENTROPY_ROWS("loss", "cross_entropy_rows", Shape.PER_ROW,
            PTR, PTR, PTR, PTR, I32),
    CROSS_ENTROPY_MEAN("loss", "cross_entropy_mean", Shape.SINGLE_BLOCK,
            PTR, PTR, I32),
    CROSS_ENTROPY_BWD("loss", "cross_entropy_bwd", Shape.ELEMENTWISE,
            PTR, PTR, PTR, PTR, PTR, I32, I32),
    PHILOX_RANDN("philox", "philox_randn", Shape.ELEMENTWISE,
            PTR, I32, I64, I64),
    PHILOX_RANDN_ROWS("philox", "philox_randn_rows", Shape.ELEMENTWISE,
            PTR, I32, I32, I64, PTR),
    PHILOX_RAND("philox", "philox_rand", Shape.ELEMENTWISE,
            PTR, I32, I64, I64),
    PHILOX_DROPOUT("philox", "philox_dropout_mask", Shape.ELEMENTWISE,
            PTR, I32, F32, F32, I64, I64),
    ADAM_STEP("adam", "adam_step", Shape.ELEMENTWISE,
            PTR, PTR, PTR, PTR, I32, F64, F64, F64, F64, F64, F64);

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
    /** The parameters in the order the kernel takes them. */
    public final List<KernelParam> params;

    Kernel(String module, String entry, Shape shape, KernelParam... params) {
        this.module = module;
        this.entry = entry;
        this.shape = shape;
        this.params = List.of(params);
    }

    /** The PTX resource of this kernel's module. */
    public String resource() { return "/kernels/" + module + ".ptx"; }
}
