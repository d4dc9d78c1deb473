package org.timetuner4j.io.convert;

import org.junit.jupiter.api.Test;
import org.timetuner4j.io.layout.DdimLayout;
import org.timetuner4j.nn.UNetConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ddim ↔ diffusers mapping against the spec's table of all 328 CIFAR-10 keys (Appendix A). */
class DiffusersKeysTest {
    static final Path TABLE = Path.of("src/test/resources/fixtures/checkpoints/cifar10-keys.tsv");

    record Row(String ddim, int[] ddimShape, String diffusers, int[] diffusersShape) {}

    static List<Row> table() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(TABLE)) {
            if (line.startsWith("#") || line.isBlank()) continue;
            String[] f = line.split("\t");
            rows.add(new Row(f[0], shape(f[1]), f[2], shape(f[3])));
        }
        return rows;
    }

    static int[] shape(String s) {
        String in = s.substring(1, s.length() - 1);
        return in.isEmpty() ? new int[0] : Arrays.stream(in.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    @Test void everyCifar10KeyMapsBothWays() throws IOException {
        List<Row> rows = table();
        assertEquals(328, rows.size());
        // the ddim side is exactly the engine's CIFAR-10 model, in saved order
        Map<String, int[]> engine = DdimLayout.expectedShapes(UNetConfig.cifar10());
        assertEquals(new ArrayList<>(engine.keySet()), rows.stream().map(Row::ddim).toList());
        List<String> diffusersKeys = rows.stream().map(Row::diffusers).toList();
        assertEquals(4, DiffusersKeys.levels(diffusersKeys));
        for (Row r : rows) {
            assertArrayEquals(engine.get(r.ddim()), r.ddimShape(), r.ddim());
            assertEquals(r.ddim(), DiffusersKeys.toDdim(r.diffusers(), 4), r.diffusers());
            assertEquals(r.diffusers(), DiffusersKeys.toDiffusers(r.ddim(), 4, false), r.ddim());
            boolean projection = DiffusersKeys.isAttentionProjection(r.ddim());
            assertEquals(projection, r.ddimShape().length == 4 && r.diffusersShape().length == 2, r.ddim());
            if (!projection) assertArrayEquals(r.ddimShape(), r.diffusersShape(), r.ddim());
        }
    }

    @Test void deprecatedAttentionSpellingMapsToTheSameKeys() throws IOException {
        int n = 0;
        for (Row r : table()) {
            String old = DiffusersKeys.toDiffusers(r.ddim(), 4, true);
            assertEquals(r.ddim(), DiffusersKeys.toDdim(old, 4));
            if (!old.equals(r.diffusers())) {
                n++;
                assertTrue(DiffusersKeys.isDeprecatedAttentionName(old), old);
                assertTrue(old.matches(".*\\.(query|key|value|proj_attn)\\.(weight|bias)"), old);
            }
        }
        assertEquals(6 * 4 * 2, n); // 6 attention blocks (2 down, 3 up, 1 mid) x q/k/v/out x weight/bias
        assertEquals("mid.attn_1.proj_out.weight", DiffusersKeys.toDdim("mid_block.attentions.0.proj_attn.weight", 4));
        assertEquals("up.2.attn.1.q.bias", DiffusersKeys.toDdim("up_blocks.1.attentions.1.query.bias", 4));
        assertFalse(DiffusersKeys.isDeprecatedAttentionName("up_blocks.1.attentions.1.to_q.bias"));
    }

    @Test void keysOutsideTheDdpmUNetAreNotMapped() {
        for (String k : List.of("class_embedding.bias", "time_proj.weight", "down_blocks.0.resnets.0.foo.weight",
                "up_blocks.4.resnets.0.conv1.weight", "mid_block.resnets.2.conv1.weight", "mid_block.attentions.0.to_out.1.weight",
                "down_blocks.0.downsamplers.1.conv.weight", "conv_in.weight.extra", "down_blocks.0.attentions.0.to_q.scale")) {
            assertNull(DiffusersKeys.toDdim(k, 4), k);
        }
        assertNull(DiffusersKeys.toDiffusers("temb.dense.2.weight", 4, false));
        assertNull(DiffusersKeys.toDiffusers("up.0.block.0.foo.weight", 4, false));
        assertEquals(0, DiffusersKeys.levels(List.of("conv_in.weight")));
    }

    @Test void classEmbeddingIsTheLabelEmbedding() {
        assertEquals("label_emb.weight", DiffusersKeys.toDdim("class_embedding.weight", 3));
        assertEquals("class_embedding.weight", DiffusersKeys.toDiffusers("label_emb.weight", 3, false));
    }

    @Test void upBlocksCountFromTheCoarsestLevel() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("up_blocks.0.upsamplers.0.conv.weight", "up.1.upsample.conv.weight");
        m.put("up_blocks.1.resnets.2.conv_shortcut.bias", "up.0.block.2.nin_shortcut.bias");
        m.put("down_blocks.0.resnets.0.time_emb_proj.weight", "down.0.block.0.temb_proj.weight");
        m.put("mid_block.resnets.1.norm2.weight", "mid.block_2.norm2.weight");
        m.forEach((d, e) -> assertEquals(e, DiffusersKeys.toDdim(d, 2), d));
    }
}
