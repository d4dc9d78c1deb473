package org.timetuner4j.cli;

import static org.timetuner4j.testing.CliRun.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.testing.Check;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code timetuner eval} end to end against the PyTorch fixtures, and its errors. */
class EvalCommandTest {
    static final Path FIX = Path.of("src/test/resources/fixtures");

    @TempDir Path tmp;


    @Test void evalWithGradientsReproducesPyTorch() throws Exception {
        Path out = tmp.resolve("out.safetensors");
        Object[] r = run("eval", "--model", FIX.resolve("unet-attn.safetensors").toString(),
                "--input", FIX.resolve("unet-attn-io.safetensors").toString(), "--output", out.toString(), "--grad", "--threads", "2");
        assertEquals(0, r[0], (String) r[1]);
        Map<String, TensorData> ref = Safetensors.read(FIX.resolve("unet-attn-io.safetensors")).tensors();
        Map<String, TensorData> got = Safetensors.read(out).tensors();
        Check.maxRelative("cli eps", got.get("eps").values(), ref.get("eps").values(), 1e-4);
        Check.maxRelative("cli grad_x", got.get("grad_x").values(), ref.get("grad_x").values(), 2e-3);
        Check.maxRelative("cli grad_t", got.get("grad_t").values(), ref.get("grad_t").values(), 2e-3);
    }

    @Test void modelWithoutConfigIsInferredFromItsWeights() throws Exception {
        SafetensorsFile model = Safetensors.read(FIX.resolve("unet-nopool.safetensors"));
        Path bare = tmp.resolve("bare.safetensors");
        Safetensors.write(bare, model.tensors(), Map.of(), "F32");
        Path out = tmp.resolve("out.safetensors");
        Object[] r = run("eval", "--model", bare.toString(), "--input", FIX.resolve("unet-nopool-io.safetensors").toString(),
                "--output", out.toString());
        assertEquals(0, r[0], (String) r[1]);
        Map<String, TensorData> ref = Safetensors.read(FIX.resolve("unet-nopool-io.safetensors")).tensors();
        Check.maxRelative("inferred-config eps", Safetensors.read(out).tensors().get("eps").values(), ref.get("eps").values(), 1e-4);
        assertFalse(Safetensors.read(out).tensors().containsKey("grad_x"));
    }

    private void assertOneLineError(Object[] r, String fragment) {
        assertEquals(1, r[0]);
        String err = ((String) r[1]).strip();
        assertTrue(err.startsWith("error: "), err);
        assertTrue(err.contains(fragment), "expected '" + fragment + "' in: " + err);
        assertFalse(err.contains("\n"), "one line expected: " + err);
        assertFalse(err.contains("Exception"), "no stack trace expected: " + err);
    }

    @Test void missingFilesAreReportedInOneLine() {
        assertOneLineError(run("eval", "--model", tmp.resolve("nope.safetensors").toString(),
                "--input", FIX.resolve("unet-attn-io.safetensors").toString(), "--output", tmp.resolve("o").toString()), "not found");
        assertOneLineError(run("eval", "--model", FIX.resolve("unet-attn.safetensors").toString(),
                "--input", tmp.resolve("in.safetensors").toString(), "--output", tmp.resolve("o").toString()), "not found");
    }

    @Test void missingTensorIsNamed() throws Exception {
        Path in = tmp.resolve("in.safetensors");
        Safetensors.write(in, Map.of("x", TensorData.f32(new float[2 * 3 * 16 * 16], 2, 3, 16, 16)), Map.of(), "F32");
        assertOneLineError(run("eval", "--model", FIX.resolve("unet-attn.safetensors").toString(),
                "--input", in.toString(), "--output", tmp.resolve("o").toString()), "no tensor 't'");
        Map<String, TensorData> both = new LinkedHashMap<>();
        both.put("x", TensorData.f32(new float[2 * 3 * 16 * 16], 2, 3, 16, 16));
        both.put("t", TensorData.f32(new float[] {1, 2}, 2));
        Safetensors.write(in, both, Map.of(), "F32");
        assertOneLineError(run("eval", "--model", FIX.resolve("unet-attn.safetensors").toString(),
                "--input", in.toString(), "--output", tmp.resolve("o").toString(), "--grad"), "no tensor 'gout'");
    }

    @Test void shapesThatDoNotFitTheModelAreRefused() throws Exception {
        Path in = tmp.resolve("in.safetensors");
        Map<String, TensorData> m = new LinkedHashMap<>();
        m.put("x", TensorData.f32(new float[2 * 1 * 16 * 16], 2, 1, 16, 16));
        m.put("t", TensorData.f32(new float[] {1, 2}, 2));
        Safetensors.write(in, m, Map.of(), "F32");
        assertOneLineError(run("eval", "--model", FIX.resolve("unet-attn.safetensors").toString(),
                "--input", in.toString(), "--output", tmp.resolve("o").toString()), "expects [N, 3, 16, 16]");
        m.put("x", TensorData.f32(new float[2 * 3 * 16 * 16], 2, 3, 16, 16));
        m.put("t", TensorData.f32(new float[] {1, 2, 3}, 3));
        Safetensors.write(in, m, Map.of(), "F32");
        assertOneLineError(run("eval", "--model", FIX.resolve("unet-attn.safetensors").toString(),
                "--input", in.toString(), "--output", tmp.resolve("o").toString()), "time input t");
        m.put("t", TensorData.f32(new float[] {1, 2}, 2));
        m.put("gout", TensorData.f32(new float[2 * 3 * 8 * 8], 2, 3, 8, 8));
        Safetensors.write(in, m, Map.of(), "F32");
        assertOneLineError(run("eval", "--model", FIX.resolve("unet-attn.safetensors").toString(),
                "--input", in.toString(), "--output", tmp.resolve("o").toString(), "--grad"), "gout has shape");
    }

    @Test void aModelThatIsNotAUNetIsRefused() throws Exception {
        Path bad = tmp.resolve("bad.safetensors");
        Safetensors.write(bad, Map.of("foo", TensorData.f32(new float[] {1}, 1)), Map.of(), "F32");
        assertOneLineError(run("eval", "--model", bad.toString(), "--input", FIX.resolve("unet-attn-io.safetensors").toString(),
                "--output", tmp.resolve("o").toString()), "is not a model file: it holds no UNet weights");
        Path garbage = tmp.resolve("garbage.safetensors");
        java.nio.file.Files.write(garbage, new byte[] {1, 2, 3});
        assertOneLineError(run("eval", "--model", garbage.toString(), "--input", FIX.resolve("unet-attn-io.safetensors").toString(),
                "--output", tmp.resolve("o").toString()), "garbage.safetensors");
    }

    @Test void badThreadCountIsAUsageError() {
        Object[] r = run("eval", "--threads", "0", "--model", "a", "--input", "b", "--output", "c");
        assertEquals(1, r[0]);
        assertTrue(((String) r[1]).contains("--threads must be between 1 and 1024, got 0"), (String) r[1]);
    }
}
