package org.timetuner4j.nn;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.cpu.CpuBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UNetWarmUpTest {
    private static final UNetConfig CIFAR10 = new UNetConfig(128, 3, new int[] {1, 2, 2, 2}, 2, new int[] {16}, 0.1, 3, 32, true, 0);
    private static final UNetConfig DIGITS = new UNetConfig(32, 1, new int[] {1, 2, 2}, 1, new int[] {7}, 0, 1, 28, true, 10);

    @Test void theSmallUNetHasAttentionAtTheSameLevels() {
        for (UNetConfig c : new UNetConfig[] {CIFAR10, DIGITS}) {
            for (int r : new int[] {1, 2}) {
                UNetConfig small = UNetWarmUp.shapedLike(c, r << (c.numLevels() - 1));
                assertEquals(c.numLevels(), small.numLevels());
                for (int level = 0; level < c.numLevels(); level++)
                    assertEquals(c.hasAttention(level), small.hasAttention(level), c + " level " + level);
                assertEquals(c.numClasses(), small.numClasses());
            }
        }
    }

    @Test void warmingUpLeavesNoTensorsBehind() {
        CpuBackend be = CpuBackend.INSTANCE;
        long before = be.memory().liveTensors();
        UNetWarmUp.run(DIGITS, be, false);
        UNetWarmUp.run(DIGITS, be, true);
        assertEquals(before, be.memory().liveTensors());
    }
}
