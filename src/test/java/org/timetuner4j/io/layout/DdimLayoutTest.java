package org.timetuner4j.io.layout;

import org.junit.jupiter.api.Test;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.io.layout.DdimLayout;
import org.timetuner4j.io.layout.DdimShapeCheck;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DdimLayoutTest {

    private static long count(Map<String, int[]> shapes) {
        long n = 0;
        for (int[] s : shapes.values()) n += Arrays.stream(s).asLongStream().reduce(1, (a, b) -> a * b);
        return n;
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
    void resampWithoutConvHasNoResampleKeys() {
        UNetConfig c = new UNetConfig(32, 1, new int[] {1, 2}, 1, new int[] {8}, 0, 1, 16, false).validate();
        Map<String, int[]> s = DdimLayout.expectedShapes(c);
        assertTrue(s.keySet().stream().noneMatch(k -> k.contains("sample")));
        assertTrue(s.containsKey("up.1.attn.1.q.weight"));     // level 1 is 8x8
        assertFalse(s.containsKey("up.0.attn.0.q.weight"));
    }
}
