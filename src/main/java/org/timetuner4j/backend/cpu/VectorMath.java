package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector math whose results do not depend on how the JIT compiled the caller. The Vector API's
 * own {@code lanewise(EXP)} and float {@code reduceLanes(ADD)} are free to differ in the last
 * bit between the interpreter, C1 and C2 (SVML intrinsics, tree-ordered reductions), which made
 * a network's output change once its code got hot. Everything here uses only adds, multiplies
 * (fused where the CPU has FMA, as in the GEMM) and bit operations in a fixed order.
 */
final class VectorMath {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    // exp(x) = 2^n·exp(r), n = round(x·log2 e), r = x − n·ln 2 (ln 2 split in two, Cody–Waite),
    // exp(r) by the minimax polynomial of Cephes' expf: about 1 ulp on the clamped range.
    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float MAX_ARG = 88.3762626647949f, MIN_ARG = -87.3365478515625f;  // 2^n stays a normal float
    private static final float ROUND = 12582912f;  // 1.5·2^23: adding and subtracting it rounds to the nearest integer
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** |x|'s bits above this: x may be outside [MIN_ARG, MAX_ARG], or NaN. */
    private static final int CLAMP_FROM_BITS = Float.floatToRawIntBits(-MIN_ARG);
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
            P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;


    private VectorMath() {}

    /**
     * dst[dstAt + i] = e^(a·src[srcAt + i] + b) for i < n, each argument clamped to [−87.3, 88.4]
     * (results from about 1e-38 to 3e38); dst may be src. Whole vectors by the polynomial below,
     * the last n mod L values by Math.exp. Arrays in, arrays out: a helper that takes or returns a
     * vector is boxed (10–30× slower) wherever C2 does not inline it, and whether it does changed
     * from run to run once two kernels called it.
     */
    static void exp(float[] src, int srcAt, float a, float b, float[] dst, int dstAt, int n) {
        // Constants as vectors made here: C2 left some scalar broadcasts in the loop.
        FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b);
        FloatVector lo = FloatVector.broadcast(S, MIN_ARG), hi = FloatVector.broadcast(S, MAX_ARG);
        FloatVector log2e = FloatVector.broadcast(S, LOG2E), round = FloatVector.broadcast(S, ROUND);
        FloatVector p0 = FloatVector.broadcast(S, P0), p1 = FloatVector.broadcast(S, P1), p2 = FloatVector.broadcast(S, P2),
                p3 = FloatVector.broadcast(S, P3), p4 = FloatVector.broadcast(S, P4), p5 = FloatVector.broadcast(S, P5);
        FloatVector negLn2Hi = FloatVector.broadcast(S, -LN2_HI), negLn2Lo = FloatVector.broadcast(S, -LN2_LO), one = FloatVector.broadcast(S, 1f);
        IntVector twoKBias = IntVector.broadcast(I, ROUND_BITS - 127);
        int i = 0;
        for (int whole = S.loopBound(n); i < whole; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, src, srcAt + i).mul(va).add(vb);
            // Java's max/min (NaN and −0 rules) take several instructions each, and JDK 17 makes
            // masks of vectors: clamping every vector cost 40 % of this loop. Arguments past
            // ±87.3 (and NaN, kept as NaN) are rare, so a test of |x|'s bits decides.
            if (((IntVector) x.reinterpretAsInts()).and(0x7fffffff).compare(VectorOperators.GT, CLAMP_FROM_BITS).anyTrue())
                x = x.blend(lo, x.lt(lo)).blend(hi, x.compare(VectorOperators.GT, hi));
            FloatVector shifted = x.mul(log2e).add(round);  // its low mantissa bits hold n, two's complement
            FloatVector k = shifted.sub(round);
            FloatVector r, p;
            if (Gemm.USE_FMA) {  // the same polynomial in fused steps: fewer instructions, no less accurate
                r = k.fma(negLn2Lo, k.fma(negLn2Hi, x));
                p = r.fma(p0, p1).fma(r, p2).fma(r, p3).fma(r, p4).fma(r, p5);
                p = p.fma(r.mul(r), r).add(one);
            } else {
                r = x.add(k.mul(negLn2Hi)).add(k.mul(negLn2Lo));
                p = r.mul(p0).add(p1).mul(r).add(p2).mul(r).add(p3).mul(r).add(p4).mul(r).add(p5);
                p = p.mul(r.mul(r)).add(r).add(one);
            }
            // 2^k built from those bits (a float-to-int conversion is not intrinsified everywhere)
            FloatVector twoK = ((IntVector) shifted.reinterpretAsInts()).sub(twoKBias).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            p.mul(twoK).intoArray(dst, dstAt + i);
        }
        for (; i < n; i++) dst[dstAt + i] = (float) Math.exp(Math.max(MIN_ARG, Math.min(MAX_ARG, a * src[srcAt + i] + b)));
    }

    /** The lanes' sum, added in lane order in double. */
    static double sumLanes(FloatVector v) {
        double s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }
}
