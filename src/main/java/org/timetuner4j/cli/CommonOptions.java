package org.timetuner4j.cli;

import org.timetuner4j.backend.cpu.Parallel;
import picocli.CommandLine.Option;

/** Options every subcommand takes. */
final class CommonOptions {
    @Option(names = "--threads", paramLabel = "N",
            description = "CPU worker threads (default: available processors = ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    void apply() {
        Parallel.setThreads(threads);
    }
}
