package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Shape;

/** Which convolutions go to cuDNN, and the problem (cache key) they become; no GPU needed. */
class CudnnConvProblemTest {

    @Test void symmetricPaddingPerAxisGoesToCudnn() {
        assertTrue(CudnnConvProblem.supports(Conv2dGeometry.of(1, 1)));
        assertTrue(CudnnConvProblem.supports(Conv2dGeometry.of(1, 0)));
        assertTrue(CudnnConvProblem.supports(Conv2dGeometry.of(2, 1)));
        assertTrue(CudnnConvProblem.supports(Conv2dGeometry.of(3, 2)));
        assertTrue(CudnnConvProblem.supports(new Conv2dGeometry(1, 1, 1, 0, 0)));  // cuDNN has one pad per axis
        assertTrue(CudnnConvProblem.supports(new Conv2dGeometry(2, 0, 0, 2, 2)));
    }

    @Test void oneSidedPaddingStaysOnOurKernels() {
        assertFalse(CudnnConvProblem.supports(new Conv2dGeometry(2, 0, 1, 0, 1)));  // the DDPM downsample
        assertFalse(CudnnConvProblem.supports(new Conv2dGeometry(1, 1, 0, 1, 1)));
        assertFalse(CudnnConvProblem.supports(new Conv2dGeometry(1, 1, 1, 1, 0)));
        assertFalse(CudnnConvProblem.supports(new Conv2dGeometry(1, 2, 1, 2, 1)));
        assertNull(CudnnConvProblem.of(Shape.of(2, 32, 16, 16), Shape.of(32, 32, 3, 3), new Conv2dGeometry(2, 0, 1, 0, 1)));
    }

    @Test void theProblemCarriesShapesStrideAndPadding() {
        CudnnConvProblem p = CudnnConvProblem.of(Shape.of(1, 5, 9, 7), Shape.of(6, 5, 3, 3), Conv2dGeometry.of(2, 1));
        assertNotNull(p);
        assertEquals(new CudnnConvProblem(1, 5, 9, 7, 6, 3, 3, 2, 1, 1), p);
        Conv2dGeometry g = Conv2dGeometry.of(2, 1);
        assertEquals(Shape.of(1, 6, g.outHeight(9, 3), g.outWidth(7, 3)), p.outputShape());
        assertEquals(Shape.of(1, 6, 5, 4), p.outputShape());
        assertEquals(Shape.of(1, 5, 9, 7), p.inputShape());
        assertEquals(Shape.of(6, 5, 3, 3), p.weightShape());
        CudnnConvProblem perAxis = CudnnConvProblem.of(Shape.of(2, 6, 10, 7), Shape.of(4, 6, 3, 1), new Conv2dGeometry(1, 1, 1, 0, 0));
        assertEquals(new CudnnConvProblem(2, 6, 10, 7, 4, 3, 1, 1, 1, 0), perAxis);
        assertEquals(Shape.of(2, 4, 10, 7), perAxis.outputShape());
    }

    @Test void equalShapesAndGeometryAreOneCacheKey() {
        assertEquals(CudnnConvProblem.of(Shape.of(4, 64, 32, 32), Shape.of(64, 64, 3, 3), Conv2dGeometry.of(1, 1)),
                CudnnConvProblem.of(Shape.of(4, 64, 32, 32), Shape.of(64, 64, 3, 3), new Conv2dGeometry(1, 1, 1, 1, 1)));
        assertFalse(CudnnConvProblem.of(Shape.of(4, 64, 32, 32), Shape.of(64, 64, 3, 3), Conv2dGeometry.of(1, 1))
                .equals(CudnnConvProblem.of(Shape.of(8, 64, 32, 32), Shape.of(64, 64, 3, 3), Conv2dGeometry.of(1, 1))));
    }

    @Test void problemsCudnnCannotDescribeStayOnOurKernels() {
        Conv2dGeometry g = Conv2dGeometry.of(1, 1);
        assertNull(CudnnConvProblem.of(Shape.of(0, 3, 8, 8), Shape.of(4, 3, 3, 3), g));      // empty batch
        assertNull(CudnnConvProblem.of(Shape.of(1, 3, 8, 8), Shape.of(4, 2, 3, 3), g));      // channels differ
        assertNull(CudnnConvProblem.of(Shape.of(3, 8, 8), Shape.of(4, 3, 3, 3), g));         // not NCHW
        assertNull(CudnnConvProblem.of(Shape.of(1, 3, 2, 2), Shape.of(4, 3, 7, 7), Conv2dGeometry.of(2, 1)));  // kernel larger than the padded input
        assertNull(CudnnConvProblem.of(Shape.of(1, 3, 8, 8), Shape.of(0, 3, 3, 3), g));      // no output channels
    }
}
