package org.timetuner4j.backend.cpu;

import org.junit.jupiter.api.Test;
import org.timetuner4j.tensor.Shape;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PhiloxTest {
    /** Known-answer vectors of Random123 (kat_vectors, philox4x32 with 10 rounds). */
    @Test void knownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                Philox.block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Philox.block(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test void normalValuesDependOnlyOnSeedAndIndex() {
        CpuBackend be = CpuBackend.INSTANCE;
        float[] whole = be.randn(Shape.of(100), 42, 0).toArray();
        float[] tail = be.randn(Shape.of(60), 42, 40).toArray();
        for (int i = 0; i < 60; i++) assertEquals(whole[40 + i], tail[i]);
    }

    @Test void normalMomentsAreStandard() {
        float[] v = CpuBackend.INSTANCE.randn(Shape.of(200_000), 3, 0).toArray();
        double s = 0, s2 = 0;
        for (float x : v) { s += x; s2 += x * x; }
        double mean = s / v.length, var = s2 / v.length - mean * mean;
        assertEquals(0, mean, 0.01);
        assertEquals(1, var, 0.01);
    }
}
