package org.timetuner4j.bench;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cpu.Parallel;
import org.timetuner4j.diffusion.DiscreteSchedule;
import org.timetuner4j.diffusion.ModelType;
import org.timetuner4j.diffusion.ModelWrapper;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.UNetNetwork;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.tuner.TunerObjective;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where one forward of our UNet spends its time: the forward runs in a loop (the same weights and
 * inputs as {@link UNetForwardBenchmark}) while an in-process JFR recording samples every thread
 * every 5 ms and records where the calling thread parks; each sample is charged to the operation
 * on its stack (the innermost frame of a kernel class such as {@code CpuWinograd} or
 * {@code CpuGroupNorm}). Prints the time per forward, how busy the threads were, per operation
 * its wall time (the calling thread's view) and CPU time (all threads), then the hottest methods.
 * Run it at 1 and at 2 threads: an operation whose wall time does not halve is where the second
 * core idles.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp target/benchmarks.jar org.timetuner4j.bench.OpProfile digits:8 2 [SECONDS]</pre>
 * With {@code -Dopprofile.work=tuner} it profiles a TimeTuner iteration instead (the times are then per iteration).
 */
public final class OpProfile {
    private OpProfile() {}

    /** JFR's sampling period: 1 ms slows the forward by about a third, 5 ms by little. */
    private static final int PERIOD_MS = Integer.getInteger("opprofile.period-ms", 5);

    /** Kernel classes a sample is charged to, innermost first on the stack. */
    private static final List<String> KERNELS = List.of("CpuWinograd", "CpuConvWeightGradient", "CpuConv2d",
            "CpuGroupNorm", "CpuBlockedGroupNorm", "CpuAttention", "CpuResample", "CpuElementwise", "CpuTimestepEmbedding",
            "CpuCrossEntropy", "CpuBackend");

    /** -Dopprofile.work=tuner: profile TunerIterationBenchmark's iteration (ddim, parallel mode) instead of one forward. */
    private static final boolean TUNER = "tuner".equals(System.getProperty("opprofile.work", "forward"));

    /** One TimeTuner iteration as {@link TunerIterationBenchmark} times it: x is x0, the noise is drawn once. */
    private static ProfileRun.Forward tunerIteration(UNet unet, Tensor x0) {
        ModelWrapper model = new ModelWrapper(new UNetNetwork(unet), DiscreteSchedule.ddpm(), ModelType.NOISE);
        Solver solver = Solvers.byName("ddim", 0);
        SolverPlan plan = solver.plan(10, Trajectory.OFFICIAL, model.schedule());
        TunerObjective objective = new TunerObjective(model, solver, plan, TunerObjective.Mode.PARALLEL, CpuBackend.INSTANCE);
        Tensor z = CpuBackend.INSTANCE.randn(x0.shape(), 2, 0);
        double[][] previous = new double[plan.intervals()][];
        for (int i = 0; i < previous.length; i++) previous[i] = new double[] {1.0};
        return () -> objective.evaluate(1, x0, z, new double[] {1.02}, previous, new NoiseSource(0), 0);
    }

    public static void main(String[] args) throws Exception {
        ProfileRun run = ProfileRun.parse("OpProfile", args);
        Parallel.setThreads(run.threads());
        BenchInputs in = BenchInputs.of(run.model());
        UNet unet = in.unet(CpuBackend.INSTANCE);
        try (Tensor x = in.xTensor(); Tensor t = in.tTensor()) {
            ProfileRun.Forward forward = TUNER ? tunerIteration(unet, x) : () -> {
                try (Scope s = Scope.open()) {
                    unet.forward(x, t);
                }
            };
            Path jfr = Files.createTempFile("opprofile", ".jfr");
            long forwards, nanos;
            java.time.Instant from;
            // Starting a recording deoptimises all compiled code, so it starts before the warm-up
            // and only what follows the warm-up is counted.
            try (Recording r = new Recording()) {
                r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(PERIOD_MS));
                r.enable("jdk.ThreadPark").withThreshold(Duration.ZERO).withStackTrace();
                r.start();
                ProfileRun.repeat(run.seconds() / 2, forward);  // JIT warm-up
                from = java.time.Instant.now();
                long t0 = System.nanoTime();
                forwards = ProfileRun.repeat(run.seconds(), forward);
                nanos = System.nanoTime() - t0;
                r.stop();
                r.dump(jfr);
            }
            report(run.model(), run.threads(), forwards, nanos, jfr, Thread.currentThread().getId(), from);
            Files.deleteIfExists(jfr);
        }
    }

    /**
     * Two views of the same recording. All threads' samples give the CPU time of each operation
     * (thread-ms). The calling thread's samples plus its parked time give each operation's wall
     * time: the caller runs every operation start to end, working, spinning or parked while the
     * workers finish, so an operation whose wall time does not shrink with more threads shows here.
     */
    private static void report(String model, int threads, long forwards, long nanos, Path jfr, long callerId, java.time.Instant from)
            throws Exception {
        Map<String, Double> cpu = new HashMap<>(), wall = new HashMap<>(), leaf = new HashMap<>(), slowVector = new HashMap<>();
        double samples = 0, callerNanos = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String type = e.getEventType().getName();
            if (e.getStackTrace() == null || e.getStartTime().isBefore(from)) continue;
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            if (frames.isEmpty() || frames.stream().noneMatch(f -> f.getMethod().getType().getName().startsWith("org.timetuner4j"))) continue;
            String op = operation(frames);
            if (type.equals("jdk.ExecutionSample")) {
                samples++;
                cpu.merge(op, 1.0, Double::sum);
                // a JDK leaf (Arrays.fill, a bounds check) is named with the frame of ours that called it
                String top = name(frames.get(0));
                leaf.merge(frames.get(0).getMethod().getType().getName().startsWith("org.timetuner4j") ? top
                        : top + " ← " + firstOwnFrame(frames), 1.0, Double::sum);
                if (isVectorFallback(frames.get(0))) slowVector.merge(firstOwnFrame(frames), 1.0, Double::sum);
                if (e.getThread("sampledThread").getJavaThreadId() == callerId) {
                    wall.merge(op, PERIOD_MS * 1e6, Double::sum);
                    callerNanos += PERIOD_MS * 1e6;
                }
            } else if (type.equals("jdk.ThreadPark") && e.getThread().getJavaThreadId() == callerId) {
                double d = e.getDuration().toNanos();
                wall.merge(op, d, Double::sum);
                callerNanos += d;
            }
        }
        double msPerForward = nanos / 1e6 / forwards;
        double busy = samples * PERIOD_MS / (threads * nanos / 1e6);
        System.out.printf(Locale.ROOT, "%s, %d threads: %d forwards in %.1f s, %.2f ms per forward; %.0f samples, threads busy %.0f %% of the time "
                        + "(JFR misses some; one thread reads about 75 %%)%n", model, threads, forwards, nanos / 1e9, msPerForward, samples, 100 * busy);
        System.out.println();
        System.out.println("| operation | wall ms per forward | thread-ms per forward |");
        System.out.println("|---|---|---|");
        double cpuScale = msPerForward * threads * busy / samples, wallScale = msPerForward / callerNanos;
        wall.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).limit(25).forEach(en ->
                System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f |%n", en.getKey(), en.getValue() * wallScale,
                        cpu.getOrDefault(en.getKey(), 0.0) * cpuScale));
        System.out.println();
        System.out.println("| hottest methods | share of samples | thread-ms per forward |");
        System.out.println("|---|---|---|");
        print(leaf, samples, msPerForward * threads * busy, 20);
        if (!slowVector.isEmpty()) {
            System.out.println();
            System.out.println("Vector API calls that ran its Java fallback (not compiled to vector instructions), by caller:");
            System.out.println();
            System.out.println("| caller | share of samples | thread-ms per forward |");
            System.out.println("|---|---|---|");
            print(slowVector, samples, msPerForward * threads * busy, 10);
        }
    }

    /** The Vector API's Java implementations (…Template, ldOp, stOp, rvOp, …) run only where C2 did not intrinsify the call. */
    private static boolean isVectorFallback(RecordedFrame f) {
        String type = f.getMethod().getType().getName(), m = f.getMethod().getName();
        return type.startsWith("jdk.incubator.vector.") && (m.endsWith("Template") || m.equals("ldOp") || m.equals("stOp")
                || m.equals("rvOp") || m.equals("uOp") || m.equals("bOp") || m.equals("tOp") || m.startsWith("lambda$"));
    }

    private static String firstOwnFrame(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames)
            if (f.getMethod().getType().getName().startsWith("org.timetuner4j")) return name(f) + ":" + f.getLineNumber();
        return "?";
    }

    /** Thread-milliseconds per forward split by share: summed over threads, so it adds up to busy × threads × wall. */
    private static void print(Map<String, Double> counts, double total, double threadMsPerForward, int rows) {
        counts.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).limit(rows).forEach(en -> {
            double share = en.getValue() / total;
            System.out.printf(Locale.ROOT, "| %s | %.1f %% | %.2f |%n", en.getKey(), 100 * share, share * threadMsPerForward);
        });
    }

    private static String operation(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String simple = simpleName(f.getMethod().getType().getName());
            if (KERNELS.contains(simple)) return simple + "." + method(f);
        }
        return "other: " + name(frames.get(0));
    }

    private static String name(RecordedFrame f) {
        return simpleName(f.getMethod().getType().getName()) + "." + method(f);
    }

    /** lambda$forward$3 → forward: the method a lambda body belongs to. */
    private static String method(RecordedFrame f) {
        String m = f.getMethod().getName();
        if (m.startsWith("lambda$")) {
            int end = m.indexOf('$', 7);
            return m.substring(7, end < 0 ? m.length() : end);
        }
        return m;
    }

    private static String simpleName(String type) {
        String s = type.substring(type.lastIndexOf('.') + 1);
        int inner = s.indexOf('$');
        return inner < 0 ? s : s.substring(0, inner);
    }
}
