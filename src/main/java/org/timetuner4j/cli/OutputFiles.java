package org.timetuner4j.cli;

import org.timetuner4j.UserError;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Checks, before any work starts, that an output file can be written, so a long run never ends in a failed write. */
final class OutputFiles {
    private OutputFiles() {}

    /** A one-line warning when an output's name does not say what it will hold (a grid named x.jpg is still a PNG). */
    static void warnIfNotNamed(Path file, String extension, String option, String what) {
        if (!file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(extension))
            System.err.println("warning: " + option + " " + file + " will hold " + what + " (its name does not end in " + extension + ")");
    }

    /**
     * The file must be a file (or not exist yet); its folder is created if missing. Writability is
     * tried, not inferred from permissions (which say yes to root on a read-only disk): an existing
     * file is opened for writing without truncating it, otherwise a probe file is created and deleted.
     */
    static void checkWritable(Path file, String option) {
        String what = option + " " + file;
        if (Files.isDirectory(file)) throw new UserError(what + " is a directory, not a file");
        Path folder = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(folder);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new UserError(what + " cannot be written: " + e.getFile() + " is not a directory");
        } catch (IOException | SecurityException e) {
            throw new UserError(what + " cannot be written: its folder cannot be created ("
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such folder: " : e instanceof java.nio.file.AccessDeniedException
                    ? "permission denied: " : "") + e.getMessage() + ")");
        }
        if (Files.exists(file)) {
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) { /* opened: writable */ }
            catch (IOException | SecurityException e) {
                throw new UserError(what + " cannot be written: it cannot be opened for writing (" + e.getClass().getSimpleName() + ")");
            }
        } else {
            try {
                Files.delete(Files.createTempFile(folder, ".timetuner-", ".probe"));
            } catch (IOException | SecurityException e) {
                throw new UserError(what + " cannot be written: no file can be created in " + folder + " (" + e.getClass().getSimpleName() + ")");
            }
        }
    }
}
