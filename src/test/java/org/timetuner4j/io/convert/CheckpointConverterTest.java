package org.timetuner4j.io.convert;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.HalfFloats;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.ModelInfo;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.io.layout.DdimLayout;
import org.timetuner4j.nn.UNetConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CheckpointConverter} on the PyTorch fixtures (every route yields the very same weights,
 * bit for bit) and on hand-made inputs for every kind of mismatch and refusal.
 */
class CheckpointConverterTest {
    static final Path FIX = Path.of("src/test/resources/fixtures/checkpoints");
    static final String CONFIG = FIX.resolve("ddim-config.json").toString();

    @TempDir static Path shared;
    @TempDir Path tmp;

    /** The weights of ddim-zip.pth as converted: the reference every other route must reproduce. */
    static Map<String, TensorData> reference;

    static CheckpointConverter.Report convert(Path in, Path out, String layout, String config, boolean ema, String dtype,
                                              int resolution, boolean allowMissing) throws IOException {
        return CheckpointConverter.convert(new CheckpointConverter.Options(in, out, CheckpointConverter.Layout.parse(layout),
                config, ema, dtype, resolution, allowMissing));
    }

    static CheckpointConverter.Report convert(Path in, Path out, int resolution) throws IOException {
        return convert(in, out, "auto", null, false, "f32", resolution, false);
    }

    @BeforeAll
    static void convertReference() throws IOException {
        Path out = shared.resolve("ref.safetensors");
        convert(FIX.resolve("ddim-zip.pth"), out, 8);
        reference = Safetensors.read(out).tensors();
    }

    private static void assertSameWeights(Map<String, TensorData> want, Path file) throws IOException {
        Map<String, TensorData> got = Safetensors.read(file).tensors();
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) assertArrayEquals(want.get(k).values(), got.get(k).values(), k);
    }

    private static Map<String, TensorData> roundedToF16(Map<String, TensorData> m) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            float[] r = v.values().clone();
            for (int i = 0; i < r.length; i++) r[i] = HalfFloats.f16ToFloat(HalfFloats.floatToF16(r[i]));
            out.put(k, new TensorData("F32", v.shape(), r));
        });
        return out;
    }

    @Test void everyFloat32RouteGivesTheSameWeights() throws IOException {
        Path out = tmp.resolve("m.safetensors");
        assertEquals(144, reference.size());
        assertEquals(UNetConfigJson.fromJson(Files.readString(FIX.resolve("ddim-config.json"))),
                UNetConfigJson.fromJson(Safetensors.read(shared.resolve("ref.safetensors")).metadata().get("config")));

        CheckpointConverter.Report r = convert(FIX.resolve("ddim-legacy.pt"), out, 8);
        assertSameWeights(reference, out);
        assertTrue(r.format().startsWith("legacy torch file"));

        r = convert(FIX.resolve("ddim-ckpt-list.pth"), out, "auto", CONFIG, true, "f32", 0, false);
        assertSameWeights(reference, out);
        assertEquals(Boolean.TRUE, r.ema());
        assertTrue(r.weights().contains("element 4"), r.weights());

        r = convert(FIX.resolve("diffusers/diffusion_pytorch_model.bin"), out, 0);
        assertSameWeights(reference, out);
        assertEquals(CheckpointConverter.Layout.DIFFUSERS, r.layout());
        assertTrue(String.join(";", r.layoutNotes()).contains("deprecated"), r.layoutNotes().toString());
        assertTrue(r.configSource().contains("config.json"), r.configSource());

        // the engine loads the result
        ModelFile.Loaded loaded = ModelFile.load(out, CpuBackend.INSTANCE, 0);
        assertEquals(665_059L, DdimLayout.parameterCount(loaded.info().config()));
        assertFalse(loaded.info().configInferred());
        assertEquals("diffusers", Safetensors.read(out).metadata().get("source_layout"));
    }

    @Test void rawWeightsOfTheListAreWindowsOneElementOnAndLoseTheirPrefix() throws IOException {
        Path out = tmp.resolve("raw.safetensors");
        CheckpointConverter.Report r = convert(FIX.resolve("ddim-ckpt-list.pth"), out, 8);
        assertEquals(Boolean.FALSE, r.ema());
        assertTrue(r.warnings().stream().anyMatch(w -> w.contains("--ema")), r.warnings().toString());
        assertTrue(r.layoutNotes().stream().anyMatch(n -> n.contains("'module.'")), r.layoutNotes().toString());
        Map<String, TensorData> raw = Safetensors.read(out).tensors();
        float[] a = reference.get("up.1.block.0.conv1.weight").values();
        float[] b = raw.get("up.1.block.0.conv1.weight").values();
        for (int i = 0; i + 1 < a.length; i++) assertEquals(a[i + 1], b[i], "element " + i);
        assertNotEquals(reference.get("conv_out.bias").values()[0], raw.get("conv_out.bias").values()[0]);
    }

    @Test void float16RoutesGiveTheRoundedWeights() throws IOException {
        Map<String, TensorData> want = roundedToF16(reference);
        Path out = tmp.resolve("h.safetensors");
        CheckpointConverter.Report r = convert(FIX.resolve("ddim-fp16.ckpt"), out, "auto", CONFIG, false, "f32", 0, false);
        assertEquals("F16", r.sourceDtypes());
        assertSameWeights(want, out);
        r = convert(FIX.resolve("diffusers"), out, 0);
        assertTrue(r.weightsFile().endsWith("diffusion_pytorch_model.safetensors"));
        assertTrue(String.join(";", r.layoutNotes()).contains("to_q"), r.layoutNotes().toString());
        assertSameWeights(want, out);
        // and written as F16 / BF16 on request
        convert(FIX.resolve("ddim-zip.pth"), out, "auto", null, false, "f16", 8, false);
        assertSameWeights(want, out);
        assertEquals("F16", Safetensors.read(out).tensors().get("conv_in.weight").dtype());
        convert(FIX.resolve("ddim-zip.pth"), out, "auto", null, false, "bf16", 8, false);
        assertEquals("BF16", Safetensors.read(out).tensors().get("conv_in.weight").dtype());
    }

    // ------------------------------------------------------------------------------------------

    private Path safetensors(String name, Map<String, TensorData> tensors, Map<String, String> md) throws IOException {
        Path p = tmp.resolve(name);
        Safetensors.write(p, tensors, md, "F32");
        return p;
    }

    private static String fails(ThrowingRunnable r, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test void missingUnexpectedAndMisShapedKeysAreListed() throws IOException {
        Map<String, TensorData> m = new LinkedHashMap<>(reference);
        m.remove("down.0.attn.0.q.weight");
        m.remove("mid.block_1.norm1.weight");
        m.put("foo.bar", TensorData.f32(new float[] {1}, 1));
        Path in = safetensors("odd.safetensors", m, Map.of());
        Path out = tmp.resolve("o.safetensors");
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> convert(in, out, "auto", CONFIG, false, "f32", 0, false));
        assertTrue(e.getMessage().contains("2 missing (down.0.attn.0.q.weight, mid.block_1.norm1.weight)"), e.getMessage());
        assertTrue(e.getMessage().contains("1 unexpected (foo.bar)"), e.getMessage());
        assertTrue(e.getMessage().contains("--allow-missing"), e.getMessage());
        assertEquals(3, e.details().size());
        assertTrue(e.details().get(0).startsWith("missing     down.0.attn.0.q.weight [32, 32, 1, 1]"), e.details().get(0));
        assertFalse(Files.exists(out), "nothing is written when the checks fail");

        // --allow-missing: zeros (ones for GroupNorm scales), the extra key dropped, warnings
        CheckpointConverter.Report r = convert(in, out, "auto", CONFIG, false, "f32", 0, true);
        assertEquals(2, r.warnings().size(), r.warnings().toString());
        Map<String, TensorData> got = Safetensors.read(out).tensors();
        assertEquals(0f, got.get("down.0.attn.0.q.weight").values()[5]);
        assertEquals(1f, got.get("mid.block_1.norm1.weight").values()[5]);
        assertFalse(got.containsKey("foo.bar"));

        // a wrong shape is never allowed
        m.put("conv_out.bias", TensorData.f32(new float[4], 4));
        Path bad = safetensors("bad.safetensors", m, Map.of());
        CheckpointMismatchException w = assertThrows(CheckpointMismatchException.class,
                () -> convert(bad, out, "auto", CONFIG, false, "f32", 0, true));
        assertTrue(w.getMessage().contains("1 with the wrong shape (conv_out.bias)"), w.getMessage());
        assertTrue(w.details().stream().anyMatch(d -> d.equals("wrong shape conv_out.bias: [4] in the checkpoint, [3] expected")),
                w.details().toString());
    }

    @Test void diffusersMismatchesShowDiffusersNames() throws IOException {
        Map<String, TensorData> m = new LinkedHashMap<>();
        reference.forEach((k, v) -> {
            if (!k.equals("up.0.attn.1.proj_out.weight")) m.put(DiffusersKeys.toDiffusers(k, 2, false), v);
        });
        Path in = safetensors("d.safetensors", m, Map.of());
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> convert(in, tmp.resolve("o.safetensors"), "auto", FIX.resolve("diffusers/config.json").toString(), false, "f32", 0, false));
        assertEquals("missing     up_blocks.1.attentions.1.to_out.0.weight (engine: up.0.attn.1.proj_out.weight) [32, 32]",
                e.details().get(0));
        // attention weights stored as [C, C, 1, 1] under diffusers names are accepted too
        assertEquals(4, m.get("mid_block.attentions.0.to_q.weight").rank());
    }

    @Test void bothAttentionSpellingsAtOnceAreAnError() throws IOException {
        Map<String, TensorData> m = new LinkedHashMap<>();
        reference.forEach((k, v) -> m.put(DiffusersKeys.toDiffusers(k, 2, false), v));
        m.put("mid_block.attentions.0.query.weight", m.get("mid_block.attentions.0.to_q.weight"));
        Path in = safetensors("both.safetensors", m, Map.of());
        fails(() -> convert(in, tmp.resolve("o.safetensors"), 8), "both 'mid_block.attentions.0.to_q.weight' and 'mid_block.attentions.0.query.weight'");
    }

    @Test void layoutDetectionAndPrefixes() throws IOException {
        Path out = tmp.resolve("o.safetensors");
        fails(() -> convert(FIX.resolve("ddim-zip.pth"), out, "diffusers", null, false, "f32", 8, false),
                "--layout diffusers given, but the keys are ddim's");
        Path openai = safetensors("openai.safetensors", Map.of("time_embed.0.weight", TensorData.f32(new float[1], 1),
                "input_blocks.0.0.weight", TensorData.f32(new float[1], 1)), Map.of());
        fails(() -> convert(openai, out, 8), "OpenAI improved-/guided-diffusion");
        Path other = safetensors("other.safetensors", Map.of("encoder.weight", TensorData.f32(new float[1], 1)), Map.of());
        fails(() -> convert(other, out, 8), "cannot tell the key layout", "'encoder.weight'");
        // a wrapper's prefix on every key
        Map<String, TensorData> m = new LinkedHashMap<>();
        reference.forEach((k, v) -> m.put("model.diffusion_model." + k, v));
        CheckpointConverter.Report r = convert(safetensors("prefixed.safetensors", m, Map.of()), out, 8);
        assertTrue(r.layoutNotes().contains("'model.diffusion_model.' prefix removed"), r.layoutNotes().toString());
        assertSameWeights(reference, out);
        // ddim layout with attention projections as [C, C]
        Map<String, TensorData> flat = new LinkedHashMap<>(reference);
        TensorData q = flat.get("mid.attn_1.q.weight");
        flat.put("mid.attn_1.q.weight", new TensorData("F32", new int[] {q.dim(0), q.dim(1)}, q.values()));
        convert(safetensors("flat.safetensors", flat, Map.of()), out, 8);
        assertSameWeights(reference, out);
    }

    @Test void whereTheConfigComesFrom() throws IOException {
        Path out = tmp.resolve("o.safetensors");
        Path bare = safetensors("bare.safetensors", reference, Map.of());
        fails(() -> convert(bare, out, 0), "pass --resolution N", "--config FILE");
        fails(() -> convert(bare, out, "auto", CONFIG, false, "f32", 16, false), "--resolution 16 contradicts the config's resolution 8");
        // inline JSON without a resolution, completed by --resolution
        CheckpointConverter.Report r = convert(bare, out, "auto",
                "{\"ch\": 32, \"out_ch\": 3, \"ch_mult\": [1, 2], \"num_res_blocks\": 1, \"attn_resolutions\": [8], \"in_channels\": 3}",
                false, "f32", 8, false);
        assertEquals(8, r.config().resolution());
        fails(() -> convert(bare, out, "auto", "{\"ch\": 32, \"ch_mult\": [1, 2], \"num_res_blocks\": 1, \"in_channels\": 3}",
                false, "f32", 0, false), "'resolution'", "--resolution");
        fails(() -> convert(bare, out, "auto", "{\"ch\": ", false, "f32", 8, false), "not valid JSON");
        fails(() -> convert(bare, out, "auto", tmp.resolve("nope.json").toString(), false, "f32", 8, false), "config file not found");
        // the engine's own model file carries its config
        r = convert(shared.resolve("ref.safetensors"), out, 0);
        assertEquals("from the file's metadata", r.configSource());
        // a diffusers config given with --config for diffusers weights elsewhere
        Map<String, TensorData> d = new LinkedHashMap<>();
        reference.forEach((k, v) -> d.put(DiffusersKeys.toDiffusers(k, 2, false), v));
        Path lone = safetensors("lone.safetensors", d, Map.of());
        r = convert(lone, out, "auto", FIX.resolve("diffusers/config.json").toString(), false, "f32", 0, false);
        assertTrue(r.configSource().contains("a diffusers config"), r.configSource());
        // no config.json at all: inferred, with a warning about what the weights cannot show
        r = convert(lone, out, 8);
        assertTrue(r.configSource().startsWith("inferred"), r.configSource());
        assertTrue(r.warnings().stream().anyMatch(w -> w.contains("one attention head")), r.warnings().toString());
        assertSameWeights(reference, out);
    }

    @Test void emaNeedsACheckpointWithEmaWeights() throws IOException {
        Path out = tmp.resolve("o.safetensors");
        fails(() -> convert(FIX.resolve("ddim-zip.pth"), out, "auto", null, true, "f32", 8, false), "--ema", "single state dict");
        fails(() -> convert(shared.resolve("ref.safetensors"), out, "auto", null, true, "f32", 0, false), "--ema", "safetensors");
    }

    @Test void filesThatAreNotCheckpoints() throws IOException {
        Path out = tmp.resolve("o.safetensors");
        Path html = tmp.resolve("model.pth");
        Files.writeString(html, "\n<!DOCTYPE html><html><body>Sign in</body></html>");
        fails(() -> convert(html, out, 8), "HTML page");
        Path empty = tmp.resolve("empty.pth");
        Files.write(empty, new byte[0]);
        fails(() -> convert(empty, out, 8), "is empty");
        Path pickle = tmp.resolve("plain.pkl");
        Files.write(pickle, new byte[] {(byte) 0x80, 4, (byte) 0x95, 0, 0});
        fails(() -> convert(pickle, out, 8), "plain Python pickle");
        byte[] tar = new byte[1024];
        System.arraycopy("ustar".getBytes(), 0, tar, 257, 5);
        Path tarFile = tmp.resolve("old.tar");
        Files.write(tarFile, tar);
        fails(() -> convert(tarFile, out, 8), "tar archive");
        Path junk = tmp.resolve("junk.bin");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        fails(() -> convert(junk, out, 8), "not a checkpoint this converter reads");
        fails(() -> convert(tmp.resolve("missing.pth"), out, 8), "checkpoint not found");
        fails(() -> convert(FIX.resolve("ddim-zip.pth"), tmp, 8), "is a directory");
        fails(() -> convert(FIX.resolve("ddim-zip.pth"), tmp.resolve("no/such/dir/o.safetensors"), 8), "output folder does not exist");
        fails(() -> convert(FIX.resolve("ddim-zip.pth"), out, "auto", null, false, "f8", 8, false), "--dtype must be f32, f16 or bf16");
        fails(() -> CheckpointConverter.Layout.parse("openai"), "--layout must be auto, ddim or diffusers");
        Path folder = Files.createDirectory(tmp.resolve("folder"));
        Files.writeString(folder.resolve("README.md"), "hi");
        fails(() -> convert(folder, out, 8), "holds no diffusion_pytorch_model", "README.md");
        Files.writeString(folder.resolve("diffusion_pytorch_model.safetensors.index.json"), "{}");
        fails(() -> convert(folder, out, 8), "sharded");
        // a torch file that is something else entirely
        Path malicious = FIX.resolve("malicious/os-system.pth");
        org.timetuner4j.io.torch.UnsafePickleException u = assertThrows(org.timetuner4j.io.torch.UnsafePickleException.class,
                () -> convert(malicious, out, 8));
        assertTrue(u.getMessage().contains("os.system"));
        assertFalse(Files.exists(out));
    }

    @Test void integerTensorsAreNotWeights() throws IOException {
        Map<String, TensorData> m = new LinkedHashMap<>(reference);
        Path in = tmp.resolve("int.safetensors");
        // write with an integer dtype by hand: use the zoo's int64 via a crafted safetensors (I64 conv_out.bias)
        Safetensors.write(in, m, Map.of(), "F32");
        byte[] b = Files.readAllBytes(in);
        String s = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = s.indexOf("\"conv_out.bias\":{\"dtype\":\"F32\"");
        assertTrue(at > 0);
        // F32 -> I32: same element size, so the file stays valid
        s = s.substring(0, at) + "\"conv_out.bias\":{\"dtype\":\"I32\"" + s.substring(at + "\"conv_out.bias\":{\"dtype\":\"F32\"".length());
        Files.write(in, s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        fails(() -> convert(in, tmp.resolve("o.safetensors"), 8), "'conv_out.bias' has dtype I32");
    }

    private Path writeJson(String name, String json) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, json);
        return p;
    }

    /** A pipeline folder's scheduler/scheduler_config.json sets the schedule and prediction type the model file records. */
    @Test void theSchedulerConfigOfAPipelineIsRecorded() throws IOException {
        Path pipe = tmp.resolve("pipe"), unet = pipe.resolve("unet"), sched = pipe.resolve("scheduler");
        Files.createDirectories(unet);
        Files.createDirectories(sched);
        for (String f : new String[] {"config.json", "diffusion_pytorch_model.bin"})
            Files.copy(FIX.resolve("diffusers").resolve(f), unet.resolve(f));
        Files.writeString(sched.resolve("scheduler_config.json"), "{\"_class_name\": \"DDIMScheduler\", \"beta_schedule\": \"scaled_linear\", "
                + "\"beta_start\": 0.00085, \"beta_end\": 0.012, \"num_train_timesteps\": 1000, \"prediction_type\": \"v_prediction\", "
                + "\"clip_sample\": false, \"set_alpha_to_one\": false, \"steps_offset\": 1}");
        Path out = tmp.resolve("m.safetensors");
        for (Path in : new Path[] {pipe, unet, unet.resolve("diffusion_pytorch_model.bin")}) {
            CheckpointConverter.Report r = convert(in, out, 0);
            assertTrue(r.summary().contains("schedule   quad β 0.00085…0.012, 1000 steps, predicts v (from "), r.summary());
            assertSameWeights(reference, out);
            ModelInfo info = ModelFile.load(out, CpuBackend.INSTANCE, 0).info();
            assertEquals(new ModelInfo(info.config(), "v", "quad", 0.00085, 0.012, 1000, false), info, in.toString());
            assertEquals("scheduler_config.json", Safetensors.read(out).metadata().get("source_scheduler"));
        }
        // an explicit --scheduler wins; a bad one stops the conversion with its reason
        Path cosine = tmp.resolve("cosine.json");
        Files.writeString(cosine, "{\"beta_schedule\": \"squaredcos_cap_v2\"}");
        CheckpointConverter.Report r = CheckpointConverter.convert(new CheckpointConverter.Options(pipe, out,
                CheckpointConverter.Layout.AUTO, null, false, "f32", 0, false, cosine));
        assertEquals("cosine", r.schedule().betaSchedule());
        assertEquals("noise", ModelFile.load(out, CpuBackend.INSTANCE, 0).info().modelType());
        Files.writeString(cosine, "{\"beta_schedule\": \"sigmoid\"}");
        fails(() -> CheckpointConverter.convert(new CheckpointConverter.Options(pipe, out, CheckpointConverter.Layout.AUTO, null, false,
                "f32", 0, false, cosine)), "cosine.json: beta_schedule 'sigmoid' is not supported");
        // an engine model file converted again keeps its own schedule (here the cosine one from above)
        CheckpointConverter.convert(new CheckpointConverter.Options(pipe, out, CheckpointConverter.Layout.AUTO, null, false, "f32", 0, false,
                writeJson("cos.json", "{\"beta_schedule\": \"squaredcos_cap_v2\", \"prediction_type\": \"sample\"}")));
        Path again = tmp.resolve("again.safetensors");
        r = convert(out, again, 0);
        assertEquals("from the file's metadata", r.scheduleSource());
        assertEquals(new DiffusersScheduler.Schedule("x_start", "cosine", 1e-4, 0.02, 1000), r.schedule());
        // no scheduler config anywhere: DDPM's, and the summary says so
        r = convert(FIX.resolve("diffusers"), out, 0);
        assertEquals(DiffusersScheduler.DDPM, r.schedule());
        assertTrue(r.summary().contains("(DDPM's default: no scheduler_config.json found)"), r.summary());
    }

    @Test void reportSummaryFitsOnOneScreen() throws IOException {
        CheckpointConverter.Report r = convert(FIX.resolve("ddim-ckpt-list.pth"), tmp.resolve("o.safetensors"), "auto", null, true, "f16", 8, false);
        String s = r.summary();
        assertTrue(s.lines().count() <= 12, s);
        for (String f : new String[] {"torch zip archive", "EMA: element 4", "ddim (detected)", "inferred", "ch 32, ch_mult [1, 2]",
                "665,059 in 144 tensors", "F32 -> F16"}) {
            assertTrue(s.contains(f), "expected '" + f + "' in:\n" + s);
        }
        assertNull(convert(FIX.resolve("ddim-zip.pth"), tmp.resolve("p.safetensors"), 8).ema());
        SafetensorsFile f = Safetensors.read(tmp.resolve("o.safetensors"));
        assertEquals("ema", f.metadata().get("source_weights"));
        assertEquals("noise", f.metadata().get("model_type"));
    }
}
