package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every kernel's Java parameter list ({@link Kernel#params}, which {@link KernelArgs} enforces on
 * each launch) against the {@code .param} list of its {@code .entry} in the committed PTX under
 * src/main/resources/kernels: the entry exists, and count, order and types agree (pointer and
 * long: .u64/.s64 as allowed by {@link KernelParam}; int: .u32/.s32; float: .f32; double: .f64).
 * Read from the files, not from our code, so a kernel whose signature changes in kernels/*.cu
 * fails here until the Java side follows. No GPU needed.
 */
class KernelSignatureTest {
    private static final Path PTX_DIR = Path.of("src/main/resources/kernels");
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(\\.\\w+)\\s+(\\w+)");

    /** Module → entry → its .param types in order, from every PTX file on disk. */
    private static Map<String, Map<String, List<String>>> ptxSignatures() throws IOException {
        Map<String, Map<String, List<String>>> modules = new TreeMap<>();
        try (Stream<Path> files = Files.list(PTX_DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".ptx")).sorted().toList()) {
                String module = f.getFileName().toString().replaceFirst("\\.ptx$", "");
                Map<String, List<String>> entries = new LinkedHashMap<>();
                Matcher e = ENTRY.matcher(Files.readString(f, StandardCharsets.US_ASCII));
                while (e.find()) {
                    List<String> types = new ArrayList<>();
                    Matcher p = PARAM.matcher(e.group(2));
                    while (p.find()) types.add(p.group(1));
                    entries.put(e.group(1), types);
                }
                modules.put(module, entries);
            }
        }
        return modules;
    }

    /** What is wrong with {@code k}'s Java signature against the PTX ("" when it matches). */
    static String mismatch(Kernel k, Map<String, Map<String, List<String>>> ptx) {
        Map<String, List<String>> module = ptx.get(k.module);
        if (module == null) return k + ": no " + k.module + ".ptx";
        List<String> types = module.get(k.entry);
        if (types == null) return k + ": no entry " + k.entry + " in " + k.module + ".ptx";
        if (types.size() != k.params.size())
            return k + ": Java gives " + k.params.size() + " arguments " + k.params + ", " + k.entry + " takes " + types.size() + " " + types;
        for (int i = 0; i < types.size(); i++) {
            KernelParam j = k.params.get(i);
            if (!j.ptxTypes.contains(types.get(i)))
                return k + ": argument " + i + " is " + j + " in Java, " + types.get(i) + " in " + k.entry;
        }
        return "";
    }

    @Test void everyJavaSignatureMatchesItsPtxEntry() throws IOException {
        Map<String, Map<String, List<String>>> ptx = ptxSignatures();
        List<String> wrong = Stream.of(Kernel.values()).map(k -> mismatch(k, ptx)).filter(s -> !s.isEmpty()).toList();
        assertEquals(List.of(), wrong);
    }

    @Test void thePtxFilesOnDiskAreTheModulesTheJavaSideLoads() throws IOException {
        Map<String, Map<String, List<String>>> ptx = ptxSignatures();
        assertEquals(Stream.of(Kernel.values()).map(k -> k.module).collect(Collectors.toCollection(TreeSet::new)), ptx.keySet());
        int entries = ptx.values().stream().mapToInt(Map::size).sum();
        assertEquals(Kernel.values().length, entries, "one Kernel per PTX entry");
    }

    /** The parser reads what the PTX says: a known kernel, checked by hand against kernels/groupnorm.cu. */
    @Test void theParserReadsAKnownSignature() throws IOException {
        assertEquals(List.of(".u64", ".u64", ".u64", ".u64", ".u64", ".u64", ".u32", ".u32", ".u32", ".f32", ".u32"),
                ptxSignatures().get("groupnorm").get("group_norm_fwd"));
    }

    /** The check itself fails on a wrong count, a wrong order and a missing entry. */
    @Test void aWrongSignatureIsReported() throws IOException {
        Map<String, Map<String, List<String>>> ptx = ptxSignatures();
        Map<String, Map<String, List<String>>> edited = new TreeMap<>(ptx);
        Map<String, List<String>> attention = new LinkedHashMap<>(ptx.get("attention"));
        attention.put("softmax_rows_fwd", List.of(".u64", ".f32", ".u32"));  // float and int swapped
        attention.put("softmax_rows_bwd", List.of(".u64", ".u64", ".u32"));  // one missing
        edited.put("attention", attention);
        Map<String, List<String>> adam = new LinkedHashMap<>(ptx.get("adam"));
        adam.remove("adam_step");
        edited.put("adam", adam);
        assertTrue(mismatch(Kernel.SOFTMAX_ROWS_FWD, edited).contains("argument 1 is I32 in Java, .f32"),
                mismatch(Kernel.SOFTMAX_ROWS_FWD, edited));
        assertTrue(mismatch(Kernel.SOFTMAX_ROWS_BWD, edited).contains("Java gives 4 arguments"), mismatch(Kernel.SOFTMAX_ROWS_BWD, edited));
        assertTrue(mismatch(Kernel.ADAM_STEP, edited).contains("no entry adam_step"), mismatch(Kernel.ADAM_STEP, edited));
        assertEquals("", mismatch(Kernel.GROUP_NORM_FWD, edited));
    }
}
