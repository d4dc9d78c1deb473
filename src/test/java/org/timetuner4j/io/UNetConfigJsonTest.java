package org.timetuner4j.io;

import org.junit.jupiter.api.Test;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNetConfig;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.timetuner4j.testing.ConfigChecks.bad;
import static org.timetuner4j.testing.ConfigChecks.withDropout;

class UNetConfigJsonTest {


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
}
