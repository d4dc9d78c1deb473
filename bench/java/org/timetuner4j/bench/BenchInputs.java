package org.timetuner4j.bench;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The inputs of one forward for a {@code model} parameter "CONFIG:BATCH": the config from
 * bench/configs/CONFIG.json, x = randn(seed 1, offset 0) [B,C,H,W] and t_i = (397 i) mod 1000,
 * exactly what {@link UNetForwardBenchmark} feeds ours, as host arrays for the other engines.
 */
record BenchInputs(String config, UNetConfig unetConfig, float[] x, long[] xShape, float[] t) {

    static BenchInputs of(String model) throws IOException {
        String[] parts = model.split(":");
        if (parts.length != 2) throw new BenchDevice.Unavailable("model must be CONFIG:BATCH, got '" + model + "'");
        UNetConfig cfg = UNetConfigJson.fromJson(Files.readString(Path.of("bench/configs", parts[0] + ".json")));
        int batch = Integer.parseInt(parts[1]);
        Shape shape = Shape.of(batch, cfg.inChannels(), cfg.resolution(), cfg.resolution());
        float[] x;
        try (Tensor xt = CpuBackend.INSTANCE.randn(shape, 1, 0)) {
            x = xt.toArray();
        }
        long[] xShape = {batch, cfg.inChannels(), cfg.resolution(), cfg.resolution()};
        return new BenchInputs(parts[0], cfg, x, xShape, timesteps(batch));
    }

    /** The benchmark's network on {@code backend}: random weights of seed 1234 (RandomModel's default), inference mode. */
    UNet unet(Backend backend) {
        UNet unet = new UNet(backend, unetConfig);
        unet.initialize(1234);
        unet.train(false);
        return unet;
    }

    /** x as a tensor of our CPU backend. */
    Tensor xTensor() {
        return CpuBackend.INSTANCE.fromHost(x, Shape.of(java.util.Arrays.stream(xShape).mapToInt(Math::toIntExact).toArray()));
    }

    /** t as a tensor of our CPU backend. */
    Tensor tTensor() {
        return CpuBackend.INSTANCE.fromHost(t, Shape.of(t.length));
    }

    static float[] timesteps(int batch) {
        float[] t = new float[batch];
        for (int i = 0; i < batch; i++) t[i] = (i * 397) % 1000;
        return t;
    }
}
