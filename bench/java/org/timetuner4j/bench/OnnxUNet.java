package org.timetuner4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The UNet exported by tools/export_onnx.py (inputs {@code x} [B,C,H,W] and {@code t} [B], output
 * {@code eps}, dynamic batch), run by ONNX Runtime on the CPU with the same thread setting as
 * ours: {@code threads} intra-op threads, one inter-op thread, sequential execution, all graph
 * optimizations.
 */
final class OnnxUNet implements AutoCloseable {
    /** Where bench/compare-onnx.sh puts the exported model of bench/configs/NAME.json. */
    static Path defaultPath(String config) {
        return Path.of("bench/out/onnx", config + ".onnx");
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OnnxUNet(Path model, int threads) throws OrtException {
        this(model, threads, null);
    }

    /** With {@code profilePrefix} set, ONNX Runtime records every node's time (see {@link #endProfiling()}). */
    OnnxUNet(Path model, int threads, String profilePrefix) throws OrtException {
        if (!Files.isRegularFile(model)) {
            throw new BenchDevice.Unavailable("no " + model + ": run bench/compare-onnx.sh (or RandomModel + tools/export_onnx.py) first");
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (profilePrefix != null) options.enableProfiling(profilePrefix);
            session = env.createSession(model.toString(), options);
        }
    }

    /** eps(x, t) for a batch: {@code x} holds B·C·H·W values in NCHW order, {@code t} B timesteps. */
    float[] forward(float[] x, long[] xShape, float[] t) throws OrtException {
        try (OnnxTensor xt = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), xShape);
             OnnxTensor tt = OnnxTensor.createTensor(env, FloatBuffer.wrap(t), new long[] {t.length});
             OrtSession.Result out = session.run(Map.of("x", xt, "t", tt))) {
            FloatBuffer eps = ((OnnxTensor) out.get(0)).getFloatBuffer();
            float[] values = new float[eps.remaining()];
            eps.get(values);
            return values;
        }
    }

    /** Stops the profiler; returns the path of the JSON trace it wrote. */
    String endProfiling() throws OrtException {
        return session.endProfiling();
    }

    /** ONNX Runtime's version, for the benchmark log. */
    static String version() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
