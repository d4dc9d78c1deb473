package org.timetuner4j.cli;

import static org.timetuner4j.testing.CliRun.run;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.testing.Check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code timetuner sample} against an independent implementation of each solver
 * (tools/reference_sampler.py, float64 solver arithmetic around the PyTorch UNet), on the same
 * x_T and tuned ratios: the final samples agree to 1e-5 relative.
 */
class SampleMatchesReferenceTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/sampler");

    @TempDir Path tmp;

    @TestFactory
    Stream<DynamicTest> everySolverMatchesTheReference() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(DIR)) {
            cases = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertTrue(cases.size() >= 8, "expected the reference sampler fixtures, found " + cases.size());
        return cases.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> check(p)));
    }

    private void check(Path fixture) throws IOException {
        SafetensorsFile f = Safetensors.read(fixture);
        String name = fixture.getFileName().toString().replace(".safetensors", "");
        Path ratios = DIR.resolve(name + "-ratios.json");
        Path out = tmp.resolve(name + "-out.safetensors");
        Path model = Path.of("src/test/resources/fixtures").resolve(f.metadata().get("model"));
        Object[] r = run("sample", "--model", model.toString(), "--solver", f.metadata().get("solver"),
                "--nfe", f.metadata().get("nfe"), "--trajectory", f.metadata().get("trajectory"),
                "--eta", f.metadata().getOrDefault("eta", "0"), "--tuned", ratios.toString(),
                "--x-T", fixture.toString(), "--samples-out", out.toString(), "--out", tmp.resolve(name + ".png").toString());
        assertEquals(0, r[0], (String) r[1]);
        Check.maxRelative("sample " + name, Safetensors.read(out).tensors().get("samples").values(),
                f.tensors().get("samples").values(), 1e-5);
    }

}
