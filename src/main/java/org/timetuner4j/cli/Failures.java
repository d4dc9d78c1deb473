package org.timetuner4j.cli;

import org.timetuner4j.UserError;
import org.timetuner4j.backend.cpu.VectorApiMissingError;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * How a command ends when it fails. A user mistake (a usage error, a bad value or file, a JVM
 * without the Vector API) prints one {@code error: …} line and exits {@value #USER_ERROR}; anything
 * else is a bug of ours and prints its stack trace and exits {@value #INTERNAL_ERROR}.
 */
final class Failures {
    static final int USER_ERROR = 1;
    static final int INTERNAL_ERROR = 70;   // EX_SOFTWARE of sysexits.h

    private Failures() {}

    /** IllegalArgumentException and I/O errors are how the engine reports bad input throughout. */
    static boolean isUserError(Throwable e) {
        return e instanceof UserError || e instanceof IllegalArgumentException || e instanceof IOException
                || e instanceof UncheckedIOException || e instanceof VectorApiMissingError || e instanceof OutOfMemoryError;
    }

    static int report(Throwable e, PrintWriter err) {
        if (isUserError(e)) {
            err.println("error: " + oneLine(e));
            err.flush();
            return USER_ERROR;
        }
        err.println("internal error (a bug in timetuner, please report it with this output):");
        e.printStackTrace(err);
        err.flush();
        return INTERNAL_ERROR;
    }

    /** A command-line syntax mistake, in one line that says where to look. */
    static int reportUsage(CommandLine.ParameterException e, PrintWriter err) {
        StringBuilder line = new StringBuilder(oneLine(e).replaceFirst("\\.$", ""));
        if (e instanceof CommandLine.UnmatchedArgumentException u) {
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) line.append(" (did you mean ").append(String.join(" or ", suggestions)).append("?)");
        }
        String name = e.getCommandLine().getCommandSpec().qualifiedName();
        err.println("error: " + line + "; see '" + name + " --help'");
        err.flush();
        return USER_ERROR;
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (e instanceof UncheckedIOException && e.getCause() != null) return oneLine(e.getCause());
        if (e instanceof NoSuchFileException) return "file not found: " + m;
        if (e instanceof AccessDeniedException) return "permission denied: " + m;
        if (e instanceof OutOfMemoryError)
            return "out of memory (" + m + "); use a smaller --batch or --count, or give Java more heap (-Xmx…; for ./timetuner in TIMETUNER_JAVA_OPTS)";
        return m == null ? e.getClass().getSimpleName() : m.strip().replaceAll("\\s*\n\\s*", " ");
    }
}
