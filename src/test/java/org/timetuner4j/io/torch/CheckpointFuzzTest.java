package org.timetuner4j.io.torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.io.convert.CheckpointConverter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Corrupted checkpoints never crash the reader: every truncation, byte flip and inflated size
 * either still reads or ends in a one-line {@link TorchFormatException}; never a raw
 * RuntimeException, an Error (OutOfMemoryError, StackOverflowError), or a hang (each test runs
 * under a preemptive timeout). Mutations are applied to the files themselves and, for the zip
 * format, to {@code data.pkl} re-packed with valid checksums (otherwise the CRC check would stop
 * nearly every pickle mutation before the unpickler sees it).
 */
class CheckpointFuzzTest {
    static final Path FIX = Path.of("src/test/resources/fixtures/checkpoints");
    static final long SEED = 20240611L;

    @TempDir Path tmp;

    /** Attempts, successes (file still valid) and refusals; problems are collected, not thrown. */
    static final class Tally {
        int attempts;
        int ok;
        int refused;
        final List<String> problems = new ArrayList<>();

        void add(Tally t) {
            attempts += t.attempts;
            ok += t.ok;
            refused += t.refused;
            problems.addAll(t.problems);
        }
    }

    private int fileNo;

    /** Opens the mutated bytes and reads every tensor reachable from the root. */
    private void attempt(byte[] bytes, String what, Tally t) throws IOException {
        Path p = tmp.resolve("fuzz" + (fileNo++ % 8) + ".pt");
        Files.write(p, bytes);
        t.attempts++;
        try (TorchCheckpoint c = TorchCheckpoint.open(p)) {
            readEverything(c);
            t.ok++;
        } catch (TorchFormatException e) {
            t.refused++;
            String m = e.getMessage();
            if (m == null || m.contains("\n") || m.length() > 1000 || !m.startsWith(p.getFileName().toString())) {
                t.problems.add(what + ": bad message: " + m);
            }
        } catch (Throwable e) {
            t.problems.add(what + ": " + e.getClass().getName() + ": " + e.getMessage() + " at " + where(e));
        }
    }

    private static void push(ArrayDeque<Object> todo, Object x) {
        if (x != null) todo.add(x); // Python None
    }

    private static String where(Throwable e) {
        StackTraceElement[] st = e.getStackTrace();
        return st.length == 0 ? "?" : st[0] + (st.length > 1 ? " < " + st[1] : "");
    }

    static void readEverything(TorchCheckpoint c) throws IOException {
        ArrayDeque<Object> todo = new ArrayDeque<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        todo.add(c.root());
        int visits = 0;
        while (!todo.isEmpty() && visits++ < 100_000) {
            Object o = todo.poll();
            if (o == null || !seen.add(o)) continue;
            if (o instanceof Py.Dict d) d.entries().values().forEach(x -> push(todo, x));
            else if (o instanceof Py.PyList l) l.items().forEach(x -> push(todo, x));
            else if (o instanceof Py.Tuple tu) tu.items().forEach(x -> push(todo, x));
            else if (o instanceof TorchTensor tensor) c.read(tensor);
        }
    }

    // ------------------------------------------------------------------------------------------

    private Tally fileMutations(String name, int truncStep, int randomTruncs, int flips, Random rnd) throws IOException {
        byte[] orig = Files.readAllBytes(FIX.resolve(name));
        Tally t = new Tally();
        for (int len = 0; len < orig.length; len += truncStep) attempt(java.util.Arrays.copyOf(orig, len), name + " cut at " + len, t);
        for (int i = 0; i < randomTruncs; i++) {
            int len = rnd.nextInt(orig.length);
            attempt(java.util.Arrays.copyOf(orig, len), name + " cut at " + len, t);
        }
        for (int i = 0; i < flips; i++) {
            byte[] b = orig.clone();
            int n = 1 + rnd.nextInt(3);
            StringBuilder what = new StringBuilder(name + " flips");
            for (int k = 0; k < n; k++) {
                int at = rnd.nextInt(b.length);
                b[at] = (byte) rnd.nextInt(256);
                what.append(' ').append(at);
            }
            attempt(b, what.toString(), t);
        }
        return t;
    }

    /** Positions and widths of the integer and length operands of a pickle (the opcodes torch writes). */
    static List<int[]> intOperands(byte[] p, int start) {
        List<int[]> out = new ArrayList<>();
        int i = start;
        while (i < p.length) {
            int op = p[i++] & 0xFF;
            switch (op) {
                case 0x80, 'q', 'h' -> i += 1;
                case 'K' -> { out.add(new int[] {i, 1}); i += 1; }
                case 'M' -> { out.add(new int[] {i, 2}); i += 2; }
                case 'J' -> { out.add(new int[] {i, 4}); i += 4; }
                case 'r', 'j' -> { out.add(new int[] {i, 4}); i += 4; }
                case 'X' -> {
                    int n = ByteBuffer.wrap(p, i, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                    out.add(new int[] {i, 4});
                    i += 4 + n;
                }
                case 0x8A -> i += 1 + (p[i] & 0xFF);
                case 'G' -> i += 8;
                case 'c' -> {
                    for (int lines = 0; lines < 2; lines++) {
                        while (p[i] != '\n') i++;
                        i++;
                    }
                }
                case '.' -> {
                    return out;
                }
                default -> { /* no operand */ }
            }
        }
        return out;
    }

    /** Variants of a pickle with one integer or length operand set to an extreme value. */
    static List<byte[]> inflated(byte[] p, int start, int limit, Random rnd) {
        List<int[]> ops = intOperands(p, start);
        Collections.shuffle(ops, rnd);
        List<byte[]> out = new ArrayList<>();
        for (int[] op : ops.subList(0, Math.min(limit, ops.size()))) {
            long[] values = switch (op[1]) {
                case 1 -> new long[] {0xFF, 0};
                case 2 -> new long[] {0xFFFF, 0x8000};
                default -> new long[] {0x7FFFFFFFL, 0xFFFFFFFFL, 0x40000000L};
            };
            for (long v : values) {
                byte[] b = p.clone();
                for (int k = 0; k < op[1]; k++) b[op[0] + k] = (byte) (v >>> (8 * k));
                out.add(b);
            }
        }
        return out;
    }

    private static Map<String, byte[]> records(Path zip) throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (ZipFile zf = new ZipFile(zip.toFile())) {
            for (ZipEntry e : Collections.list(zf.entries())) m.put(e.getName(), zf.getInputStream(e).readAllBytes());
        }
        return m;
    }

    /** Mutates data.pkl of a zip fixture and re-packs it with valid CRCs. */
    private Tally pickleMutations(String name, int flips, int truncStep, int inflateLimit, Random rnd) throws IOException {
        Map<String, byte[]> recs = records(FIX.resolve(name));
        String prefix = recs.keySet().iterator().next().split("/")[0];
        byte[] pickle = recs.get(prefix + "/data.pkl");
        Map<String, byte[]> storages = new LinkedHashMap<>();
        Map<String, byte[]> extra = new LinkedHashMap<>();
        recs.forEach((k, v) -> {
            String rest = k.substring(prefix.length() + 1);
            if (rest.startsWith("data/")) storages.put(rest.substring(5), v);
            else if (!rest.equals("data.pkl")) extra.put(rest, v);
        });
        Tally t = new Tally();
        List<byte[]> variants = new ArrayList<>(inflated(pickle, 0, inflateLimit, rnd));
        for (int len = 0; len < pickle.length; len += truncStep) variants.add(java.util.Arrays.copyOf(pickle, len));
        for (int i = 0; i < flips; i++) {
            byte[] b = pickle.clone();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            variants.add(b);
        }
        int v = 0;
        for (byte[] p : variants) attempt(TorchFiles.zip(prefix, p, storages, extra, false), name + " data.pkl variant " + v++, t);
        return t;
    }

    /** Inflates operands of the object pickle and the first storage count of a legacy fixture. */
    private Tally legacyInflation(String name, int inflateLimit, Random rnd) throws IOException {
        byte[] orig = Files.readAllBytes(FIX.resolve(name));
        int at = 0;
        int[] starts = new int[6];
        for (int k = 0; k < 5; k++) {
            SafeUnpickler u = new SafeUnpickler(orig, at, orig.length, "x", (pid, w) -> new StorageRef("0", StorageType.FLOAT, 1L << 40, 0));
            starts[k] = at;
            u.load();
            at = u.position();
        }
        starts[5] = at; // first storage's int64 element count
        Tally t = new Tally();
        int v = 0;
        for (byte[] b : inflated(orig, starts[3], inflateLimit, rnd)) attempt(b, name + " inflated operand " + v++, t);
        for (long count : new long[] {1L << 40, Long.MAX_VALUE, -1, 0, 1L << 28}) {
            byte[] b = orig.clone();
            ByteBuffer.wrap(b, starts[5], 8).order(ByteOrder.LITTLE_ENDIAN).putLong(count);
            attempt(b, name + " storage count " + count, t);
        }
        return t;
    }

    private static void report(String what, Tally t, long t0) {
        System.out.printf("fuzz %-34s %6d attempts: %5d still valid, %5d refused, %d problems, %.2f s%n", what, t.attempts, t.ok,
                t.refused, t.problems.size(), (System.nanoTime() - t0) / 1e9);
        if (!t.problems.isEmpty()) fail(t.problems.size() + " problem(s), first: " + String.join(" | ", t.problems.subList(0, Math.min(5, t.problems.size()))));
    }

    @Test void truncationsAndByteFlipsOfWholeFiles() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            long t0 = System.nanoTime();
            Random rnd = new Random(SEED);
            Tally all = new Tally();
            all.add(fileMutations("storage-zoo.pt", 4, 0, 800, rnd));
            all.add(fileMutations("storage-zoo-legacy.pt", 2, 0, 800, rnd));
            all.add(fileMutations("ddim-legacy.pt", 1999, 50, 100, rnd));
            all.add(fileMutations("ddim-zip.pth", 3989, 40, 100, rnd));
            report("whole files (seed " + SEED + ")", all, t0);
            assertTrue(all.refused > 0, "some mutations must be refused");
        });
    }

    @Test void picklesWithInflatedSizesFlipsAndTruncations() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            long t0 = System.nanoTime();
            Random rnd = new Random(SEED + 1);
            Tally all = new Tally();
            all.add(pickleMutations("storage-zoo.pt", 600, 3, 300, rnd));
            all.add(pickleMutations("ddim-zip.pth", 150, 197, 100, rnd));
            all.add(pickleMutations("ddim-ckpt-list.pth", 60, 401, 60, rnd));
            all.add(legacyInflation("storage-zoo-legacy.pt", 300, rnd));
            all.add(legacyInflation("ddim-legacy.pt", 80, rnd));
            report("pickles (seed " + (SEED + 1) + ")", all, t0);
        });
    }

    /** The whole converter on mutated pickles: only one-line user errors come out. */
    @Test void converterOnMutatedCheckpoints() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            long t0 = System.nanoTime();
            Random rnd = new Random(SEED + 2);
            Map<String, byte[]> recs = records(FIX.resolve("ddim-zip.pth"));
            byte[] pickle = recs.get("ddim-zip/data.pkl");
            Map<String, byte[]> storages = new LinkedHashMap<>();
            recs.forEach((k, v) -> {
                if (k.startsWith("ddim-zip/data/")) storages.put(k.substring("ddim-zip/data/".length()), v);
            });
            List<byte[]> variants = new ArrayList<>(inflated(pickle, 0, 25, rnd));
            for (int i = 0; i < 40; i++) {
                byte[] b = pickle.clone();
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                variants.add(b);
            }
            Tally t = new Tally();
            Path in = tmp.resolve("model.pth");
            Path out = tmp.resolve("out.safetensors");
            for (byte[] p : variants) {
                Files.write(in, TorchFiles.zip("ddim-zip", p, storages, Map.of(), false));
                t.attempts++;
                try {
                    CheckpointConverter.convert(new CheckpointConverter.Options(in, out, CheckpointConverter.Layout.AUTO, null,
                            false, "f32", 8, false));
                    t.ok++;
                } catch (IOException | IllegalArgumentException e) {
                    t.refused++;
                    if (e.getMessage() == null || e.getMessage().contains("\n")) t.problems.add("bad message: " + e.getMessage());
                } catch (Throwable e) {
                    t.problems.add(e.getClass().getName() + ": " + e.getMessage() + " at " + where(e));
                }
            }
            report("converter on data.pkl mutations", t, t0);
        });
    }
}
