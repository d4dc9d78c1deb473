package org.timetuner4j.nn;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole UNet against PyTorch: fixtures written by tools/make_unet_fixtures.py (an
 * independent PyTorch model built from the spec) hold weights, inputs, eps and autograd
 * gradients w.r.t. x, t and several weights.
 */
class UNetPyTorchFixtureTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    private final Backend be = CpuBackend.INSTANCE;

    @ParameterizedTest
    @ValueSource(strings = {"attn", "mono", "nopool"})
    void outputAndGradientsMatchPyTorch(String name) throws Exception {
        ModelFile.Loaded loaded = ModelFile.load(FIXTURES.resolve("unet-" + name + ".safetensors"), be, 0);
        UNet unet = loaded.unet();
        unet.train(false);
        unet.requiresGrad(true);
        SafetensorsFile io = Safetensors.read(FIXTURES.resolve("unet-" + name + "-io.safetensors"));
        Map<String, TensorData> ref = io.tensors();
        try (Scope scope = Scope.open(); Tape tape = Tape.record()) {
            Tensor x = be.fromHost(ref.get("x").values(), Shape.of(ref.get("x").shape())).requiresGrad(true);
            Tensor t = be.fromHost(ref.get("t").values(), Shape.of(ref.get("t").shape())).requiresGrad(true);
            Tensor eps = unet.forward(x, t);
            Check.maxRelative(name + " eps", eps.toArray(), ref.get("eps").values(), 1e-4);
            tape.backward(eps, be.fromHost(ref.get("gout").values(), eps.shape()));
            Check.maxRelative(name + " grad_x", x.grad().toArray(), ref.get("grad_x").values(), 2e-3);
            Check.maxRelative(name + " grad_t", t.grad().toArray(), ref.get("grad_t").values(), 2e-3);
            int weights = 0;
            Map<String, Parameter> params = unet.namedParameters();
            for (Map.Entry<String, TensorData> e : ref.entrySet()) {
                if (!e.getKey().startsWith("grad.")) continue;
                String key = e.getKey().substring("grad.".length());
                Parameter p = params.get(key);
                assertTrue(p != null, "fixture has a gradient for unknown weight " + key);
                Check.maxRelative(name + " grad " + key, p.value().grad().toArray(), e.getValue().values(), 2e-3);
                weights++;
            }
            assertTrue(weights >= 5, "fixture should hold gradients of several weights, has " + weights);
        }
    }

    /** Without a tape the residual blocks run their inside as one backend op (fused on the CPU): the same eps. */
    @ParameterizedTest
    @ValueSource(strings = {"attn", "mono", "nopool"})
    void inferenceOutputMatchesPyTorch(String name) throws Exception {
        UNet unet = ModelFile.load(FIXTURES.resolve("unet-" + name + ".safetensors"), be, 0).unet();
        unet.train(false);
        Map<String, TensorData> ref = Safetensors.read(FIXTURES.resolve("unet-" + name + "-io.safetensors")).tensors();
        try (Scope scope = Scope.open()) {
            Tensor x = be.fromHost(ref.get("x").values(), Shape.of(ref.get("x").shape()));
            Tensor t = be.fromHost(ref.get("t").values(), Shape.of(ref.get("t").shape()));
            Check.maxRelative(name + " eps without a tape", unet.forward(x, t).toArray(), ref.get("eps").values(), 1e-4);
        }
    }
}
