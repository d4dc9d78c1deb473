package org.timetuner4j.io;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.nn.DigitClassifier;
import org.timetuner4j.nn.Parameter;
import org.timetuner4j.tensor.Scope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** The digit classifier's file: its weights (F32 safetensors) and metadata naming the architecture. */
public final class DigitClassifierFile {
    private DigitClassifierFile() {}

    /** Writes the weights (F32) with {@code metadata} and the architecture name, atomically. */
    public static void save(DigitClassifier net, Path path, Map<String, String> metadata) throws IOException {
        Map<String, TensorData> t = new LinkedHashMap<>();
        net.namedParameters().forEach((n, p) -> t.put(n, TensorData.f32(p.value().toArray(), p.shape().dims())));
        Map<String, String> md = new LinkedHashMap<>();
        md.put("architecture", DigitClassifier.ARCHITECTURE);
        metadata.forEach(md::putIfAbsent);
        Path abs = path.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Safetensors.write(tmp, t, md, "F32");
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a file written by {@link #save}; refuses other architectures and missing or misshapen weights. */
    public static DigitClassifier load(Path path, Backend backend) throws IOException {
        if (!Files.isRegularFile(path)) throw new IOException("classifier file not found: " + path);
        SafetensorsFile f = Safetensors.read(path);
        String arch = f.metadata().get("architecture");
        if (!DigitClassifier.ARCHITECTURE.equals(arch))
            throw new IllegalArgumentException(path + " is not a digit classifier of this engine ("
                    + (arch != null ? "architecture " + arch : f.metadata().containsKey("config") ? "it is a diffusion model"
                    : "its metadata names no architecture") + "; `timetuner train-classifier` makes one)");
        DigitClassifier net = new DigitClassifier(backend);
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            TensorData d = f.tensors().get(e.getKey());
            if (d == null) throw new IllegalArgumentException(path + " has no tensor '" + e.getKey() + "'");
            if (!Arrays.equals(d.shape(), e.getValue().shape().dims()))
                throw new IllegalArgumentException(path + ": '" + e.getKey() + "' is " + d.shapeString() + ", expected "
                        + TensorData.shapeString(e.getValue().shape().dims()));
            e.getValue().set(Scope.detach(backend.adoptHost(d.values(), e.getValue().shape())));
        }
        return net;
    }

    /** The metadata of a classifier file (architecture, held-out accuracy, epochs, seed, ...). */
    public static Map<String, String> metadata(Path path) throws IOException {
        return Safetensors.read(path).metadata();
    }
}
