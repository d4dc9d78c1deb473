package org.timetuner4j.testing;

import org.timetuner4j.nn.UNetConfig;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers shared by the UNet config tests (record, JSON, ddim layout inference). */
public final class ConfigChecks {
    private ConfigChecks() {}

    /** {@code c} with another dropout . */
    public static UNetConfig withDropout(UNetConfig c, double dropout) {
        return new UNetConfig(c.ch(), c.outCh(), c.chMult(), c.numResBlocks(), c.attnResolutions(), dropout,
                c.inChannels(), c.resolution(), c.resampWithConv());
    }

    /** Runs {@code r}, expects a one-line IllegalArgumentException containing every fragment, returns it. */
    public static IllegalArgumentException bad(Runnable r, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one-line message: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "message '" + m + "' should contain '" + f + "'");
        return e;
    }
}
