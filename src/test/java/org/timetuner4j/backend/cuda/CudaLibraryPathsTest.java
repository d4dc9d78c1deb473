package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the CUDA 13 libraries: the property, the environment variable, the pip-wheel scan, preloading. No GPU needed. */
class CudaLibraryPathsTest {
    @TempDir Path tmp;

    private Path dir(String rel) throws IOException { return Files.createDirectories(tmp.resolve(rel)); }

    private static Path touch(Path dir, String name) throws IOException {
        return Files.write(dir.resolve(name), elfWithoutSegments());
    }

    /**
     * A 64-bit ELF header and one program header, PT_GNU_STACK (read-write): dlopen refuses it
     * (nothing to load), and the JVM, seeing a non-executable stack, does not warn about its
     * stack guard as it does for a file that is not ELF at all.
     */
    static byte[] elfWithoutSegments() {
        ByteBuffer b = ByteBuffer.allocate(64 + 56).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        b.putShort((short) 3).putShort((short) 62).putInt(1);             // ET_DYN, x86-64, version 1
        b.putLong(0).putLong(64).putLong(0).putInt(0);                    // entry, phoff, shoff, flags
        b.putShort((short) 64).putShort((short) 56).putShort((short) 1);  // ehsize, phentsize, phnum
        b.putShort((short) 64).putShort((short) 0).putShort((short) 0);   // shentsize, shnum, shstrndx
        b.putInt(0x6474e551).putInt(6);                                   // PT_GNU_STACK, PF_R | PF_W
        return b.array();
    }

    @Test void thePropertyWinsOverTheVariableAndIsUsedAlone() throws IOException {
        Path a = dir("a"), b = dir("b"), scanned = dir("usr/local/cuda/lib64");
        touch(scanned, "libcublas.so.13");
        CudaLibraryPaths.Search s = CudaLibraryPaths.resolve(a.toString(), b.toString(), List.of(scanned), List.of(tmp));
        assertEquals(List.of(a), s.dirs());
        assertTrue(s.describe().startsWith("-Dtimetuner.cuda.libs="), s.describe());
        assertEquals(Optional.empty(), s.find("libcublas.so.13"), "an explicit list is not widened by the scan");
    }

    @Test void theVariableIsUsedWhenThePropertyIsUnsetOrBlank() throws IOException {
        Path a = dir("a"), b = dir("b");
        Path lib = touch(b, "libcublas.so.13");
        String list = a + File.pathSeparator + " " + File.pathSeparator + b + File.pathSeparator;
        for (String property : new String[] {null, "", "  "}) {
            CudaLibraryPaths.Search s = CudaLibraryPaths.resolve(property, list, List.of(), List.of());
            assertEquals(List.of(a, b), s.dirs());
            assertTrue(s.describe().startsWith("TIMETUNER_CUDA_LIBS="), s.describe());
            assertEquals(Optional.of(lib), s.find("libcublas.so.13"));
        }
    }

    @Test void namedDirectoriesThatDoNotExistAreReported() throws IOException {
        Path a = dir("a");
        String gone = tmp.resolve("gone").toString();
        CudaLibraryPaths.Search s = CudaLibraryPaths.resolve(null, gone + File.pathSeparator + a, List.of(), List.of());
        assertEquals(List.of(a), s.dirs());
        assertEquals(List.of(gone), s.missing());
        assertTrue(s.describe().contains(gone + " does not exist"), s.describe());
        CudaLibraryPaths.Search none = CudaLibraryPaths.resolve(gone, null, List.of(), List.of());
        assertEquals(List.of(), none.dirs());
        assertEquals(Optional.empty(), none.find("libcudart.so.13"));
    }

    @Test void theScanFindsTheToolkitAndTheWheelsLibDirectories() throws IOException {
        Path toolkit = dir("cuda/lib64");
        Path cu13 = dir("root/python3.12/site-packages/nvidia/cu13/lib");
        Path cudnn = dir("root/python3.12/site-packages/nvidia/cudnn/lib");
        Path torch = dir("root/python3.12/site-packages/torch/lib");
        Path debian = dir("root/python3/dist-packages/nvidia/cublas/lib");
        dir("root/python3.12/site-packages/nvidia/empty");               // no lib/ inside
        dir("root/perl5/site-packages/nvidia/cu13/lib");                   // not python
        dir("root/python3.11/site-packages/somethingelse/lib");           // not a wheel we look in
        Path venv = dir("venv/lib/python3.10/site-packages/nvidia/cu13/lib");
        Path missingFixed = tmp.resolve("no/such/cuda");
        CudaLibraryPaths.Search s = CudaLibraryPaths.resolve(null, null, List.of(missingFixed, toolkit),
                List.of(tmp.resolve("root"), tmp.resolve("venv/lib"), tmp.resolve("no/such/root")));
        assertEquals(List.of(toolkit, debian, cu13, cudnn, torch, venv), s.dirs());
        assertTrue(s.describe().startsWith("6 scanned directories"), s.describe());

        Path inCu13 = touch(cu13, "libcublas.so.13");
        touch(venv, "libcublas.so.13");
        Path inTorch = touch(torch, "libcudnn.so.9");
        assertEquals(Optional.of(inCu13), s.find("libcublas.so.13"), "the first directory that has it");
        assertEquals(Optional.of(inTorch), s.find("libcudnn.so.9"));
        assertEquals(Optional.empty(), s.find("libcublasLt.so.13"));
    }

    @Test void preloadingSkipsWhatIsMissingAndStopsAtTheFirstFileThatDoesNotLoad() throws IOException {
        Path d = dir("libs");
        Path fake = touch(d, "libcublasLt.so.13");
        touch(d, "libcublas.so.13");
        CudaLibraryPaths.Search s = CudaLibraryPaths.resolve(d.toString(), null, List.of(), List.of());
        CudaLibraryPaths.Preloaded p = s.preload(JavaCppCuda.CUBLAS_LIBS);
        assertEquals(List.of("libcudart.so.13"), p.notFound());
        assertEquals(List.of(), p.loaded());
        assertTrue(p.failure().startsWith("could not load " + fake + ": "), p.failure());
        assertFalse(p.failure().contains("\n"), p.failure());

        CudaLibraryPaths.Preloaded nothing = CudaLibraryPaths.resolve(dir("empty").toString(), null, List.of(), List.of())
                .preload(JavaCppCuda.CUBLAS_LIBS);
        assertEquals("", nothing.failure());
        assertEquals(JavaCppCuda.CUBLAS_LIBS, nothing.notFound());
    }
}
