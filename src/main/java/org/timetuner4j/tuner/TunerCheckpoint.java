package org.timetuner4j.tuner;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The resumable state of a tuning run, written atomically after every interval and every 50
 * iterations: finished ratios and losses, and the current interval's ratios, Adam state and
 * iteration. Doubles are written in Java's shortest round-trip form, so a resumed run continues
 * with bit-identical numbers.
 */
public final class TunerCheckpoint {
    TunerSettings settings;
    int interval;            // the interval being tuned
    int iteration;           // iterations done in it
    double[][] done;         // ratios of finished intervals
    double[] finalLoss;      // loss of the last iteration of each finished interval
    double[] current;        // ratios of the current interval
    double[] adamM, adamV;
    int adamStep;
    double lastLoss;
    double[][] losses;       // the loss of every iteration of each finished interval
    double[] currentLosses;  // the losses of the current interval's first `iteration` iterations
    double seconds;          // wall time spent tuning, over all runs that reached this state

    /** The step being tuned (0-based); for progress displays. */
    public int interval() { return interval; }

    /** Iterations finished in that step; for progress displays. */
    public int iteration() { return iteration; }

    public void write(Path path) throws IOException {
        Gson gson = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping().setPrettyPrinting().create();
        // Not Files.createTempFile: the moved file would keep its owner-only permissions.
        Path tmp = path.toAbsolutePath().resolveSibling(path.getFileName() + ".tmp");
        Files.writeString(tmp, gson.toJson(this), StandardCharsets.UTF_8);
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static TunerCheckpoint read(Path path) throws IOException {
        try {
            TunerCheckpoint c = new Gson().fromJson(Files.readString(path, StandardCharsets.UTF_8), TunerCheckpoint.class);
            if (c == null || c.settings == null || c.done == null) throw new IOException(path + " is not a tuner checkpoint");
            return c;
        } catch (JsonParseException e) {
            throw new IOException(path + " is not a tuner checkpoint: " + org.timetuner4j.io.JsonErrors.oneLine(e));
        }
    }
}
