package org.timetuner4j.io.convert;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.diffusion.DiffusionModels;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.io.ModelInfo;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNetConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scheduler_config.json against diffusers' own definitions of its β schedules (written out here
 * from the diffusers source, not from our DiscreteSchedule), and every refusal.
 */
class DiffusersSchedulerTest {
    @TempDir Path tmp;

    private static DiffusersScheduler.Schedule parse(String json) {
        return DiffusersScheduler.parse(JsonParser.parseString(json).getAsJsonObject(), "scheduler_config.json");
    }

    /** ᾱ_i = Π_{j ≤ i} (1 − β_j), compared with the engine's schedule at its grid times (i+1)/N. */
    private static void assertAlphaBars(double[] betas, DiffusersScheduler.Schedule s) {
        UNetConfig cfg = UNetConfigJson.fromJson("{\"ch\": 32, \"out_ch\": 3, \"ch_mult\": [1], \"num_res_blocks\": 1, \"attn_resolutions\": [], \"resolution\": 8, \"in_channels\": 3}");
        NoiseSchedule engine = DiffusionModels.scheduleOf(new ModelInfo(cfg, s.modelType(), s.betaSchedule(), s.betaStart(), s.betaEnd(), s.steps(), false));
        double logProd = 0;
        for (int i = 0; i < betas.length; i++) {
            logProd += Math.log(1 - betas[i]);
            assertEquals(0.5 * logProd, engine.logAlpha((i + 1) / (double) betas.length), 1e-12, "step " + i);
        }
    }

    @Test void ddpmCifar10PipelineConfig() {
        // google/ddpm-cifar10-32's scheduler/scheduler_config.json
        DiffusersScheduler.Schedule s = parse("{\"_class_name\": \"DDPMScheduler\", \"_diffusers_version\": \"0.1.1\", \"beta_end\": 0.02, "
                + "\"beta_schedule\": \"linear\", \"beta_start\": 0.0001, \"clip_sample\": true, \"num_train_timesteps\": 1000, "
                + "\"trained_betas\": null, \"variance_type\": \"fixed_small\"}");
        assertEquals(DiffusersScheduler.DDPM, s);
        double[] betas = new double[1000];
        for (int i = 0; i < 1000; i++) betas[i] = 1e-4 + (0.02 - 1e-4) * i / 999.0;  // torch.linspace(start, end, N)
        assertAlphaBars(betas, s);
        assertEquals("linear β 0.0001…0.02, 1000 steps, predicts noise", s.describe());
    }

    @Test void scaledLinearIsLinearInTheSquareRoot() {
        DiffusersScheduler.Schedule s = parse("{\"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085, \"beta_end\": 0.012, "
                + "\"num_train_timesteps\": 1000, \"prediction_type\": \"v_prediction\", \"rescale_betas_zero_snr\": false}");
        assertEquals(new DiffusersScheduler.Schedule("v", "quad", 0.00085, 0.012, 1000), s);
        double[] betas = new double[1000];
        double a = Math.sqrt(0.00085), b = Math.sqrt(0.012);
        for (int i = 0; i < 1000; i++) {  // torch.linspace(start ** 0.5, end ** 0.5, N) ** 2
            double v = a + (b - a) * i / 999.0;
            betas[i] = v * v;
        }
        assertAlphaBars(betas, s);
    }

    @Test void squaredCosineIsIddpmsCosine() {
        DiffusersScheduler.Schedule s = parse("{\"beta_schedule\": \"squaredcos_cap_v2\", \"num_train_timesteps\": 400, \"prediction_type\": \"sample\"}");
        assertEquals("cosine", s.betaSchedule());
        assertEquals("x_start", s.modelType());
        double[] betas = new double[400];
        for (int i = 0; i < 400; i++) {  // betas_for_alpha_bar(N, max_beta=0.999), alpha_bar(t) = cos((t + 0.008) / 1.008 · π/2)²
            double t1 = i / 400.0, t2 = (i + 1) / 400.0;
            double a1 = Math.pow(Math.cos((t1 + 0.008) / 1.008 * Math.PI / 2), 2), a2 = Math.pow(Math.cos((t2 + 0.008) / 1.008 * Math.PI / 2), 2);
            betas[i] = Math.min(1 - a2 / a1, 0.999);
        }
        assertAlphaBars(betas, s);
    }

    @Test void whatWouldChangeTheScheduleIsRefused() {
        String[][] cases = {
                {"{\"beta_schedule\": \"sigmoid\"}", "beta_schedule 'sigmoid' is not supported"},
                {"{\"trained_betas\": [0.1, 0.2]}", "trained_betas"},
                {"{\"rescale_betas_zero_snr\": true}", "rescale_betas_zero_snr"},
                {"{\"prediction_type\": \"flow\"}", "prediction_type 'flow' is not supported"},
                {"{\"beta_start\": \"small\"}", "beta_start must be a number"},
                {"{\"beta_schedule\": 3}", "beta_schedule must be a string"},
                {"{\"num_train_timesteps\": 999.5}", "num_train_timesteps must be a whole number"},
                {"{\"beta_start\": 0.03, \"beta_end\": 0.02}", "need 0 < beta_start <= beta_end < 1"}};
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(c[0]), c[0]);
            assertTrue(e.getMessage().startsWith("scheduler_config.json: ") && e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test void filesThatAreNotConfigs() throws IOException {
        Path bad = tmp.resolve("scheduler_config.json");
        Files.writeString(bad, "{\"beta_schedule\": ");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DiffusersScheduler.read(bad)).getMessage().contains("not valid JSON"));
        Files.writeString(bad, "[1, 2]");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DiffusersScheduler.read(bad)).getMessage().contains("not a JSON object"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DiffusersScheduler.read(tmp.resolve("none.json"))).getMessage()
                .contains("scheduler config not found"));
        JsonObject empty = new JsonObject();
        assertEquals(DiffusersScheduler.DDPM, DiffusersScheduler.parse(empty, "x"));
    }
}
