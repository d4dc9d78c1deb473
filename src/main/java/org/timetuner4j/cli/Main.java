package org.timetuner4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.Charset;
import java.util.Arrays;

/** The {@code timetuner} command: one subcommand per class in this package. */
@Command(name = "timetuner", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Few-step diffusion sampling with learned timesteps (TimeTuner) on a pure-Java engine.",
        subcommands = {InfoCommand.class, SampleCommand.class, TuneCommand.class, TrainCommand.class, TrainClassifierCommand.class, ClassifyCommand.class, EvalCommand.class, EvaluateCommand.class, ConvertCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Columns of --help: the descriptions' hand-made lines (tables, formulas) fit in it without re-wrapping. */
    static final int HELP_WIDTH = 100;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        adoptLauncherStderr();
        System.exit(run(args));
    }

    /**
     * The launcher (./timetuner) drops the JVM's incubator notice from stderr by piping it
     * through a separate process, which could still be writing after the JVM had exited and the
     * shell's prompt was back (an error line printed after the prompt). It also hands on the
     * stderr it was given as another descriptor ({@code -Dtimetuner.stderr-fd=3}): what the
     * program writes goes straight there, in order and before exit, and the filter sees only what
     * the JVM printed before main. The descriptor is written as it is, not reopened by a path:
     * /dev/fd/3 opened anew would have its own file position, and with {@code > log 2>&1} the
     * shell's next writes landed over the program's. Java has no public way to wrap a descriptor
     * number, so this sets FileDescriptor's field (the launcher opens java.io for it); where that
     * or the descriptor fails, System.err stays as it was (the filter passes it on).
     */
    static void adoptLauncherStderr() {
        String fd = System.getProperty("timetuner.stderr-fd");
        if (fd == null || fd.isEmpty()) return;
        try {
            FileDescriptor descriptor = new FileDescriptor();
            Field number = FileDescriptor.class.getDeclaredField("fd");
            number.setAccessible(true);
            number.setInt(descriptor, Integer.parseInt(fd));
            FileOutputStream out = new FileOutputStream(descriptor);
            out.getChannel().size();  // fstat: fails if the descriptor is not open
            System.setErr(new PrintStream(out, true, Charset.defaultCharset()));
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            // keep the JVM's stderr
        }
    }

    /** Runs the CLI and returns its exit code (for tests); {@link Failures} says how failures end. */
    public static int run(String... args) {
        CommandLine cli = args.length == 0 ? null : commandLineFor(args[0]);
        if (cli == null) cli = commandLine();
        cli.setParameterExceptionHandler((e, a) -> Failures.reportUsage(e, e.getCommandLine().getErr()));
        cli.setExecutionExceptionHandler((e, cmd, parseResult) -> Failures.report(e, cmd.getErr()));
        try {
            return cli.execute(args);
        } catch (Error e) {   // picocli hands errors (e.g. a JVM without the Vector API) straight through
            return Failures.report(e, cli.getErr());
        }
    }

    /** The whole command: picocli reads every subcommand's options by reflection (0.2 s of a cold start). */
    static CommandLine commandLine() {
        return configured(new CommandLine(new Main()));
    }

    /**
     * The command with only the subcommand called {@code name} (not help), or null when there is
     * none by that name: what running one subcommand needs, read in 0.06-0.09 s less than
     * {@link #commandLine()}. Its root has the same name, so usage lines and errors read the same.
     */
    static CommandLine commandLineFor(String name) {
        for (Class<?> sub : Main.class.getAnnotation(Command.class).subcommands()) {
            Command c = sub.getAnnotation(Command.class);
            if (sub != CommandLine.HelpCommand.class && (c.name().equals(name) || Arrays.asList(c.aliases()).contains(name)))
                return configured(new CommandLine(new Root()).addSubcommand(sub));
        }
        return null;
    }

    private static CommandLine configured(CommandLine cli) {
        cli.setUsageHelpWidth(HELP_WIDTH);
        for (CommandLine sub : cli.getSubcommands().values()) sub.getCommandSpec().versionProvider(new Version());
        return cli;
    }

    /** {@link Main} without its list of subcommands, for {@link #commandLineFor}. */
    @Command(name = "timetuner", mixinStandardHelpOptions = true, versionProvider = Main.Version.class)
    static final class Root implements Runnable {
        @Override public void run() {}
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"timetuner " + (v == null ? "dev" : v)};
        }
    }
}
