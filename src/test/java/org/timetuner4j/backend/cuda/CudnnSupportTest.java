package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jcuda.driver.CUstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.timetuner4j.testing.SavedProperty;
import org.timetuner4j.testing.CliRun;

/** Switching cuDNN off with -Dtimetuner.cudnn, and what info says about it; no GPU needed. */
class CudnnSupportTest {
    private final SavedProperty saved = SavedProperty.of(CudnnSupport.PROPERTY);

    @AfterEach void restore() { saved.close(); }

    @Test void offKeepsTheConvolutionsOnOurKernelsAndSaysSo() {
        System.setProperty(CudnnSupport.PROPERTY, "off");
        assertEquals("disabled by -Dtimetuner.cudnn=off", CudnnSupport.disabledReason());
        String[] why = new String[1];
        assertNull(CudnnConvolutions.tryCreate(new CUstream(), null, why));
        assertEquals("disabled by -Dtimetuner.cudnn=off; convolutions run on our kernels", why[0]);
        assertTrue(CudaBackend.cudnnLibraryStatus().startsWith("disabled by -Dtimetuner.cudnn=off; convolutions run on our kernels"),
                CudaBackend.cudnnLibraryStatus());
    }

    @Test void autoOrUnsetAllowsCudnn() {
        System.clearProperty(CudnnSupport.PROPERTY);
        assertNull(CudnnSupport.disabledReason());
        System.setProperty(CudnnSupport.PROPERTY, " Auto ");
        assertNull(CudnnSupport.disabledReason());
    }

    @Test void anUnknownValueIsRefusedWithTheChoices() {
        System.setProperty(CudnnSupport.PROPERTY, "always");
        String[] why = new String[1];
        assertNull(CudnnConvolutions.tryCreate(new CUstream(), null, why));
        assertEquals("not used: unknown -Dtimetuner.cudnn=always (auto or off); convolutions run on our kernels", why[0]);
    }

    @Test void withoutCudaNothingIsLoadedAndTheReasonIsOneLine() {
        Assumptions.assumeFalse(CudaRuntime.available(), "CUDA works here");
        System.clearProperty(CudnnSupport.PROPERTY);
        String[] why = new String[1];
        assertNull(CudnnConvolutions.tryCreate(new CUstream(), null, why));
        assertEquals("not used: CUDA is not available; convolutions run on our kernels", why[0]);
        String status = CudaBackend.cudnnLibraryStatus();
        assertTrue(status.startsWith("not used: CUDA is not available; convolutions run on our kernels"), status);
        assertFalse(status.contains("\n"), status);
        assertFalse(JavaCppCudnn.outcome().loaded());
    }

    @Test void versionsReadAsMajorMinorPatch() {
        assertEquals("cuDNN 9.10.2", JavaCppCudnn.versionString(91002));
        assertEquals("cuDNN 9.19.0", JavaCppCudnn.versionString(91900));
    }

    @Test void infoPrintsOneCleanCudnnLine() {
        for (String value : new String[] {null, "off"}) {
            if (value == null) System.clearProperty(CudnnSupport.PROPERTY);
            else System.setProperty(CudnnSupport.PROPERTY, value);
            String out = info();
            String line = out.lines().filter(l -> l.startsWith("  cuDNN ")).findFirst().orElse("");
            assertFalse(line.isEmpty(), out);
            assertFalse(out.contains("Exception"), out);
            if (value != null) assertTrue(line.contains("disabled by -Dtimetuner.cudnn=off"), line);
            else if (!CudaRuntime.available()) assertTrue(line.contains("not used: CUDA is not available"), line);
            else assertTrue(line.contains("used: cuDNN 9.") || line.contains("not used"), line);
        }
    }

    private static String info() {
        Object[] r = CliRun.runCapturingStdout("info");
        assertEquals(0, r[0], (String) r[1]);
        return (String) r[2];
    }
}
