package org.timetuner4j.cli;

import static org.timetuner4j.testing.CliRun.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.timetuner4j.testing.CliRun.assertError;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleCommandTest {
    @TempDir Path tmp;


    @Test void samplesAGridAndTheExactNumbers() throws Exception {
        Path png = tmp.resolve("grid.png"), st = tmp.resolve("s.safetensors");
        Object[] r = run("sample", "--model", "gaussian:mean=0.2,std=0.3,shape=3x8x8", "--solver", "dpm-solver++2m", "--nfe", "6",
                "--count", "5", "--batch", "2", "--out", png.toString(), "--samples-out", st.toString());
        assertEquals(0, r[0], (String) r[1]);
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img.getWidth() > 64 && img.getHeight() > 64);
        TensorData samples = Safetensors.read(st).tensors().get("samples");
        assertArrayEquals(new int[] {5, 3, 8, 8}, samples.shape());
        Path st2 = tmp.resolve("s2.safetensors");
        run("sample", "--model", "gaussian:mean=0.2,std=0.3,shape=3x8x8", "--solver", "dpm-solver++2m", "--nfe", "6",
                "--count", "5", "--batch", "5", "--out", png.toString(), "--samples-out", st2.toString());
        assertArrayEquals(samples.values(), Safetensors.read(st2).tensors().get("samples").values(), "batching must not change samples");
    }

    @Test void initialStatesComeFromAFile() throws Exception {
        Path xt = tmp.resolve("xt.safetensors"), st = tmp.resolve("s.safetensors");
        float[] zeros = new float[2 * 1 * 4 * 4];
        Safetensors.write(xt, Map.of("x_T", TensorData.f32(zeros, 2, 1, 4, 4)), Map.of(), "F32");
        Object[] r = run("sample", "--model", "gaussian:mean=0.5,std=0.1,shape=1x4x4", "--solver", "heun", "--nfe", "20",
                "--x-T", xt.toString(), "--out", tmp.resolve("g.png").toString(), "--samples-out", st.toString());
        assertEquals(0, r[0], (String) r[1]);
        // from x_T = 0 the exact flow lands at α M + √(v_end/v_start)(0 − α_T M): everything equal, near the mean
        float[] s = Safetensors.read(st).tensors().get("samples").values();
        for (float v : s) assertEquals(s[0], v, 1e-6);
        assertEquals(0.5, s[0], 0.05);
    }

    @Test void badInputIsReportedInOneLine() throws Exception {
        String g = "gaussian:mean=0,std=1,shape=1x4x4";
        String out = tmp.resolve("g.png").toString();
        assertError(run("sample", "--model", g, "--solver", "euler", "--out", out), "solver 'euler'");
        assertError(run("sample", "--model", g, "--trajectory", "cosine", "--out", out), "trajectory 'cosine'");
        assertError(run("sample", "--model", g, "--nfe", "0", "--out", out), "--nfe must be >= 1");
        assertError(run("sample", "--model", g, "--class-label", "3", "--out", out), "class-conditional");
        assertError(run("sample", "--model", "gaussian:mean=0,std=-1", "--out", out), "std must be > 0");
        assertError(run("sample", "--model", tmp.resolve("none.safetensors").toString(), "--out", out), "not found");
        assertError(run("sample", "--model", g, "--device", "tpu", "--out", out), "--device");
        Path tau = tmp.resolve("tau.json");
        Files.writeString(tau, "[1.0, 1.0]");
        assertError(run("sample", "--model", g, "--nfe", "10", "--tuned", tau.toString(), "--out", out), "2 ratios");
        Files.writeString(tau, "{not json");
        assertError(run("sample", "--model", g, "--tuned", tau.toString(), "--out", out), "not JSON");
        Files.write(tau, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, (byte) 0xff, (byte) 0xfe});
        assertError(run("sample", "--model", g, "--tuned", tau.toString(), "--out", out), "is not a τ file (JSON): it is a PNG image");
        assertError(run("sample", "--model", g, "--tuned", tmp.toString(), "--out", out), "is a directory");
        Path xt = tmp.resolve("xt.safetensors");
        Safetensors.write(xt, Map.of("x_T", TensorData.f32(new float[2 * 3 * 4 * 4], 2, 3, 4, 4)), Map.of(), "F32");
        assertError(run("sample", "--model", g, "--x-T", xt.toString(), "--out", out), "x_T has shape");
        assertError(run("sample", "--model", "src/test/resources/fixtures/unet-attn.safetensors", "--class-label", "1",
                "--out", out), "class-conditional");
    }
}
