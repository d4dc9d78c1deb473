package org.timetuner4j.nn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;
import static org.timetuner4j.testing.ConfigChecks.bad;
import static org.timetuner4j.testing.ConfigChecks.withDropout;

class UNetConfigTest {


    @Test
    void geometry() {
        UNetConfig c = UNetConfig.cifar10();
        assertEquals(4, c.numLevels());
        assertEquals(512, c.tembChannels());
        int[] res = {32, 16, 8, 4};
        for (int i = 0; i < 4; i++) {
            assertEquals(res[i], c.levelResolution(i));
            assertEquals(i == 1, c.hasAttention(i));
        }
        assertEquals(256, c.levelChannels(3));
        UNetConfig lsun = UNetConfig.lsun256();
        assertEquals(16, lsun.levelResolution(4));
        assertTrue(lsun.hasAttention(4));
        assertFalse(lsun.hasAttention(3));
        assertThrows(IndexOutOfBoundsException.class, () -> c.levelResolution(4));
        // Both downsample variants halve an even size.
        UNetConfig pool = new UNetConfig(32, 3, new int[] {1, 1, 1}, 1, new int[] {}, 0, 3, 12, false).validate();
        assertEquals(3, pool.levelResolution(2));
    }

    @Test
    void validateMessages() {
        bad(() -> new UNetConfig(0, 3, new int[] {1}, 1, new int[0], 0, 3, 32, true).validate(), "ch must be positive");
        bad(() -> new UNetConfig(16, 3, new int[] {2, 4}, 1, new int[0], 0, 3, 32, true).validate(), "ch", "32");
        bad(() -> new UNetConfig(128, 3, new int[] {}, 1, new int[0], 0, 3, 32, true).validate(), "ch_mult");
        bad(() -> new UNetConfig(128, 3, new int[] {1, 0}, 1, new int[0], 0, 3, 32, true).validate(), "ch_mult[1]");
        bad(() -> new UNetConfig(128, 3, new int[] {1}, 0, new int[0], 0, 3, 32, true).validate(), "num_res_blocks");
        bad(() -> new UNetConfig(128, 0, new int[] {1}, 1, new int[0], 0, 3, 32, true).validate(), "out_ch");
        bad(() -> new UNetConfig(128, 3, new int[] {1}, 1, new int[0], 0, 0, 32, true).validate(), "in_channels");
        bad(() -> new UNetConfig(128, 3, new int[] {1}, 1, new int[] {-1}, 0, 3, 32, true).validate(), "attn_resolutions");
        bad(() -> new UNetConfig(128, 3, new int[] {1}, 1, new int[0], Double.NaN, 3, 32, true).validate(), "dropout");
        bad(() -> new UNetConfig(128, 3, new int[] {1}, 1, new int[0], 0, 3, 0, true).validate(), "resolution");
        bad(() -> new UNetConfig(128, 3, new int[] {1, 1, 1}, 1, new int[0], 0, 3, 6, true).validate(),
                "6 -> 3 -> 1", "multiple of 2^2 = 4");
        bad(() -> new UNetConfig(128, 3, new int[] {1, 1, 1, 1}, 1, new int[0], 0, 3, 4, false).validate(),
                "4 -> 2 -> 1 -> 0");
        // odd sizes are fine for a single level
        new UNetConfig(128, 3, new int[] {1}, 1, new int[0], 0, 3, 7, true).validate();
    }

    // ------------------------------------------------------------------ Object methods

    @Test
    void equalsHashCodeToStringUseArrayContents() {
        UNetConfig a = UNetConfig.cifar10();
        UNetConfig b = new UNetConfig(128, 3, new int[] {1, 2, 2, 2}, 2, new int[] {16}, 0.1, 3, 32, true);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, withDropout(a, 0.0));
        assertNotEquals(a, new UNetConfig(128, 3, new int[] {1, 2, 2, 4}, 2, new int[] {16}, 0.1, 3, 32, true));
        assertTrue(a.toString().contains("chMult=[1, 2, 2, 2]"), a.toString());
        assertTrue(a.toString().contains("attnResolutions=[16]"), a.toString());
        // arrays are copied in and out
        int[] m = {1, 2};
        UNetConfig c = new UNetConfig(32, 3, m, 1, new int[0], 0, 3, 8, true);
        m[0] = 5;
        assertEquals(1, c.chMult()[0]);
        c.chMult()[0] = 7;
        assertEquals(1, c.chMult()[0]);
    }
}
