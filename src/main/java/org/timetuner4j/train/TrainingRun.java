package org.timetuner4j.train;

import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.ModelInfo;
import org.timetuner4j.nn.UNet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Drives a {@link DiffusionTrainer} to a step count, and while it runs: a checkpoint every few
 * minutes (and at the end) together with the EMA model file and the loss chart, and a preview
 * grid every {@code previewEvery} steps. Outputs:
 * <ul>
 *   <li>{@code MODEL} — the EMA weights in the engine's model format;</li>
 *   <li>{@code MODEL.ckpt} — the training state, for {@code --resume};</li>
 *   <li>{@code MODEL-progress/loss.png} and {@code MODEL-progress/step-NNNNNN.png}.</li>
 * </ul>
 */
public final class TrainingRun {
    /** Told after every step and whenever something is written. */
    public interface Listener {
        void step(long step, long total, double loss, double imagesPerSecond);

        void wrote(String what);
    }

    private final DiffusionTrainer trainer;
    private final Path model, checkpoint, progressDir;
    private final int previewEvery;
    private final double checkpointSeconds;
    private double trainingSeconds;

    public TrainingRun(DiffusionTrainer trainer, Path model, int previewEvery, double checkpointSeconds, double priorSeconds) {
        this.trainer = trainer;
        this.model = model.toAbsolutePath();
        this.checkpoint = checkpointOf(model);
        this.progressDir = this.model.resolveSibling(stem(this.model) + "-progress");
        this.previewEvery = previewEvery;
        this.checkpointSeconds = checkpointSeconds;
        this.trainingSeconds = priorSeconds;
    }

    public static Path checkpointOf(Path model) {
        Path abs = model.toAbsolutePath();
        return abs.resolveSibling(abs.getFileName() + ".ckpt");
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".safetensors") ? n.substring(0, n.length() - ".safetensors".length()) : n;
    }

    public Path progressDir() { return progressDir; }

    public void run(long totalSteps, Listener listener) throws IOException {
        long lastSave = System.nanoTime();
        double smoothed = Double.NaN;
        while (trainer.step() < totalSteps) {
            long t0 = System.nanoTime();
            double loss = trainer.trainStep();
            long t1 = System.nanoTime();
            trainingSeconds += (t1 - t0) / 1e9;
            smoothed = Double.isNaN(smoothed) ? loss : 0.98 * smoothed + 0.02 * loss;
            if (listener != null)
                listener.step(trainer.step(), totalSteps, smoothed, trainer.settings().batch() / ((t1 - t0) / 1e9));
            boolean last = trainer.step() == totalSteps;
            if (last || (t1 - lastSave) / 1e9 >= checkpointSeconds) {
                save(listener);
                lastSave = System.nanoTime();
            }
            if (previewEvery > 0 && (trainer.step() % previewEvery == 0 || last)) {
                Path png = progressDir.resolve(String.format("step-%06d.png", trainer.step()));
                try (UNet ema = trainer.emaNetwork()) {
                    PreviewGrid.write(ema, png);
                }
                if (listener != null) listener.wrote(png.toString());
            }
        }
    }

    /** Writes the checkpoint, the EMA model file and the loss chart. */
    public void save(Listener listener) throws IOException {
        trainer.snapshot(trainingSeconds).write(checkpoint);
        Path tmp = model.resolveSibling(model.getFileName() + ".tmp");
        try (UNet ema = trainer.emaNetwork()) {
            ModelFile.save(tmp, ema, ModelInfo.ddpmDefaults(trainer.config()), "F32");
        }
        Files.move(tmp, model, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LossChart.write(trainer.losses(), progressDir.resolve("loss.png"));
        if (listener != null) listener.wrote(checkpoint + " (step " + trainer.step() + "), " + model);
    }
}
