package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.testing.Check;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code timetuner convert} end to end: each PyTorch-written fixture converts, and
 * {@code timetuner eval} on the result reproduces PyTorch's output for that network.
 */
class ConvertCommandTest {
    static final Path FIX = Path.of("src/test/resources/fixtures/checkpoints");
    static final Path IO = FIX.resolve("checkpoint-io.safetensors");

    @TempDir Path tmp;

    /** Runs the CLI, returning {exit code, stdout, stderr}. */
    private static Object[] run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = Main.run(args);
            return new Object[] {rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Converts, evaluates, and compares eps with the reference {@code ref} of the io file; returns stdout. */
    private String convertAndEval(String name, String ref, double tol, String... convertArgs) throws Exception {
        Path model = tmp.resolve(name + ".safetensors");
        List<String> args = new ArrayList<>(List.of("convert", "--out", model.toString(), "--threads", "2"));
        args.addAll(List.of(convertArgs));
        Object[] c = run(args.toArray(String[]::new));
        assertEquals(0, c[0], "convert failed: " + c[2]);
        Path out = tmp.resolve(name + "-eps.safetensors");
        Object[] e = run("eval", "--model", model.toString(), "--input", IO.toString(), "--output", out.toString(), "--threads", "2");
        assertEquals(0, e[0], (String) e[2]);
        Map<String, TensorData> want = Safetensors.read(IO).tensors();
        float[] eps = Safetensors.read(out).tensors().get("eps").values();
        Check.maxRelative("convert+eval " + name + " vs PyTorch " + ref, eps, want.get(ref).values(), tol);
        return (String) c[1];
    }

    @Test void zipStateDictWithDdimNames() throws Exception {
        String s = convertAndEval("ddim-zip", "eps", 1e-4, "--in", FIX.resolve("ddim-zip.pth").toString(), "--resolution", "8");
        assertTrue(s.contains("torch zip archive") && s.contains("ddim (detected)") && s.contains("665,059"), s);
    }

    @Test void legacyFormat() throws Exception {
        String s = convertAndEval("ddim-legacy", "eps", 1e-4, "--in", FIX.resolve("ddim-legacy.pt").toString(), "--resolution", "8");
        assertTrue(s.contains("legacy torch file"), s);
    }

    @Test void ddimTrainingListEmaAndRaw() throws Exception {
        String s = convertAndEval("list-ema", "eps", 1e-4, "--in", FIX.resolve("ddim-ckpt-list.pth").toString(), "--resolution", "8", "--ema");
        assertTrue(s.contains("weights    EMA: element 4 of a list of 5"), s);
        s = convertAndEval("list-raw", "eps_raw", 1e-4, "--in", FIX.resolve("ddim-ckpt-list.pth").toString(), "--resolution", "8");
        assertTrue(s.contains("raw, not EMA: element 0") && s.contains("'module.' prefix"), s);
    }

    @Test void float16Checkpoint() throws Exception {
        String s = convertAndEval("fp16", "eps_f16", 1e-4, "--in", FIX.resolve("ddim-fp16.ckpt").toString(),
                "--config", FIX.resolve("ddim-config.json").toString());
        assertTrue(s.contains("F16 -> F32"), s);
        // against the float32 network: float16 weights are good to their own precision
        float[] eps = Safetensors.read(tmp.resolve("fp16-eps.safetensors")).tensors().get("eps").values();
        Check.maxRelative("fp16 checkpoint vs the float32 network", eps, Safetensors.read(IO).tensors().get("eps").values(), 5e-3);
    }

    @Test void diffusersBinWithDeprecatedAttentionNames() throws Exception {
        String s = convertAndEval("diffusers-bin", "eps", 1e-4, "--in", FIX.resolve("diffusers/diffusion_pytorch_model.bin").toString());
        assertTrue(s.contains("diffusers (detected; attention names query/key/value/proj_attn"), s);
        assertTrue(s.contains("from diffusers' config.json"), s);
    }

    @Test void diffusersFolderWithSafetensors() throws Exception {
        String s = convertAndEval("diffusers-folder", "eps_f16", 1e-4, "--in", FIX.resolve("diffusers").toString(), "--layout", "diffusers");
        assertTrue(s.contains("(diffusion_pytorch_model.safetensors)") && s.contains("to_q/to_k/to_v/to_out.0"), s);
    }

    private void assertOneLineError(Object[] r, String fragment) {
        assertEquals(1, r[0]);
        String err = ((String) r[2]).strip();
        String last = err.lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("error: "), err);
        assertTrue(last.contains(fragment), "expected '" + fragment + "' in: " + last);
        assertFalse(err.contains("Exception"), "no stack trace expected: " + err);
        assertFalse(err.contains("\tat "), "no stack trace expected: " + err);
    }

    @Test void userMistakesAreOneLineErrors() throws Exception {
        String out = tmp.resolve("o.safetensors").toString();
        assertOneLineError(run("convert", "--in", FIX.resolve("ddim-zip.pth").toString(), "--out", out), "pass --resolution N");
        assertOneLineError(run("convert", "--in", FIX.resolve("ddim-zip.pth").toString(), "--out", out, "--resolution", "0"),
                "--resolution must be positive");
        assertOneLineError(run("convert", "--in", tmp.resolve("none.pth").toString(), "--out", out), "checkpoint not found");
        assertOneLineError(run("convert", "--in", FIX.resolve("ddim-zip.pth").toString(), "--out", out, "--layout", "x"),
                "--layout must be auto, ddim or diffusers");
        assertOneLineError(run("convert", "--in", FIX.resolve("ddim-zip.pth").toString(), "--out", out, "--resolution", "8", "--ema"),
                "--ema");
        assertOneLineError(run("convert", "--in", FIX.resolve("malicious/subprocess-popen-legacy.pt").toString(), "--out", out),
                "refused pickle global subprocess.Popen");
        assertOneLineError(run("convert", "--in", FIX.resolve("ddim-zip.pth").toString(), "--out", out, "--resolution", "7"),
                "does not halve exactly");
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test void keyMismatchesAreListedAboveTheError() throws Exception {
        // ddim weights, but a config with attention at another resolution
        Object[] r = run("convert", "--in", FIX.resolve("ddim-zip.pth").toString(), "--out", tmp.resolve("o.safetensors").toString(),
                "--config", "{\"ch\": 32, \"ch_mult\": [1, 2], \"num_res_blocks\": 1, \"attn_resolutions\": [4], \"in_channels\": 3, \"resolution\": 8}");
        assertOneLineError(r, "unexpected (down.0.attn.0.norm.weight");
        String err = (String) r[2];
        assertTrue(err.contains("  missing     down.1.attn.0.norm.weight [64]"), err);
        assertTrue(err.contains("  unexpected  down.0.attn.0.q.weight [32, 32, 1, 1]"), err);
        assertTrue(err.contains("  ... and 20 more"), err); // 30 missing + 30 unexpected, 40 shown
    }

    @Test void warningsGoToStderrAndTheSummaryToStdout() {
        Object[] r = run("convert", "--in", FIX.resolve("ddim-ckpt-list.pth").toString(), "--out", tmp.resolve("o.safetensors").toString(),
                "--resolution", "8");
        assertEquals(0, r[0], (String) r[2]);
        assertTrue(((String) r[2]).contains("warning: this checkpoint also holds EMA weights"), (String) r[2]);
        String s = (String) r[1];
        for (String label : new String[] {"converted", "format", "weights", "layout", "config", "params", "dtype"}) {
            assertTrue(s.lines().anyMatch(l -> l.startsWith(label)), label + " missing in:\n" + s);
        }
    }
}
