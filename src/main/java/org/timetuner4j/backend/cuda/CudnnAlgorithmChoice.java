package org.timetuner4j.backend.cuda;

import static org.bytedeco.cuda.global.cudnn.CUDNN_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DETERMINISTIC;
import static org.bytedeco.cuda.global.cudnn.CUDNN_FMA_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_OP_MATH;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which of the algorithms cuDNN's heuristics rank (cudnnGet*Algorithm_v7, no benchmarking) a
 * convolution uses: the first, in cuDNN's order, that is supported (status success), is
 * deterministic (this project keeps every reduction deterministic; cuDNN's backward algorithms 0
 * and 3 add with atomics), computes with plain FMA math (no TF32 or other tensor-op math, so
 * results agree with the CPU backend at fp32 tolerance; TF32 tensor-op math only when
 * {@link CudaMathMode#tf32()} asked for it, never fp16 conversion) and needs at most
 * {@link #MAX_WORKSPACE} bytes of workspace. Free of JavaCPP types (the cuDNN constants are
 * compile-time ints), so it is tested without a GPU.
 */
final class CudnnAlgorithmChoice {
    /** Larger workspaces (some FFT algorithms on big inputs) are passed over for the next candidate. */
    static final long MAX_WORKSPACE = 512L << 20;

    /** The fields of one cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t that the choice reads. */
    record Candidate(int algo, int status, int determinism, int mathType, long workspace) {}

    private CudnnAlgorithmChoice() {}

    /** The first acceptable candidate of {@code ranked} (cuDNN's order), if any; fp32 math only. */
    static Optional<Candidate> pick(List<Candidate> ranked) { return pick(ranked, false); }

    /** As {@link #pick(List)}; with {@code tf32}, tensor-op math on fp32 data (TF32) is acceptable too. */
    static Optional<Candidate> pick(List<Candidate> ranked, boolean tf32) {
        for (Candidate c : ranked) if (rejection(c, tf32) == null) return Optional.of(c);
        return Optional.empty();
    }

    /** Why {@code c} is not acceptable ("not supported", "non-deterministic", ...), or null when it is. */
    static String rejection(Candidate c) { return rejection(c, false); }

    static String rejection(Candidate c, boolean tf32) {
        if (c.status() != CUDNN_STATUS_SUCCESS) return "status " + c.status();
        if (c.determinism() != CUDNN_DETERMINISTIC) return "non-deterministic";
        boolean fp32 = c.mathType() == CUDNN_FMA_MATH || c.mathType() == CUDNN_DEFAULT_MATH;
        // never CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION: that converts fp32 operands to fp16
        if (!fp32 && !(tf32 && c.mathType() == CUDNN_TENSOR_OP_MATH)) return "tensor-op math " + c.mathType();
        if (c.workspace() > MAX_WORKSPACE) return "workspace " + (c.workspace() >> 20) + " MiB";
        return null;
    }

    /** e.g. "none of 2 ranked algorithms is usable (algo 0: non-deterministic, algo 3: status 3000)". */
    static String noneUsable(List<Candidate> ranked) { return noneUsable(ranked, false); }

    static String noneUsable(List<Candidate> ranked, boolean tf32) {
        List<String> why = new ArrayList<>();
        for (Candidate c : ranked) why.add("algo " + c.algo() + ": " + rejection(c, tf32));
        return "none of " + ranked.size() + " ranked algorithms is usable" + (why.isEmpty() ? "" : " (" + String.join(", ", why) + ")");
    }
}
