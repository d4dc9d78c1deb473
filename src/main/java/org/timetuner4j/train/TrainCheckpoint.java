package org.timetuner4j.train;

import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNetConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole state of a training run in one safetensors file: flattened weights, their EMA and
 * Adam's moments (F32, in the network's parameter order), the loss of every step, and in the
 * metadata the UNet config, the settings, the step count and the training time so far.
 * Written atomically (a temporary file, then a rename), so a kill never leaves half a file.
 */
public record TrainCheckpoint(UNetConfig config, TrainSettings settings, long step, float[] weights, float[] ema,
                              float[] adamM, float[] adamV, List<Float> losses, double trainingSeconds) {

    public void write(Path path) throws IOException {
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("weights", TensorData.f32(weights, weights.length));
        t.put("ema", TensorData.f32(ema, ema.length));
        t.put("adam_m", TensorData.f32(adamM, adamM.length));
        t.put("adam_v", TensorData.f32(adamV, adamV.length));
        float[] l = new float[losses.size()];
        for (int i = 0; i < l.length; i++) l[i] = losses.get(i);
        t.put("losses", TensorData.f32(l, l.length));
        Map<String, String> md = new LinkedHashMap<>();
        md.put("format", "timetuner4j-train-checkpoint-1");
        md.put("config", UNetConfigJson.toJson(config));
        md.put("settings", settings.toJson());
        md.put("step", Long.toString(step));
        md.put("training_seconds", Double.toString(trainingSeconds));
        Path abs = path.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Safetensors.write(tmp, t, md, "F32");
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static TrainCheckpoint read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new IOException("no training checkpoint at " + path);
        SafetensorsFile f = Safetensors.read(path);
        Map<String, String> md = f.metadata();
        if (!"timetuner4j-train-checkpoint-1".equals(md.get("format")))
            throw new IllegalArgumentException(path + " is not a training checkpoint of this engine");
        float[] l = tensor(f, "losses", path);
        List<Float> losses = new ArrayList<>(l.length);
        for (float v : l) losses.add(v);
        long step = Long.parseLong(md.get("step"));
        if (losses.size() != step) throw new IllegalArgumentException(path + ": " + losses.size() + " losses for " + step + " steps");
        return new TrainCheckpoint(UNetConfigJson.fromJson(md.get("config")), TrainSettings.fromJson(md.get("settings")), step,
                tensor(f, "weights", path), tensor(f, "ema", path), tensor(f, "adam_m", path), tensor(f, "adam_v", path), losses,
                Double.parseDouble(md.getOrDefault("training_seconds", "0")));
    }

    private static float[] tensor(SafetensorsFile f, String name, Path path) {
        TensorData t = f.tensors().get(name);
        if (t == null) throw new IllegalArgumentException(path + " has no tensor '" + name + "'");
        return t.values();
    }
}
