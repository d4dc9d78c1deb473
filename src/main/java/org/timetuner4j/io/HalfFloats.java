package org.timetuner4j.io;

/**
 * Conversions between float32 and the two 16-bit float formats used in checkpoints.
 *
 * <ul>
 *   <li><b>F16</b> (IEEE 754 binary16): 1 sign, 5 exponent (bias 15), 10 mantissa bits. Decoding is
 *       exact for every pattern (subnormals, ±0, ±inf, NaN). Encoding rounds to nearest, ties to
 *       even; values whose magnitude rounds above 65504 become ±inf, values below half of the
 *       smallest subnormal (2^-25, tie included) become ±0, NaN stays NaN (quiet, payload
 *       truncated).</li>
 *   <li><b>BF16</b> (bfloat16): the upper 16 bits of a float32. Decoding is exact. Encoding rounds
 *       to nearest, ties to even (so it can overflow to ±inf); NaN stays NaN (quiet bit set).</li>
 * </ul>
 */
public final class HalfFloats {
    private HalfFloats() {}

    /** Decoded value of every F16 bit pattern (256 KiB); F16 decoding is a table lookup. */
    private static final float[] F16_TABLE = new float[1 << 16];

    static {
        for (int h = 0; h < (1 << 16); h++) F16_TABLE[h] = decodeF16(h);
    }

    private static float decodeF16(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        if (exp == 0) {
            // ±0 or subnormal: mant * 2^-24, exact in float32.
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** The float32 value of the F16 bit pattern in the low 16 bits of {@code bits}. */
    public static float f16ToFloat(int bits) {
        return F16_TABLE[bits & 0xFFFF];
    }

    /** The F16 bit pattern (in the low 16 bits) nearest to {@code f}, ties to even. */
    public static short floatToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            if (mant == 0) return (short) (sign | 0x7C00);                  // ±inf
            return (short) (sign | 0x7C00 | 0x200 | (mant >>> 13));        // quiet NaN
        }
        int e = exp - 127 + 15;                                           // F16 biased exponent
        if (e >= 0x1F) return (short) (sign | 0x7C00);                    // overflow
        if (e <= 0) {
            // Result is an F16 subnormal (or zero): value = M * 2^(exp-150) = hm * 2^-24.
            int shift = 14 - e;                                            // >= 14
            if (shift > 24) return (short) sign;                           // < 2^-25 (or float subnormal)
            int m = mant | 0x800000;
            int hm = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (rem > half || (rem == half && (hm & 1) != 0)) hm++;        // may carry into 0x400: fine
            return (short) (sign | hm);
        }
        int out = sign | (e << 10) | (mant >>> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (out & 1) != 0)) out++;     // carry may give 0x7C00 = inf
        return (short) out;
    }

    /** The float32 value of the BF16 bit pattern in the low 16 bits of {@code bits} (exact). */
    public static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The BF16 bit pattern (in the low 16 bits) nearest to {@code f}, ties to even. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7F800000) == 0x7F800000 && (bits & 0x7FFFFF) != 0) {
            return (short) ((bits >>> 16) | 0x40);                         // keep it a (quiet) NaN
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }
}
