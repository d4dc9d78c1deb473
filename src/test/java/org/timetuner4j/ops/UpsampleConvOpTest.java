package org.timetuner4j.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A UNet's upsampling step at inference, a 3×3 convolution of the nearest-neighbour ×2 upsampled
 * input, as the CPU backend runs it in one op (the convolution's input written from x directly
 * when it runs by Winograd): against the defining sums over an upsampled copy made here, and
 * bit for bit against the two ops it replaces.
 */
class UpsampleConvOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    @ParameterizedTest(name = "n {0}: {1} -> {2} channels, {3}x{4} -> x2")
    @CsvSource({
            "2, 64, 64, 7, 7",     // digits: 7x7 -> 14x14
            "1, 32, 32, 14, 14",   // 14x14 -> 28x28
            "3, 20, 24, 3, 5",     // a second block of channels only partly filled, non-square
            "1, 16, 8, 1, 1",      // a single pixel
            "2, 4, 6, 5, 4"})      // too few channels for Winograd: the composition
    void oneOpMatchesTheDefinitionAndTheComposition(int n, int ci, int co, int h, int w) {
        Random r = new Random(7);
        float[] x = Check.randomArray(r, n * ci * h * w, 1), wt = Check.randomArray(r, co * ci * 9, 0.2), b = Check.randomArray(r, co, 1);
        float[] up = new float[n * ci * 4 * h * w];
        for (int plane = 0; plane < n * ci; plane++)
            for (int y = 0; y < 2 * h; y++)
                for (int xx = 0; xx < 2 * w; xx++) up[(plane * 2 * h + y) * 2 * w + xx] = x[(plane * h + y / 2) * w + xx / 2];
        Conv2dGeometry same = Conv2dGeometry.of(1, 1);
        try (Scope scope = Scope.open()) {
            Tensor xt = CPU.fromHost(x, Shape.of(n, ci, h, w)), wtt = CPU.fromHost(wt, Shape.of(co, ci, 3, 3)), bt = CPU.fromHost(b, Shape.of(co));
            float[] fused = CPU.upsampleConv(xt, wtt, bt).toArray();
            Check.maxRelative("upsample + conv: one op vs the defining sums", fused,
                    ConvolutionReference.forward(up, wt, b, n, ci, 2 * h, 2 * w, co, 3, same), 1e-5);
            assertArrayEquals(CPU.conv2dForward(CPU.upsampleNearest2x(xt), wtt, bt, same).toArray(), fused,
                    "one op differs from upsampleNearest2x then conv2dForward");
        }
    }
}
