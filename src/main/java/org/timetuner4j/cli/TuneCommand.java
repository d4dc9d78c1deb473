package org.timetuner4j.cli;

import me.tongfei.progressbar.ProgressBar;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.data.DataSet;
import org.timetuner4j.data.DataSets;
import org.timetuner4j.diffusion.DiffusionModels;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.metrics.TuningLossChart;
import org.timetuner4j.tuner.TimeTuner;
import org.timetuner4j.diffusion.sampling.TunedSchedule;
import org.timetuner4j.tuner.TunerCheckpoint;
import org.timetuner4j.tuner.TunerObjective;
import org.timetuner4j.tuner.TunerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Learns the tuned times τ = r·t of a solver (TimeTuner) and writes the τ file. */
@Command(name = "tune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Learn TimeTuner's ratios r (the network sees τ = r·t) for a solver, NFE and trajectory.",
                "Per interval: one solver step from x_t with the network at r·t; loss = batch mean of",
                "Σ (ε(x_t, t) − ε(x_next, t_next))²; Adam on r (init 1); the last interval keeps r = 1.",
                "A checkpoint (OUT.ckpt) after every interval and every 50 iterations; --resume continues it.",
                ""})
final class TuneCommand implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "M.safetensors|gaussian:…", description = "Model file or gaussian:… spec.")
    String model;

    @Option(names = "--data", required = true, paramLabel = "D",
            description = "Training images: a folder of PNGs, a .safetensors tensor 'images' [N,C,H,W] (floats in [-1,1] or U8 pixels), or gaussian:…. A finite set is cycled in reshuffled epochs of full batches.")
    String data;

    @Option(names = "--solver", defaultValue = "ddim", description = "ddim, ddpm, dpm-solver-2, dpm-solver++2m or heun (default: ${DEFAULT-VALUE}).")
    String solver;

    @Option(names = "--nfe", defaultValue = "10", description = "Network evaluations per sample (default: ${DEFAULT-VALUE}).")
    int nfe;

    @Option(names = "--trajectory", description = "official, uniform, quadratic, logsnr or edm (default: as for sample).")
    String trajectory;

    @Option(names = "--eta", description = "DDIM η (default: 0). Other solvers have a fixed η (ddpm 1, the rest 0) and refuse other values.")
    Double eta;

    @Option(names = "--mode", defaultValue = "sequential", description = "sequential (roll out the tuned steps) or parallel (noise the data to t_i) (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--slots", defaultValue = "tied", description = "tied (one ratio per step, official) or per-call (one per network call) (default: ${DEFAULT-VALUE}).")
    String slots;

    @Option(names = "--lr", defaultValue = "2e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--iters", defaultValue = "500", description = "Batches per interval (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of data order and noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = "tuned.json", description = "τ file to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--resume", description = "Continue the run whose checkpoint is OUT.ckpt.")
    boolean resume;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Override public Integer call() throws Exception {
        common.apply();
        double etaValue = EtaOption.check(solver, eta);
        Path ckpt = out.resolveSibling(out.getFileName() + ".ckpt");
        OutputFiles.checkWritable(out, "--out");
        OutputFiles.checkWritable(ckpt, "--out's checkpoint");
        OutputFiles.checkWritable(lossChartPath(out), "--out's loss chart");
        Backend be = Devices.select(device);
        TunerObjective.Mode m = switch (mode) {
            case "sequential" -> TunerObjective.Mode.SEQUENTIAL;
            case "parallel" -> TunerObjective.Mode.PARALLEL;
            default -> throw new IllegalArgumentException("--mode must be sequential or parallel, got '" + mode + "'");
        };
        if (!slots.equals("tied") && !slots.equals("per-call"))
            throw new IllegalArgumentException("--slots must be tied or per-call, got '" + slots + "'");
        Trajectory traj = trajectory == null ? Sampler.defaultTrajectory(solver) : Trajectory.of(trajectory);
        WarmUp.beforeLoading(be, model, true);
        NoisePredictor predictor = DiffusionModels.open(model, be);
        DataSet train = DataSets.open(data, predictor.sampleShape());
        String sha = model.startsWith("gaussian:") ? null : TimeTuner.sha256(Path.of(model));
        TunerSettings settings = new TunerSettings(model, sha, data, solver, etaValue, nfe, traj.id(), m, slots.equals("per-call"),
                lr, iters, batch, seed);
        TimeTuner tuner = new TimeTuner(predictor, train, settings, be);
        if (tuner.plan().intervals() < 2)
            throw new IllegalArgumentException(solver + " at NFE " + nfe + " on the " + traj.id() + " trajectory makes one step, and the last"
                    + " step is never tuned: nothing to tune (use a larger --nfe)");
        TuneProgress progress = new TuneProgress(tuner.plan().intervals() - 1, iters);
        long start = 0;
        if (resume && Files.exists(ckpt)) {
            TunerCheckpoint c = TunerCheckpoint.read(ckpt);
            start = progress.done(c.interval(), c.iteration());
        }
        TunedSchedule result;
        String interrupted = "interrupted: " + ckpt + " keeps the iterations done; the same command with --resume continues from there";
        try (ProgressLine line = new ProgressLine(System.err, interrupted);  // closed after the bar: see ProgressLine
             ProgressBar bar = line.bar("tuning", progress.total(), 250)
                .startsFrom(start, Duration.ZERO).build()) {   // the time estimate counts only this run's iterations
            bar.refresh();   // drawn now, not after the first iteration
            int width = line.getMaxRenderedLength();
            result = tuner.run(ckpt, resume, (i, n, it, its, loss, r) -> {
                bar.stepTo(progress.done(i, it + 1));
                bar.setExtraMessage(progress.message(i, it, loss, r, width));
            });
        }
        result.write(out);
        Path chart = lossChartPath(out);
        TuningLossChart.write(tuner.lossHistory(), Math.max(1, iters / 20),
                "TimeTuner loss: " + solver + ", NFE " + nfe + ", " + traj.id() + ", " + mode, chart);
        Files.deleteIfExists(ckpt);
        StringBuilder sb = new StringBuilder();
        double[][] r = result.ratios();
        for (double[] ri : r) sb.append(ri.length == 1 ? String.format(Locale.ROOT, "%.4f", ri[0]) : java.util.Arrays.toString(ri)).append(' ');
        System.err.println("ratios: " + sb.toString().trim());
        System.err.println("wrote " + out + " and " + chart);
        return 0;
    }

    /** tuned.json → tuned-loss.png, beside it. */
    static Path lossChartPath(Path out) {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return out.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + "-loss.png");
    }
}
