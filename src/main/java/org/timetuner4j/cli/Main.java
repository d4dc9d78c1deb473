package org.timetuner4j.cli;

import org.timetuner4j.tuner.TuningDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The {@code timetuner} command: one subcommand per class in this package. */
@Command(name = "timetuner", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Few-step diffusion sampling with learned timesteps (TimeTuner) on a pure-Java engine.",
        subcommands = {InfoCommand.class, SampleCommand.class, TuneCommand.class, TrainCommand.class, EvalCommand.class, ConvertCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            // User mistakes (bad files, shapes, values) get one line, not a stack trace.
            if (isUserError(e)) {
                cmd.getErr().println("error: " + message(e));
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    private static boolean isUserError(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof IllegalStateException || e instanceof TuningDivergedException;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException) return "file not found: " + m;
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied: " + m;
        return m == null ? e.getClass().getSimpleName() : m.replace('\n', ' ');
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"timetuner " + (v == null ? "dev" : v)};
        }
    }
}
