package org.timetuner4j.nn;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Dropout acts in training mode only. */
class DropoutModeTest {
    @Test void dropoutIsActiveOnlyInTraining() {
        CpuBackend be = CpuBackend.INSTANCE;
        UNet unet = new UNet(be, new UNetConfig(32, 1, new int[] {1}, 1, new int[0], 0.5, 1, 4, true));
        unet.initialize(3);
        try (Scope s = Scope.open()) {
            Tensor x = be.randn(Shape.of(2, 1, 4, 4), 1, 0), t = be.fromHost(new float[] {10, 500}, Shape.of(2));
            unet.train(false);
            float[] a = unet.forward(x, t).toArray(), b = unet.forward(x, t).toArray();
            assertArrayEquals(a, b, "inference is deterministic");
            unet.train(true);
            float[] c = unet.forward(x, t).toArray(), d = unet.forward(x, t).toArray();
            assertFalse(java.util.Arrays.equals(a, c), "training mode drops activations");
            assertFalse(java.util.Arrays.equals(c, d), "each training call draws a new mask");
            unet.train(false);
            assertArrayEquals(a, unet.forward(x, t).toArray());
        }
    }
}
