package org.timetuner4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.ModelInfo;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.testing.CliRun;
import org.timetuner4j.testing.RawSafetensors;
import org.timetuner4j.diffusion.sampling.TunedSchedule;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `evaluate` end to end on a tiny random 28x28 model with tiny counts, and its refusals. */
class EvaluateCommandTest {
    @TempDir static Path tmp;
    static Path model, heldout, real;

    @BeforeAll static void tinyModel() throws Exception {
        model = tmp.resolve("tiny.safetensors");
        UNet unet = new UNet(CpuBackend.INSTANCE, new UNetConfig(32, 1, new int[] {1}, 1, new int[0], 0, 1, 28, true, 0));
        unet.initialize(5);
        ModelFile.save(model, unet, ModelInfo.ddpmDefaults(unet.config()), "F32");
        heldout = randomDigits("heldout.safetensors", 12, 1);
        real = randomDigits("real.safetensors", 10, 2);
    }

    /** {@code n} 28×28 U8 images of random pixels (the real sets are slow to classify on a busy machine). */
    private static Path randomDigits(String name, int n, long seed) throws Exception {
        java.util.Random rng = new java.util.Random(seed);
        int[] x = new int[n * 784], y = new int[n];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextInt(256);
        Path p = tmp.resolve(name);
        new RawSafetensors().add("images", "U8", new int[] {n, 1, 28, 28}, RawSafetensors.u8(x))
                .add("labels", "U8", new int[] {n}, RawSafetensors.u8(y)).write(p);
        return p;
    }

    /** The evaluate arguments: tiny defaults, each replaced where {@code more} gives the option. */
    private static String[] args(Path outDir, String... more) {
        Map<String, String> options = new LinkedHashMap<>();
        String[] defaults = {"--model", model.toString(), "--count", "3", "--trajectory-count", "2", "--reference-steps", "10",
                "--batch", "3", "--device", "cpu", "--heldout", heldout.toString(),
                "--real", real.toString(), "--out-dir", outDir.toString()};
        for (int i = 0; i < defaults.length; i += 2) options.put(defaults[i], defaults[i + 1]);
        List<String> a = new ArrayList<>(List.of("evaluate"));
        for (int i = 0; i < more.length; i += 2) {
            if (options.containsKey(more[i])) options.put(more[i], more[i + 1]);
            else a.addAll(List.of(more[i], more[i + 1]));
        }
        options.forEach((k, v) -> a.addAll(List.of(k, v)));
        return a.toArray(String[]::new);
    }

    @Test void writesTheTableTheCsvAndTheCharts() throws Exception {
        Path settings = tmp.resolve("settings.txt");
        Files.writeString(settings, "# one setting a line\n\ndpm-solver++2m:3\n");
        Path out = tmp.resolve("run");
        Object[] r = CliRun.runCapturingStdout(args(out, "--setting", "ddim:2", "--settings", settings.toString()));
        assertEquals(0, r[0], (String) r[1]);
        String table = (String) r[2];
        assertTrue(table.contains("ddim:2:official") && table.contains("dpm-solver++2m:3:logsnr") && table.contains("real vs real"), table);

        List<String> csv = Files.readAllLines(out.resolve("evaluate.csv"), StandardCharsets.UTF_8);
        assertEquals(EvaluationReport.CSV_HEADER, csv.get(0));
        assertEquals(4, csv.size(), String.join("\n", csv));
        String[] ddim = csv.get(1).split(",", -1), dpm = csv.get(2).split(",", -1);
        assertArrayEquals(new String[] {"ddim:2:official", "ddim", "2", "official", "", "", ""}, Arrays.copyOf(ddim, 7));
        assertEquals(2, ddim[10].split(" ").length, "one error per step");
        assertEquals(3, dpm[10].split(" ").length, "one error per step");
        for (String[] row : new String[][] {ddim, dpm})
            for (int c = 7; c <= 9; c++) assertTrue(Double.parseDouble(row[c]) > 0, csv.toString());
        assertTrue(csv.get(3).startsWith("real-vs-real,,,,,,,"), csv.get(3));
        assertTrue(Double.parseDouble(csv.get(3).split(",", -1)[7]) > 0, csv.get(3));
        for (String png : new String[] {"trajectory-error.png", "frechet.png"}) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(out.resolve(png)), 4);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head, png);
        }
    }

    @Test void aTunedRowNamesItsModeAndTuningTime() throws Exception {
        Path tau = tmp.resolve("p.json");
        new TunedSchedule("ddim", 2, "official", null, new double[][] {{0.9}, {1.0}},
                java.util.Map.of("mode", new com.google.gson.JsonPrimitive("parallel"), "tuning_seconds", new com.google.gson.JsonPrimitive(123.4)))
                .write(tau);
        Path out = tmp.resolve("tuned");
        Object[] r = CliRun.runCapturingStdout(args(out, "--setting", "ddim:2", "--setting", "ddim:2:official:tau=" + tau));
        assertEquals(0, r[0], (String) r[1]);
        String table = (String) r[2];
        assertTrue(table.lines().anyMatch(l -> l.startsWith("ddim:2:official+tau(parallel)") && l.strip().endsWith(" 123")), table);
        String[] tuned = Files.readAllLines(out.resolve("evaluate.csv"), StandardCharsets.UTF_8).get(2).split(",", -1);
        assertEquals("ddim:2:official+tau(parallel)", tuned[0]);
        assertEquals("parallel", tuned[5]);
        assertEquals(123.4, Double.parseDouble(tuned[6]), 1e-9);
    }

    @Test void aSettingsFileNamesTauFilesRelativeToItself() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("table"));
        Files.writeString(folder.resolve("r.json"), "[1.0, 1.0]");
        Path file = folder.resolve("settings.txt");
        Files.writeString(file, "ddim:2:official:tau=r.json\n  # a comment\nheun:4\n");
        List<EvaluationSetting> s = EvaluationSetting.readFile(file);
        assertEquals(List.of(new EvaluationSetting("ddim", 2, org.timetuner4j.diffusion.Trajectory.OFFICIAL, folder.resolve("r.json")),
                new EvaluationSetting("heun", 4, org.timetuner4j.diffusion.Trajectory.EDM, null)), s);
        Files.writeString(file, "ddim:2\nddim:two\n");
        org.timetuner4j.UserError e = org.junit.jupiter.api.Assertions.assertThrows(org.timetuner4j.UserError.class,
                () -> EvaluationSetting.readFile(file));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test void refusesBadInputInOneLineBeforeAnyWork() throws Exception {
        Path plainList = tmp.resolve("three.json");
        Files.writeString(plainList, "[1.0, 1.0, 1.0]");
        Path heun = tmp.resolve("heun.json");
        new TunedSchedule("heun", 4, "edm", null, new double[][] {{1, 1}, {1, 1}}, null).write(heun);
        String[][] cases = {
                {"--setting", "ddim"}, {"--setting", "ddim:x"}, {"--setting", "euler:5"}, {"--setting", "ddim:5:wiggly"},
                {"--setting", "ddim:0"}, {"--setting", "ddim:5:tau=" + tmp.resolve("missing.json")},
                {"--setting", "ddim:5:official:tau=" + plainList}, {"--setting", "ddim:4:official:tau=" + heun},
                {"--setting", "ddim:5", "--count", "1"}, {"--setting", "ddim:5", "--heldout", tmp.resolve("none.safetensors").toString()},
                {"--settings", tmp.resolve("none.txt").toString()}, {},
        };
        CliRun.assertError(CliRun.run(args(tmp.resolve("refused"), "--setting", "ddim:5", "--reference-steps", "100000000")),
                "--reference-steps must be between 10 and 100000");
        for (String[] c : cases) {
            Path out = tmp.resolve("refused");
            Object[] r = CliRun.run(args(out, c));
            String err = ((String) r[1]).strip();
            assertEquals(1, r[0], Arrays.toString(c) + ": " + err);
            assertTrue(err.startsWith("error: ") && !err.contains("\n"), Arrays.toString(c) + ": " + err);
            assertFalse(Files.exists(out.resolve("evaluate.csv")), Arrays.toString(c));
            System.out.println(Arrays.toString(c) + " -> " + err);
        }
    }
}
