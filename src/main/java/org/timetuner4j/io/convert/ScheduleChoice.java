package org.timetuner4j.io.convert;

import org.timetuner4j.io.ModelInfo;
import org.timetuner4j.nn.UNetConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The noise schedule a converted model declares and where it came from.
 *
 * @param schedule the schedule
 * @param source   where it came from, for the summary
 */
record ScheduleChoice(DiffusersScheduler.Schedule schedule, String source) {
    /** The metadata fields of an engine model file that describe its schedule. */
    private static final List<String> SCHEDULE_KEYS = List.of("model_type", "beta_schedule", "beta_start", "beta_end", "num_diffusion_timesteps");

    /** A scheduler config if there is one, else what an engine model file's metadata says, else DDPM's. */
    static ScheduleChoice choose(Path schedulerFile, Map<String, String> metadata, UNetConfig cfg) throws IOException {
        if (schedulerFile != null) return new ScheduleChoice(DiffusersScheduler.read(schedulerFile), "from " + schedulerFile);
        if (SCHEDULE_KEYS.stream().anyMatch(metadata::containsKey)) {
            // an engine model file converted again keeps what it says
            ModelInfo mi = ModelInfo.fromMetadata(cfg, false, metadata);
            return new ScheduleChoice(new DiffusersScheduler.Schedule(mi.modelType(), mi.betaSchedule(), mi.betaStart(), mi.betaEnd(),
                    mi.numDiffusionTimesteps()), "from the file's metadata");
        }
        return new ScheduleChoice(DiffusersScheduler.DDPM, "DDPM's default: no scheduler_config.json found");
    }
}
