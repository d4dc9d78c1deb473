package org.timetuner4j.tuner;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.diffusion.DiscreteSchedule;
import org.timetuner4j.diffusion.ModelType;
import org.timetuner4j.diffusion.ModelWrapper;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.UNetNetwork;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One tuner iteration (loss and dLoss/dr) against PyTorch autograd on the same random UNet,
 * data and noise (fixtures by tools/make_tuner_fixtures.py, an independent implementation).
 */
class TunerPyTorchFixtureTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/tuner");

    @TestFactory
    Stream<DynamicTest> lossAndGradientMatchPyTorch() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertTrue(files.size() >= 4, "expected the tuner fixtures");
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> check(p)));
    }

    private void check(Path file) throws IOException {
        CpuBackend be = CpuBackend.INSTANCE;
        SafetensorsFile f = Safetensors.read(file);
        var md = f.metadata();
        ModelFile.Loaded loaded = ModelFile.load(Path.of("src/test/resources/fixtures").resolve(md.get("model")), be, 0);
        loaded.unet().train(false);
        ModelWrapper model = new ModelWrapper(new UNetNetwork(loaded.unet()), DiscreteSchedule.ddpm(), ModelType.NOISE);
        Solver solver = Solvers.byName(md.get("solver"), 0);
        SolverPlan plan = solver.plan(Integer.parseInt(md.get("nfe")), Trajectory.of(md.get("trajectory")), model.schedule());
        TunerObjective.Mode mode = md.get("mode").equals("sequential") ? TunerObjective.Mode.SEQUENTIAL : TunerObjective.Mode.PARALLEL;
        var prevJson = JsonParser.parseString(md.get("previous_ratios")).getAsJsonArray();
        double[][] previous = new double[plan.intervals()][];
        for (int j = 0; j < previous.length; j++) previous[j] = new double[] {j < prevJson.size() ? prevJson.get(j).getAsDouble() : 1.0};
        int interval = Integer.parseInt(md.get("interval"));
        double r = Double.parseDouble(md.get("ratio"));
        TensorData x0 = f.tensors().get("x0"), z = f.tensors().get("z");
        try (Scope scope = Scope.open()) {
            Tensor x0t = be.fromHost(x0.values(), Shape.of(x0.shape())), zt = be.fromHost(z.values(), Shape.of(z.shape()));
            TunerObjective.Result res = new TunerObjective(model, solver, plan, mode, be)
                    .evaluate(interval, x0t, zt, new double[] {r}, previous, new NoiseSource(0), 0);
            double loss = f.tensors().get("loss_f64").values()[0], grad = f.tensors().get("grad_r_f64").values()[0];
            double lossRel = Math.abs(res.loss() - loss) / Math.abs(loss);
            double gradErr = Math.abs(res.gradient()[0] - grad);
            System.out.printf("%-40s loss %.7g (torch %.7g, rel %.1e)  dL/dr %.7g (torch %.7g, rel %.1e)%n", file.getFileName(),
                    res.loss(), loss, lossRel, res.gradient()[0], grad, gradErr / Math.abs(grad));
            assertTrue(lossRel < 1e-5, "loss " + res.loss() + " vs " + loss);
            assertEquals(grad, res.gradient()[0], Math.max(1e-3 * Math.abs(grad), 1e-5), "dL/dr");
        }
    }
}
