package org.timetuner4j.cli;

import org.timetuner4j.io.convert.CheckpointConverter;
import org.timetuner4j.io.convert.CheckpointMismatchException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Checkpoint in, engine model file out. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Convert a PyTorch, safetensors or diffusers checkpoint into an engine model file.",
                "The output is safetensors with ddim key names and the UNet config in the metadata.",
                "Reads torch.save files (.pth .pt .ckpt .bin; zip and legacy formats),",
                ".safetensors, and diffusers folders (config.json +",
                "diffusion_pytorch_model.{safetensors,bin}). Finds the weights in a bare",
                "state dict, {'state_dict': ...}, or ddim's [model, optimizer, epoch,",
                "step, ema] list, and strips 'module.' prefixes. Pickles are read by a",
                "whitelist unpickler that only builds tensors and plain containers."})
final class ConvertCommand implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--in", required = true, paramLabel = "CKPT", description = "Checkpoint file or diffusers folder.")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "M.safetensors", description = "Model file to write.")
    Path out;

    @Option(names = "--layout", paramLabel = "auto|ddim|diffusers", defaultValue = "auto",
            description = "Key names of the checkpoint (default: ${DEFAULT-VALUE}, detected).")
    String layout;

    @Option(names = "--config", paramLabel = "JSON",
            description = "UNet config: a JSON file with ddim's names, a diffusers config.json, or inline JSON."
                    + " Default: diffusers' config.json next to the weights, else inferred from the weights.")
    String config;

    @Option(names = "--ema", description = "Take the EMA weights of a checkpoint that holds both (ddim's training list).")
    boolean ema;

    @Option(names = "--dtype", paramLabel = "f32|f16|bf16", defaultValue = "f32",
            description = "Storage type of the output (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--resolution", paramLabel = "N",
            description = "Image size, needed when the config is inferred from the weights (they cannot tell it).")
    Integer resolution;

    @Option(names = "--scheduler", paramLabel = "JSON",
            description = "A diffusers scheduler_config.json giving the training schedule and prediction type "
                    + "(default: the one in the pipeline's scheduler/ folder, if any; otherwise DDPM's linear schedule, noise prediction).")
    Path scheduler;

    @Option(names = "--allow-missing",
            description = "Convert despite missing keys (zero-filled) or unexpected keys (dropped); print them as warnings.")
    boolean allowMissing;

    @Override public Integer call() throws Exception {
        common.apply();
        if (resolution != null && resolution <= 0) throw new IllegalArgumentException("--resolution must be positive, got " + resolution);
        OutputFiles.checkWritable(out, "--out");
        CheckpointConverter.Options options = new CheckpointConverter.Options(in, out, CheckpointConverter.Layout.parse(layout),
                config, ema, dtype, resolution == null ? 0 : resolution, allowMissing, scheduler);
        CheckpointConverter.Report report;
        try {
            report = CheckpointConverter.convert(options);
        } catch (CheckpointMismatchException e) {
            List<String> details = e.details();
            int shown = Math.min(details.size(), 40);
            for (int i = 0; i < shown; i++) System.err.println("  " + details.get(i));
            if (details.size() > shown) System.err.println("  ... and " + (details.size() - shown) + " more");
            throw e;
        }
        for (String w : report.warnings()) System.err.println("warning: " + w);
        System.out.print(report.summary());
        return 0;
    }
}
