package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The packaged PTX against the Java kernel list (both ways), the ISA version the build script
 * promises, and for every kernel a launch of its shape on sample problem sizes (no GPU).
 */
class KernelCatalogTest {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(");

    private static Set<String> entries(String module) {
        String ptx = new String(KernelModules.ptx("/kernels/" + module + ".ptx"), StandardCharsets.US_ASCII);
        Set<String> names = new TreeSet<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    @Test void everyPtxEntryIsAKernelAndEveryKernelIsInItsPtx() {
        Set<String> modules = Stream.of(Kernel.values()).map(k -> k.module).collect(Collectors.toCollection(TreeSet::new));
        for (String module : modules) {
            Set<String> java = Stream.of(Kernel.values()).filter(k -> k.module.equals(module)).map(k -> k.entry)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(entries(module), java, "kernels of " + module + ".ptx");
        }
    }

    @ParameterizedTest
    @EnumSource(Kernel.class)
    void ptxIsLoadableTextForCudaTwelveDrivers(Kernel k) {
        byte[] ptx = KernelModules.ptx(k.resource());
        assertEquals(0, ptx[ptx.length - 1], "cuModuleLoadData needs a trailing zero byte");
        String text = new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII);
        assertTrue(text.contains("\n.version 8.0\n"), "PTX ISA 8.0 (CUDA 12.0 drivers JIT it)");
        assertTrue(text.contains("\n.target sm_75\n"));
        for (int i = 0; i < ptx.length - 1; i++) assertTrue(ptx[i] > 0, "ASCII only (ptxas refuses other bytes)");
    }

    /** Each kernel's launch shape on small, odd and large problems: a valid grid of THREADS-thread blocks. */
    @ParameterizedTest
    @EnumSource(Kernel.class)
    void launchShapeIsValidForSampleProblems(Kernel k) {
        long[] sizes = {1, 7, 256, 1000, 128L * 32 * 32 * 128};
        for (long n : sizes) {
            Launch l = switch (k.shape) {
                case ELEMENTWISE -> LaunchConfig.elementwise(n);
                case PER_ROW -> LaunchConfig.perRow(n);
                case TILES -> LaunchConfig.tiles(Math.min(n, 4096), n, 1);
                case REDUCE -> new Launch(LaunchConfig.reduceBlocks(n), 1, 1, LaunchConfig.THREADS);
                case SINGLE_BLOCK -> new Launch(1, 1, 1, LaunchConfig.THREADS);
            };
            assertEquals(LaunchConfig.THREADS, l.block(), k + ": block reductions assume THREADS threads");
            assertTrue(l.gridY() <= LaunchConfig.MAX_GRID_YZ && l.gridZ() <= LaunchConfig.MAX_GRID_YZ, k + " grid");
            assertTrue(l.blocks() >= 1);
        }
    }
}
