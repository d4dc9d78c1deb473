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

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
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

/**
 * The charts of {@code evaluate}, one panel per solver (and NFE): a trajectory keeps its colour
 * in every panel, and its tuned settings are drawn dashed (parallel) or dotted (sequential) beside
 * the solid untuned line.
 */
public final class EvaluationCharts {
    /**
     * How a setting's line is drawn: untuned solid with filled squares, tuned dashed (parallel mode) with open circles,
     * tuned dotted (sequential mode) with open triangles; the open shapes tell a single tuned point from an untuned one.
     */
    public enum Line {
        UNTUNED(new BasicStroke(2f), new Rectangle2D.Double(-3.5, -3.5, 7, 7)),
        TUNED(dashes(8f, 5f), new java.awt.geom.Ellipse2D.Double(-4.5, -4.5, 9, 9)),
        TUNED_SEQUENTIAL(dashes(2f, 4f), new java.awt.Polygon(new int[] {0, 5, -5}, new int[] {-5, 4, 4}, 3));

        final BasicStroke stroke;
        final java.awt.Shape shape;

        Line(BasicStroke stroke, java.awt.Shape shape) {
            this.stroke = stroke;
            this.shape = shape;
        }

        private static BasicStroke dashes(float on, float off) {
            return new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {on, off}, 0f);
        }
    }

    /** One setting's trajectory error after each step (step i+1 at index i), drawn in panel {@code panel}. */
    public record ErrorCurve(String panel, String name, String trajectory, Line line, double[] error) {}

    /** One setting's Fréchet distance; points of one panel with the same {@code name} form one line over NFE. */
    public record FrechetPoint(String panel, String name, String trajectory, Line line, int nfe, double distance) {}

    static {
        System.setProperty("java.awt.headless", "true");   // before any AWT class loads
    }

    /** A panel's size; the image is at least {@code MIN_WIDTH} wide, so one or two panels still fit the heading. */
    private static final int PANEL_WIDTH = 460, PANEL_HEIGHT = 340, TITLE_HEIGHT = 40, MAX_COLUMNS = 3, MIN_WIDTH = 920;

    private EvaluationCharts() {}

    /** Trajectory error per step, one panel per group of curves, one line per setting, log scale. */
    public static void writeTrajectoryErrors(List<ErrorCurve> curves, Path png) throws IOException {
        Map<String, List<ErrorCurve>> panels = new LinkedHashMap<>();
        for (ErrorCurve c : curves) panels.computeIfAbsent(c.panel(), k -> new ArrayList<>()).add(c);
        List<JFreeChart> charts = new ArrayList<>();
        for (Map.Entry<String, List<ErrorCurve>> e : panels.entrySet()) {
            XYSeriesCollection ds = new XYSeriesCollection();
            List<ErrorCurve> members = e.getValue();
            for (ErrorCurve c : members) {
                XYSeries s = new XYSeries(c.name(), false, true);
                for (int i = 0; i < c.error().length; i++) if (c.error()[i] > 0) s.add(i + 1, c.error()[i]);
                ds.addSeries(s);
            }
            JFreeChart chart = ChartFactory.createXYLineChart(e.getKey(), "step", "L2 distance per sample", ds,
                    PlotOrientation.VERTICAL, true, false, false);
            style(chart, members.stream().map(ErrorCurve::trajectory).toList(), members.stream().map(ErrorCurve::line).toList(),
                    "L2 distance per sample (log)", "step");
            charts.add(chart);
        }
        savePanels(charts, "Trajectory error: distance to the probability-flow ODE solution after each step", png);
    }

    /** Fréchet distance over NFE, one panel per group, one line per name; {@code floor} (real vs real, may be null) grey in each. */
    public static void writeFrechet(List<FrechetPoint> points, Double floor, Path png) throws IOException {
        Map<String, Map<String, List<FrechetPoint>>> panels = new LinkedHashMap<>();
        int minNfe = Integer.MAX_VALUE, maxNfe = Integer.MIN_VALUE;
        for (FrechetPoint p : points) {
            panels.computeIfAbsent(p.panel(), k -> new LinkedHashMap<>()).computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p);
            minNfe = Math.min(minNfe, p.nfe());
            maxNfe = Math.max(maxNfe, p.nfe());
        }
        List<JFreeChart> charts = new ArrayList<>();
        for (Map.Entry<String, Map<String, List<FrechetPoint>>> panel : panels.entrySet()) {
            XYSeriesCollection ds = new XYSeriesCollection();
            List<String> colours = new ArrayList<>();
            List<Line> lines = new ArrayList<>();
            for (Map.Entry<String, List<FrechetPoint>> line : panel.getValue().entrySet()) {
                XYSeries s = new XYSeries(line.getKey(), true, false);
                for (FrechetPoint p : line.getValue()) s.addOrUpdate(p.nfe(), p.distance());
                ds.addSeries(s);
                colours.add(line.getValue().get(0).trajectory());
                lines.add(line.getValue().get(0).line());
            }
            if (floor != null) {
                XYSeries f = new XYSeries("real vs real");
                double pad = maxNfe == minNfe ? 0.5 : 0;   // one NFE: a short line centred on it, not an axis to NFE + 1
                f.add(minNfe - pad, floor);
                f.add(maxNfe + pad, floor);
                ds.addSeries(f);
                colours.add(FLOOR);
                lines.add(Line.UNTUNED);
            }
            JFreeChart chart = ChartFactory.createXYLineChart(panel.getKey(), "NFE", "Fréchet distance", ds,
                    PlotOrientation.VERTICAL, true, false, false);
            style(chart, colours, lines, "Fréchet distance (log)", "NFE");
            charts.add(chart);
        }
        savePanels(charts, "Fréchet distance to the held-out digits (digit classifier's features)", png);
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

    private static final String FLOOR = "floor";

    /** A colour per trajectory, the same in every panel; grey for the real-vs-real floor. */
    private static final Map<String, Color> COLOURS = Map.of("official", new Color(31, 119, 180), "uniform", new Color(44, 160, 44),
            "quadratic", new Color(148, 103, 189), "logsnr", new Color(214, 39, 40), "edm", new Color(255, 127, 14), FLOOR, Color.GRAY);

    private static void style(JFreeChart chart, List<String> trajectories, List<Line> lines, String rangeLabel, String domainLabel) {
        XYPlot plot = chart.getXYPlot();
        plot.setRangeAxis(logAxis(rangeLabel));
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setLabel(domainLabel);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < lines.size(); i++) {
            r.setSeriesPaint(i, COLOURS.getOrDefault(trajectories.get(i), Color.BLACK));
            r.setSeriesShape(i, lines.get(i).shape);
            r.setSeriesShapesFilled(i, lines.get(i) == Line.UNTUNED);
            r.setSeriesStroke(i, lines.get(i).stroke);
        }
        plot.setRenderer(r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        chart.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    }

    /** Draws the panels row by row, up to three a row, under one title, into a PNG written atomically. */
    private static void savePanels(List<JFreeChart> charts, String title, Path png) throws IOException {
        int columns = Math.max(1, Math.min(MAX_COLUMNS, charts.size())), rows = Math.max(1, (charts.size() + columns - 1) / columns);
        int width = Math.max(PANEL_WIDTH, MIN_WIDTH / columns);
        BufferedImage image = new BufferedImage(columns * width, TITLE_HEIGHT + rows * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            java.awt.FontMetrics fm = g.getFontMetrics();
            g.drawString(title, (image.getWidth() - fm.stringWidth(title)) / 2, (TITLE_HEIGHT + fm.getAscent() - fm.getDescent()) / 2);
            for (int i = 0; i < charts.size(); i++)
                charts.get(i).draw(g, new Rectangle2D.Double((i % columns) * width, TITLE_HEIGHT + (i / columns) * PANEL_HEIGHT,
                        width, PANEL_HEIGHT));
        } finally {
            g.dispose();
        }
        writeAtomically(png, file -> ImageIO.write(image, "png", file));
    }

    /** Writes the chart as a 900×500 PNG atomically, making its folder. */
    static void save(JFreeChart chart, Path png) throws IOException {
        writeAtomically(png, file -> ChartUtils.saveChartAsPNG(file, chart, 900, 500));
    }

    private interface FileWriter {
        void write(java.io.File file) throws IOException;
    }

    /** Writes a temporary file beside {@code png}, then moves it into place, so a reader never sees half a PNG. */
    private static void writeAtomically(Path png, FileWriter writer) throws IOException {
        Path abs = png.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        writer.write(tmp.toFile());
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
