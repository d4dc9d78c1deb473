package org.timetuner4j.metrics;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Draws TimeTuner's loss over the iterations, one line per tuned step: the mean of a sliding
 * window of iterations (single iterations vary with their random batch), so a reader sees when
 * more iterations stop paying.
 */
public final class TuningLossChart {
    private TuningLossChart() {}

    /** {@code losses[i][it]}: the loss of iteration it of step i; {@code window}: iterations averaged per point. */
    public static void write(double[][] losses, int window, String title, Path png) throws IOException {
        if (window < 1) throw new IllegalArgumentException("window must be >= 1, got " + window);
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection ds = new XYSeriesCollection();
        for (int i = 0; i < losses.length; i++) {
            XYSeries s = new XYSeries("step " + i);
            double sum = 0;
            for (int it = 0; it < losses[i].length; it++) {
                sum += losses[i][it];
                if (it >= window) sum -= losses[i][it - window];
                double mean = sum / Math.min(it + 1, window);
                if (mean > 0) s.add(it + 1, mean);
            }
            ds.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "iteration", "loss", ds, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogarithmicAxis y = new LogarithmicAxis("loss, mean of the last " + window + " iterations (log scale)");
        y.setStrictValuesFlag(false);
        y.setExpTickLabelsFlag(false);
        plot.setRangeAxis(y);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        for (int i = 0; i < losses.length; i++) plot.getRenderer().setSeriesStroke(i, new BasicStroke(2f));
        EvaluationCharts.save(chart, png);
    }
}
