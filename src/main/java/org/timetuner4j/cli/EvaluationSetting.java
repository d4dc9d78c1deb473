package org.timetuner4j.cli;

import org.timetuner4j.UserError;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.solvers.Solvers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One sampler setting of {@code evaluate}: {@code solver:nfe[:trajectory][:tau=FILE]}, e.g.
 * {@code ddim:5}, {@code dpm-solver-2:6:logsnr}, {@code ddim:5:official:tau=weights/x.json}.
 * Without a trajectory the solver's default is used (as {@code sample} does).
 */
record EvaluationSetting(String solver, int nfe, Trajectory trajectory, Path tau) {
    static final String FORMAT = "solver:nfe[:trajectory][:tau=FILE]";

    /** Parses a SPEC; a τ path is taken relative to {@code base} (null: the working directory). */
    static EvaluationSetting parse(String spec, Path base) {
        String[] parts = spec.trim().split(":");
        if (parts.length < 2 || parts.length > 4) throw bad(spec, "expected " + FORMAT);
        String solver = parts[0].trim();
        try {
            Solvers.byName(solver, 0);
        } catch (IllegalArgumentException e) {
            throw bad(spec, e.getMessage());
        }
        int nfe;
        try {
            nfe = Integer.parseInt(parts[1].trim());
        } catch (NumberFormatException e) {
            throw bad(spec, "NFE '" + parts[1] + "' is not a whole number");
        }
        if (nfe < 1) throw bad(spec, "NFE must be >= 1");
        Trajectory trajectory = null;
        Path tau = null;
        for (int i = 2; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.startsWith("tau=")) {
                if (tau != null || p.length() == 4) throw bad(spec, "give one tau=FILE");
                tau = base == null ? Path.of(p.substring(4)) : base.resolve(p.substring(4));
            } else if (trajectory == null && tau == null) {
                try {
                    trajectory = Trajectory.of(p);
                } catch (IllegalArgumentException e) {
                    throw bad(spec, e.getMessage());
                }
            } else {
                throw bad(spec, "expected " + FORMAT);
            }
        }
        if (tau != null && !Files.isRegularFile(tau)) throw bad(spec, "τ file not found: " + tau);
        return new EvaluationSetting(solver, nfe, trajectory == null ? Sampler.defaultTrajectory(solver) : trajectory, tau);
    }

    /**
     * The settings of a settings file: one SPEC per line; blank lines and lines starting with #
     * are skipped; τ paths are relative to the file's folder.
     */
    static List<EvaluationSetting> readFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new UserError("--settings file not found: " + file);
        Path base = file.toAbsolutePath().getParent();
        List<EvaluationSetting> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) continue;
            try {
                out.add(parse(line, base));
            } catch (UserError e) {
                throw new UserError(file + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        if (out.isEmpty()) throw new UserError("--settings " + file + " lists no setting");
        return out;
    }

    boolean tuned() { return tau != null; }

    /** The setting as a table label: {@code solver:nfe:trajectory}, with {@code +tau} when tuned. */
    String label() { return solver + ":" + nfe + ":" + trajectory.id() + (tuned() ? "+tau" : ""); }

    private static UserError bad(String spec, String why) {
        return new UserError("bad setting '" + spec + "': " + why);
    }
}
