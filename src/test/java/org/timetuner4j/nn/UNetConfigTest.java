package org.timetuner4j.nn;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.io.layout.DdimConfigInference;
import org.timetuner4j.io.layout.DdimLayout;
import org.timetuner4j.io.layout.DdimShapeCheck;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class UNetConfigTest {

    private static UNetConfig withDropout(UNetConfig c, double dropout) {
        return new UNetConfig(c.ch(), c.outCh(), c.chMult(), c.numResBlocks(), c.attnResolutions(), dropout,
                c.inChannels(), c.resolution(), c.resampWithConv());
    }

    private static long count(Map<String, int[]> shapes) {
        long n = 0;
        for (int[] s : shapes.values()) n += Arrays.stream(s).asLongStream().reduce(1, (a, b) -> a * b);
        return n;
    }

    private static IllegalArgumentException bad(Runnable r, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one-line message: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "message '" + m + "' should contain '" + f + "'");
        return e;
    }

    // ------------------------------------------------------------------ sizes from the spec, §1.11

    @Test
    void releasedConfigsHaveTheSpecKeyAndParameterCounts() {
        Object[][] cases = {
                {UNetConfig.cifar10(), 328, 35_746_307L},
                {UNetConfig.celeba64(), 390, 78_700_803L},
                {UNetConfig.lsun256(), 450, 113_673_219L},
        };
        for (Object[] c : cases) {
            UNetConfig cfg = ((UNetConfig) c[0]).validate();
            Map<String, int[]> shapes = DdimLayout.expectedShapes(cfg);
            assertEquals(c[1], shapes.size(), cfg.toString());
            assertEquals(c[2], count(shapes), cfg.toString());
            assertEquals(c[2], DdimLayout.parameterCount(cfg));
            assertTrue(DdimShapeCheck.problems(cfg, shapes).isEmpty());
        }
    }

    @Test
    void cifar10KeysMatchAppendixAInOrderAndShape() throws IOException {
        List<String> expected = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("/unet/cifar10-ddim-keys.txt")) {
            assertNotNull(in);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) expected.add(line.trim());
            }
        }
        assertEquals(328, expected.size());
        List<String> actual = new ArrayList<>();
        DdimLayout.expectedShapes(UNetConfig.cifar10()).forEach((k, v) -> actual.add(k + " " + Arrays.toString(v)));
        assertEquals(expected, actual);
    }

    @Test
    void selectedCifar10ShapesFromAppendixA() {
        LinkedHashMap<String, int[]> s = DdimLayout.expectedShapes(UNetConfig.cifar10());
        List<String> keys = new ArrayList<>(s.keySet());
        assertEquals("temb.dense.0.weight", keys.get(0));
        assertArrayEquals(new int[] {512, 128}, s.get("temb.dense.0.weight"));
        assertEquals("conv_in.weight", keys.get(4));
        assertArrayEquals(new int[] {128, 3, 3, 3}, s.get("conv_in.weight"));
        assertEquals(38, keys.indexOf("down.1.block.0.nin_shortcut.weight"));
        assertArrayEquals(new int[] {256, 128, 1, 1}, s.get("down.1.block.0.nin_shortcut.weight"));
        assertArrayEquals(new int[] {256, 256, 1, 1}, s.get("down.1.attn.0.q.weight"));
        assertEquals(70, keys.indexOf("down.1.downsample.conv.weight"));
        assertEquals(114, keys.indexOf("mid.block_1.norm1.weight"));
        assertArrayEquals(new int[] {384}, s.get("up.0.block.0.norm1.weight"));
        assertArrayEquals(new int[] {128, 384, 3, 3}, s.get("up.0.block.0.conv1.weight"));
        assertArrayEquals(new int[] {128, 256, 1, 1}, s.get("up.0.block.2.nin_shortcut.weight"));
        assertArrayEquals(new int[] {256, 384, 3, 3}, s.get("up.1.block.2.conv1.weight"));
        assertArrayEquals(new int[] {256, 512}, s.get("up.1.block.2.temb_proj.weight"));
        assertEquals(246, keys.indexOf("up.1.upsample.conv.weight"));
        assertEquals(322, keys.indexOf("up.3.upsample.conv.weight"));
        assertFalse(s.containsKey("up.0.upsample.conv.weight"));
        assertFalse(s.containsKey("down.3.downsample.conv.weight"));
        assertFalse(s.containsKey("down.0.block.0.nin_shortcut.weight"));
        assertArrayEquals(new int[] {128}, s.get("norm_out.weight"));
        assertEquals(327, keys.indexOf("conv_out.bias"));
        assertArrayEquals(new int[] {3, 128, 3, 3}, s.get("conv_out.weight"));
    }

    @Test
    void geometry() {
        UNetConfig c = UNetConfig.cifar10();
        assertEquals(4, c.numLevels());
        assertEquals(512, c.tembChannels());
        int[] res = {32, 16, 8, 4};
        for (int i = 0; i < 4; i++) {
            assertEquals(res[i], c.levelResolution(i));
            assertEquals(i == 1, c.hasAttention(i));
        }
        assertEquals(256, c.levelChannels(3));
        UNetConfig lsun = UNetConfig.lsun256();
        assertEquals(16, lsun.levelResolution(4));
        assertTrue(lsun.hasAttention(4));
        assertFalse(lsun.hasAttention(3));
        assertThrows(IndexOutOfBoundsException.class, () -> c.levelResolution(4));
        // Both downsample variants halve an even size.
        UNetConfig pool = new UNetConfig(32, 3, new int[] {1, 1, 1}, 1, new int[] {}, 0, 3, 12, false).validate();
        assertEquals(3, pool.levelResolution(2));
    }

    @Test
    void resampWithoutConvHasNoResampleKeys() {
        UNetConfig c = new UNetConfig(32, 1, new int[] {1, 2}, 1, new int[] {8}, 0, 1, 16, false).validate();
        Map<String, int[]> s = DdimLayout.expectedShapes(c);
        assertTrue(s.keySet().stream().noneMatch(k -> k.contains("sample")));
        assertTrue(s.containsKey("up.1.attn.1.q.weight"));     // level 1 is 8x8
        assertFalse(s.containsKey("up.0.attn.0.q.weight"));
    }

    // ------------------------------------------------------------------ JSON

    @Test
    void jsonRoundTrip() {
        for (UNetConfig c : List.of(UNetConfig.cifar10(), UNetConfig.celeba64(), UNetConfig.lsun256(),
                new UNetConfig(64, 6, new int[] {2, 1}, 3, new int[] {}, 0.25, 3, 8, false))) {
            String json = UNetConfigJson.toJson(c);
            assertEquals(c, UNetConfigJson.fromJson(json), json);
        }
        String j = UNetConfigJson.toJson(UNetConfig.cifar10());
        assertTrue(j.contains("\"ch_mult\":[1,2,2,2]"), j);
        assertTrue(j.contains("\"attn_resolutions\":[16]"), j);
        for (String k : List.of("ch", "out_ch", "num_res_blocks", "dropout", "in_channels", "resolution", "resamp_with_conv")) {
            assertTrue(j.contains("\"" + k + "\":"), k);
        }
    }

    @Test
    void fromJsonDefaultsAndSynonyms() {
        UNetConfig c = UNetConfigJson.fromJson("{\"ch\":128,\"ch_mult\":[1,2,2,2],\"num_res_blocks\":2,"
                + "\"attn_resolutions\":[16],\"channels\":3,\"image_size\":32}");
        assertEquals(withDropout(UNetConfig.cifar10(), 0.0), c);
        assertEquals(3, c.outCh());
        assertTrue(c.resampWithConv());
        // attn_resolutions may be omitted, or a single number; integral floats are accepted.
        UNetConfig d = UNetConfigJson.fromJson("{\"ch\":128.0,\"ch_mult\":[1,2],\"num_res_blocks\":1,"
                + "\"in_channels\":1,\"resolution\":8,\"out_ch\":2,\"attn_resolutions\":4,\"resamp_with_conv\":false}");
        assertArrayEquals(new int[] {4}, d.attnResolutions());
        assertEquals(2, d.outCh());
        assertFalse(d.resampWithConv());
        UNetConfig e = UNetConfigJson.fromJson("{\"ch\":32,\"ch_mult\":[1],\"num_res_blocks\":1,\"in_channels\":1,\"resolution\":5}");
        assertArrayEquals(new int[0], e.attnResolutions());
    }

    @Test
    void fromJsonAcceptsDdimYmlNesting() {
        String yml = "{\"data\":{\"dataset\":\"CIFAR10\",\"image_size\":32,\"channels\":3,\"logit_transform\":false},"
                + "\"model\":{\"type\":\"simple\",\"in_channels\":3,\"out_ch\":3,\"ch\":128,\"ch_mult\":[1,2,2,2],"
                + "\"num_res_blocks\":2,\"attn_resolutions\":[16],\"dropout\":0.1,\"var_type\":\"fixedlarge\","
                + "\"ema_rate\":0.9999,\"ema\":true,\"resamp_with_conv\":true},"
                + "\"diffusion\":{\"beta_schedule\":\"linear\",\"num_diffusion_timesteps\":1000}}";
        assertEquals(UNetConfig.cifar10(), UNetConfigJson.fromJson(yml));
    }

    @Test
    void fromJsonErrorsNameTheField() {
        String base = "\"ch_mult\":[1,2,2,2],\"num_res_blocks\":2,\"attn_resolutions\":[16],\"in_channels\":3";
        bad(() -> UNetConfigJson.fromJson("{" + base + ",\"resolution\":32}"), "'ch'", "missing");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128," + base + "}"), "'resolution'", "image_size");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128,\"ch_mult\":[1,2],\"num_res_blocks\":2,\"resolution\":32}"),
                "'in_channels'", "channels");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128,\"num_res_blocks\":2,\"in_channels\":3,\"resolution\":32}"), "'ch_mult'");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":\"128\"," + base + ",\"resolution\":32}"), "'ch'", "integer");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128.5," + base + ",\"resolution\":32}"), "'ch'", "integer");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":1e12," + base + ",\"resolution\":32}"), "'ch'", "range");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128,\"ch_mult\":[1,\"2\"],\"num_res_blocks\":2,\"in_channels\":3,"
                + "\"resolution\":32}"), "ch_mult[1]");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128,\"ch_mult\":\"1,2\",\"num_res_blocks\":2,\"in_channels\":3,"
                + "\"resolution\":32}"), "'ch_mult'", "list");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128," + base + ",\"resolution\":32,\"resamp_with_conv\":\"yes\"}"),
                "resamp_with_conv");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128," + base + ",\"resolution\":32,\"dropout\":\"0.1\"}"), "dropout");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128," + base + ",\"resolution\":32,\"dropout\":1.5}"), "dropout");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":100," + base + ",\"resolution\":32}"), "ch", "multiple of 32");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128," + base + ",\"resolution\":28}"), "resolution 28", "multiple of 2^3 = 8");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128," + base + ",\"resolution\":32,\"data\":{\"image_size\":64}}"),
                "conflicting", "resolution", "data.image_size");
        // equal duplicates are fine
        assertEquals(32, UNetConfigJson.fromJson("{\"ch\":128," + base + ",\"resolution\":32,\"data\":{\"image_size\":32.0}}")
                .resolution());
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128," + base), "not valid JSON");
        bad(() -> UNetConfigJson.fromJson("[1,2]"), "not a JSON object");
        bad(() -> UNetConfigJson.fromJson(""), "not a JSON object");
        bad(() -> UNetConfigJson.fromJson("{\"ch\":128} {}"), "JSON");
        bad(() -> UNetConfigJson.fromJson("{ch: 128}"), "not valid JSON");
    }

    @Test
    void validateMessages() {
        bad(() -> new UNetConfig(0, 3, new int[] {1}, 1, new int[0], 0, 3, 32, true).validate(), "ch must be positive");
        bad(() -> new UNetConfig(16, 3, new int[] {2, 4}, 1, new int[0], 0, 3, 32, true).validate(), "ch", "32");
        bad(() -> new UNetConfig(128, 3, new int[] {}, 1, new int[0], 0, 3, 32, true).validate(), "ch_mult");
        bad(() -> new UNetConfig(128, 3, new int[] {1, 0}, 1, new int[0], 0, 3, 32, true).validate(), "ch_mult[1]");
        bad(() -> new UNetConfig(128, 3, new int[] {1}, 0, new int[0], 0, 3, 32, true).validate(), "num_res_blocks");
        bad(() -> new UNetConfig(128, 0, new int[] {1}, 1, new int[0], 0, 3, 32, true).validate(), "out_ch");
        bad(() -> new UNetConfig(128, 3, new int[] {1}, 1, new int[0], 0, 0, 32, true).validate(), "in_channels");
        bad(() -> new UNetConfig(128, 3, new int[] {1}, 1, new int[] {-1}, 0, 3, 32, true).validate(), "attn_resolutions");
        bad(() -> new UNetConfig(128, 3, new int[] {1}, 1, new int[0], Double.NaN, 3, 32, true).validate(), "dropout");
        bad(() -> new UNetConfig(128, 3, new int[] {1}, 1, new int[0], 0, 3, 0, true).validate(), "resolution");
        bad(() -> new UNetConfig(128, 3, new int[] {1, 1, 1}, 1, new int[0], 0, 3, 6, true).validate(),
                "6 -> 3 -> 1", "multiple of 2^2 = 4");
        bad(() -> new UNetConfig(128, 3, new int[] {1, 1, 1, 1}, 1, new int[0], 0, 3, 4, false).validate(),
                "4 -> 2 -> 1 -> 0");
        // odd sizes are fine for a single level
        new UNetConfig(128, 3, new int[] {1}, 1, new int[0], 0, 3, 7, true).validate();
    }

    // ------------------------------------------------------------------ infer and checkShapes

    static Stream<UNetConfig> inferCases() {
        return Stream.of(
                UNetConfig.cifar10(), UNetConfig.celeba64(), UNetConfig.lsun256(),
                // attention at several levels, odd nrb, out_ch != in_channels
                new UNetConfig(64, 6, new int[] {1, 2, 4}, 3, new int[] {32, 8}, 0, 3, 32, true),
                // channels shrink with depth, attention everywhere, no resampling convs
                new UNetConfig(32, 1, new int[] {2, 1}, 1, new int[] {8, 4}, 0, 1, 8, false),
                // a single level (no resampling at all)
                new UNetConfig(32, 3, new int[] {3}, 2, new int[] {16}, 0, 3, 16, true),
                // attention only at the lowest level
                new UNetConfig(96, 3, new int[] {1, 1, 2}, 2, new int[] {2}, 0, 4, 8, true));
    }

    @Test
    void inferRoundTrips() {
        inferCases().forEach(c -> {
            UNetConfig want = withDropout(c.validate(), 0.0);
            UNetConfig got = DdimConfigInference.infer(DdimLayout.expectedShapes(c), c.resolution());
            assertEquals(want, got);
            assertTrue(DdimShapeCheck.problems(got, DdimLayout.expectedShapes(c)).isEmpty());
        });
    }

    @Test
    void inferErrors() {
        Map<String, int[]> diffusers = new LinkedHashMap<>();
        diffusers.put("time_embedding.linear_1.weight", new int[] {512, 128});
        diffusers.put("conv_in.weight", new int[] {128, 3, 3, 3});
        bad(() -> DdimConfigInference.infer(diffusers, 32), "not a ddim-layout UNet", "diffusers");
        bad(() -> DdimConfigInference.infer(Map.of(), 32), "not a ddim-layout UNet");

        Map<String, int[]> s = DdimLayout.expectedShapes(UNetConfig.cifar10());
        s.remove("conv_out.weight");
        bad(() -> DdimConfigInference.infer(s, 32), "conv_out.weight");

        Map<String, int[]> t = DdimLayout.expectedShapes(UNetConfig.cifar10());
        bad(() -> DdimConfigInference.infer(t, 30), "resolution 30");

        Map<String, int[]> u = DdimLayout.expectedShapes(UNetConfig.cifar10());
        u.put("down.1.block.0.conv1.weight", new int[] {200, 128, 3, 3});
        bad(() -> DdimConfigInference.infer(u, 32), "down.1.block.0.conv1.weight", "ch = 128");
    }

    @Test
    void checkShapesReportsEveryProblem() {
        UNetConfig c = UNetConfig.cifar10();
        Map<String, int[]> s = DdimLayout.expectedShapes(c);
        s.remove("mid.attn_1.q.bias");
        s.put("down.0.block.0.conv1.weight", new int[] {128, 128, 1, 1});
        s.put("logvar", new int[] {1000});
        List<String> p = DdimShapeCheck.problems(c, s);
        assertEquals(3, p.size(), p.toString());
        assertEquals("key 'down.0.block.0.conv1.weight' has shape [128, 128, 1, 1], expected [128, 128, 3, 3]", p.get(0));
        assertEquals("missing key 'mid.attn_1.q.bias' (expected shape [256])", p.get(1));
        assertEquals("unexpected key 'logvar' (shape [1000])", p.get(2));
        // a CelebA file checked against the CIFAR-10 config
        assertFalse(DdimShapeCheck.problems(c, DdimLayout.expectedShapes(UNetConfig.celeba64())).isEmpty());
    }

    /**
     * The model fixtures under src/test/resources/fixtures (written from PyTorch, each carrying its
     * config as {@code __metadata__["config"]}) must parse, match their config key for key, and infer
     * back to it.
     */
    @Test
    void modelFixturesMatchTheirEmbeddedConfig() throws Exception {
        URL dirUrl = getClass().getResource("/fixtures");
        Assumptions.assumeTrue(dirUrl != null && dirUrl.getProtocol().equals("file"), "no fixtures directory");
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(dirUrl.toURI()))) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        int checked = 0;
        for (Path f : files) {
            SafetensorsFile sf = Safetensors.read(f);
            String json = sf.metadata().get("config");
            if (json == null || !sf.tensors().containsKey("temb.dense.0.weight")) continue;
            UNetConfig cfg = UNetConfigJson.fromJson(json);
            assertEquals(List.of(), DdimShapeCheck.problems(cfg, sf.shapes()), f.toString());
            assertEquals(withDropout(cfg, 0.0), DdimConfigInference.infer(sf.shapes(), cfg.resolution()), f.toString());
            assertEquals(cfg, UNetConfigJson.fromJson(UNetConfigJson.toJson(cfg)));
            checked++;
        }
        Assumptions.assumeTrue(checked > 0, "no UNet fixtures with an embedded config");
    }

    // ------------------------------------------------------------------ Object methods

    @Test
    void equalsHashCodeToStringUseArrayContents() {
        UNetConfig a = UNetConfig.cifar10();
        UNetConfig b = new UNetConfig(128, 3, new int[] {1, 2, 2, 2}, 2, new int[] {16}, 0.1, 3, 32, true);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, withDropout(a, 0.0));
        assertNotEquals(a, new UNetConfig(128, 3, new int[] {1, 2, 2, 4}, 2, new int[] {16}, 0.1, 3, 32, true));
        assertTrue(a.toString().contains("chMult=[1, 2, 2, 2]"), a.toString());
        assertTrue(a.toString().contains("attnResolutions=[16]"), a.toString());
        // arrays are copied in and out
        int[] m = {1, 2};
        UNetConfig c = new UNetConfig(32, 3, m, 1, new int[0], 0, 3, 8, true);
        m[0] = 5;
        assertEquals(1, c.chMult()[0]);
        c.chMult()[0] = 7;
        assertEquals(1, c.chMult()[0]);
    }
}
