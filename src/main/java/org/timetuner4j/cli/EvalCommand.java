package org.timetuner4j.cli;

import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** One network evaluation (and optionally its vector-Jacobian products) on tensors from a file. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate the network once: eps = model(x, t).",
                "IN holds x [N,C,H,W] and t [N] (model-input time, real-valued, e.g. 0..999).",
                "With --grad, IN also holds gout (shape of eps) and OUT also gets grad_x and grad_t,",
                "the vector-Jacobian products of eps with gout. The network runs in inference mode.", ""})
final class EvalCommand implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "M.safetensors", description = "Model file (ddim key names, config in metadata).")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "IN.safetensors", description = "Tensors x, t (and gout with --grad).")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "OUT.safetensors", description = "Receives eps (and grad_x, grad_t).")
    Path output;

    @Option(names = "--grad", description = "Also compute grad_x and grad_t for the cotangent gout.")
    boolean grad;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Override public Integer call() throws Exception {
        common.apply();
        if (!Files.isRegularFile(input)) throw new IllegalArgumentException("input file not found: " + input);
        OutputFiles.checkWritable(output, "--output");
        SafetensorsFile in = Safetensors.read(input);
        TensorData x = require(in, "x");
        TensorData t = require(in, "t");
        if (x.rank() != 4) throw new IllegalArgumentException("x must be [N,C,H,W], got " + TensorData.shapeString(x.shape()));
        Backend be = Devices.select(device);
        ModelFile.Loaded loaded = ModelFile.load(model, be, x.dim(2));
        UNet unet = loaded.unet();
        unet.train(false);
        unet.checkInputs(Shape.of(x.shape()), Shape.of(t.shape()));

        Map<String, TensorData> out = new LinkedHashMap<>();
        try (Scope scope = Scope.open()) {
            Tensor xt = be.fromHost(x.values(), Shape.of(x.shape()));
            Tensor tt = be.fromHost(t.values(), Shape.of(t.shape()));
            if (!grad) {
                Tensor eps = unet.forward(xt, tt);
                out.put("eps", TensorData.f32(eps.toArray(), eps.shape().dims()));
            } else {
                TensorData gout = require(in, "gout");
                try (Tape tape = Tape.record()) {
                    xt.requiresGrad(true);
                    tt.requiresGrad(true);
                    Tensor eps = unet.forward(xt, tt);
                    if (!java.util.Arrays.equals(gout.shape(), eps.shape().dims()))
                        throw new IllegalArgumentException("gout has shape " + TensorData.shapeString(gout.shape())
                                + " but eps has shape " + eps.shape());
                    tape.backward(eps, be.fromHost(gout.values(), eps.shape()));
                    out.put("eps", TensorData.f32(eps.toArray(), eps.shape().dims()));
                    out.put("grad_x", TensorData.f32(xt.grad().toArray(), x.shape()));
                    out.put("grad_t", TensorData.f32(tt.grad().toArray(), t.shape()));
                }
            }
        }
        Map<String, String> md = new LinkedHashMap<>();
        md.put("model", model.toString());
        Safetensors.write(output, out, md, "F32");
        System.err.println("wrote " + String.join(", ", out.keySet()) + " to " + output);
        return 0;
    }

    private static TensorData require(SafetensorsFile f, String name) {
        TensorData d = f.tensors().get(name);
        if (d == null) throw new IllegalArgumentException("input file has no tensor '" + name + "' (it has: "
                + String.join(", ", f.tensors().keySet()) + ")");
        return d;
    }
}
