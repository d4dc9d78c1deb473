package org.timetuner4j.metrics;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The charts of {@code evaluate}: tuned settings drawn dashed beside their solid baselines. */
public final class EvaluationCharts {
    /** One setting's trajectory error after each step (step i+1 at index i). */
    public record ErrorCurve(String name, boolean tuned, double[] error) {}

    /** One setting's Fréchet distance; settings with the same {@code series} form one line over NFE. */
    public record FrechetPoint(String series, boolean tuned, int nfe, double distance) {}

    static {
        System.setProperty("java.awt.headless", "true");   // before any AWT class loads
    }

    private EvaluationCharts() {}

    /** Trajectory error per step, one line per setting, log scale. */
    public static void writeTrajectoryErrors(List<ErrorCurve> curves, Path png) throws IOException {
        XYSeriesCollection ds = new XYSeriesCollection();
        List<Boolean> dashed = new ArrayList<>();
        for (ErrorCurve c : curves) {
            XYSeries s = new XYSeries(c.name(), false, true);
            for (int i = 0; i < c.error().length; i++) if (c.error()[i] > 0) s.add(i + 1, c.error()[i]);
            ds.addSeries(s);
            dashed.add(c.tuned());
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Trajectory error (mean L2 distance to the ODE solution)", "step",
                "error", ds, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setRangeAxis(logAxis("mean L2 distance per sample (log scale)"));
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        style(plot, dashed);
        save(chart, png);
    }

    /** Fréchet distance over NFE, one line per series; {@code floor} (real vs real, may be null) as a grey line. */
    public static void writeFrechet(List<FrechetPoint> points, Double floor, Path png) throws IOException {
        Map<String, XYSeries> bySeries = new LinkedHashMap<>();
        Map<String, Boolean> tuned = new LinkedHashMap<>();
        int minNfe = Integer.MAX_VALUE, maxNfe = Integer.MIN_VALUE;
        for (FrechetPoint p : points) {
            bySeries.computeIfAbsent(p.series(), k -> new XYSeries(k, true, false)).addOrUpdate(p.nfe(), p.distance());
            tuned.put(p.series(), p.tuned());
            minNfe = Math.min(minNfe, p.nfe());
            maxNfe = Math.max(maxNfe, p.nfe());
        }
        XYSeriesCollection ds = new XYSeriesCollection();
        List<Boolean> dashed = new ArrayList<>();
        for (Map.Entry<String, XYSeries> e : bySeries.entrySet()) {
            ds.addSeries(e.getValue());
            dashed.add(tuned.get(e.getKey()));
        }
        if (floor != null && !points.isEmpty()) {
            XYSeries f = new XYSeries("real vs real (training vs held-out digits)");
            double pad = maxNfe == minNfe ? 0.5 : 0;   // one NFE: a short line centred on it, not an axis to NFE + 1
            f.add(minNfe - pad, floor);
            f.add(maxNfe + pad, floor);
            ds.addSeries(f);
            dashed.add(false);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Fréchet distance to held-out digits (classifier features)", "NFE",
                "Fréchet distance", ds, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setRangeAxis(logAxis("Fréchet distance (log scale)"));
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        style(plot, dashed);
        if (floor != null && !points.isEmpty()) plot.getRenderer().setSeriesPaint(ds.getSeriesCount() - 1, Color.GRAY);
        save(chart, png);
    }

    /** Tick labels with three significant digits (301.9952 → 302, 0.15849 → 0.158). */
    private static final NumberFormat THREE_DIGITS = new NumberFormat() {
        @Override public StringBuffer format(double v, StringBuffer to, FieldPosition pos) {
            return to.append(new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString());
        }

        @Override public StringBuffer format(long v, StringBuffer to, FieldPosition pos) { return format((double) v, to, pos); }

        @Override public Number parse(String source, ParsePosition pos) { throw new UnsupportedOperationException(); }
    };

    /** A log axis whose ticks are labelled in plain numbers however narrow the range. */
    private static LogAxis logAxis(String label) {
        LogAxis y = new LogAxis(label);
        y.setBase(10);
        y.setStandardTickUnits(NumberAxis.createStandardTickUnits());
        y.setNumberFormatOverride(THREE_DIGITS);
        y.setMinorTickMarksVisible(true);
        return y;
    }

    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44),
            new Color(148, 103, 189), new Color(255, 127, 14), new Color(140, 86, 75), new Color(227, 119, 194), new Color(23, 190, 207)};

    private static void style(XYPlot plot, List<Boolean> dashed) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < dashed.size(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, dashed.get(i)
                    ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 5f}, 0f)
                    : new BasicStroke(2f));
        }
        plot.setRenderer(r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }

    /** Writes the chart as a 900×500 PNG atomically (a temporary file, then a move), making its folder. */
    static void save(JFreeChart chart, Path png) throws IOException {
        Path abs = png.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 900, 500);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
