package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The self-check that --device auto runs before trusting a GPU, exercised on the CPU: the CPU
 * backend as the candidate passes, and a candidate that gets one op wrong (a wrapper around the
 * CPU backend) is caught with that op named, and sends auto to the CPU with one warning line.
 */
class DeviceSelfCheckTest {
    static final CpuBackend CPU = CpuBackend.INSTANCE;

    /** The CPU backend with {@code method}'s result passed through {@code corrupt}. */
    static Backend wrongAt(String method, BiFunction<Object[], Object, Object> corrupt) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, m, args) -> {
            if (m.getName().equals("name")) return "broken-" + method;
            Object out;
            try {
                out = m.invoke(CPU, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return m.getName().equals(method) ? corrupt.apply(args, out) : out;
        });
    }

    /** Scales the first output tensor by 1.05 (a 5 % error). */
    static Object scaled(Object[] args, Object out) {
        Tensor t = out instanceof Tensor[] ts ? ts[0] : (Tensor) out;
        float[] v = t.toArray();
        for (int i = 0; i < v.length; i++) v[i] *= 1.05f;
        Tensor bad = CPU.fromHost(v, t.shape());
        if (out instanceof Tensor[] ts) {
            Tensor[] copy = ts.clone();
            copy[0] = bad;
            return copy;
        }
        return bad;
    }

    @Test void theCpuBackendAgreesWithItself() {
        DeviceSelfCheck.Result r = DeviceSelfCheck.run(CPU, CPU);
        assertTrue(r.passed(), r.describe());
        assertNull(r.failedOp());
        assertEquals(6, r.ops());
        System.out.println("self-check on the CPU: " + r.describe());
        long live = CPU.memory().liveTensors();
        DeviceSelfCheck.run(CPU, CPU);
        assertEquals(live, CPU.memory().liveTensors(), "the self-check frees every tensor it makes");
    }

    @ParameterizedTest
    @CsvSource({"add, add", "silu, silu", "siluBackward, silu", "conv2dForward, conv2d", "groupNormForward, group norm",
            "attentionForward, attention"})
    void aCandidateWrongInOneOpIsCaughtAndTheOpNamed(String method, String op) {
        DeviceSelfCheck.Result r = DeviceSelfCheck.run(wrongAt(method, DeviceSelfCheckTest::scaled), CPU);
        assertEquals(op, r.failedOp(), r.describe());
        assertTrue(r.describe().contains("relative"), r.describe());
    }

    @Test void aWrongUNetComputationIsCaught() {
        // the UNet's times are the only [2]-shaped upload: a candidate that corrupts them gives another ε
        Backend badTimes = wrongAt("fromHost", (args, out) -> {
            Tensor t = (Tensor) out;
            if (!t.shape().equals(Shape.of(2))) return out;
            float[] v = t.toArray();
            v[0] += 40;
            return CPU.fromHost(v, t.shape());
        });
        assertEquals("UNet forward and backward", DeviceSelfCheck.run(badTimes, CPU).failedOp());
    }

    @Test void aCandidateThatThrowsIsCaughtAndTheOpNamed() {
        Backend throwing = wrongAt("conv2dForward", (args, out) -> { throw new IllegalStateException("CUDA_ERROR_ILLEGAL_ADDRESS\nat launch"); });
        DeviceSelfCheck.Result r = DeviceSelfCheck.run(throwing, CPU);
        assertEquals("conv2d", r.failedOp());
        assertTrue(r.detail().contains("CUDA_ERROR_ILLEGAL_ADDRESS"), r.detail());
    }

    @Test void autoFallsBackToTheCpuWithOneWarningLineNamingTheOp() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8);
        Backend bad = wrongAt("groupNormForward", DeviceSelfCheckTest::scaled);
        assertSame(CPU, Devices.checked(bad, ps));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("warning: ") && text.contains("group norm") && text.contains("using the CPU"), text);

        Backend throwing = wrongAt("add", (args, out) -> { throw new IllegalStateException("two\nlines"); });
        err.reset();
        assertSame(CPU, Devices.checked(throwing, ps));
        assertEquals(1, err.toString(StandardCharsets.UTF_8).lines().count(), err.toString(StandardCharsets.UTF_8));

        err.reset();
        assertSame(CPU, Devices.checked(CPU, ps), "a candidate that passes is chosen");
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }
}
