package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.cuda.CudnnAlgorithmChoice.Candidate;

/** The algorithm-pick rule on synthetic heuristic results; no GPU, no native code. */
class CudnnAlgorithmChoiceTest {
    // cudnn.h's values (the binding's compile-time constants)
    private static final int SUCCESS = 0, NOT_SUPPORTED = 3000, NON_DET = 0, DET = 1;
    private static final int DEFAULT_MATH = 0, TENSOR_OP = 1, TENSOR_OP_CONVERSION = 2, FMA = 3;

    @Test void theConstantsAreCudnnsOwn() {
        assertEquals(SUCCESS, org.bytedeco.cuda.global.cudnn.CUDNN_STATUS_SUCCESS);
        assertEquals(NOT_SUPPORTED, org.bytedeco.cuda.global.cudnn.CUDNN_STATUS_NOT_SUPPORTED);
        assertEquals(DET, org.bytedeco.cuda.global.cudnn.CUDNN_DETERMINISTIC);
        assertEquals(NON_DET, org.bytedeco.cuda.global.cudnn.CUDNN_NON_DETERMINISTIC);
        assertEquals(FMA, org.bytedeco.cuda.global.cudnn.CUDNN_FMA_MATH);
        assertEquals(TENSOR_OP, org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_OP_MATH);
        assertEquals(TENSOR_OP_CONVERSION, org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
    }

    @Test void theFirstSupportedDeterministicFmaAlgorithmInHeuristicOrderWins() {
        List<Candidate> ranked = List.of(
                new Candidate(0, SUCCESS, NON_DET, FMA, 0),              // backward algo 0: atomics
                new Candidate(6, NOT_SUPPORTED, DET, FMA, 0),
                new Candidate(7, SUCCESS, DET, TENSOR_OP, 0),
                new Candidate(5, SUCCESS, DET, FMA, 1 << 20),
                new Candidate(1, SUCCESS, DET, FMA, 0));                 // also usable, but later
        assertEquals(Optional.of(ranked.get(3)), CudnnAlgorithmChoice.pick(ranked));
    }

    @Test void defaultMathCountsAsFmaButTensorOpMathNever() {
        assertEquals(2, CudnnAlgorithmChoice.pick(List.of(new Candidate(3, SUCCESS, DET, TENSOR_OP_CONVERSION, 0),
                new Candidate(2, SUCCESS, DET, DEFAULT_MATH, 0))).orElseThrow().algo());
        assertEquals("tensor-op math 1", CudnnAlgorithmChoice.rejection(new Candidate(1, SUCCESS, DET, TENSOR_OP, 0)));
        assertNull(CudnnAlgorithmChoice.rejection(new Candidate(1, SUCCESS, DET, FMA, 0)));
    }

    @Test void withTf32TensorOpMathIsAcceptedButNeverFp16Conversion() {
        List<Candidate> ranked = List.of(new Candidate(3, SUCCESS, DET, TENSOR_OP_CONVERSION, 0),
                new Candidate(7, SUCCESS, DET, TENSOR_OP, 0), new Candidate(1, SUCCESS, DET, FMA, 0));
        assertEquals(1, CudnnAlgorithmChoice.pick(ranked).orElseThrow().algo());
        assertEquals(7, CudnnAlgorithmChoice.pick(ranked, true).orElseThrow().algo());
        assertEquals("tensor-op math 2", CudnnAlgorithmChoice.rejection(ranked.get(0), true));
    }

    @Test void workspacesOverTheCapArePassedOver() {
        long cap = CudnnAlgorithmChoice.MAX_WORKSPACE;
        List<Candidate> ranked = List.of(new Candidate(4, SUCCESS, DET, FMA, cap + 1), new Candidate(1, SUCCESS, DET, FMA, cap));
        assertEquals(1, CudnnAlgorithmChoice.pick(ranked).orElseThrow().algo());
    }

    @Test void noUsableAlgorithmMeansOurKernelsAndSaysWhy() {
        List<Candidate> ranked = List.of(new Candidate(0, SUCCESS, NON_DET, FMA, 0), new Candidate(3, NOT_SUPPORTED, DET, FMA, 0));
        assertTrue(CudnnAlgorithmChoice.pick(ranked).isEmpty());
        assertEquals("none of 2 ranked algorithms is usable (algo 0: non-deterministic, algo 3: status 3000)",
                CudnnAlgorithmChoice.noneUsable(ranked));
        assertTrue(CudnnAlgorithmChoice.pick(List.of()).isEmpty());
        assertEquals("none of 0 ranked algorithms is usable", CudnnAlgorithmChoice.noneUsable(List.of()));
    }
}
