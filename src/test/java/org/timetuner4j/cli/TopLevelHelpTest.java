package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import org.timetuner4j.testing.CliRun;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `timetuner --help` lists each command with the first line of its description: that line must be a whole sentence. */
class TopLevelHelpTest {
    @Test void everyCommandPrintsTheVersion() {
        for (String command : List.of("sample", "tune", "evaluate")) {
            Object[] r = CliRun.runCapturingStdout(command, "--version");
            assertEquals(0, r[0], (String) r[1]);
            assertTrue(((String) r[2]).startsWith("timetuner "), command + ": '" + r[2] + "'");
        }
    }

    @Test void everyCommandIsListedWithAWholeSentence() {
        Object[] r = CliRun.runCapturingStdout("--help");
        assertEquals(0, r[0], (String) r[1]);
        String help = (String) r[2];
        // one entry per command: its name, then its description wrapped onto indented lines
        String commands = help.substring(help.indexOf("Commands:") + "Commands:".length());
        for (String entry : commands.split("\\R(?=  \\S)")) {
            String text = entry.strip().replaceAll("\\s+", " ");
            if (!text.isEmpty()) assertTrue(text.endsWith("."), "'" + text + "' is cut short");
        }
        for (String command : List.of("info", "sample", "tune", "train", "train-classifier", "classify", "eval", "evaluate", "convert"))
            assertTrue(commands.contains("  " + command + " "), command + " in:\n" + help);
    }
}
