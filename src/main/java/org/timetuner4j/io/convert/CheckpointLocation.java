package org.timetuner4j.io.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where the weights, a diffusers {@code config.json} and a scheduler config are, for a checkpoint
 * file or a diffusers folder (the weights may sit in its {@code unet/} sub-folder).
 *
 * @param weightsFile   the file holding the weights
 * @param folderConfig  a {@code config.json} beside the weights, or null
 * @param schedulerFile the scheduler config given or found beside the weights, or null
 */
record CheckpointLocation(Path weightsFile, Path folderConfig, Path schedulerFile) {
    private static final String[] DIFFUSERS_WEIGHTS = {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin",
            "diffusion_pytorch_model.fp16.safetensors", "diffusion_pytorch_model.fp16.bin"};

    /** Checks that {@code in} exists and {@code out} can be written, and finds the files. */
    static CheckpointLocation locate(Path in, Path out, Path scheduler) throws IOException {
        if (!Files.exists(in)) throw new IllegalArgumentException("checkpoint not found: " + in);
        if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a directory; give a file name");
        Path outDir = out.toAbsolutePath().getParent();
        if (outDir != null && !Files.isDirectory(outDir)) throw new IllegalArgumentException("output folder does not exist: " + outDir);

        Path weightsFile = in;
        Path folderConfig = null;
        if (Files.isDirectory(in)) {
            Path dir = in;
            if (findWeights(dir) == null && Files.isDirectory(dir.resolve("unet"))) dir = dir.resolve("unet");
            weightsFile = findWeights(dir);
            if (weightsFile == null) throw noWeights(dir);
            if (Files.isRegularFile(dir.resolve("config.json"))) folderConfig = dir.resolve("config.json");
        } else {
            Path sibling = in.toAbsolutePath().getParent() == null ? null : in.toAbsolutePath().getParent().resolve("config.json");
            if (sibling != null && Files.isRegularFile(sibling)) folderConfig = sibling;
        }
        Path schedulerFile = scheduler != null ? scheduler : findScheduler(weightsFile);
        return new CheckpointLocation(weightsFile, folderConfig, schedulerFile);
    }

    /**
     * A diffusers pipeline keeps the scheduler next to the UNet: {@code scheduler/scheduler_config.json}
     * beside the weights' folder (…/unet/diffusion_pytorch_model.*), or a scheduler_config.json
     * beside the weights themselves.
     */
    private static Path findScheduler(Path weightsFile) {
        Path dir = weightsFile.toAbsolutePath().getParent();
        if (dir == null) return null;
        Path[] candidates = {dir.resolve("scheduler_config.json"), dir.resolve("scheduler").resolve("scheduler_config.json"),
                dir.getParent() == null ? null : dir.getParent().resolve("scheduler").resolve("scheduler_config.json")};
        for (Path c : candidates) if (c != null && Files.isRegularFile(c)) return c;
        return null;
    }

    private static Path findWeights(Path dir) {
        for (String n : DIFFUSERS_WEIGHTS) if (Files.isRegularFile(dir.resolve(n))) return dir.resolve(n);
        return null;
    }

    private static IllegalArgumentException noWeights(Path dir) throws IOException {
        if (Files.exists(dir.resolve("diffusion_pytorch_model.safetensors.index.json"))
                || Files.exists(dir.resolve("diffusion_pytorch_model.bin.index.json"))) {
            return new IllegalArgumentException("folder " + dir + " holds a sharded checkpoint (*.index.json); sharded checkpoints are not supported");
        }
        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> String.valueOf(p.getFileName())).sorted().limit(8).collect(Collectors.toList());
        }
        return new IllegalArgumentException("folder " + dir + " holds no diffusion_pytorch_model.{safetensors,bin} (it has: "
                + (names.isEmpty() ? "nothing" : String.join(", ", names)) + ")");
    }
}
