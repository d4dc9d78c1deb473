package org.timetuner4j.backend.cuda;

import static org.bytedeco.cuda.global.cudnn.CUDNN_CROSS_CORRELATION;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_FLOAT;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_FMA_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_NCHW;
import static org.bytedeco.cuda.global.cudnn.cudnnAddTensor;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionBackwardData;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionBackwardFilter;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionForward;
import static org.bytedeco.cuda.global.cudnn.cudnnCreate;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateConvolutionDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateFilterDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateTensorDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroy;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroyConvolutionDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroyFilterDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroyTensorDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolution2dForwardOutputDim;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionBackwardDataAlgorithmMaxCount;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionBackwardDataWorkspaceSize;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionBackwardFilterAlgorithmMaxCount;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionBackwardFilterWorkspaceSize;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionForwardAlgorithmMaxCount;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionForwardAlgorithm_v7;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionForwardWorkspaceSize;
import static org.bytedeco.cuda.global.cudnn.cudnnGetErrorString;
import static org.bytedeco.cuda.global.cudnn.cudnnSetConvolution2dDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetConvolutionMathType;
import static org.bytedeco.cuda.global.cudnn.cudnnSetFilter4dDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetStream;
import static org.bytedeco.cuda.global.cudnn.cudnnSetTensor4dDescriptor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Shape;

/**
 * cuDNN 9 (JavaCPP's binding, legacy convolution API) running the CUDA backend's convolutions:
 * forward (bias added with cudnnAddTensor), gradient w.r.t. the input and w.r.t. the weight, on
 * one cuDNN handle bound to the backend's stream. Used only for geometries cuDNN has
 * ({@link CudnnConvProblem#supports}: the same padding on both sides of each axis); the DDPM
 * downsample's one-sided padding, the bias gradient, and any problem for which cuDNN has no
 * usable algorithm ({@link CudnnAlgorithmChoice}: supported, deterministic, FMA math) or whose
 * call fails stay on the backend's implicit-GEMM kernels, which then write the whole result.
 *
 * <p>FP32 throughout: NCHW float tensors, {@code CUDNN_FMA_MATH} (no TF32), so results agree with
 * the CPU backend at fp32 tolerance. The algorithm per problem and direction comes from cuDNN's
 * heuristics (no benchmarking) and is cached with its workspace size, together with the
 * problem's descriptors (at most {@link #MAX_PLANS} problems; the least recently used are
 * destroyed). Workspace comes from the backend's caching allocator and goes back to it once the
 * call is queued: later work on the same stream runs after it.
 *
 * <p>The backend creates it at start-up when CUDA works and the binding loads
 * ({@link JavaCppCudnn}); {@code -Dtimetuner.cudnn=off} keeps every convolution on our kernels.
 * {@code timetuner info} says which.
 */
@SuppressWarnings("deprecation")  // cuDNN 9 marks the legacy convolution API deprecated; it is still there and is what this uses
final class CudnnConvolutions {
    enum Direction { FORWARD, BACKWARD_DATA, BACKWARD_FILTER }

    static final int MAX_PLANS = 256;
    private static final String KERNELS = "; convolutions run on our kernels";
    private static final int MAX_DECLINES_KEPT = 64;

    /** The algorithm for one problem and direction, or why cuDNN does not run it ({@code declined} non-null). */
    private record Choice(int algo, long workspace, String declined) {
        static Choice declined(String why) { return new Choice(-1, 0, why); }
    }

    private final cudnnContext handle = new cudnnContext();
    private final boolean tf32 = CudaMathMode.tf32();  // read once: plans and choices depend on it
    private final CachingAllocator<CUdeviceptr> memory;
    private final FloatPointer one = new FloatPointer(1f), zero = new FloatPointer(0f);  // host scalars
    private final String describe;
    private final Map<CudnnConvProblem, Plan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<CudnnConvProblem, Plan> eldest) {
            if (size() <= MAX_PLANS) return false;
            eldest.getValue().destroy();
            return true;
        }
    };
    private final EnumMap<Direction, Long> runs = new EnumMap<>(Direction.class);
    private final List<String> declines = new ArrayList<>();

    /**
     * cuDNN on {@code stream} with workspace from {@code memory}, or null with the reason in
     * {@code why[0]}: switched off, CUDA or the binding absent, or cuDNN failing to create a handle
     * or to find algorithms for a small probe convolution. Never throws.
     */
    static CudnnConvolutions tryCreate(CUstream stream, CachingAllocator<CUdeviceptr> memory, String[] why) {
        String off = CudnnSupport.disabledReason();
        if (off != null) {
            why[0] = off + KERNELS;
            return null;
        }
        if (!CudaRuntime.available()) {
            why[0] = "not used: CUDA is not available" + KERNELS;
            return null;
        }
        JavaCppCudnn.Outcome lib = JavaCppCudnn.outcome();
        if (!lib.loaded()) {
            why[0] = "not used: " + lib.line() + KERNELS;
            return null;
        }
        CudnnConvolutions c = null;
        try {
            c = new CudnnConvolutions(stream, memory, lib);
            c.checkPlanning();
            return c;
        } catch (Throwable t) {  // IllegalStateException from check(), UnsatisfiedLinkError, ...
            if (c != null) c.close();
            why[0] = "not used: " + lib.version() + " loads, but " + message(t) + KERNELS;
            return null;
        }
    }

    private CudnnConvolutions(CUstream stream, CachingAllocator<CUdeviceptr> memory, JavaCppCudnn.Outcome lib) {
        this.memory = memory;
        check("cudnnCreate", cudnnCreate(handle));
        try {
            check("cudnnSetStream", cudnnSetStream(handle, new CUstream_st(at(RawAddress.of(stream)))));
        } catch (RuntimeException e) {
            cudnnDestroy(handle);
            throw e;
        }
        describe = lib.version() + " via JavaCPP (" + lib.source() + ") for convolutions with symmetric padding"
                + (tf32 ? ", TF32 allowed" : "");
    }

    /** Plans every direction of a small 3×3 convolution, so that a cuDNN that cannot (a sub-library missing) is not used. */
    private synchronized void checkPlanning() {
        Plan p = plan(new CudnnConvProblem(2, 8, 9, 9, 8, 3, 3, 1, 1, 1));
        if (p.failure != null) throw new IllegalStateException("a 3x3 probe convolution: " + p.failure);
        for (Direction d : Direction.values()) {
            Choice c = choice(p, d);
            if (c.declined() != null) throw new IllegalStateException("no " + d + " algorithm for a 3x3 probe convolution: " + c.declined());
        }
    }

    /** e.g. "cuDNN 9.10.2 via JavaCPP (libcudnn_graph.so.9 from DIR) for convolutions with symmetric padding". */
    String describe() { return describe; }

    /** How many convolutions of direction {@code d} cuDNN has run. */
    synchronized long runs(Direction d) { return runs.getOrDefault(d, 0L); }

    /** The first problems cuDNN declined (or failed) and why: "FORWARD 2x3x16x16 * ...: reason". */
    synchronized List<String> declines() { return List.copyOf(declines); }

    /**
     * Queues y = x ⋆ w (+ bias per output channel, unless {@code bias} is the null pointer);
     * false when cuDNN does not run it, and the caller's kernel then writes all of y.
     */
    boolean forward(CUdeviceptr y, CUdeviceptr x, CUdeviceptr w, CUdeviceptr bias, Shape xShape, Shape wShape, Conv2dGeometry g) {
        long b = RawAddress.of(bias);
        return run(Direction.FORWARD, CudnnConvProblem.of(xShape, wShape, g), null, (p, c, ws) -> {
            int s = cudnnConvolutionForward(handle, one, p.x, at(x), p.w, at(w), p.conv, c.algo(), ws, c.workspace(), zero, p.y, at(y));
            if (s != CUDNN_STATUS_SUCCESS || b == 0) return s;
            return cudnnAddTensor(handle, one, p.bias, at(b), one, p.y, at(y));
        });
    }

    /** Queues gx = the gradient w.r.t. the input; false when cuDNN does not run it (the caller's kernel does). */
    boolean backwardData(CUdeviceptr gx, CUdeviceptr gy, CUdeviceptr w, Shape xShape, Shape gyShape, Shape wShape, Conv2dGeometry g) {
        return run(Direction.BACKWARD_DATA, CudnnConvProblem.of(xShape, wShape, g), gyShape, (p, c, ws) ->
                cudnnConvolutionBackwardData(handle, one, p.w, at(w), p.y, at(gy), p.conv, c.algo(), ws, c.workspace(), zero, p.x, at(gx)));
    }

    /** Queues gw = the gradient w.r.t. the weight; false when cuDNN does not run it (the caller's kernel does). */
    boolean backwardFilter(CUdeviceptr gw, CUdeviceptr x, CUdeviceptr gy, Shape xShape, Shape gyShape, Shape wShape, Conv2dGeometry g) {
        return run(Direction.BACKWARD_FILTER, CudnnConvProblem.of(xShape, wShape, g), gyShape, (p, c, ws) ->
                cudnnConvolutionBackwardFilter(handle, one, p.x, at(x), p.y, at(gy), p.conv, c.algo(), ws, c.workspace(), zero, p.w, at(gw)));
    }

    /** One cuDNN call on a plan with the chosen algorithm and its workspace; returns the cudnnStatus_t. */
    private interface Call {
        int run(Plan p, Choice c, Pointer workspace);
    }

    private synchronized boolean run(Direction d, CudnnConvProblem problem, Shape gyShape, Call call) {
        if (problem == null) return false;
        if (gyShape != null && !gyShape.equals(problem.outputShape())) return false;  // our kernels keep their own behaviour
        Plan p = plan(problem);
        if (p.failure != null) return false;
        Choice c = choice(p, d);
        if (c.declined() != null) return false;
        CachingAllocator.Block<CUdeviceptr> ws = c.workspace() > 0 ? memory.take(c.workspace()) : null;
        try {
            int status = call.run(p, c, ws == null ? null : at(ws.ptr()));
            if (status != CUDNN_STATUS_SUCCESS) {
                decline(p, d, "algo " + c.algo() + " failed: " + errorString(status));
                return false;
            }
        } catch (RuntimeException | LinkageError e) {
            decline(p, d, "algo " + c.algo() + " threw " + NativeFailure.summarize(e));
            return false;
        } finally {
            if (ws != null) memory.give(ws);  // stream order: whatever takes it next runs after this call
        }
        runs.merge(d, 1L, Long::sum);
        return true;
    }

    private void decline(Plan p, Direction d, String why) {
        p.choices.put(d, Choice.declined(why));
        note(d, p.problem, why);
    }

    private void note(Direction d, CudnnConvProblem problem, String why) {
        if (declines.size() < MAX_DECLINES_KEPT) declines.add(d + " " + problem + ": " + why);
    }

    private Plan plan(CudnnConvProblem problem) {
        Plan p = plans.get(problem);
        if (p == null) {
            p = new Plan(problem, tf32);
            if (p.failure != null) note(Direction.FORWARD, problem, p.failure);
            plans.put(problem, p);
        }
        return p;
    }

    private Choice choice(Plan p, Direction d) {
        Choice c = p.choices.get(d);
        if (c == null) {
            try {
                c = choose(p, d);
            } catch (RuntimeException | LinkageError e) {
                c = Choice.declined(message(e));
            }
            p.choices.put(d, c);
            if (c.declined() != null) note(d, p.problem, c.declined());
        }
        return c;
    }

    /** cuDNN's ranked algorithms for {@code d}, the first usable one, and its exact workspace size. */
    private Choice choose(Plan p, Direction d) {
        List<CudnnAlgorithmChoice.Candidate> ranked = ranked(p, d);
        Optional<CudnnAlgorithmChoice.Candidate> pick = CudnnAlgorithmChoice.pick(ranked, tf32);
        if (pick.isEmpty()) return Choice.declined(CudnnAlgorithmChoice.noneUsable(ranked, tf32));
        int algo = pick.get().algo();
        try (SizeTPointer bytes = new SizeTPointer(1)) {
            switch (d) {
                case FORWARD -> check("cudnnGetConvolutionForwardWorkspaceSize",
                        cudnnGetConvolutionForwardWorkspaceSize(handle, p.x, p.w, p.conv, p.y, algo, bytes));
                case BACKWARD_DATA -> check("cudnnGetConvolutionBackwardDataWorkspaceSize",
                        cudnnGetConvolutionBackwardDataWorkspaceSize(handle, p.w, p.y, p.conv, p.x, algo, bytes));
                case BACKWARD_FILTER -> check("cudnnGetConvolutionBackwardFilterWorkspaceSize",
                        cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, p.x, p.y, p.conv, p.w, algo, bytes));
            }
            return new Choice(algo, bytes.get(), null);
        }
    }

    private List<CudnnAlgorithmChoice.Candidate> ranked(Plan p, Direction d) {
        int[] max = new int[1], got = new int[1];
        List<CudnnAlgorithmChoice.Candidate> out = new ArrayList<>();
        switch (d) {
            case FORWARD -> {
                check("cudnnGetConvolutionForwardAlgorithmMaxCount", cudnnGetConvolutionForwardAlgorithmMaxCount(handle, max));
                try (cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(Math.max(max[0], 1))) {
                    check("cudnnGetConvolutionForwardAlgorithm_v7",
                            cudnnGetConvolutionForwardAlgorithm_v7(handle, p.x, p.w, p.conv, p.y, max[0], got, perf));
                    for (int i = 0; i < got[0]; i++) {
                        cudnnConvolutionFwdAlgoPerf_t r = perf.getPointer(i);
                        out.add(new CudnnAlgorithmChoice.Candidate(r.algo(), r.status(), r.determinism(), r.mathType(), r.memory()));
                    }
                }
            }
            case BACKWARD_DATA -> {
                check("cudnnGetConvolutionBackwardDataAlgorithmMaxCount", cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, max));
                try (cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(Math.max(max[0], 1))) {
                    check("cudnnGetConvolutionBackwardDataAlgorithm_v7",
                            cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, p.w, p.y, p.conv, p.x, max[0], got, perf));
                    for (int i = 0; i < got[0]; i++) {
                        cudnnConvolutionBwdDataAlgoPerf_t r = perf.getPointer(i);
                        out.add(new CudnnAlgorithmChoice.Candidate(r.algo(), r.status(), r.determinism(), r.mathType(), r.memory()));
                    }
                }
            }
            case BACKWARD_FILTER -> {
                check("cudnnGetConvolutionBackwardFilterAlgorithmMaxCount", cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, max));
                try (cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(Math.max(max[0], 1))) {
                    check("cudnnGetConvolutionBackwardFilterAlgorithm_v7",
                            cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, p.x, p.y, p.conv, p.w, max[0], got, perf));
                    for (int i = 0; i < got[0]; i++) {
                        cudnnConvolutionBwdFilterAlgoPerf_t r = perf.getPointer(i);
                        out.add(new CudnnAlgorithmChoice.Candidate(r.algo(), r.status(), r.determinism(), r.mathType(), r.memory()));
                    }
                }
            }
        }
        return out;
    }

    /** Destroys the plans and the handle (only when creation fails: a backend keeps its cuDNN for its lifetime). */
    private synchronized void close() {
        for (Plan p : plans.values()) p.destroy();
        plans.clear();
        cudnnDestroy(handle);
    }

    /** A problem's descriptors (x, y and the bias as 1×C×1×1 tensors, w as a filter, the convolution) and its choices. */
    private static final class Plan {
        final CudnnConvProblem problem;
        final cudnnTensorStruct x = new cudnnTensorStruct(), y = new cudnnTensorStruct(), bias = new cudnnTensorStruct();
        final cudnnFilterStruct w = new cudnnFilterStruct();
        final cudnnConvolutionStruct conv = new cudnnConvolutionStruct();
        final EnumMap<Direction, Choice> choices = new EnumMap<>(Direction.class);
        final String failure;  // null when every descriptor was set

        Plan(CudnnConvProblem p, boolean tf32) {
            problem = p;
            String f = null;
            try {
                describe(p, tf32);
            } catch (RuntimeException | LinkageError e) {
                destroy();
                f = message(e);
            }
            failure = f;
        }

        private void describe(CudnnConvProblem p, boolean tf32) {
            for (cudnnTensorStruct t : new cudnnTensorStruct[] {x, y, bias})
                check("cudnnCreateTensorDescriptor", cudnnCreateTensorDescriptor(t));
            check("cudnnCreateFilterDescriptor", cudnnCreateFilterDescriptor(w));
            check("cudnnCreateConvolutionDescriptor", cudnnCreateConvolutionDescriptor(conv));
            check("cudnnSetTensor4dDescriptor", cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, p.n(), p.ci(), p.h(), p.w()));
            check("cudnnSetTensor4dDescriptor", cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, p.n(), p.co(),
                    p.outHeight(), p.outWidth()));
            check("cudnnSetTensor4dDescriptor", cudnnSetTensor4dDescriptor(bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, p.co(), 1, 1));
            check("cudnnSetFilter4dDescriptor", cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, p.co(), p.ci(), p.kh(), p.kw()));
            check("cudnnSetConvolution2dDescriptor", cudnnSetConvolution2dDescriptor(conv, p.padH(), p.padW(), p.stride(), p.stride(),
                    1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
            // default math lets cuDNN use TF32 tensor cores for fp32 data; FMA math forbids it
            check("cudnnSetConvolutionMathType", cudnnSetConvolutionMathType(conv, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH));
            int[] n = new int[1], c = new int[1], h = new int[1], wd = new int[1];
            check("cudnnGetConvolution2dForwardOutputDim", cudnnGetConvolution2dForwardOutputDim(conv, x, w, n, c, h, wd));
            if (n[0] != p.n() || c[0] != p.co() || h[0] != p.outHeight() || wd[0] != p.outWidth())
                throw new IllegalStateException("cuDNN's output " + n[0] + "x" + c[0] + "x" + h[0] + "x" + wd[0] + " is not " + p.outputShape());
        }

        /** Destroys the descriptors that exist; a second call does nothing. */
        void destroy() {
            for (cudnnTensorStruct t : new cudnnTensorStruct[] {x, y, bias}) {
                if (!t.isNull()) cudnnDestroyTensorDescriptor(t);
                t.setNull();
            }
            if (!w.isNull()) cudnnDestroyFilterDescriptor(w);
            w.setNull();
            if (!conv.isNull()) cudnnDestroyConvolutionDescriptor(conv);
            conv.setNull();
        }
    }

    private static Pointer at(CUdeviceptr p) { return at(RawAddress.of(p)); }

    private static Pointer at(long address) { return new JavaCppCuda.At(address); }

    private static void check(String call, int status) {
        if (status != CUDNN_STATUS_SUCCESS) throw new IllegalStateException(call + " failed: " + errorString(status));
    }

    private static String errorString(int status) {
        try {
            return cudnnGetErrorString(status).getString();
        } catch (RuntimeException | LinkageError e) {
            return "status " + status;
        }
    }

    /** The first line of an IllegalStateException's message (which names the call and status), else a summary. */
    private static String message(Throwable t) {
        if (t instanceof IllegalStateException && t.getMessage() != null) return t.getMessage().lines().findFirst().orElse("");
        return NativeFailure.summarize(t);
    }
}
