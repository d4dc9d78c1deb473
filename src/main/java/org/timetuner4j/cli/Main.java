package org.timetuner4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;


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
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests); {@link Failures} says how failures end. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setUsageHelpWidth(HELP_WIDTH);
        for (CommandLine sub : cli.getSubcommands().values()) sub.getCommandSpec().versionProvider(new Version());
        cli.setParameterExceptionHandler((e, a) -> Failures.reportUsage(e, e.getCommandLine().getErr()));
        cli.setExecutionExceptionHandler((e, cmd, parseResult) -> Failures.report(e, cmd.getErr()));
        try {
            return cli.execute(args);
        } catch (Error e) {   // picocli hands errors (e.g. a JVM without the Vector API) straight through
            return Failures.report(e, cli.getErr());
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"timetuner " + (v == null ? "dev" : v)};
        }
    }
}
