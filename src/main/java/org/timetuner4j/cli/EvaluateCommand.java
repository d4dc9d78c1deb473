package org.timetuner4j.cli;

import me.tongfei.progressbar.ProgressBar;
import org.timetuner4j.UserError;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.diffusion.DiffusionModels;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.metrics.DigitJudge;
import org.timetuner4j.metrics.FeatureStatistics;
import org.timetuner4j.metrics.FrechetDistance;
import org.timetuner4j.metrics.ReferenceFlow;
import org.timetuner4j.metrics.TrajectoryError;
import org.timetuner4j.io.DigitClassifierFile;
import org.timetuner4j.nn.DigitClassifier;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tuner.TimeTuner;
import org.timetuner4j.diffusion.sampling.TunedSchedule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Trajectory error and Fréchet distance of sampler settings, baseline and tuned, as a table, a CSV and charts. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure sampler settings (baseline and tuned) by trajectory error and Fréchet distance.",
                "Every setting starts from the same x_T (--seed):",
                "  trajectory error  mean L2 distance per sample (all pixels) between the state",
                "                    after each step and the probability-flow ODE solution from",
                "                    the same x_T (--reference-steps DPM-Solver++(2M) steps)",
                "  Fréchet distance  samples vs the held-out digits, in the digit classifier's",
                "                    128-d features; the real-vs-real floor is printed too",
                "A class-conditional model samples unconditionally (the null label).",
                "SPEC = " + EvaluationSetting.FORMAT + ", e.g. ddim:5,",
                "       dpm-solver-2:6:logsnr, ddim:5:official:tau=t.json", ""})
final class EvaluateCommand implements Callable<Integer> {
    static final String HELDOUT = "data/mnist-heldout.safetensors";
    static final String TRAINING = "data/mnist-train.safetensors";
    /** Images per classifier call (its features are cheap next to the sampling). */
    static final int CLASSIFIER_BATCH = 250;
    /** 100 times the default: the reference is already converged far below that (TrajectoryErrorTest). */
    static final int MAX_REFERENCE_STEPS = 100_000;
    /** Below this many samples the Fréchet distance's bias is large against the differences between settings. */
    static final int FEW_SAMPLES = 1000;

    @Mixin CommonOptions common;

    @Option(names = "--model", paramLabel = "M.safetensors",
            description = "Model file (default: the shipped digits model, " + ShippedModel.RELATIVE + ").")
    String model;

    @Option(names = "--setting", paramLabel = "SPEC", description = "A sampler setting (repeatable): " + EvaluationSetting.FORMAT + ".")
    List<String> settingSpecs = new ArrayList<>();

    @Option(names = "--settings", paramLabel = "FILE",
            description = "A text file of settings, one SPEC a line (# comments; τ paths relative to the file).")
    Path settingsFile;

    @Option(names = "--count", paramLabel = "N", defaultValue = "2000", description = "Samples per setting for the Fréchet distance (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--trajectory-count", paramLabel = "N", defaultValue = "64", description = "Samples for the trajectory error (default: ${DEFAULT-VALUE}).")
    int trajectoryCount;

    @Option(names = "--reference-steps", paramLabel = "N", defaultValue = "" + ReferenceFlow.DEFAULT_STEPS,
            description = "Steps of the reference ODE solution (default: ${DEFAULT-VALUE}).")
    int referenceSteps;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "Samples per network call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of x_T and of the noise, the same for every setting (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--heldout", paramLabel = "D.safetensors", description = "Real digits the samples are compared with (default: " + HELDOUT + ").")
    Path heldout;

    @Option(names = "--real", paramLabel = "D.safetensors",
            description = "Training digits for the real-vs-real floor: --count of them against --heldout (default: " + TRAINING + " when present).")
    Path real;

    @Option(names = "--classifier", paramLabel = "C.safetensors", description = "Digit classifier (default: " + ShippedModel.CLASSIFIER + ").")
    Path classifier;

    @Option(names = "--allow-other-model", description = "Accept τ files tuned for another model (another file, or another gaussian: spec).")
    boolean allowOtherModel;

    @Option(names = "--out-dir", paramLabel = "DIR", defaultValue = "evaluate", description = "Receives evaluate.csv, trajectory-error.png, frechet.png (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String device;

    /** A setting ready to run, and what was measured. */
    private static final class Run {
        final EvaluationSetting setting;
        final Sampler sampler;
        TunedSchedule tau;
        TrajectoryError.Result trajectory;
        double frechet;

        Run(EvaluationSetting setting, Sampler sampler) {
            this.setting = setting;
            this.sampler = sampler;
        }
    }

    @Override public Integer call() throws Exception {
        common.apply();
        if (count < 2) throw new UserError("--count must be >= 2 (a covariance needs two samples), got " + count);
        if (trajectoryCount < 1) throw new UserError("--trajectory-count must be >= 1, got " + trajectoryCount);
        if (batch < 1) throw new UserError("--batch must be >= 1, got " + batch);
        if (referenceSteps < 10 || referenceSteps > MAX_REFERENCE_STEPS)
            throw new UserError("--reference-steps must be between 10 and " + MAX_REFERENCE_STEPS + ", got " + referenceSteps);
        List<EvaluationSetting> settings = new ArrayList<>();
        for (String s : settingSpecs) settings.add(EvaluationSetting.parse(s, null));
        if (settingsFile != null) settings.addAll(EvaluationSetting.readFile(settingsFile));
        if (settings.isEmpty()) throw new UserError("no settings: give --setting SPEC (repeatable) or --settings FILE");
        if (heldout == null) heldout = ShippedModel.require(HELDOUT, "--heldout", "--heldout D.safetensors");
        requireFile(heldout, "--heldout");
        if (real == null) {
            Path shipped = ShippedModel.path(TRAINING);
            real = Files.isRegularFile(shipped) ? shipped : null;
        } else {
            requireFile(real, "--real");
        }
        if (classifier == null) classifier = ShippedModel.require(ShippedModel.CLASSIFIER, "--classifier", "--classifier C.safetensors");
        requireFile(classifier, "--classifier");
        if (model == null) model = ShippedModel.require();

        Backend be = Devices.select(device);
        WarmUp.beforeLoading(be, model, false);
        NoisePredictor predictor = DiffusionModels.open(model, be);
        int[] shape = predictor.sampleShape();
        if (!Arrays.equals(shape, new int[] {1, DigitClassifier.SIZE, DigitClassifier.SIZE}))
            throw new UserError("the model samples " + Arrays.toString(shape) + ", but the digit classifier judges [1, 28, 28] images");
        List<Run> runs = prepare(settings, predictor, be);
        Path csv = outDir.resolve("evaluate.csv");
        OutputFiles.checkWritable(csv, "--out-dir");  // after every input is checked, so a refused run leaves no folder behind
        DigitJudge judge = new DigitJudge(DigitClassifierFile.load(classifier, be), CLASSIFIER_BATCH);
        ImageSet heldoutSet = ImageSet.read(heldout);
        ImageSet realSet = real == null ? null : ImageSet.read(real);

        int d = shape[0] * shape[1] * shape[2];
        float[] xT;
        try (Scope s = Scope.open()) {
            xT = new NoiseSource(seed).normal(be, Shape.of(trajectoryCount, shape[0], shape[1], shape[2]), 0, 0).toArray();
        }
        List<List<Run>> groups = groupByStart(runs);
        ReferenceFlow flow = new ReferenceFlow(predictor, be, referenceSteps);
        int trajectoryBatches = (trajectoryCount + batch - 1) / batch, sampleBatches = (count + batch - 1) / batch;
        long total = 0;
        for (List<Run> g : groups) total += (long) flow.nfe(start(g), wanted(g)) * trajectoryBatches;
        for (Run r : runs) total += (long) r.sampler.plan().intervals() * (trajectoryBatches + sampleBatches);

        if (count < FEW_SAMPLES)
            System.err.println("warning: with fewer than " + FEW_SAMPLES + " samples the Fréchet distance in 128 features is biased upward;"
                    + " compare settings only at the same --count (the real-vs-real floor shows the bias)");
        long began = System.nanoTime();
        FeatureStatistics heldoutStats = statistics(judge, images(heldoutSet, heldoutSet.size()), heldoutSet.size());
        Double floor = null;
        if (realSet != null) {
            int n = Math.min(count, realSet.size());
            floor = FrechetDistance.of(statistics(judge, images(realSet, n), n), heldoutStats);
        }
        try (ProgressLine line = new ProgressLine(System.err);  // closed after the bar: see ProgressLine
             ProgressBar bar = line.bar("evaluate", total, 200).build()) {
            for (List<Run> g : groups) {
                bar.setExtraMessage("reference ODE from t=" + String.format(Locale.ROOT, "%.3f", start(g)));
                ReferenceFlow.Solution ref = flow.solve(xT, trajectoryCount, batch, start(g), wanted(g), bar::step);
                for (Run r : g) {
                    bar.setExtraMessage(r.setting.label() + " trajectory");
                    r.trajectory = TrajectoryError.measure(r.sampler, be, xT, trajectoryCount, batch, seed, ref, (bi, si) -> bar.step());
                }
            }
            for (Run r : runs) {
                bar.setExtraMessage(r.setting.label() + " samples");
                float[] samples = r.sampler.sample(count, batch, seed, null, (bi, si) -> bar.step());
                r.frechet = FrechetDistance.of(statistics(judge, clampDigits(samples, d, r.setting), count), heldoutStats);
            }
        }
        double seconds = (System.nanoTime() - began) / 1e9;

        List<EvaluationReport.Row> rows = runs.stream().map(EvaluateCommand::row).toList();
        EvaluationReport.printTable(rows, floor, count, realSet == null ? 0 : Math.min(count, realSet.size()), heldoutSet.size(), trajectoryCount);
        EvaluationReport.writeCsv(rows, floor, csv);
        EvaluationReport.writeCharts(rows, floor, outDir);
        System.err.printf(Locale.ROOT, "%d setting%s in %.1f s -> %s%n", runs.size(), runs.size() == 1 ? "" : "s", seconds, outDir);
        return 0;
    }

    private static EvaluationReport.Row row(Run r) {
        String mode = null;
        Double seconds = null;
        if (r.tau != null) {
            var prov = r.tau.provenance();
            if (prov.containsKey("mode")) mode = prov.get("mode").getAsString();
            if (prov.containsKey("tuning_seconds")) seconds = prov.get("tuning_seconds").getAsDouble();
        }
        return new EvaluationReport.Row(r.setting, r.sampler.plan().nfe(), r.frechet, r.trajectory, mode, seconds);
    }

    /** A sampler per setting, every τ file checked against its setting and the model before any work. */
    private List<Run> prepare(List<EvaluationSetting> settings, NoisePredictor predictor, Backend be) throws Exception {
        String sha = null;
        List<Run> runs = new ArrayList<>();
        for (EvaluationSetting s : settings) {
            TunedSchedule tau = null;
            if (s.tau() != null) {
                try {
                    tau = TunedSchedule.read(s.tau());
                } catch (IOException | UserError e) {
                    throw new UserError(s.label() + ": " + e.getMessage());
                }
                if (tau.recordsModel() && !allowOtherModel) {
                    if (sha == null && tau.modelSha256() != null && !model.startsWith("gaussian:")) sha = TimeTuner.sha256(Path.of(model));
                    try {
                        tau.requireModel(model, sha);
                    } catch (IllegalArgumentException e) {
                        throw new UserError(s.label() + ": " + e.getMessage());
                    }
                }
            }
            try {
                Sampler sampler = Sampler.builder(predictor).solver(s.solver()).nfe(s.nfe()).trajectory(s.trajectory()).tuned(tau).build();
                Run run = new Run(s, sampler);
                run.tau = tau;
                runs.add(run);
            } catch (IllegalArgumentException e) {
                throw new UserError(s.label() + ": " + e.getMessage());
            }
        }
        return runs;
    }

    /** Settings that start at the same time share one reference solution. */
    private static List<List<Run>> groupByStart(List<Run> runs) {
        List<List<Run>> groups = new ArrayList<>();
        outer:
        for (Run r : runs) {
            for (List<Run> g : groups)
                if (Math.abs(start(g) - r.sampler.plan().time(0)) <= 1e-10 * Math.max(1, start(g))) {
                    g.add(r);
                    continue outer;
                }
            groups.add(new ArrayList<>(List.of(r)));
        }
        return groups;
    }

    private static double start(List<Run> g) { return g.get(0).sampler.plan().time(0); }

    private static double[] wanted(List<Run> g) {
        return g.stream().flatMapToDouble(r -> Arrays.stream(TrajectoryError.comparedTimes(r.sampler))).toArray();
    }

    private static FeatureStatistics statistics(DigitJudge judge, float[] images, int n) {
        return FeatureStatistics.of(judge.features(images, n), n, DigitClassifier.FEATURES);
    }

    /** {@code n} images spread evenly over the set (a file sorted by class still gives every class). */
    private static float[] images(ImageSet set, int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = (int) ((long) i * set.size() / n);
        return set.gather(idx);
    }

    /** Samples clamped to [−1, 1] as the PNG grids show them; a NaN sample means the sampler diverged. */
    private static float[] clampDigits(float[] samples, int d, EvaluationSetting s) {
        for (int i = 0; i < samples.length; i++) {
            if (Float.isNaN(samples[i])) throw new UserError(s.label() + ": sample " + i / d + " contains NaN (the sampler diverged)");
            samples[i] = Math.max(-1f, Math.min(1f, samples[i]));
        }
        return samples;
    }

    private static void requireFile(Path p, String option) {
        if (!Files.isRegularFile(p)) throw new UserError(option + " file not found: " + p);
    }
}
