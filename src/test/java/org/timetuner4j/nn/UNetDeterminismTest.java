package org.timetuner4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * The CPU backend gives the same bits for the same input however hot the code is: the first
 * forwards run interpreted or C1-compiled, later ones C2-compiled (where the Vector API's own
 * transcendental functions and reductions may round differently).
 */
class UNetDeterminismTest {
    @Test void repeatedForwardsGiveIdenticalBits() {
        CpuBackend be = CpuBackend.INSTANCE;
        UNet unet = new UNet(be, new UNetConfig(32, 1, new int[] {1, 2}, 1, new int[] {4}, 0, 1, 8, true));
        unet.initialize(5);
        unet.train(false);
        try (Scope scope = Scope.open()) {
            Tensor x = be.randn(Shape.of(2, 1, 8, 8), 8, 0);
            Tensor t = be.fromHost(new float[] {500f, 37.25f}, Shape.of(2));
            float[] first = unet.forward(x, t).toArray();
            for (int i = 1; i < 40; i++) {
                try (Scope step = Scope.open()) {
                    assertArrayEquals(first, unet.forward(x, t).toArray(), "forward " + i + " differs from the first");
                }
            }
        }
    }
}
