package org.timetuner4j.io.torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints whose pickles would run a command if Python unpickled them are refused, naming
 * what they asked for, and run nothing.
 *
 * <p>The committed files (made by {@code tools/make_checkpoint_fixtures.py}, which verified in a
 * temporary directory that PyTorch's unsafe {@code torch.load} really creates the marker) use
 * the relative marker {@code timetuner-pwned.marker}; the payloads built here use an absolute path
 * in this test's temporary directory. Either way the marker must not appear.
 */
class MaliciousCheckpointTest {
    static final Path MAL = Path.of("src/test/resources/fixtures/checkpoints/malicious");
    static final String MARKER = "timetuner-pwned.marker";

    @TempDir Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "os-system, os.system",
            "posix-system, posix.system",
            "builtins-exec, builtins.exec",
            "subprocess-popen, subprocess.Popen",
            "stack-global, os.system",
            "inst, INST: it would instantiate os.system",
            "obj, os.system",
            "nested, posix.system"})
    void committedPayloadsAreRefusedInBothFormats(String name, String named) throws IOException {
        for (Path f : List.of(MAL.resolve(name + ".pth"), MAL.resolve(name + "-legacy.pt"))) {
            UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.open(f).close());
            assertTrue(e.getMessage().contains(named), "expected '" + named + "' in: " + e.getMessage());
            assertTrue(e.getMessage().startsWith(f.getFileName().toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        assertFalse(Files.exists(Path.of(MARKER)), "marker created in the working directory");
        assertFalse(Files.exists(MAL.resolve(MARKER)), "marker created next to the payloads");
    }

    /** Payloads that would create {@code marker} if executed; each with the text its refusal must contain. */
    private static Map<byte[], String> payloads(Path marker) {
        String m = marker.toString();
        String cmd = "touch " + m;
        Map<byte[], String> p = new LinkedHashMap<>();
        p.put(PickleBuilder.proto2().global("os", "system").str(cmd).tuple1().reduce().stop().bytes(), "os.system");
        p.put(PickleBuilder.proto2().global("posix", "system").str(cmd).tuple1().reduce().stop().bytes(), "posix.system");
        p.put(PickleBuilder.proto2().global("builtins", "exec").str("open('" + m + "','w').close()").tuple1().reduce().stop().bytes(),
                "builtins.exec");
        p.put(PickleBuilder.proto2().global("builtins", "eval").str("__import__('os').system('" + cmd + "')").tuple1().reduce().stop().bytes(),
                "builtins.eval");
        p.put(PickleBuilder.proto2().global("__builtin__", "eval").str("0").tuple1().reduce().stop().bytes(), "__builtin__.eval");
        p.put(PickleBuilder.proto2().global("subprocess", "Popen").emptyList().str("touch").append().str(m).append()
                .tuple1().reduce().stop().bytes(), "subprocess.Popen");
        p.put(PickleBuilder.proto2().global("subprocess", "check_call").str(cmd).tuple1().reduce().stop().bytes(), "subprocess.check_call");
        p.put(new PickleBuilder().op(0x80).raw(4).stackGlobal("os", "system").shortStr(cmd).tuple1().reduce().stop().bytes(), "os.system");
        p.put(new PickleBuilder().op(0x80).raw(4).stackGlobal("builtins", "getattr").stop().bytes(), "builtins.getattr");
        p.put(PickleBuilder.proto2().mark().str(cmd).inst("os", "system").stop().bytes(), "INST: it would instantiate os.system");
        p.put(PickleBuilder.proto2().mark().global("collections", "OrderedDict").op('o').stop().bytes(), "OBJ");
        p.put(PickleBuilder.proto2().global("collections", "OrderedDict").emptyTuple().op(0x81).stop().bytes(), "NEWOBJ");
        p.put(PickleBuilder.proto2().op(0x83).raw(1, 0).stop().bytes(), "EXT2");
        p.put(PickleBuilder.proto2().emptyList().emptyDict().str("__setstate__").global("os", "system").setItem().build().stop().bytes(),
                "os.system");
        p.put(PickleBuilder.proto2().emptyList().emptyDict().build().stop().bytes(), "BUILD on a list");
        p.put(PickleBuilder.proto2().global("torch", "FloatStorage").str(cmd).tuple1().reduce().stop().bytes(), "REDUCE of torch.FloatStorage");
        p.put(PickleBuilder.proto2().global("torch.nn.modules.conv", "Conv2d").stop().bytes(), "torch.nn.modules.conv.Conv2d");
        p.put(PickleBuilder.proto2().global("torch._utils", "_rebuild_device_tensor_from_numpy").stop().bytes(),
                "torch._utils._rebuild_device_tensor_from_numpy");
        // the payload after a real tensor entry of a state dict
        p.put(PickleBuilder.proto2().orderedDict().mark().str("conv_in.bias")
                .tensor("FloatStorage", "0", 4, 0, new long[] {4}, new long[] {1}, false)
                .str("conv_out.bias").global("os", "system").str(cmd).tuple1().reduce().setItems().stop().bytes(), "os.system");
        return p;
    }

    @Test void handMadePayloadsAreRefusedAndRunNothing() throws IOException {
        Path marker = tmp.resolve(MARKER);
        int n = 0;
        for (Map.Entry<byte[], String> e : payloads(marker).entrySet()) {
            byte[] pickle = e.getKey();
            Path zip = tmp.resolve("p" + n + ".pth");
            Files.write(zip, TorchFiles.zip(pickle, Map.of("0", TorchFiles.floats(1, 2, 3, 4))));
            // the legacy object pickle uses 6-tuple persistent ids: the only tensor payload is rebuilt for it
            byte[] legacyPickle = new String(pickle, java.nio.charset.StandardCharsets.ISO_8859_1)
                    .replaceFirst("K\u0004t", "K\u0004Nt").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            Path legacy = tmp.resolve("p" + n + "-legacy.pt");
            Files.write(legacy, TorchFiles.legacy(legacyPickle, Map.of("0", TorchFiles.floats(1, 2, 3, 4))));
            for (Path f : List.of(zip, legacy)) {
                UnsafePickleException x = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.open(f).close(), e.getValue());
                assertTrue(x.getMessage().contains(e.getValue()), "expected '" + e.getValue() + "' in: " + x.getMessage());
                assertFalse(Files.exists(marker), "marker created by " + x.getMessage());
            }
            n++;
        }
        assertEquals(payloads(marker).size(), n);
    }

    /**
     * The reader cannot run anything named by a file: its source uses no reflection, class
     * loading, Java deserialisation, scripting or process creation at all.
     */
    @Test void theReaderUsesNoReflectionOrProcessApis() throws IOException {
        List<String> forbidden = List.of("Class.forName", "java.lang.reflect", ".invoke(", "getDeclared", "getConstructor", "newInstance",
                "loadClass", "MethodHandle", "ObjectInputStream", "ProcessBuilder", "Runtime.getRuntime", "ScriptEngine",
                "javax.script", "System.load");
        List<String> hits = new ArrayList<>();
        try (Stream<Path> files = Stream.concat(Files.list(Path.of("src/main/java/org/timetuner4j/io/torch")),
                Files.list(Path.of("src/main/java/org/timetuner4j/io/convert")))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String src = Files.readString(f);
                for (String word : forbidden) if (src.contains(word)) hits.add(f.getFileName() + ": " + word);
            }
        }
        assertEquals(List.of(), hits);
    }
}
