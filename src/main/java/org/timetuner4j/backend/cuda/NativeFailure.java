package org.timetuner4j.backend.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One line saying why a native library or a CUDA call failed, from JCuda's long messages. */
final class NativeFailure {
    private NativeFailure() {}

    // "/tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: ..."
    private static final Pattern LOADER = Pattern.compile("\\.so: (lib[^:\\s]+: [^\\n]+)");

    static String summarize(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m == null) continue;
            Matcher mm = LOADER.matcher(m);
            if (mm.find()) return mm.group(1).trim();
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && !m.isBlank()) return c.getClass().getSimpleName() + ": " + m.lines().findFirst().orElse("").trim();
        }
        return t.getClass().getSimpleName();
    }
}
