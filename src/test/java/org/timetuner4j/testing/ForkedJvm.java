package org.timetuner4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a main class in a fresh JVM on this test run's class path, with only the JVM options given. */
public final class ForkedJvm {
    private ForkedJvm() {}

    public record Result(int exitCode, String stdout, String stderr) {}

    public static Result run(List<String> jvmOptions, String mainClass, String... args) throws IOException, InterruptedException {
        return run(Path.of("").toAbsolutePath(), jvmOptions, System.getProperty("java.class.path"), mainClass, args);
    }

    /** In working directory {@code dir}, on class path {@code classPath}. */
    public static Result run(Path dir, List<String> jvmOptions, String classPath, String mainClass, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        var out = p.getInputStream().readAllBytes();   // small outputs: reading one after the other cannot fill a pipe
        var err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("forked JVM did not finish: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
