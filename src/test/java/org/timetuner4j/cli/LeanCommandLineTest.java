package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A run of one subcommand reads only that subcommand's options ({@link Main#commandLineFor}):
 * every subcommand must then print the same help and the same usage errors as it does in the
 * whole command tree, and names that are not subcommands (help, options, typos) take the whole tree.
 */
class LeanCommandLineTest {
    @Test void everySubcommandReadsTheSameAloneAsInTheWholeCommand() {
        Map<String, CommandLine> all = Main.commandLine().getSubcommands();
        for (Map.Entry<String, CommandLine> e : all.entrySet()) {
            String name = e.getKey();
            if (name.equals("help")) continue;
            CommandLine lean = Main.commandLineFor(name);
            assertNotNull(lean, name);
            assertEquals(1, lean.getSubcommands().size(), name);
            CommandLine alone = lean.getSubcommands().get(name);
            assertEquals(e.getValue().getUsageMessage(), alone.getUsageMessage(), name + " --help");
            assertEquals(e.getValue().getCommandSpec().qualifiedName(), alone.getCommandSpec().qualifiedName(), name);
            assertEquals(usageError(Main.commandLine(), name), usageError(lean, name), name + " --no-such-option");
        }
    }

    @Test void otherFirstWordsTakeTheWholeCommand() {
        for (String word : new String[] {"help", "--help", "--version", "sampel", ""})
            assertNull(Main.commandLineFor(word), word);
    }

    /** What the command prints for an unknown option of the subcommand, with the CLI's own handler. */
    private static String usageError(CommandLine cli, String name) {
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setParameterExceptionHandler((ex, a) -> Failures.reportUsage(ex, ex.getCommandLine().getErr()));
        int rc = cli.execute(name, "--no-such-option");
        return rc + " " + err;
    }
}
