package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CudaMathModeTest {
    @AfterEach void clear() { System.clearProperty(CudaMathMode.PROPERTY); }

    @Test void tf32IsOffUnlessAskedFor() {
        boolean fromEnv = "on".equalsIgnoreCase(System.getenv().getOrDefault(CudaMathMode.ENV, "").trim());
        assertEquals(fromEnv, CudaMathMode.tf32());
        for (String v : new String[] {"on", "ON", "true", "1", " on "}) {
            System.setProperty(CudaMathMode.PROPERTY, v);
            assertTrue(CudaMathMode.tf32(), v);
            assertTrue(CudaMathMode.describe().startsWith("TF32 allowed"), CudaMathMode.describe());
        }
        for (String v : new String[] {"off", "false", "0", "yes please"}) {
            System.setProperty(CudaMathMode.PROPERTY, v);
            assertFalse(CudaMathMode.tf32(), v);
            assertTrue(CudaMathMode.describe().startsWith("fp32 (TF32 off"), CudaMathMode.describe());
        }
    }
}
