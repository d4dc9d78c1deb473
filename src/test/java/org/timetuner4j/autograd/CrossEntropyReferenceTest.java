package org.timetuner4j.autograd;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Ops#crossEntropy} against PyTorch's {@code F.cross_entropy} (mean), loss and gradient,
 * including rows near ±800 where a log-sum-exp without the max subtraction overflows (fixture: tools/make_loss_fixtures.py); and its argument checks.
 */
class CrossEntropyReferenceTest {
    private final Backend be = CpuBackend.INSTANCE;

    @Test void lossAndGradientMatchPyTorch() throws Exception {
        SafetensorsFile f = Safetensors.read(Path.of("src/test/resources/fixtures/loss/cross-entropy.safetensors"));
        float[] logits = f.tensors().get("logits").values(), lab = f.tensors().get("labels").values();
        int[] labels = new int[lab.length];
        for (int i = 0; i < lab.length; i++) labels[i] = (int) lab[i];
        double want = f.tensors().get("loss").values()[0];
        float[] wantGrad = f.tensors().get("grad").values();
        try (Scope s = Scope.open(); Tape tape = Tape.record()) {
            Tensor z = be.fromHost(logits, Shape.of(labels.length, logits.length / labels.length)).requiresGrad(true);
            Tensor loss = Ops.crossEntropy(z, labels);
            assertEquals(Shape.scalar(), loss.shape());
            assertEquals(want, loss.item(), 1e-6 * Math.abs(want), "loss");
            tape.backward(loss);
            Check.maxRelative("gradient", z.grad().toArray(), wantGrad, 1e-6);
        }
    }

    @Test void refusesLabelsThatDoNotFitTheLogits() {
        try (Scope s = Scope.open()) {
            Tensor z = be.zeros(Shape.of(2, 3));
            String outside = assertThrows(IllegalArgumentException.class, () -> Ops.crossEntropy(z, new int[] {0, 3})).getMessage();
            assertTrue(outside.contains("label 3 is outside [0, 3)"), outside);
            String count = assertThrows(IllegalArgumentException.class, () -> Ops.crossEntropy(z, new int[] {0})).getMessage();
            assertTrue(count.contains("1 labels for 2 rows"), count);
            assertThrows(IllegalArgumentException.class, () -> Ops.crossEntropy(be.zeros(Shape.of(6)), new int[6]));
        }
    }
}
