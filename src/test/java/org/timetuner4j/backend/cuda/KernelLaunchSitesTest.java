package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every launch site in the CUDA backend's source, read as text: the typed argument chain
 * {@code cuda.kernel(Kernel.X, cfg).ptr(…).i32(…)…launch()} gives exactly X's declared
 * parameters in order (which KernelSignatureTest holds against the PTX) and ends in
 * {@code launch()}. KernelArgs enforces the same on the GPU at run time; this finds a wrong
 * call site without one. The conv kernels' twelve problem ints come from one helper
 * ({@code appendTo}), read from its body; a kernel chosen at run time ({@code Kernel kern = …})
 * is checked against every constant its choice names.
 */
class KernelLaunchSitesTest {
    private static final Path SOURCES = Path.of("src/main/java/org/timetuner4j/backend/cuda");
    private static final Pattern SITE = Pattern.compile("\\bcuda\\.kernel\\(\\s*(Kernel\\.\\w+|\\w+)\\s*,");
    private static final Pattern LINK = Pattern.compile("\\G\\s*\\.(ptr|i32|i64|f32|f64|launch)\\(");
    private static final Pattern APPEND_TO = Pattern.compile("KernelArgs appendTo\\(KernelArgs args\\)\\s*\\{\\s*return args");

    private record Site(String file, int line, List<Kernel> kernels, List<KernelParam> args, boolean launched) {}

    private static int closing(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            if (s.charAt(i) == '(') depth++;
            else if (s.charAt(i) == ')' && --depth == 0) return i;
        }
        throw new IllegalStateException("unbalanced parentheses at " + open);
    }

    /** The typed links after {@code from} (the end of a call), and whether the chain ends with launch(). */
    private static int chain(String s, int from, List<KernelParam> out, boolean[] launched) {
        int i = from;
        Matcher m = LINK.matcher(s);
        while (m.find(i) && m.start() == i) {
            int end = closing(s, m.end() - 1);
            if (m.group(1).equals("launch")) launched[0] = true;
            else out.add(KernelParam.valueOf(m.group(1).toUpperCase(Locale.ROOT)));
            i = end + 1;
            m = LINK.matcher(s);
        }
        return i;
    }

    private static List<Site> sites() throws IOException {
        List<Site> sites = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(SOURCES)) {
            files = list.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        for (Path f : files) {
            String s = Files.readString(f);
            Matcher site = SITE.matcher(s);
            while (site.find()) {
                List<Kernel> kernels = kernelsNamed(s, site.group(1));
                List<KernelParam> args = new ArrayList<>();
                boolean[] launched = {false};
                int end = chain(s, closing(s, site.start() + "cuda.kernel".length()) + 1, args, launched);
                int before = site.start();
                if (s.substring(Math.max(0, before - 16), before).endsWith(".appendTo(")) {
                    Matcher body = APPEND_TO.matcher(s);
                    assertTrue(body.find(), f + ": appendTo used but not found");
                    chain(s, body.end(), args, new boolean[1]);
                    assertEquals(')', s.charAt(end), f + ": appendTo(...) holds more than the chain");
                    chain(s, end + 1, args, launched);
                }
                int line = (int) s.substring(0, before).chars().filter(c -> c == '\n').count() + 1;
                sites.add(new Site(f.getFileName().toString(), line, kernels, args, launched[0]));
            }
        }
        return sites;
    }

    /** The constant {@code Kernel.X}, or every constant the local {@code Kernel name = …;} can take. */
    private static List<Kernel> kernelsNamed(String source, String expr) {
        if (expr.startsWith("Kernel.")) return List.of(Kernel.valueOf(expr.substring("Kernel.".length())));
        Matcher decl = Pattern.compile("Kernel\\s+" + expr + "\\s*=([^;]*);").matcher(source);
        assertTrue(decl.find(), "kernel variable " + expr + " not declared");
        List<Kernel> out = new ArrayList<>();
        Matcher k = Pattern.compile("Kernel\\.(\\w+)").matcher(decl.group(1));
        while (k.find()) out.add(Kernel.valueOf(k.group(1)));
        return out;
    }

    @Test void everyLaunchSiteGivesItsKernelsParametersInOrderAndLaunches() throws IOException {
        List<Site> sites = sites();
        assertTrue(sites.size() >= 40, "found only " + sites.size() + " launch sites");
        Map<String, String> wrong = new TreeMap<>();
        for (Site s : sites) {
            for (Kernel k : s.kernels()) {
                String where = s.file() + ":" + s.line() + " " + k;
                if (!s.args().equals(k.params)) wrong.put(where, "gives " + s.args() + ", declared " + k.params);
                else if (!s.launched()) wrong.put(where, "never calls launch()");
            }
        }
        assertEquals(Map.of(), wrong);
    }

    @Test void onlyTheContextCallsTheDriversLaunch() throws IOException {
        List<String> callers = new ArrayList<>();
        try (Stream<Path> list = Files.list(SOURCES)) {
            for (Path f : list.sorted().toList())
                if (Files.readString(f).contains("cuLaunchKernel(")) callers.add(f.getFileName().toString());
        }
        assertEquals(List.of("CudaContext.java"), callers);
    }
}
