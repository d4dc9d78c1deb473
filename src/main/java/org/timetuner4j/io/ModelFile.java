package org.timetuner4j.io;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.io.layout.DdimConfigInference;
import org.timetuner4j.io.layout.DdimShapeCheck;
import org.timetuner4j.nn.Parameter;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.tensor.Scope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The engine's model file: one safetensors file whose tensor names are the ddim keys and whose
 * {@code __metadata__} holds {@code config} (JSON with the ddim names) and optionally
 * {@code model_type}, {@code beta_schedule}, {@code beta_start}, {@code beta_end},
 * {@code num_diffusion_timesteps}.
 */
public final class ModelFile {
    private ModelFile() {}

    /** A network with its weights and what the file says about it. */
    public record Loaded(UNet unet, ModelInfo info) {}

    /**
     * Loads a model. When the file has no config, it is inferred from the tensor names and
     * shapes; the image size cannot be, so {@code resolutionHint} supplies it (≤ 0: none known).
     */
    public static Loaded load(Path path, Backend backend, int resolutionHint) throws IOException {
        if (Files.isDirectory(path))
            throw new IOException(path + " is a directory, not a model file (convert a diffusers folder with `timetuner convert`)");
        if (!Files.isRegularFile(path)) throw new IOException("model file not found: " + path);
        SafetensorsFile file = Safetensors.read(path);
        Map<String, int[]> shapes = new LinkedHashMap<>();
        file.tensors().forEach((k, v) -> shapes.put(k, v.shape()));

        if (!shapes.containsKey("conv_in.weight")) {
            String held = String.join(", ", shapes.keySet().stream().limit(4).toList()) + (shapes.size() > 4 ? ", …" : "");
            throw new IllegalArgumentException(path + " is not a model file: it holds no UNet weights (conv_in.weight), but "
                    + (shapes.isEmpty() ? "no tensors" : held));
        }
        String configJson = file.metadata().get("config");
        UNetConfig config;
        boolean inferred = configJson == null;
        if (inferred) {
            if (resolutionHint <= 0)
                throw new IllegalArgumentException(path + " has no config in its metadata and the image size is unknown");
            config = DdimConfigInference.infer(shapes, resolutionHint);
        } else {
            try {
                config = UNetConfigJson.fromJson(configJson);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path + ": bad config in metadata: " + e.getMessage());
            }
        }
        List<String> problems = DdimShapeCheck.problems(config, shapes);
        if (!problems.isEmpty()) {
            String first = String.join("; ", problems.subList(0, Math.min(4, problems.size())));
            String more = problems.size() > 4 ? " (and " + (problems.size() - 4) + " more)" : "";
            throw new IllegalArgumentException(path + " does not match its UNet config: " + first + more);
        }
        ModelInfo info = ModelInfo.fromMetadata(config, inferred, file.metadata());
        UNet unet = new UNet(backend, config);
        for (Map.Entry<String, Parameter> e : unet.namedParameters().entrySet()) {
            TensorData td = file.tensors().get(e.getKey());
            e.getValue().set(Scope.detach(backend.adoptHost(td.values(), e.getValue().shape())));
        }
        return new Loaded(unet, info);
    }

    /**
     * The UNet config a model file stores in its metadata, read without the weights; empty when
     * it stores none or cannot be read ({@link #load} says why).
     */
    public static Optional<UNetConfig> storedConfig(Path path) {
        try {
            String json = Safetensors.readMetadata(path).get("config");
            return json == null ? Optional.empty() : Optional.of(UNetConfigJson.fromJson(json));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Writes a model file (dtype F32, F16 or BF16). */
    public static void save(Path path, UNet unet, ModelInfo info, String dtype) throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : unet.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            tensors.put(e.getKey(), new TensorData("F32", p.shape().dims(), p.value().toArray()));
        }
        Safetensors.write(path, tensors, info.toMetadata(), dtype);
    }
}
