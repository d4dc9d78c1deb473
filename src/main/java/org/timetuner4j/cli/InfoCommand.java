package org.timetuner4j.cli;

import jdk.incubator.vector.FloatVector;
import org.timetuner4j.backend.cpu.CpuFeatures;
import org.timetuner4j.backend.cpu.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Prints the runtime, the backends and what loaded. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show devices, backends and native libraries.")
final class InfoCommand implements Runnable {
    @Mixin CommonOptions common;

    @Override public void run() {
        common.apply();
        System.out.println("timetuner " + new Main.Version().getVersion()[0].substring("timetuner ".length()));
        System.out.println("java      " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        System.out.println("backend cpu: available");
        System.out.println("  threads        " + Parallel.threads() + " (of " + Runtime.getRuntime().availableProcessors() + " processors)");
        System.out.println("  vector width   " + FloatVector.SPECIES_PREFERRED.length() + " floats (" + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit)");
        System.out.println("  hardware FMA   " + (CpuFeatures.hasFma() ? "yes" : "no (multiply-add path)"));
        System.out.println("  max heap       " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        System.out.println("backend cuda: not available (the CUDA backend is not part of this build yet)");
    }
}
