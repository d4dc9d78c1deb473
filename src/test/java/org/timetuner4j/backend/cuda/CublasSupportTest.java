package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.timetuner4j.testing.SavedProperty;

/** Choosing the cuBLAS provider with -Dtimetuner.cublas, and the lines info prints; no GPU needed. */
class CublasSupportTest {
    private final SavedProperty saved = SavedProperty.of(CublasSupport.PROPERTY);

    @AfterEach void restore() { saved.close(); }

    @Test void offUsesNoProviderAndSaysSo() {
        System.setProperty(CublasSupport.PROPERTY, "off");
        String[] why = new String[1];
        assertNull(CublasSupport.tryCreate(new CUstream(), why));
        assertEquals("disabled by -Dtimetuner.cublas=off", why[0]);
        assertEquals("disabled by -Dtimetuner.cublas=off", CublasSupport.loadLibrary());
        assertEquals(List.of(), CublasSupport.providerLines());
    }

    @Test void anUnknownProviderIsRefusedWithTheChoices() {
        System.setProperty(CublasSupport.PROPERTY, "cuBLASLt");
        String[] why = new String[1];
        assertNull(CublasSupport.tryCreate(new CUstream(), why));
        assertEquals("not used: unknown -Dtimetuner.cublas=cublaslt (jcublas, javacpp, auto or off)", why[0]);
    }

    @Test void withoutCudaForcingJavaCppSaysWhyForEachProvider() {
        Assumptions.assumeFalse(CudaRuntime.available(), "CUDA works here");
        System.setProperty(CublasSupport.PROPERTY, "javacpp");
        assertEquals("no cuBLAS provider loads here (javacpp)", CublasSupport.loadLibrary());
        assertEquals(List.of("jcublas      JCublas2 12.6 (libcublas.so.12): not tried: -Dtimetuner.cublas=javacpp",
                "javacpp      JavaCPP cuBLAS 13 (libcublas.so.13): not tried: CUDA is not available"), CublasSupport.providerLines());
    }

    @Test void everyProviderGetsOneLine() {
        List<String> lines = CublasSupport.providerLines();
        assertTrue(lines.size() <= 2, lines::toString);
        for (String l : lines) assertTrue(!l.contains("\n") && (l.startsWith("jcublas ") || l.startsWith("javacpp ")), l);
    }

    @Test void versionsReadAsMajorMinorPatch() {
        assertEquals("cuBLAS 13.1.0", CublasSupport.versionString(130100));
        assertEquals("cuBLAS 12.6.4", CublasSupport.versionString(120604));
    }
}
