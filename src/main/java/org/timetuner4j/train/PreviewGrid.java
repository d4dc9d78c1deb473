package org.timetuner4j.train;

import org.timetuner4j.data.ImageGrid;
import org.timetuner4j.diffusion.DiscreteSchedule;
import org.timetuner4j.diffusion.ModelType;
import org.timetuner4j.diffusion.ModelWrapper;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.UNetNetwork;
import org.timetuner4j.nn.UNet;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Samples a grid from a network while it trains, so a person can watch it learn: DDIM with
 * {@value #NFE} steps from the same x_T every time; a class-conditional network gets one row
 * per class (plain conditional prediction), an unconditional one an 8×8 grid.
 */
public final class PreviewGrid {
    static final int NFE = 50, PER_ROW = 8;

    private PreviewGrid() {}

    public static void write(UNet net, Path png) throws IOException {
        int classes = net.config().numClasses();
        int rows = classes > 0 ? classes : PER_ROW;
        int count = rows * PER_ROW;
        int[] labels = null;
        if (classes > 0) {
            labels = new int[count];
            for (int k = 0; k < count; k++) labels[k] = k / PER_ROW;
        }
        ModelWrapper model = new ModelWrapper(new UNetNetwork(net), DiscreteSchedule.named("linear", 1e-4, 0.02, 1000), ModelType.NOISE)
                .labels(labels);
        Sampler sampler = Sampler.builder(model).solver("ddim").nfe(NFE).trajectory(Trajectory.OFFICIAL).build();
        float[] images = sampler.sample(count, count, 0, null, null);
        int c = net.config().inChannels(), r = net.config().resolution();
        ImageGrid.writePng(images, count, c, r, r, PER_ROW, png);
    }
}
