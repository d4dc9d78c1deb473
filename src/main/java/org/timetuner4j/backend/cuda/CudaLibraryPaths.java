package org.timetuner4j.backend.cuda;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where the CUDA 13 libraries that JavaCPP's bindings need (libcudart.so.13, libcublas.so.13,
 * libcudnn*.so.9) are on this machine. JavaCPP bundles only its JNI glue, which names those
 * libraries by soname; the GPU machines have them inside PyTorch's pip wheels, which the dynamic
 * linker does not search.
 *
 * <p>Directories: {@code -Dtimetuner.cuda.libs=DIR:DIR} or else {@code TIMETUNER_CUDA_LIBS} (a
 * path-separator list; only those when set); otherwise the CUDA toolkit's {@code lib64} and the
 * places pip puts NVIDIA's and PyTorch's wheels: {@code python3*}/{@code site-packages} or
 * {@code dist-packages} under /usr/local/lib, /usr/lib, ~/.local/lib, $VIRTUAL_ENV/lib,
 * $CONDA_PREFIX/lib and /opt/conda/lib, then in each {@code nvidia/*}/lib (cu13/lib among them)
 * and {@code torch/lib}.
 */
final class CudaLibraryPaths {
    static final String PROPERTY = "timetuner.cuda.libs", ENV = "TIMETUNER_CUDA_LIBS";

    /** The directories to look in, where they came from (for messages) and the named ones that do not exist. */
    record Search(List<Path> dirs, String origin, List<String> missing) {
        /** The first directory's copy of {@code soname}. */
        Optional<Path> find(String soname) {
            for (Path d : dirs) {
                Path p = d.resolve(soname);
                if (Files.isRegularFile(p)) return Optional.of(p);  // follows symlinks (libfoo.so.13 -> libfoo.so.13.1.0)
            }
            return Optional.empty();
        }

        /**
         * Loads {@code sonames} in order, each from the first directory that has it, by absolute
         * path; stops at the first that fails to load. Sonames found nowhere are skipped (the
         * dynamic linker may still find them on its own path) and listed in the result.
         */
        Preloaded preload(List<String> sonames) {
            List<Path> loaded = new ArrayList<>();
            List<String> notFound = new ArrayList<>();
            for (String so : sonames) {
                Optional<Path> p = find(so);
                if (p.isEmpty()) {
                    notFound.add(so);
                    continue;
                }
                String path = p.get().toString();
                try {
                    System.load(path);
                } catch (UnsatisfiedLinkError | SecurityException e) {
                    String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                    while (m.startsWith(path + ": ")) m = m.substring(path.length() + 2);  // the JDK and dlerror both prefix the path
                    return new Preloaded(loaded, notFound, "could not load " + path + ": " + m);
                }
                loaded.add(p.get());
            }
            return new Preloaded(List.copyOf(loaded), List.copyOf(notFound), "");
        }

        /** e.g. "TIMETUNER_CUDA_LIBS=/a:/b (/b does not exist)" or "4 scanned directories (…)". */
        String describe() {
            String s = origin;
            if (!missing.isEmpty()) s += " (" + String.join(", ", missing) + " do" + (missing.size() == 1 ? "es" : "") + " not exist)";
            return s;
        }
    }

    /** What {@link Search#preload} did: the paths loaded, the sonames found nowhere, and the failure ("" when none). */
    record Preloaded(List<Path> loaded, List<String> notFound, String failure) {
        /** Where {@code soname} was loaded from, if it was. */
        Optional<Path> pathOf(String soname) {
            return loaded.stream().filter(p -> p.getFileName().toString().equals(soname)).findFirst();
        }
    }

    private CudaLibraryPaths() {}

    /** The search for this process: the property, the environment variable, or the scan. */
    static Search fromEnvironment() {
        String home = System.getProperty("user.home", "");
        List<Path> roots = new ArrayList<>();
        for (String r : new String[] {"/usr/local/lib", "/usr/lib", "/usr/local/lib64", home.isEmpty() ? null : home + "/.local/lib",
                envLib("VIRTUAL_ENV"), envLib("CONDA_PREFIX"), "/opt/conda/lib"})
            if (r != null) roots.add(Path.of(r));
        return resolve(System.getProperty(PROPERTY), System.getenv(ENV), List.of(Path.of("/usr/local/cuda/lib64")), roots);
    }

    private static String envLib(String var) {
        String v = System.getenv(var);
        return v == null || v.isBlank() ? null : v + "/lib";
    }

    /**
     * The search given the property's and the variable's values (null when unset): the first one
     * set wins and is used alone; otherwise {@code fixedDirs} that exist, then the wheels' lib
     * directories under {@code pythonRoots}.
     */
    static Search resolve(String property, String env, List<Path> fixedDirs, List<Path> pythonRoots) {
        if (property != null && !property.isBlank()) return explicit(property, "-D" + PROPERTY);
        if (env != null && !env.isBlank()) return explicit(env, ENV);
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path d : fixedDirs) if (Files.isDirectory(d)) dirs.add(d.toAbsolutePath().normalize());
        for (Path root : pythonRoots) dirs.addAll(wheelLibDirs(root));
        return new Search(List.copyOf(dirs), dirs.size() + " scanned director" + (dirs.size() == 1 ? "y" : "ies")
                + " (CUDA toolkit, pip nvidia/*/lib, torch/lib; set " + ENV + " to choose)", List.of());
    }

    private static Search explicit(String list, String origin) {
        Set<Path> dirs = new LinkedHashSet<>();
        List<String> missing = new ArrayList<>();
        for (String part : list.split(File.pathSeparator)) {
            String s = part.trim();
            if (s.isEmpty()) continue;
            Path p = Path.of(s).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) dirs.add(p);
            else missing.add(s);
        }
        return new Search(List.copyOf(dirs), origin + "=" + list.trim(), List.copyOf(missing));
    }

    /** The wheels' lib directories under root (python3.N, site- or dist-packages, nvidia/NAME/lib and torch/lib), sorted. */
    static List<Path> wheelLibDirs(Path root) {
        List<Path> out = new ArrayList<>();
        for (Path py : children(root, "python3*")) {
            for (String packages : new String[] {"site-packages", "dist-packages"}) {
                Path site = py.resolve(packages);
                if (!Files.isDirectory(site)) continue;
                for (Path pkg : children(site.resolve("nvidia"), "*")) {
                    Path lib = pkg.resolve("lib");
                    if (Files.isDirectory(lib)) out.add(lib.toAbsolutePath().normalize());
                }
                Path torch = site.resolve("torch").resolve("lib");
                if (Files.isDirectory(torch)) out.add(torch.toAbsolutePath().normalize());
            }
        }
        return out;
    }

    /** The entries of {@code dir} matching {@code glob}, sorted; none when it cannot be read. */
    private static List<Path> children(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            for (Path p : ds) out.add(p);
        } catch (IOException | SecurityException e) {
            return out;
        }
        out.sort(null);
        return out;
    }
}
