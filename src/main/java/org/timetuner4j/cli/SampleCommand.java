package org.timetuner4j.cli;

import me.tongfei.progressbar.ProgressBar;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.data.ImageGrid;
import org.timetuner4j.diffusion.DiffusionModels;
import org.timetuner4j.diffusion.ModelWrapper;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.tuner.TimeTuner;
import org.timetuner4j.diffusion.sampling.TunedSchedule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** Draws samples with a solver, optionally with tuned times, and writes a PNG grid. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw samples with a few-step solver, optionally with TimeTuner's tuned times (--tuned).",
                "",
                "How --nfe (network evaluations per sample) maps to steps:",
                "  ddim, ddpm       one call per step: steps = NFE",
                "  dpm-solver-2     two calls per step: NFE/2 steps (an odd NFE adds a first-order step)",
                "  dpm-solver++2m   one call per step: steps = NFE",
                "  heun             two calls per step: ceil(NFE/2) steps (an odd NFE ends with an Euler step)",
                "The official trajectory takes more steps when NFE does not divide N (as TimeTuner does).",
                ""})
final class SampleCommand implements Callable<Integer> {
    /** Samples per class row with --class-label all. */
    static final int PER_CLASS = 8;

    @Mixin CommonOptions common;

    @Option(names = "--model", paramLabel = "M.safetensors|gaussian:…",
            description = "Model file, or gaussian:mean=M,std=S,shape=CxHxW[,schedule=discrete|linear|cosine], the exact model of "
                    + "Gaussian data (each key optional: mean 0, std 1, shape 1x8x8, schedule discrete) "
                    + "(default: the shipped digits model, " + ShippedModel.RELATIVE + ").")
    String model;

    @Option(names = "--solver", defaultValue = "ddim", description = "One of " + Solvers.NAMES + " (default: ${DEFAULT-VALUE}).")
    String solver;

    @Option(names = "--nfe", defaultValue = "10", description = "Network evaluations per sample (default: ${DEFAULT-VALUE}).")
    int nfe;

    @Option(names = "--trajectory", description = "official, uniform, quadratic, logsnr or edm (default: official for ddim/ddpm, logsnr for the DPM-Solvers, edm for heun).")
    String trajectory;

    @Option(names = "--eta", description = "DDIM noise level η (default: 0). Other solvers have a fixed η (ddpm 1, the rest 0) and refuse other values.")
    Double eta;

    @Option(names = "--tuned", paramLabel = "FILE", description = "τ file from `tune`, or a JSON list of ratios (one per step). Without it the shipped model uses the τ file"
                    + " shipped for the solver, NFE and trajectory, when there is one (the last line names it).")
    Path tuned;

    @Option(names = "--no-tuned", description = "Sample the shipped model without the τ file shipped for these settings.")
    boolean noTuned;

    @Option(names = "--allow-other-model", description = "Accept a τ file tuned for another model (another file: its recorded SHA-256 differs; or another gaussian: spec).")
    boolean allowOtherModel;

    @Option(names = "--count", description = "Number of samples (default: 16; " + PER_CLASS + " per class with --class-label all; or as many as --x-T holds).")
    Integer count;

    @Option(names = "--batch", description = "Samples per network call (default: min(count, 16)).")
    Integer batch;

    @Option(names = "--seed", defaultValue = "0", description = "Noise seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--class-label", paramLabel = "L|all|none",
            description = "For a class-conditional model: a class label, all (one row per class, " + PER_CLASS
                    + " samples each unless --count says otherwise) or none (unconditional). Default: all for the shipped"
                    + " digits model, none for a model you name with --model.")
    String classLabel;

    @Option(names = "--guidance-scale", paramLabel = "G", defaultValue = "1", description = "Classifier-free guidance scale, 0 to 50: 1 is the class-conditional prediction alone, 0 the unconditional one, above 1 pushes towards the class (default: ${DEFAULT-VALUE}).")
    double guidanceScale;

    @Option(names = "--x-T", paramLabel = "IN.safetensors", description = "Initial states: tensor x_T [K,C,H,W] instead of the RNG.")
    Path xTFile;

    @Option(names = "--samples-out", paramLabel = "OUT.safetensors", description = "Also write the samples (tensor 'samples').")
    Path samplesOut;

    @Option(names = "--out", defaultValue = "samples.png", paramLabel = "grid.png", description = "PNG grid of the samples (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Override public Integer call() throws Exception {
        common.apply();
        double etaValue = EtaOption.check(solver, eta);
        OutputFiles.checkWritable(out, "--out");
        if (samplesOut != null) OutputFiles.checkWritable(samplesOut, "--samples-out");
        Backend be = Devices.select(device);
        boolean shipped = model == null;
        if (shipped) model = ShippedModel.require();
        WarmUp.beforeLoading(be, model, false);
        NoisePredictor predictor = DiffusionModels.open(model, be);
        ClassLabels classes = ClassLabels.parse(classLabel, shipped, predictor);
        GuidanceOption.check(guidanceScale, classes);
        if (guidanceScale != 1.0) ((ModelWrapper) predictor).classifierFreeGuidance(guidanceScale);
        Trajectory traj = trajectory == null ? Sampler.defaultTrajectory(solver) : Trajectory.of(trajectory);
        if (tuned != null && noTuned) throw new IllegalArgumentException("--tuned and --no-tuned contradict each other");
        TunedSchedule tau = tuned == null ? null : TunedSchedule.read(tuned);
        if (tau != null && tau.recordsModel() && !allowOtherModel)
            tau.requireModel(model, tau.modelSha256() == null || model.startsWith("gaussian:") ? null : TimeTuner.sha256(Path.of(model)));
        if (tau != null) tau.requireEta(etaValue);
        Path tauFile = tuned;
        if (shipped && tuned == null && !noTuned) {
            Path shippedTau = ShippedModel.tunedFile(solver, nfe, traj.id());
            if (shippedTau != null && etaValue != 0)
                System.err.println("note: the shipped τ for these settings was tuned at η 0; sampling at η " + etaValue + " without it");
            else if (shippedTau != null) {
                tau = ShippedTuning.forShippedModel(shippedTau, Path.of(model));
                tauFile = tau == null ? null : shippedTau;
            }
        }
        Sampler.Builder samplerBuilder = Sampler.builder(predictor).solver(solver).eta(etaValue).nfe(nfe).trajectory(traj).tuned(tau);
        Sampler unlabelled = samplerBuilder.build();
        SolverPlan plan = unlabelled.plan();
        if (plan.nfe() != nfe)
            System.err.printf("warning: NFE %d on the %s trajectory makes %d steps, %d network evaluations%n",
                    nfe, traj.id(), plan.intervals(), plan.nfe());

        int[] shape = predictor.sampleShape();
        float[] xT = null;
        int n = count == null ? classes.defaultCount() : count;
        if (xTFile != null) {
            SafetensorsFile f = Safetensors.read(xTFile);
            TensorData x = f.tensors().get("x_T");
            if (x == null) throw new IllegalArgumentException(xTFile + " has no tensor 'x_T'");
            int[] want = {x.rank() == 4 ? x.dim(0) : -1, shape[0], shape[1], shape[2]};
            if (x.rank() != 4 || !Arrays.equals(Arrays.copyOfRange(x.shape(), 1, 4), shape))
                throw new IllegalArgumentException("x_T has shape " + TensorData.shapeString(x.shape()) + " but the model samples "
                        + Arrays.toString(shape) + " (expected [K, " + shape[0] + ", " + shape[1] + ", " + shape[2] + "])");
            if (count != null && count != x.dim(0))
                throw new IllegalArgumentException("--count " + count + " but x_T holds " + want[0] + " samples");
            n = x.dim(0);
            xT = x.values();
        }
        int b = batch == null ? Math.min(n, 16) : batch;
        unlabelled.checkRequest(n, b, xT);   // before the labels are made and the progress bar starts
        Sampler sampler = samplerBuilder.labels(classes.perSample(n)).build();
        OutputFiles.warnIfNotNamed(out, ".png", "--out", "a PNG image");
        if (samplesOut != null) OutputFiles.warnIfNotNamed(samplesOut, ".safetensors", "--samples-out", "safetensors");
        int batches = (n + b - 1) / b;
        float[] samples;
        try (ProgressLine line = new ProgressLine(System.err);  // closed after the bar: see ProgressLine
             ProgressBar bar = line.bar("sampling", (long) batches * plan.intervals(), 200).build()) {
            samples = sampler.sample(n, b, seed, xT, (bi, si) -> {
                bar.step();
                bar.setExtraMessage("batch " + (bi + 1) + "/" + batches);
            });
        }
        if (classes.rowPerClass()) ImageGrid.writePng(samples, n, shape[0], shape[1], shape[2], n / classes.numClasses(), out);
        else ImageGrid.writePng(samples, n, shape[0], shape[1], shape[2], out);
        if (samplesOut != null) {
            Map<String, String> md = new LinkedHashMap<>();
            md.put("model", model);
            md.put("solver", solver);
            md.put("nfe", Integer.toString(nfe));
            md.put("trajectory", traj.id());
            md.put("seed", Long.toString(seed));
            md.put("class_label", classes.describe());
            md.put("num_classes", Integer.toString(classes.numClasses()));
            Safetensors.write(samplesOut, Map.of("samples", TensorData.f32(samples, n, shape[0], shape[1], shape[2])), md, "F32");
        }
        System.err.printf("%d sample%s%s, %s, NFE %d (%d step%s, %s trajectory)%s -> %s%n", n, n == 1 ? "" : "s", classes.summary() + (guidanceScale == 1 ? "" : ", guidance " + guidanceScale), solver, plan.nfe(),
                plan.intervals(), plan.intervals() == 1 ? "" : "s", traj.id(), tau == null ? "" : ", tuned (" + tauFile + ")", out);
        return 0;
    }
}
