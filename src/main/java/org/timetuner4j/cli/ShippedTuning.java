package org.timetuner4j.cli;

import org.timetuner4j.diffusion.sampling.TunedSchedule;
import org.timetuner4j.tuner.TimeTuner;

import java.io.IOException;
import java.nio.file.Path;

/** Reads a τ file shipped for the shipped model, used by `sample` without being asked for. */
final class ShippedTuning {
    private ShippedTuning() {}

    /**
     * The τ file, or null (with a one-line warning) when it was tuned for another version of the
     * model: the shipped model was retrained and its τ files not yet re-tuned. Sampling then goes
     * on untuned rather than failing a command the user did not configure.
     */
    static TunedSchedule forShippedModel(Path tauFile, Path model) throws IOException {
        TunedSchedule tau = TunedSchedule.read(tauFile);
        String recorded = tau.modelSha256();
        if (recorded == null || !recorded.equalsIgnoreCase(TimeTuner.sha256(model))) {
            System.err.println("warning: " + tauFile + " was tuned for another version of " + model + "; sampling without it");
            return null;
        }
        return tau;
    }
}
