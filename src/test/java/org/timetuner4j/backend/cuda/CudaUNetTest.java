package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.nn.Parameter;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

/**
 * The whole UNet (with attention) forward and backward on CUDA against the CPU backend, on the
 * PyTorch fixture's weights and inputs: ε at 1e-4, gradients w.r.t. x, t and every weight at
 * 1e-3 (summation order differs). Skips where no CUDA driver or device is present.
 */
@Tag("gpu")
class CudaUNetTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");

    /** {eps, grad x, grad t, then the weight gradients in name order}, with the names. */
    private static Map<String, float[]> run(Backend be, String name, Map<String, TensorData> io) throws Exception {
        UNet unet = ModelFile.load(FIXTURES.resolve("unet-" + name + ".safetensors"), be, 0).unet();
        unet.train(false);
        unet.requiresGrad(true);
        Map<String, float[]> r = new HashMap<>();
        try (Scope scope = Scope.open(); Tape tape = Tape.record()) {
            Tensor x = be.fromHost(io.get("x").values(), Shape.of(io.get("x").shape())).requiresGrad(true);
            Tensor t = be.fromHost(io.get("t").values(), Shape.of(io.get("t").shape())).requiresGrad(true);
            Tensor eps = unet.forward(x, t);
            r.put("eps", eps.toArray());
            tape.backward(eps, be.fromHost(io.get("gout").values(), eps.shape()));
            r.put("grad_x", x.grad().toArray());
            r.put("grad_t", t.grad().toArray());
            for (Map.Entry<String, Parameter> e : unet.namedParameters().entrySet())
                if (e.getValue().value().grad() != null) r.put("grad." + e.getKey(), e.getValue().value().grad().toArray());
        }
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"attn", "mono", "nopool"})
    void forwardAndBackwardAgreeWithTheCpuBackend(String name) throws Exception {
        Assumptions.assumeTrue(CudaRuntime.available(), () -> "no CUDA here: " + CudaRuntime.reason());
        assertAgreesWithTheCpuBackend(CudaBackend.instance(), name);
    }

    /** Fixture {@code name}'s forward and backward on {@code cuda} against the CPU backend and PyTorch's ε. */
    static void assertAgreesWithTheCpuBackend(CudaBackend cuda, String name) throws Exception {
        Map<String, TensorData> io = Safetensors.read(FIXTURES.resolve("unet-" + name + "-io.safetensors")).tensors();
        Map<String, float[]> cpu = run(CpuBackend.INSTANCE, name, io);
        Map<String, float[]> gpu = run(cuda, name, io);
        Check.maxRelative(name + " eps (cuda vs cpu)", gpu.get("eps"), cpu.get("eps"), 1e-4);
        Check.maxRelative(name + " eps (cuda vs PyTorch)", gpu.get("eps"), io.get("eps").values(), 1e-4);
        int compared = 0;
        for (Map.Entry<String, float[]> e : cpu.entrySet()) {
            if (e.getKey().equals("eps")) continue;
            assertTrue(gpu.containsKey(e.getKey()), "no CUDA gradient for " + e.getKey());
            Check.maxRelative(name + " " + e.getKey(), gpu.get(e.getKey()), e.getValue(), 1e-3);
            compared++;
        }
        assertTrue(compared > 10, "gradients of x, t and the weights were compared: " + compared);
    }
}
