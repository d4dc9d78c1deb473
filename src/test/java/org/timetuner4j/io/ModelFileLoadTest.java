package org.timetuner4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.nn.Parameter;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** Loading a model keeps one copy of its weights: no zeros made first, no copy of the file's arrays. */
class ModelFileLoadTest {
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    /** The CPU backend, counting calls by method name. */
    private Backend counting() {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, m, args) -> {
            calls.computeIfAbsent(m.getName(), k -> new AtomicInteger()).incrementAndGet();
            try {
                return m.invoke(CpuBackend.INSTANCE, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private int count(String method) { return calls.getOrDefault(method, new AtomicInteger()).get(); }

    @Test void loadingAdoptsTheFilesArraysAndMakesNoZeros(@TempDir Path dir) throws Exception {
        UNet saved = new UNet(CpuBackend.INSTANCE, new UNetConfig(32, 1, new int[] {1}, 1, new int[0], 0, 1, 8, true, 10));
        saved.initialize(3);
        Path model = dir.resolve("m.safetensors");
        ModelFile.save(model, saved, ModelInfo.ddpmDefaults(saved.config()), "F32");

        UNet loaded = ModelFile.load(model, counting(), 0).unet();
        Map<String, Parameter> params = loaded.namedParameters();
        assertEquals(0, count("zeros"), "zeros made for parameters that are loaded");
        assertEquals(0, count("fromHost"), "weights copied");
        assertEquals(params.size(), count("adoptHost"));
        for (Map.Entry<String, Parameter> e : params.entrySet())
            assertArrayEquals(saved.namedParameters().get(e.getKey()).value().toArray(), e.getValue().value().toArray(), 0f, e.getKey());
    }

    @Test void anUnsetParameterReadsAsZerosAndClosingAModuleMakesNone() {
        UNet unet = new UNet(counting(), new UNetConfig(32, 1, new int[] {1}, 1, new int[0], 0, 1, 8, true, 10));
        unet.close();
        assertEquals(0, count("zeros"));
        UNet fresh = new UNet(counting(), new UNetConfig(32, 1, new int[] {1}, 1, new int[0], 0, 1, 8, true, 10));
        float[] w = fresh.namedParameters().get("conv_in.weight").value().toArray();
        assertEquals(1, count("zeros"));
        for (float v : w) assertEquals(0f, v);
    }
}
