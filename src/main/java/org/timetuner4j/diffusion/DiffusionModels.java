package org.timetuner4j.diffusion;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.ModelInfo;

import java.io.IOException;
import java.nio.file.Path;

/** Opens what a user names as a model: a model file, or {@code gaussian:…} (the analytic model). */
public final class DiffusionModels {
    private DiffusionModels() {}

    /** The schedule a model file declares (DDPM's when it says nothing). */
    public static NoiseSchedule scheduleOf(ModelInfo info) {
        return DiscreteSchedule.named(info.betaSchedule(), info.betaStart(), info.betaEnd(), info.numDiffusionTimesteps());
    }

    /** A noise predictor in continuous time; model files run in inference mode. */
    public static NoisePredictor open(String spec, Backend backend) throws IOException {
        if (spec.startsWith("gaussian:")) return GaussianModel.parse(spec, backend);
        ModelFile.Loaded loaded = ModelFile.load(Path.of(spec), backend, 0);
        loaded.unet().train(false);
        return new ModelWrapper(new UNetNetwork(loaded.unet()), scheduleOf(loaded.info()), ModelType.of(loaded.info().modelType()));
    }
}
