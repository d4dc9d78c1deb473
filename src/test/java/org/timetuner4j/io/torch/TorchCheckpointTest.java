package org.timetuner4j.io.torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both torch.save formats: PyTorch-written fixtures, and hand-made containers for every error path. */
class TorchCheckpointTest {
    static final Path FIX = Path.of("src/test/resources/fixtures/checkpoints");

    @TempDir Path tmp;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static Map<String, float[]> readAll(Path p) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (TorchCheckpoint c = TorchCheckpoint.open(p)) {
            Py.Dict d = (Py.Dict) c.root();
            for (Map.Entry<Object, Object> e : d.entries().entrySet()) {
                out.put((String) e.getKey(), c.read((TorchTensor) e.getValue()));
            }
        }
        return out;
    }

    private TorchFormatException fails(byte[] file, String fragment) throws IOException {
        Path p = write("bad.pt", file);
        TorchFormatException e = assertThrows(TorchFormatException.class, () -> readAll(p));
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("bad.pt"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @ParameterizedTest
    @ValueSource(strings = {"storage-zoo.pt", "storage-zoo-legacy.pt"})
    void everyStorageTypeAndViewMatchesPyTorch(String name) throws IOException {
        Map<String, TensorData> expected = Safetensors.read(FIX.resolve("storage-zoo-expected.safetensors")).tensors();
        Map<String, float[]> got = readAll(FIX.resolve(name));
        assertEquals(expected.keySet(), got.keySet());
        for (Map.Entry<String, TensorData> e : expected.entrySet()) {
            float[] want = e.getValue().values();
            float[] have = got.get(e.getKey());
            assertEquals(want.length, have.length, e.getKey());
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(have[i]), e.getKey() + "[" + i + "]");
            }
        }
        try (TorchCheckpoint c = TorchCheckpoint.open(FIX.resolve(name))) {
            Py.Dict d = (Py.Dict) c.root();
            assertEquals(name.contains("legacy") ? TorchCheckpoint.Format.LEGACY : TorchCheckpoint.Format.ZIP, c.format());
            TorchTensor slice = (TorchTensor) d.get("slice");
            assertEquals(2, slice.offset());
            TorchTensor transposed = (TorchTensor) d.get("transposed");
            assertArrayEquals(new long[] {1, 4}, transposed.stride());
            assertSame(slice.storage().key(), transposed.storage().key());
            assertArrayEquals(new long[] {0, 0}, ((TorchTensor) d.get("expanded")).stride());
            assertEquals(0, ((TorchTensor) d.get("scalar")).shape().length);
            assertEquals("BF16", ((TorchTensor) d.get("bf16")).dtype());
            assertEquals("F16", ((TorchTensor) d.get("half_view")).dtype());
            assertEquals("BOOL", ((TorchTensor) d.get("bool")).dtype());
        }
    }

    private static void assertSame(String a, String b) {
        assertEquals(a, b, "views must share one storage");
    }

    @Test void ddimTrainingListKeepsItsStructure() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(FIX.resolve("ddim-ckpt-list.pth"))) {
            Py.PyList l = assertInstanceOf(Py.PyList.class, c.root());
            assertEquals(5, l.size());
            Py.Dict model = (Py.Dict) l.get(0);
            assertTrue(model.ordered());
            assertTrue(model.containsKey("module.conv_in.weight"));
            Py.Dict opt = (Py.Dict) l.get(1);
            assertEquals(3, ((Py.Dict) opt.get("state")).size());
            Py.Dict group = (Py.Dict) ((Py.PyList) opt.get("param_groups")).get(0);
            assertEquals(2e-4, group.get("lr"));
            assertEquals(144, ((Py.PyList) group.get("params")).size());
            assertEquals(7L, l.get(2));
            assertEquals(1234L, l.get(3));
            Py.Dict ema = (Py.Dict) l.get(4);
            assertFalse(ema.ordered());
            assertEquals(144, ema.size());
            // raw and EMA weights are windows into the same pool storage, one element apart
            TorchTensor raw = (TorchTensor) model.get("module.down.0.block.0.conv1.weight");
            TorchTensor avg = (TorchTensor) ema.get("down.0.block.0.conv1.weight");
            assertEquals(raw.storage().key(), avg.storage().key());
            assertEquals(avg.offset() + 1, raw.offset());
            float[] r = c.read(raw);
            float[] a = c.read(avg);
            assertEquals(a[1], r[0]);
        }
    }

    @Test void deflatedEntriesAndBigEndianStorages() throws IOException {
        // Re-pack the zoo with DEFLATE, as archive tools may do: same values.
        Map<String, byte[]> records = new LinkedHashMap<>();
        try (java.util.zip.ZipFile zf = new java.util.zip.ZipFile(FIX.resolve("storage-zoo.pt").toFile())) {
            for (ZipEntry e : java.util.Collections.list(zf.entries())) records.put(e.getName(), zf.getInputStream(e).readAllBytes());
        }
        byte[] pickle = records.remove("storage-zoo/data.pkl");
        Map<String, byte[]> storages = new LinkedHashMap<>();
        Map<String, byte[]> extra = new LinkedHashMap<>();
        records.forEach((k, v) -> {
            if (k.startsWith("storage-zoo/data/")) storages.put(k.substring("storage-zoo/data/".length()), v);
            else extra.put(k.substring("storage-zoo/".length()), v);
        });
        Path deflated = write("zoo-deflated.pt", TorchFiles.zip("storage-zoo", pickle, storages, extra, true));
        Map<String, float[]> a = readAll(FIX.resolve("storage-zoo.pt"));
        Map<String, float[]> b = readAll(deflated);
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), k);

        // byteorder "big": float32 storages are big-endian
        byte[] p = PickleBuilder.proto2().orderedDict().mark().str("w")
                .tensor("FloatStorage", "0", 3, 0, new long[] {3}, new long[] {1}, false).setItems().stop().bytes();
        ByteBuffer be = ByteBuffer.allocate(12).order(ByteOrder.BIG_ENDIAN).putFloat(1.5f).putFloat(-2f).putFloat(3.25f);
        Path big = write("big.pt", TorchFiles.zip("archive", p, Map.of("0", be.array()), Map.of("byteorder", "big".getBytes()), false));
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, readAll(big).get("w"));
    }

    private static byte[] onePickle(String storageType, long numel, long offset, long[] size, long[] stride, boolean legacy) {
        return PickleBuilder.proto2().orderedDict().mark().str("w")
                .tensor(storageType, "0", numel, offset, size, stride, legacy).setItems().stop().bytes();
    }

    @Test void zipArchiveProblems() throws IOException {
        byte[] ok = onePickle("FloatStorage", 4, 0, new long[] {4}, new long[] {1}, false);
        assertArrayEquals(new float[] {0, 1, 2, 3}, readAll(write("ok.pt", TorchFiles.zip(ok, Map.of("0", TorchFiles.floats(0, 1, 2, 3))))).get("w"));

        fails(TorchFiles.zip(ok, Map.of("0", TorchFiles.floats(0, 1, 2))), "declares 4 elements of torch.FloatStorage (16 bytes) but its record holds 12");
        fails(TorchFiles.zip(ok, Map.of("1", TorchFiles.floats(0, 1, 2, 3))), "has no record archive/data/0");
        fails(TorchFiles.zip(onePickle("FloatStorage", 4, 1, new long[] {4}, new long[] {1}, false), Map.of("0", TorchFiles.floats(0, 1, 2, 3))),
                "out of bounds");
        fails(TorchFiles.zip("archive", ok, Map.of(), Map.of("constants.pkl", new byte[] {1}), false), "TorchScript");
        fails(TorchFiles.zip("archive", ok, Map.of("0", TorchFiles.floats(0, 1, 2, 3)), Map.of("byteorder", "middle".getBytes()), false),
                "byteorder");
        fails(TorchFiles.zip("archive", new byte[0], Map.of(), Map.of(), false), "without STOP");
        byte[] noPickle = TorchFiles.zip("archive", ok, Map.of(), Map.of(), false);
        fails(new String(noPickle, java.nio.charset.StandardCharsets.ISO_8859_1).replace("data.pkl", "data.pkX")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), "without data.pkl");
        fails(new byte[] {'P', 'K', 3, 4, 0, 0}, "not a valid zip archive");
        fails(new byte[] {1, 2, 3}, "not a torch.save file");
        // a key that could be mistaken for a path
        byte[] sneaky = PickleBuilder.proto2().orderedDict().mark().str("w")
                .tensor("FloatStorage", "../x", 4, 0, new long[] {4}, new long[] {1}, false).setItems().stop().bytes();
        fails(TorchFiles.zip(sneaky, Map.of()), "invalid storage key");
        // one key, two declarations
        byte[] twice = PickleBuilder.proto2().orderedDict().mark()
                .str("a").tensor("FloatStorage", "0", 4, 0, new long[] {4}, new long[] {1}, false)
                .str("b").tensor("HalfStorage", "0", 8, 0, new long[] {8}, new long[] {1}, false).setItems().stop().bytes();
        fails(TorchFiles.zip(twice, Map.of("0", TorchFiles.floats(0, 1, 2, 3))), "declared twice");
    }

    @Test void corruptStorageBytesFailTheChecksum() throws IOException {
        byte[] ok = onePickle("FloatStorage", 4, 0, new long[] {4}, new long[] {1}, false);
        byte[] file = TorchFiles.zip(ok, Map.of("0", TorchFiles.floats(1.5f, 1.5f, 1.5f, 1.5f)));
        byte[] needle = TorchFiles.floats(1.5f);
        int at = indexOf(file, needle);
        file[at + 1] ^= 0x40;
        fails(file, "CRC-32");
    }

    /** Sets the central-directory sizes of the entry called {@code name} (the reader must not trust them). */
    static byte[] withCentralSizes(byte[] zip, String name, long size) {
        byte[] b = zip.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 <= b.length; i++) {
            if (bb.getInt(i) != 0x02014b50) continue;
            int n = bb.getShort(i + 28) & 0xFFFF;
            if (new String(b, i + 46, n, java.nio.charset.StandardCharsets.UTF_8).equals(name)) {
                bb.putInt(i + 20, (int) size);
                bb.putInt(i + 24, (int) size);
                return b;
            }
        }
        throw new AssertionError(name + " not found");
    }

    @Test void hugeDeclaredEntrySizesAreRefusedBeforeAllocating() throws IOException {
        byte[] ok = onePickle("FloatStorage", 4, 0, new long[] {4}, new long[] {1}, false);
        byte[] zip = TorchFiles.zip(ok, Map.of("0", TorchFiles.floats(0, 1, 2, 3)));
        Path p = write("huge.pt", withCentralSizes(zip, "archive/data.pkl", 0x7FFFFFF0L));
        TorchFormatException e = assertThrows(TorchFormatException.class, () -> readAll(p));
        assertFalse(e.getMessage().contains("\n"));
        Path q = write("huge2.pt", withCentralSizes(zip, "archive/data/0", 0x7FFFFFF0L));
        e = assertThrows(TorchFormatException.class, () -> readAll(q));
        assertTrue(e.getMessage().contains("zip") || e.getMessage().contains("bytes"), e.getMessage());
        // a storage declared with 2^40 elements
        fails(TorchFiles.zip(onePickle("FloatStorage", 1L << 40, 0, new long[] {4}, new long[] {1}, false),
                Map.of("0", TorchFiles.floats(0, 1, 2, 3))), "larger than");
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test void legacyFileProblems() throws IOException {
        byte[] ok = onePickle("FloatStorage", 4, 0, new long[] {4}, new long[] {1}, true);
        assertArrayEquals(new float[] {0, 1, 2, 3}, readAll(write("ok.pt", TorchFiles.legacy(ok, Map.of("0", TorchFiles.floats(0, 1, 2, 3))))).get("w"));

        byte[] full = TorchFiles.legacy(ok, Map.of("0", TorchFiles.floats(0, 1, 2, 3)));
        fails(java.util.Arrays.copyOf(full, full.length - 3), "file ends inside storage '0'");
        fails(TorchFiles.legacy(ok, Map.of("0", TorchFiles.floats(0, 1, 2))), "holds 3 elements but the pickle declared 4");
        fails(TorchFiles.legacy(ok, Map.of()), "storage '0' is used but its data is missing");
        byte[] wrongMagic = full.clone();
        wrongMagic[5] ^= 1;
        fails(wrongMagic, "wrong magic");
        byte[] bigEndian = new String(full, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("little_endian\u0088", "little_endian\u0089").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        fails(bigEndian, "big-endian");
        byte[] module = PickleBuilder.proto2().mark().str("module").none().str("model.py").str("class M: ...").tuple()
                .binpersid().stop().bytes();
        fails(TorchFiles.legacy(module, Map.of()), "whole nn.Module");
        // a declared size bigger than the file
        fails(TorchFiles.legacy(onePickle("FloatStorage", 1L << 20, 0, new long[] {4}, new long[] {1}, true), Map.of()),
                "more than the whole file");
    }

    @Test void legacyPickleLargerThanTheFirstRead() throws IOException {
        // 3 MB of metadata in the object pickle: the reader grows its buffer past the first 1 MiB
        String big = "x".repeat(3 << 20);
        byte[] p = PickleBuilder.proto2().orderedDict().mark().str("note").str(big).str("w")
                .tensor("FloatStorage", "0", 4, 0, new long[] {4}, new long[] {1}, true).setItems().stop().bytes();
        Path f = write("big-legacy.pt", TorchFiles.legacy(p, Map.of("0", TorchFiles.floats(0, 1, 2, 3))));
        try (TorchCheckpoint c = TorchCheckpoint.open(f)) {
            Py.Dict d = (Py.Dict) c.root();
            assertEquals(big.length(), ((String) d.get("note")).length());
            assertArrayEquals(new float[] {0, 1, 2, 3}, c.read((TorchTensor) d.get("w")));
        }
        // and a truncated one still says so
        byte[] cut = java.util.Arrays.copyOf(TorchFiles.legacy(p, Map.of()), 2 << 20);
        fails(cut, "file truncated");
    }

    @Test void legacyStorageViews() throws IOException {
        // pid ('storage', FloatStorage, '0', 'cpu', 10, ('view0', 2, 5)): elements 2..6 of storage '0'
        byte[] p = PickleBuilder.proto2().orderedDict().mark().str("w")
                .global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(10)
                .str("view0").integer(2).integer(5).tuple3().tuple().binpersid()
                .integer(1).integer(3).tuple1().integer(1).tuple1().bool(false).orderedDict().tuple().reduce()
                .setItems().stop().bytes();
        Path f = write("view.pt", TorchFiles.legacy(p, Map.of("0", TorchFiles.floats(TorchFiles.range(10)))));
        assertArrayEquals(new float[] {3, 4, 5}, readAll(f).get("w"));
        byte[] outside = new String(p, java.nio.charset.StandardCharsets.ISO_8859_1).replace("K\u0002K\u0005", "K\u0007K\u0005")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        fails(TorchFiles.legacy(outside, Map.of("0", TorchFiles.floats(TorchFiles.range(10)))), "lies outside");
    }
}
