package org.timetuner4j.train;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Draws the training loss per step (raw, and a moving average) as a PNG, on a log scale. */
public final class LossChart {
    private LossChart() {}

    public static void write(List<Float> losses, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries raw = new XYSeries("loss per step"), avg = new XYSeries("moving average (200 steps)");
        int stride = Math.max(1, losses.size() / 4000);
        double sum = 0;
        int window = 200;
        for (int i = 0; i < losses.size(); i++) {
            sum += losses.get(i);
            if (i >= window) sum -= losses.get(i - window);
            if (i % stride != 0 && i != losses.size() - 1) continue;
            if (losses.get(i) > 0) raw.add(i + 1, losses.get(i));
            double a = sum / Math.min(i + 1, window);
            if (a > 0) avg.add(i + 1, a);
        }
        XYSeriesCollection ds = new XYSeriesCollection();
        ds.addSeries(raw);
        ds.addSeries(avg);
        JFreeChart chart = ChartFactory.createXYLineChart("Training loss (mean squared noise error)", "step", "loss", ds,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogarithmicAxis y = new LogarithmicAxis("loss (log scale)");
        y.setStrictValuesFlag(false);
        y.setExpTickLabelsFlag(false);
        plot.setRangeAxis(y);
        plot.setBackgroundPaint(java.awt.Color.WHITE);
        plot.setDomainGridlinePaint(java.awt.Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(java.awt.Color.LIGHT_GRAY);
        plot.getRenderer().setSeriesPaint(0, new java.awt.Color(150, 170, 220));
        plot.getRenderer().setSeriesPaint(1, new java.awt.Color(200, 40, 40));
        plot.getRenderer().setSeriesStroke(1, new java.awt.BasicStroke(2.5f));
        Path abs = png.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 900, 500);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
