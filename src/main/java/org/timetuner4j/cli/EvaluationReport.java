package org.timetuner4j.cli;

import org.timetuner4j.metrics.EvaluationCharts;
import org.timetuner4j.metrics.TrajectoryError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** What {@code evaluate} prints and writes: the table, evaluate.csv and the two charts. */
final class EvaluationReport {
    /**
     * One measured setting; {@code tauMode} (parallel, sequential) and {@code tuningSeconds} come
     * from the τ file's provenance, null for an untuned setting or a plain list of ratios.
     */
    record Row(EvaluationSetting setting, int nfe, double frechet, TrajectoryError.Result trajectory, String tauMode, Double tuningSeconds) {
        /** The setting's label, with the tuning mode when known (two τ files of one setting differ in it). */
        String name() { return setting.label() + (tauMode == null ? "" : "(" + tauMode + ")"); }
    }

    static final String CSV_HEADER = "setting,solver,nfe,trajectory,tau,tau_mode,tuning_seconds,frechet,final_error,mean_error,step_errors";

    private EvaluationReport() {}

    static void printTable(List<Row> rows, Double floor, int count, int realCount, int heldoutCount, int trajectoryCount) {
        System.out.printf(Locale.ROOT, "Fréchet distance: %d samples per setting vs %d held-out digits; trajectory error: mean L2 distance "
                + "per sample over %d samples%n", count, heldoutCount, trajectoryCount);
        System.out.printf(Locale.ROOT, "%-44s %4s %10s %12s %12s %10s%n", "setting", "NFE", "Fréchet", "final error", "mean error", "tuning s");
        for (Row r : rows)
            System.out.printf(Locale.ROOT, "%-44s %4d %10.4f %12.5f %12.5f %10s%n", r.name(), r.nfe(), r.frechet(),
                    r.trajectory().last(), r.trajectory().meanOverSteps(),
                    r.tuningSeconds() == null ? "" : String.format(Locale.ROOT, "%.0f", r.tuningSeconds()));
        if (floor != null)
            System.out.printf(Locale.ROOT, "real vs real (%d training vs %d held-out digits): Fréchet %.4f%n", realCount, heldoutCount, floor);
    }

    static void writeCsv(List<Row> rows, Double floor, Path csv) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(CSV_HEADER);
        for (Row r : rows) {
            EvaluationSetting s = r.setting();
            String steps = java.util.Arrays.stream(r.trajectory().error()).mapToObj(e -> String.format(Locale.ROOT, "%.6g", e))
                    .collect(Collectors.joining(" "));
            lines.add(String.join(",", r.name(), s.solver(), Integer.toString(r.nfe()), s.trajectory().id(),
                    s.tau() == null ? "" : quote(s.tau().toString()), r.tauMode() == null ? "" : r.tauMode(),
                    r.tuningSeconds() == null ? "" : num(r.tuningSeconds()), num(r.frechet()), num(r.trajectory().last()),
                    num(r.trajectory().meanOverSteps()), steps));
        }
        if (floor != null) lines.add("real-vs-real,,,,,,," + num(floor) + ",,,");
        Path tmp = csv.resolveSibling(csv.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static void writeCharts(List<Row> rows, Double floor, Path outDir) throws IOException {
        List<EvaluationCharts.ErrorCurve> curves = new ArrayList<>();
        List<EvaluationCharts.FrechetPoint> points = new ArrayList<>();
        for (Row r : rows) {
            EvaluationSetting s = r.setting();
            String trajectory = s.trajectory().id();
            String name = trajectory + (s.tuned() ? " + τ" + (r.tauMode() == null ? "" : " (" + r.tauMode() + ")") : "");
            EvaluationCharts.Line line = !s.tuned() ? EvaluationCharts.Line.UNTUNED
                    : "sequential".equals(r.tauMode()) ? EvaluationCharts.Line.TUNED_SEQUENTIAL : EvaluationCharts.Line.TUNED;
            curves.add(new EvaluationCharts.ErrorCurve(s.solver() + ", NFE " + r.nfe(), name, trajectory, line, r.trajectory().error()));
            points.add(new EvaluationCharts.FrechetPoint(s.solver(), name, trajectory, line, r.nfe(), r.frechet()));
        }
        EvaluationCharts.writeTrajectoryErrors(curves, outDir.resolve("trajectory-error.png"));
        EvaluationCharts.writeFrechet(points, floor, outDir.resolve("frechet.png"));
    }

    private static String num(double v) { return String.format(Locale.ROOT, "%.6g", v); }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
