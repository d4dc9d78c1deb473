package org.timetuner4j.bench;

import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.ModelInfo;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNetConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a model file holding a randomly initialised UNet (PyTorch's default init distribution,
 * DDPM schedule, noise prediction), so that {@code sample} and {@code tune} can run end to end
 * on a machine that has no trained weights. Not a benchmark; lives here because only the
 * benchmark tooling needs it.
 *
 * <pre>java -cp … org.timetuner4j.bench.RandomModel bench/configs/mnist.json /tmp/mnist-random.safetensors [seed]</pre>
 */
public final class RandomModel {
    private RandomModel() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: RandomModel CONFIG.json OUT.safetensors [seed]");
            System.exit(2);
        }
        UNetConfig cfg = UNetConfigJson.fromJson(Files.readString(Path.of(args[0])));
        long seed = args.length == 3 ? Long.parseLong(args[2]) : 1234;
        UNet unet = new UNet(CpuBackend.INSTANCE, cfg);
        unet.initialize(seed);
        ModelFile.save(Path.of(args[1]), unet, ModelInfo.ddpmDefaults(cfg), "F32");
        System.out.println("wrote " + args[1] + " (random UNet from " + args[0] + ", seed " + seed + ")");
    }
}
