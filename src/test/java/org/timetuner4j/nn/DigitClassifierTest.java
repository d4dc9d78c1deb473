package org.timetuner4j.nn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.DigitClassifierFile;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DigitClassifierTest {
    @TempDir Path tmp;
    private final Backend be = CpuBackend.INSTANCE;

    @Test void parametersAreNamedByLayerAndShapedAsDocumented() {
        DigitClassifier net = new DigitClassifier(be);
        Map<String, Parameter> p = net.namedParameters();
        assertEquals(List.of("conv1.weight", "conv1.bias", "norm1.weight", "norm1.bias", "conv2.weight", "conv2.bias",
                "norm2.weight", "norm2.bias", "conv3.weight", "conv3.bias", "norm3.weight", "norm3.bias",
                "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), List.copyOf(p.keySet()));
        assertEquals(Shape.of(64, 32, 3, 3), p.get("conv2.weight").shape());
        assertEquals(Shape.of(128, 64 * 7 * 7), p.get("fc1.weight").shape());
        assertEquals(Shape.of(10, 128), p.get("fc2.weight").shape());
    }

    @Test void savedAndLoadedClassifierGivesTheSameLogitsAndFeatures() throws Exception {
        DigitClassifier net = new DigitClassifier(be);
        net.initialize(4);
        Path file = tmp.resolve("c.safetensors");
        DigitClassifierFile.save(net, file, Map.of("epochs", "7", "architecture", "ignored: the class sets it"));
        DigitClassifier back = DigitClassifierFile.load(file, be);
        assertEquals("7", DigitClassifierFile.metadata(file).get("epochs"));
        assertEquals(DigitClassifier.ARCHITECTURE, DigitClassifierFile.metadata(file).get("architecture"));
        float[] x = Check.randomArray(new Random(1), 3 * 28 * 28, 1.0);
        try (Scope s = Scope.open()) {
            Tensor in = be.fromHost(x, Shape.of(3, 1, 28, 28));
            Tensor f = net.features(in);
            assertEquals(Shape.of(3, DigitClassifier.FEATURES), f.shape());
            assertEquals(Shape.of(3, DigitClassifier.CLASSES), net.logits(in).shape());
            assertArrayEquals(net.logits(in).toArray(), back.logits(in).toArray());
            assertArrayEquals(f.toArray(), back.features(in).toArray());
            for (float v : f.toArray()) assertTrue(v >= -0.28f, "features are SiLU outputs (>= -0.2785), got " + v);
        }
    }

    @Test void initializationIsSeededAndUsesFanIn() {
        DigitClassifier a = new DigitClassifier(be), b = new DigitClassifier(be);
        a.initialize(3);
        b.initialize(3);
        float[] w = a.namedParameters().get("fc1.weight").value().toArray();
        assertArrayEquals(w, b.namedParameters().get("fc1.weight").value().toArray());
        double bound = 1 / Math.sqrt(64 * 7 * 7), max = 0;
        for (float v : w) max = Math.max(max, Math.abs(v));
        assertTrue(max <= bound && max > 0.9 * bound, "fc1 weights within ±1/sqrt(3136): max " + max);
        for (float v : a.namedParameters().get("norm2.weight").value().toArray()) assertEquals(1f, v);
    }

    @Test void loadRefusesOtherFilesWithOneClearMessage() throws Exception {
        DigitClassifier net = new DigitClassifier(be);
        net.initialize(0);
        Path good = tmp.resolve("good.safetensors");
        DigitClassifierFile.save(net, good, Map.of());
        Map<String, TensorData> tensors = new LinkedHashMap<>(Safetensors.read(good).tensors());

        Path other = tmp.resolve("other.safetensors");
        Safetensors.write(other, tensors, Map.of("architecture", "something-else"), "F32");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DigitClassifierFile.load(other, be)).getMessage()
                .contains("not a digit classifier"));

        tensors.remove("fc2.bias");
        Path missing = tmp.resolve("missing.safetensors");
        Safetensors.write(missing, tensors, Map.of("architecture", DigitClassifier.ARCHITECTURE), "F32");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DigitClassifierFile.load(missing, be)).getMessage()
                .contains("no tensor 'fc2.bias'"));

        tensors.put("fc2.bias", TensorData.f32(new float[11], 11));
        Path shape = tmp.resolve("shape.safetensors");
        Safetensors.write(shape, tensors, Map.of("architecture", DigitClassifier.ARCHITECTURE), "F32");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DigitClassifierFile.load(shape, be)).getMessage()
                .contains("'fc2.bias' is [11]"));

        assertThrows(java.io.IOException.class, () -> DigitClassifierFile.load(tmp.resolve("absent"), be));
    }

    @Test void refusesImagesOfAnotherSize() {
        DigitClassifier net = new DigitClassifier(be);
        try (Scope s = Scope.open()) {
            assertThrows(IllegalArgumentException.class, () -> net.logits(be.zeros(Shape.of(2, 1, 32, 32))));
            assertThrows(IllegalArgumentException.class, () -> net.logits(be.zeros(Shape.of(2, 3, 28, 28))));
        }
    }
}
