package org.timetuner4j.io.convert;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.timetuner4j.io.layout.DdimLayout;
import org.timetuner4j.nn.UNetConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** diffusers config.json → UNetConfig, with diffusers' defaults, and refusals for networks the engine does not run. */
class DiffusersConfigTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/checkpoints/diffusers/config.json");

    /** google/ddpm-cifar10-32's config.json as the spec reconstructs it (§2.2). */
    static final String CIFAR10 = """
            {
              "_class_name": "UNet2DModel",
              "_diffusers_version": "0.0.4",
              "act_fn": "silu",
              "attention_head_dim": null,
              "block_out_channels": [128, 256, 256, 256],
              "center_input_sample": false,
              "down_block_types": ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
              "downsample_padding": 0,
              "flip_sin_to_cos": false,
              "freq_shift": 1,
              "in_channels": 3,
              "layers_per_block": 2,
              "mid_block_scale_factor": 1,
              "norm_eps": 1e-06,
              "norm_num_groups": 32,
              "out_channels": 3,
              "sample_size": 32,
              "time_embedding_type": "positional",
              "up_block_types": ["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"]
            }""";

    static JsonObject json(String s) {
        return JsonParser.parseString(s).getAsJsonObject();
    }

    static JsonObject cifar() {
        return json(CIFAR10);
    }

    static String refusal(JsonObject o) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DiffusersConfig.parse(o, "config.json", 0));
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(e.getMessage().startsWith("config.json"), e.getMessage());
        return e.getMessage();
    }

    @Test void googleCifar10ConfigIsDdimsCifar10Model() {
        DiffusersConfig.Result r = DiffusersConfig.parse(cifar(), "config.json", 0);
        UNetConfig c = r.config();
        UNetConfig ddim = UNetConfig.cifar10();
        assertEquals(ddim.ch(), c.ch());
        assertArrayEquals(ddim.chMult(), c.chMult());
        assertEquals(ddim.numResBlocks(), c.numResBlocks());
        assertArrayEquals(ddim.attnResolutions(), c.attnResolutions());
        assertEquals(32, c.resolution());
        assertEquals(DdimLayout.expectedShapes(ddim).keySet(), DdimLayout.expectedShapes(c).keySet());
        assertEquals(35_746_307L, DdimLayout.parameterCount(c));
        assertTrue(r.notes().isEmpty(), r.notes().toString());
    }

    @Test void fixtureConfigWithEveryModernField() throws IOException {
        DiffusersConfig.Result r = DiffusersConfig.parse(json(Files.readString(FIXTURE)), "config.json", 0);
        UNetConfig c = r.config();
        assertEquals(32, c.ch());
        assertArrayEquals(new int[] {1, 2}, c.chMult());
        assertArrayEquals(new int[] {8}, c.attnResolutions());
        assertEquals(8, c.resolution());
        assertTrue(r.notes().isEmpty(), r.notes().toString());
    }

    @Test void missingFieldsTakeDiffusersDefaultsAndThoseAreRefusedWhenTheyChangeTheNetwork() {
        String[][] cases = {
                {"flip_sin_to_cos", "is missing, so diffusers uses its default true"},
                {"freq_shift", "default 0"},
                {"downsample_padding", "default 1"},
                {"norm_eps", "default 1.0E-5"},
                {"attention_head_dim", "= 8 (diffusers' default when the field is missing) gives 32 heads at 256 channels"},
        };
        for (String[] c : cases) {
            JsonObject o = cifar();
            o.remove(c[0]);
            String m = refusal(o);
            assertTrue(m.contains(c[0]) && m.contains(c[1]), m);
        }
        // fields whose defaults are the DDPM values may be missing
        JsonObject o = cifar();
        for (String f : new String[] {"act_fn", "center_input_sample", "mid_block_scale_factor", "norm_num_groups", "time_embedding_type",
                "_class_name", "_diffusers_version"}) {
            o.remove(f);
        }
        assertEquals(128, DiffusersConfig.parse(o, "config.json", 0).config().ch());
    }

    @Test void numClassEmbedsIsClassesPlusTheNullLabel() {
        JsonObject o = cifar();
        o.addProperty("num_class_embeds", 11);
        UNetConfig c = DiffusersConfig.parse(o, "config.json", 0).config();
        assertEquals(10, c.numClasses());
        assertArrayEquals(new int[] {11, 512}, DdimLayout.expectedShapes(c).get("label_emb.weight"));
    }

    @Test void everyFieldThatChangesTheNetworkIsNamed() {
        Object[][] cases = {
                {"norm_eps", 1e-5, "norm_eps = 1.0E-5 but the engine's DDPM UNet needs 1e-6"},
                {"flip_sin_to_cos", true, "flip_sin_to_cos = true"},
                {"freq_shift", 0, "freq_shift = 0"},
                {"downsample_padding", 1, "downsample_padding = 1"},
                {"act_fn", "gelu", "act_fn = \"gelu\""},
                {"norm_num_groups", 16, "norm_num_groups = 16"},
                {"attn_norm_num_groups", 8, "attn_norm_num_groups = 8"},
                {"center_input_sample", true, "center_input_sample = true"},
                {"time_embedding_type", "fourier", "time_embedding_type"},
                {"mid_block_scale_factor", 1.414, "mid_block_scale_factor"},
                {"resnet_time_scale_shift", "scale_shift", "resnet_time_scale_shift"},
                {"class_embed_type", "timestep", "class_embed_type"},
                {"num_class_embeds", 1, "num_class_embeds = 1"},
                {"downsample_type", "resnet", "downsample_type"},
                {"upsample_type", "resnet", "upsample_type"},
                {"add_attention", false, "add_attention"},
                {"attention_head_dim", 64, "attention_head_dim = 64 gives 4 heads at 256 channels"},
                {"time_embedding_dim", 256, "time_embedding_dim = 256"},
                {"_class_name", "UNet2DConditionModel", "UNet2DConditionModel, not a UNet2DModel"},
        };
        for (Object[] c : cases) {
            JsonObject o = cifar();
            if (c[1] instanceof Number n) o.addProperty((String) c[0], n);
            else if (c[1] instanceof Boolean b) o.addProperty((String) c[0], b);
            else o.addProperty((String) c[0], (String) c[1]);
            String m = refusal(o);
            assertTrue(m.contains((String) c[2]), "expected '" + c[2] + "' in: " + m);
        }
    }

    @Test void blockStructureMustBeADdpmUNet() {
        JsonObject o = cifar();
        o.add("down_block_types", JsonParser.parseString("[\"DownBlock2D\", \"CrossAttnDownBlock2D\", \"DownBlock2D\", \"DownBlock2D\"]"));
        assertTrue(refusal(o).contains("CrossAttnDownBlock2D"));
        o = cifar();
        o.add("up_block_types", JsonParser.parseString("[\"UpBlock2D\", \"AttnUpBlock2D\", \"UpBlock2D\", \"UpBlock2D\"]"));
        assertTrue(refusal(o).contains("both paths"));
        o = cifar();
        o.add("block_out_channels", JsonParser.parseString("[128, 192, 256, 256]"));
        assertTrue(refusal(o).contains("not a multiple of the first"));
        o = cifar();
        o.add("block_out_channels", JsonParser.parseString("[128, 256]"));
        assertTrue(refusal(o).contains("must agree"));
        o = cifar();
        o.add("sample_size", JsonParser.parseString("[32, 64]"));
        assertTrue(refusal(o).contains("square"));
        o = cifar();
        o.addProperty("sample_size", 30);
        assertTrue(refusal(o).contains("halve"));
    }

    @Test void attentionHeadDimEqualToTheChannelsIsOneHead() {
        JsonObject o = json(CIFAR10.replace("[128, 256, 256, 256]", "[256, 256, 256, 256]"));
        o.addProperty("attention_head_dim", 256);
        assertEquals(256, DiffusersConfig.parse(o, "config.json", 0).config().ch());
    }

    @Test void sampleSizeAndResolutionFallback() {
        JsonObject o = cifar();
        o.add("sample_size", JsonParser.parseString("[32, 32]"));
        assertEquals(32, DiffusersConfig.parse(o, "config.json", 0).config().resolution());
        o.remove("sample_size");
        assertTrue(refusal(o).contains("--resolution"));
        assertEquals(64, DiffusersConfig.parse(o, "config.json", 64).config().resolution());
    }

    @Test void unknownAndTrainingOnlyFieldsAreNotes() {
        JsonObject o = cifar();
        o.addProperty("some_future_field", 3);
        o.addProperty("num_train_timesteps", 1000);
        o.addProperty("_name_or_path", "google/ddpm-cifar10-32");
        o.addProperty("dropout", 0.1);
        DiffusersConfig.Result r = DiffusersConfig.parse(o, "config.json", 0);
        assertEquals(2, r.notes().size(), r.notes().toString());
        assertTrue(r.notes().get(0).contains("some_future_field"));
        assertEquals(0.1, r.config().dropout());
    }
}
