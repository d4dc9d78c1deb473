package org.timetuner4j.backend.cuda;

import static org.timetuner4j.backend.cuda.KernelParam.F32;
import static org.timetuner4j.backend.cuda.KernelParam.F64;
import static org.timetuner4j.backend.cuda.KernelParam.I32;
import static org.timetuner4j.backend.cuda.KernelParam.I64;
import static org.timetuner4j.backend.cuda.KernelParam.PTR;

import java.util.List;
import java.util.Locale;

/**
 * Every kernel entry point in the PTX modules (src/main/resources/kernels/MODULE.ptx, built from
 * kernels/MODULE.cu), named as the entry in upper case, with the shape of its launch and its
 * parameter list, which {@link KernelArgs} enforces on every launch. KernelCatalogTest checks
 * this list against the committed PTX both ways and checks each launch shape on sample
 * problems; KernelSignatureTest checks each parameter list against the PTX {@code .param} list.
 */
public enum Kernel {
    FILL_F32("elementwise", Shape.ELEMENTWISE, PTR, F32, I32),
    BINARY_BCAST("elementwise", Shape.ELEMENTWISE,
            PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32),
    BINARY_SAME("elementwise", Shape.ELEMENTWISE, PTR, PTR, PTR, I32, I32),
    AXPBY_F32("elementwise", Shape.ELEMENTWISE, PTR, F32, PTR, F32, PTR, I32),
    AFFINE_F32("elementwise", Shape.ELEMENTWISE, PTR, PTR, F32, F32, I32),
    ADD_INPLACE_F32("elementwise", Shape.ELEMENTWISE, PTR, PTR, I32),
    SILU_FWD("elementwise", Shape.ELEMENTWISE, PTR, PTR, I32),
    SILU_BWD("elementwise", Shape.ELEMENTWISE, PTR, PTR, PTR, I32),
    SUM_TO_SHAPE_THREAD("elementwise", Shape.ELEMENTWISE, PTR, PTR, I32, I32, I32, I32, I32, I32, I32),
    SUM_TO_SHAPE_BLOCK("elementwise", Shape.PER_ROW, PTR, PTR, I32, I32, I32, I32, I32, I32),
    GEMM_NN("gemm", Shape.TILES, I32, I32, I32, PTR, I32, I64, PTR, I32, I64, PTR, I32, I64, PTR, I32),
    GEMM_NT("gemm", Shape.TILES, I32, I32, I32, PTR, I32, I64, PTR, I32, I64, PTR, I32, I64, PTR, I32),
    GEMM_TN("gemm", Shape.TILES, I32, I32, I32, PTR, I32, I64, PTR, I32, I64, PTR, I32, I64, PTR, I32),
    GEMM_TT("gemm", Shape.TILES, I32, I32, I32, PTR, I32, I64, PTR, I32, I64, PTR, I32, I64, PTR, I32),
    CONV2D_FWD("conv", Shape.TILES, PTR, PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32),
    CONV2D_BWD_INPUT("conv", Shape.TILES, PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32),
    CONV2D_BWD_WEIGHT("conv", Shape.TILES, PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32),
    CONV2D_BWD_WEIGHT_SUM("conv", Shape.ELEMENTWISE, PTR, PTR, I32, I32),
    CONV2D_BWD_BIAS("conv", Shape.PER_ROW, PTR, PTR, I32, I32, I32),
    GROUP_NORM_FWD("groupnorm", Shape.PER_ROW, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, F32, I32),
    GROUP_NORM_BWD_INPUT("groupnorm", Shape.PER_ROW, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32),
    GROUP_NORM_BWD_AFFINE("groupnorm", Shape.PER_ROW, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I32),
    GROUP_NORM_SILU_GRAD("groupnorm", Shape.ELEMENTWISE, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I64),
    SOFTMAX_ROWS_FWD("attention", Shape.PER_ROW, PTR, I32, F32),
    SOFTMAX_ROWS_BWD("attention", Shape.PER_ROW, PTR, PTR, I32, F32),
    COPY_CHANNELS("resample", Shape.ELEMENTWISE, PTR, I32, I32, PTR, I32, I32, I32, I32, I32),
    UPSAMPLE_NEAREST2X_FWD("resample", Shape.ELEMENTWISE, PTR, PTR, I32, I32, I32),
    UPSAMPLE_NEAREST2X_BWD("resample", Shape.ELEMENTWISE, PTR, PTR, I32, I32, I32),
    AVG_POOL2X2_FWD("resample", Shape.ELEMENTWISE, PTR, PTR, I32, I32, I32),
    AVG_POOL2X2_BWD("resample", Shape.ELEMENTWISE, PTR, PTR, I32, I32, I32),
    EMBEDDING_FWD("embedding", Shape.ELEMENTWISE, PTR, PTR, PTR, I32, I32),
    EMBEDDING_BWD("embedding", Shape.ELEMENTWISE, PTR, PTR, PTR, I32, I32, I32),
    TIMESTEP_EMBEDDING_FWD("embedding", Shape.ELEMENTWISE, PTR, PTR, PTR, I32, I32),
    TIMESTEP_EMBEDDING_BWD("embedding", Shape.PER_ROW, PTR, PTR, PTR, PTR, I32),
    REDUCE_PARTIAL("reduce", Shape.REDUCE, PTR, PTR, I32, I32),
    REDUCE_FINISH("reduce", Shape.SINGLE_BLOCK, PTR, PTR, I32),
    CROSS_ENTROPY_ROWS("loss", Shape.PER_ROW, PTR, PTR, PTR, PTR, I32),
    CROSS_ENTROPY_MEAN("loss", Shape.SINGLE_BLOCK, PTR, PTR, I32),
    CROSS_ENTROPY_BWD("loss", Shape.ELEMENTWISE, PTR, PTR, PTR, PTR, PTR, I32, I32),
    PHILOX_RANDN("philox", Shape.ELEMENTWISE, PTR, I32, I64, I64),
    PHILOX_RANDN_ROWS("philox", Shape.ELEMENTWISE, PTR, I32, I32, I64, PTR),
    PHILOX_RAND("philox", Shape.ELEMENTWISE, PTR, I32, I64, I64),
    PHILOX_DROPOUT_MASK("philox", Shape.ELEMENTWISE, PTR, I32, F32, F32, I64, I64),
    ADAM_STEP("adam", Shape.ELEMENTWISE, PTR, PTR, PTR, PTR, I32, F64, F64, F64, F64, F64, F64);

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
    /** The PTX entry point: the constant's name in lower case (one name per kernel in Java and CUDA). */
    public final String entry;
    public final Shape shape;
    /** The parameters in the order the kernel takes them. */
    public final List<KernelParam> params;

    Kernel(String module, Shape shape, KernelParam... params) {
        this.module = module;
        this.entry = name().toLowerCase(Locale.ROOT);
        this.shape = shape;
        this.params = List.of(params);
    }

    /** The PTX resource of this kernel's module. */
    public String resource() { return "/kernels/" + module + ".ptx"; }
}
