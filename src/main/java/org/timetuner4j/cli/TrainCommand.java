package org.timetuner4j.cli;

import me.tongfei.progressbar.ProgressBar;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.io.layout.DdimLayout;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.train.DiffusionTrainer;
import org.timetuner4j.train.RunLock;
import org.timetuner4j.train.TrainCheckpoint;
import org.timetuner4j.train.TrainSettings;
import org.timetuner4j.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Trains a DDPM UNet on a data set and writes its EMA weights as a model file. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a DDPM UNet (noise prediction, linear beta 1e-4..0.02, 1000 steps) on a data set.",
                "Adam with linear warm-up, gradient clipping, an EMA of the weights (the model written),",
                "label dropout for classifier-free guidance when the network is class-conditional.",
                "Writes OUT (EMA weights), OUT.ckpt (state for --resume, every few minutes and at the end)",
                "and OUT-progress/ (loss.png, a sample grid every --preview-every steps).",
                ""})
final class TrainCommand implements Callable<Integer> {
    /** The shipped digits model: 28×28, class-conditional. */
    static final String DIGITS_CONFIG = "{\"ch\": 32, \"out_ch\": 1, \"ch_mult\": [1, 2, 2], \"num_res_blocks\": 1, "
            + "\"attn_resolutions\": [7], \"dropout\": 0.0, \"in_channels\": 1, \"resolution\": 28, "
            + "\"resamp_with_conv\": true, \"num_classes\": 10}";

    @Mixin CommonOptions common;

    @Option(names = "--data", required = true, paramLabel = "D.safetensors",
            description = "Images [N,C,H,W] (U8 0..255 or floats in [-1,1]) and optional labels [N], e.g. data/mnist-train.safetensors.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "M.safetensors", description = "Model file to write (EMA weights).")
    Path out;

    @Option(names = "--config", paramLabel = "JSON|FILE",
            description = "UNet config (ddim names, plus num_classes); default: the digits model " + DIGITS_CONFIG)
    String config;

    @Option(names = "--steps", defaultValue = "10000", description = "Train until this many steps in all (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch", defaultValue = "64", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "200", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient norm clip, 0 = off (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--ema", defaultValue = "0.999", description = "EMA decay (default: ${DEFAULT-VALUE}).")
    double ema;

    @Option(names = "--label-dropout", defaultValue = "0.1", description = "Probability of training on the null label (default: ${DEFAULT-VALUE}).")
    double labelDropout;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-minutes", defaultValue = "5", description = "Minutes between checkpoints (default: ${DEFAULT-VALUE}).")
    double checkpointMinutes;

    @Option(names = "--preview-every", defaultValue = "500", description = "Steps between sample grids, 0 = none (default: ${DEFAULT-VALUE}).")
    int previewEvery;

    @Option(names = "--resume", description = "Continue the run whose checkpoint is OUT.ckpt.")
    boolean resume;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Override public Integer call() throws Exception {
        common.apply();
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (!(checkpointMinutes > 0)) throw new IllegalArgumentException("--checkpoint-minutes must be > 0, got " + checkpointMinutes);
        if (previewEvery < 0) throw new IllegalArgumentException("--preview-every must be >= 0, got " + previewEvery);
        TrainSettings settings = new TrainSettings(batch, lr, warmup, clip, ema, labelDropout, seed);
        ImageSet images = ImageSet.read(data);
        if (config != null) readConfig(config);
        // Outputs last: checking them makes their folder, which a refused run should not leave behind.
        OutputFiles.checkWritable(out, "--out");
        OutputFiles.checkWritable(TrainingRun.checkpointOf(out), "--out's checkpoint");
        Backend be = Devices.select(device);
        try (RunLock lock = RunLock.acquire(out)) {
            Path ckptPath = TrainingRun.checkpointOf(out);
            DiffusionTrainer trainer;
            double prior = 0;
            if (resume) {
                TrainCheckpoint ckpt = TrainCheckpoint.read(ckptPath);
                if (config != null && !readConfig(config).equals(ckpt.config()))
                    throw new IllegalArgumentException("--resume: --config differs from the checkpoint's " + UNetConfigJson.toJson(ckpt.config()));
                trainer = DiffusionTrainer.resume(ckpt, images, settings, be);
                prior = ckpt.trainingSeconds();
            } else {
                if (Files.exists(ckptPath))
                    throw new IllegalArgumentException(ckptPath + " exists: continue it with --resume, or delete it to start over");
                trainer = DiffusionTrainer.start(readConfig(config == null ? DIGITS_CONFIG : config), images, settings, be);
            }
            System.err.printf(Locale.ROOT, "training %s: %,d parameters, %d images, %d steps per epoch, from step %d to %d%n",
                    out.getFileName(), DdimLayout.parameterCount(trainer.config()), images.size(), trainer.stepsPerEpoch(), trainer.step(), steps);
            TrainingRun run = new TrainingRun(trainer, out, previewEvery, checkpointMinutes * 60, prior);
            try (ProgressLine line = new ProgressLine(System.err);  // closed after the bar: see ProgressLine
                 ProgressBar bar = line.bar("training", steps, 500).startsFrom(trainer.step(), java.time.Duration.ZERO).build()) {
                run.run(steps, new TrainingRun.Listener() {
                    @Override public void step(long step, long total, double loss, double imagesPerSecond) {
                        bar.stepTo(step);
                        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f  %.1f img/s", loss, imagesPerSecond));
                    }

                    @Override public void wrote(String what) {
                        // shown with the bar's next frame; the full list is in the progress folder
                        bar.setExtraMessage("wrote " + Path.of(what.split(" ")[0]).getFileName());
                    }
                });
            }
            System.err.println("wrote " + out + ", " + ckptPath + " and " + run.progressDir());
        }
        return 0;
    }

    private static UNetConfig readConfig(String spec) throws java.io.IOException {
        String json = spec.trim().startsWith("{") ? spec : Files.readString(Path.of(spec));
        return UNetConfigJson.fromJson(json);
    }
}
