package org.timetuner4j.io.convert;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.nn.Parameter;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.tensor.Shape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A diffusers UNet2DModel folder with num_class_embeds converts to a class-conditional engine model. */
class DiffusersClassConditionalTest {
    @TempDir Path tmp;

    @Test void classEmbeddingBecomesTheLabelEmbedding() throws Exception {
        UNetConfig cfg = new UNetConfig(32, 1, new int[] {1, 2}, 1, new int[] {4}, 0, 1, 8, true, 3);
        UNet unet = new UNet(CpuBackend.INSTANCE, cfg);
        unet.initialize(9);
        Map<String, TensorData> diffusers = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : unet.namedParameters().entrySet())
            diffusers.put(DiffusersKeys.toDiffusers(e.getKey(), cfg.numLevels(), false),
                    new TensorData("F32", e.getValue().shape().dims(), e.getValue().value().toArray()));
        Path folder = Files.createDirectories(tmp.resolve("unet"));
        Safetensors.write(folder.resolve("diffusion_pytorch_model.safetensors"), diffusers, Map.of(), "F32");
        Files.writeString(folder.resolve("config.json"), """
                {"_class_name": "UNet2DModel", "act_fn": "silu", "attention_head_dim": null, "block_out_channels": [32, 64],
                 "center_input_sample": false, "down_block_types": ["DownBlock2D", "AttnDownBlock2D"], "downsample_padding": 0,
                 "flip_sin_to_cos": false, "freq_shift": 1, "in_channels": 1, "layers_per_block": 1, "mid_block_scale_factor": 1,
                 "norm_eps": 1e-06, "norm_num_groups": 32, "out_channels": 1, "sample_size": 8, "time_embedding_type": "positional",
                 "up_block_types": ["AttnUpBlock2D", "UpBlock2D"], "num_class_embeds": 4}""");
        Path out = tmp.resolve("model.safetensors");
        CheckpointConverter.convert(new CheckpointConverter.Options(folder, out, CheckpointConverter.Layout.AUTO, null, false, "f32", 0, false));

        UNet converted = ModelFile.load(out, CpuBackend.INSTANCE, 0).unet();
        assertEquals(3, converted.config().numClasses());
        var be = CpuBackend.INSTANCE;
        var x = be.randn(Shape.of(2, 1, 8, 8), 1, 0);
        var t = be.fromHost(new float[] {10, 500}, Shape.of(2));
        int[] labels = {2, 3};  // a class and the null label
        assertArrayEquals(unet.forward(x, t, labels).toArray(), converted.forward(x, t, labels).toArray());
    }
}
