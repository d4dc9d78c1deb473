package org.timetuner4j.train;

import org.timetuner4j.UserError;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a training run's outputs (OUT.lock beside the model file), held while it
 * runs, so two runs cannot write the same model, checkpoint and progress folder at once.
 */
public final class RunLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    public static RunLock acquire(Path model) throws IOException {
        Path abs = model.toAbsolutePath();
        Path file = abs.resolveSibling(abs.getFileName() + ".lock");
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new UserError("another training run is writing " + model + " (it holds " + file + "); wait for it or choose another --out");
        }
        return new RunLock(file, ch, lock);
    }

    @Override public void close() throws IOException {
        lock.release();
        channel.close();
        Files.deleteIfExists(file);
    }
}
