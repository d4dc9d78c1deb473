package org.timetuner4j.ops;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;
import org.timetuner4j.testing.CudaCase;
import org.timetuner4j.testing.GradCase;
import org.timetuner4j.testing.OpCase;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.timetuner4j.testing.CudaCase.FP32;
import static org.timetuner4j.testing.CudaCase.out;
import static org.timetuner4j.testing.CudaCase.rnd;
import static org.timetuner4j.testing.GradCase.dims;

/**
 * Softmax cross-entropy (mean over rows), every check in one place: loss and gradient against
 * PyTorch's {@code F.cross_entropy}, including rows near ±800 where a log-sum-exp without the max
 * subtraction overflows (fixture: tools/make_loss_fixtures.py), the argument checks, the
 * autograd op's backward against central finite differences, and CUDA against the CPU backend
 * ({@code @Tag("gpu")}, skipped without a GPU). The .cu kernels also run on the CPU under the
 * C++ emulator: kernels/emu/emu_test.cpp (backend/cuda/KernelEmulatorTest).
 */
class CrossEntropyOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    static Stream<OpCase> reference() {
        return Stream.of(
                OpCase.of("loss and gradient vs PyTorch (fixtures/loss/cross-entropy.safetensors)", CrossEntropyOpTest::matchesPyTorch),
                OpCase.of("refuses labels that do not fit the logits", CrossEntropyOpTest::refusesLabelsThatDoNotFitTheLogits));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("reference")
    void cpuMatchesPyTorch(OpCase c) throws Throwable { c.run(); }

    private static void matchesPyTorch() throws Exception {
        SafetensorsFile f = Safetensors.read(Path.of("src/test/resources/fixtures/loss/cross-entropy.safetensors"));
        float[] logits = f.tensors().get("logits").values(), lab = f.tensors().get("labels").values();
        int[] labels = new int[lab.length];
        for (int i = 0; i < lab.length; i++) labels[i] = (int) lab[i];
        double want = f.tensors().get("loss").values()[0];
        float[] wantGrad = f.tensors().get("grad").values();
        try (Scope s = Scope.open(); Tape tape = Tape.record()) {
            Tensor z = CPU.fromHost(logits, Shape.of(labels.length, logits.length / labels.length)).requiresGrad(true);
            Tensor loss = Ops.crossEntropy(z, labels);
            assertEquals(Shape.scalar(), loss.shape());
            assertEquals(want, loss.item(), 1e-6 * Math.abs(want), "loss");
            tape.backward(loss);
            Check.maxRelative("gradient", z.grad().toArray(), wantGrad, 1e-6);
        }
    }

    private static void refusesLabelsThatDoNotFitTheLogits() {
        try (Scope s = Scope.open()) {
            Tensor z = CPU.zeros(Shape.of(2, 3));
            String outside = assertThrows(IllegalArgumentException.class, () -> Ops.crossEntropy(z, new int[] {0, 3})).getMessage();
            assertTrue(outside.contains("label 3 is outside [0, 3)"), outside);
            String count = assertThrows(IllegalArgumentException.class, () -> Ops.crossEntropy(z, new int[] {0})).getMessage();
            assertTrue(count.contains("1 labels for 2 rows"), count);
            assertThrows(IllegalArgumentException.class, () -> Ops.crossEntropy(CPU.zeros(Shape.of(6)), new int[6]));
        }
    }

    static Stream<GradCase> backward() {
        return Stream.of(GradCase.of("cross-entropy [4,5]", t -> Ops.crossEntropy(t[0], new int[] {2, 0, 4, 4}), dims(4, 5)));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    static Stream<Arguments> cuda() {
        return CudaCase.onBothPaths(List.of(CudaCase.of("cross-entropy fwd/bwd, rows longer than a block", FP32, be -> {
            Tensor z = be.affine(rnd(be, 1, 5, 300), 4f, 0f), g = be.fromHost(new float[] {0.7f}, Shape.scalar());
            int[] labels = {0, 299, 17, 256, 3};
            Tensor[] f = be.crossEntropyForward(z, labels);
            return out(f[0], f[1], be.crossEntropyBackward(g, z, f[1], labels));
        })));
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
