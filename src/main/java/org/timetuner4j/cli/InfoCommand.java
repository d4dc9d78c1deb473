package org.timetuner4j.cli;

import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cpu.CpuFeatures;
import org.timetuner4j.backend.cpu.Parallel;
import org.timetuner4j.backend.cpu.VectorApi;
import org.timetuner4j.backend.cuda.CublasSupport;
import org.timetuner4j.backend.cuda.CudaBackend;
import org.timetuner4j.backend.cuda.CudaMathMode;
import org.timetuner4j.backend.cuda.CudaRuntime;
import org.timetuner4j.backend.cuda.Kernel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Prints the runtime, the backends and what loaded. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show devices, backends and native libraries.")
final class InfoCommand implements Runnable {
    @Mixin CommonOptions common;

    @Override public void run() {
        common.apply();
        CpuBackend cpu = CpuBackend.INSTANCE;   // fails here, in one line, in a JVM without the Vector API
        System.out.println("timetuner " + new Main.Version().getVersion()[0].substring("timetuner ".length()));
        System.out.println("java      " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        System.out.println("backend " + cpu.name() + ": available");
        System.out.println("  threads        " + Parallel.threads() + " (of " + Runtime.getRuntime().availableProcessors() + " processors)");
        System.out.println("  vector width   " + VectorApi.preferredShape());
        System.out.println("  hardware FMA   " + (CpuFeatures.hasFma() ? "yes" : "no (multiply-add path)"));
        System.out.println("  convolutions   " + CpuBackend.convolutionAlgorithm());
        System.out.println("  max heap       " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        printCuda();
    }

    /** The CUDA lines: driver and device, kernels, cuBLAS, cuDNN; each with why not when it is not there. */
    private static void printCuda() {
        if (!CudaRuntime.available()) {
            System.out.println("backend cuda: not available (" + CudaRuntime.reason() + ")");
            System.out.println("  cuBLAS         " + CudaBackend.cublasLibraryStatus());
            printCublasProviders();
            System.out.println("  cuDNN          " + CudaBackend.cudnnLibraryStatus());
            return;
        }
        CudaRuntime.DeviceInfo d = CudaRuntime.device().orElseThrow();
        CudaBackend be;
        try {
            be = CudaBackend.instance();
        } catch (IllegalStateException e) {
            System.out.println("backend cuda: not available (" + e.getMessage() + ")");
            System.out.println("  device         " + d.describe());
            return;
        }
        System.out.println("backend cuda: available");
        System.out.println("  device         " + d.describe());
        System.out.println("  kernels        " + Kernel.values().length + " PTX kernels loaded (JIT by the driver)");
        System.out.println("  cuBLAS         " + be.cublasStatus());
        printCublasProviders();
        System.out.println("  cuDNN          " + be.cudnnStatus());
        System.out.println("  math           " + CudaMathMode.describe());
        DeviceSelfCheck.Result check = Devices.selfCheck(be);
        System.out.println("  self-check     " + check.describe() + (check.passed() ? "" : "; --device auto uses the CPU"));
    }

    /** One line per cuBLAS provider not in use, and why (the one in use is on the cuBLAS line). */
    private static void printCublasProviders() {
        for (String line : CublasSupport.providerLines()) System.out.println("    " + line);
    }
}
