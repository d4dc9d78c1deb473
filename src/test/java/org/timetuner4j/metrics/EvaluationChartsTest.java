package org.timetuner4j.metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** evaluate's charts: one panel per solver (Fréchet) or solver and NFE (trajectory error), at most three a row. */
class EvaluationChartsTest {
    @TempDir Path tmp;

    @Test void onePanelPerGroupThreeARow() throws Exception {
        List<EvaluationCharts.FrechetPoint> points = new ArrayList<>();
        for (String solver : List.of("ddim", "dpm-solver-2"))
            for (int nfe : new int[] {5, 10}) {
                points.add(new EvaluationCharts.FrechetPoint(solver, "logsnr", "logsnr", EvaluationCharts.Line.UNTUNED, nfe, 40.0 / nfe));
                points.add(new EvaluationCharts.FrechetPoint(solver, "logsnr + τ", "logsnr", EvaluationCharts.Line.TUNED, nfe, 35.0 / nfe));
            }
        Path frechet = tmp.resolve("frechet.png");
        EvaluationCharts.writeFrechet(points, 1.0, frechet);
        BufferedImage two = ImageIO.read(frechet.toFile());
        assertEquals(2 * 460, two.getWidth());
        assertEquals(40 + 340, two.getHeight());

        List<EvaluationCharts.ErrorCurve> curves = new ArrayList<>();
        for (int nfe = 1; nfe <= 4; nfe++)
            curves.add(new EvaluationCharts.ErrorCurve("ddim, NFE " + nfe, "official", "official", EvaluationCharts.Line.UNTUNED,
                    new double[] {0.5, 1.0, 2.0}));
        Path errors = tmp.resolve("errors.png");
        EvaluationCharts.writeTrajectoryErrors(curves, errors);
        BufferedImage four = ImageIO.read(errors.toFile());
        assertEquals(3 * 460, four.getWidth());
        assertEquals(40 + 2 * 340, four.getHeight());

        EvaluationCharts.writeTrajectoryErrors(curves.subList(0, 1), errors);
        assertEquals(920, ImageIO.read(errors.toFile()).getWidth(), "one panel is drawn wide enough for the heading");
    }
}
