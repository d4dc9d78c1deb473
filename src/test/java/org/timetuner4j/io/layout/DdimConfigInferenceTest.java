package org.timetuner4j.io.layout;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.io.layout.DdimConfigInference;
import org.timetuner4j.io.layout.DdimLayout;
import org.timetuner4j.io.layout.DdimShapeCheck;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.timetuner4j.testing.ConfigChecks.bad;
import static org.timetuner4j.testing.ConfigChecks.withDropout;

class DdimConfigInferenceTest {


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
}
