package org.timetuner4j.cli;

import org.timetuner4j.backend.cpu.Parallel;
import picocli.CommandLine.Option;

/** Options every subcommand takes. */
final class CommonOptions {
    @Option(names = "--threads", paramLabel = "N",
            description = "CPU worker threads (default: available processors = ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    /** Far beyond any CPU's useful count; a larger number is a typo, and each thread costs native memory. */
    static final int MAX_THREADS = 1024;

    void apply() {
        if (threads < 1 || threads > MAX_THREADS)
            throw new IllegalArgumentException("--threads must be between 1 and " + MAX_THREADS + ", got " + threads);
        Parallel.setThreads(threads);
    }
}
