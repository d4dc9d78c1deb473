package org.timetuner4j.io.torch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes of one pickle: opcodes and their operands, each length checked against what remains
 * before anything is allocated, and errors that name the file and the current opcode's offset.
 */
final class PickleInput {
    private final byte[] buf;
    private final int end;
    private final String file;
    private int pos;
    private int opStart;
    private boolean ranOut;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    PickleInput(byte[] buf, int start, int end, String file) {
        if (start < 0 || end > buf.length || start > end) throw new IllegalArgumentException("bad range");
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.file = file;
    }

    /** Whether the last error came from the pickle continuing past {@code end}. */
    boolean ranOut() { return ranOut; }

    void clearRanOut() { ranOut = false; }

    int position() { return pos; }

    /** Bytes left before {@code end}. */
    int remaining() { return end - pos; }

    /** The next opcode; its offset becomes the one errors name. */
    int opcode() throws TorchFormatException {
        opStart = pos;
        if (pos >= end) {
            ranOut = true;
            throw fail("pickle ends without STOP (file truncated?)");
        }
        return buf[pos++] & 0xFF;
    }

    /** A big-endian IEEE double (BINFLOAT). */
    double f64BigEndian() throws TorchFormatException {
        need(8);
        double d = ByteBuffer.wrap(buf, pos, 8).getDouble();
        pos += 8;
        return d;
    }

    void need(long n) throws TorchFormatException {
        if (n > end - pos) {
            ranOut = true;
            throw fail("pickle ends inside an operand (needs " + n + " bytes, " + (end - pos) + " left; file truncated?)");
        }
    }

    int u8() throws TorchFormatException {
        need(1);
        return buf[pos++] & 0xFF;
    }

    int u16() throws TorchFormatException {
        need(2);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    int i32() throws TorchFormatException {
        need(4);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    long u32() throws TorchFormatException {
        return i32() & 0xFFFFFFFFL;
    }

    /** Unsigned 64-bit little-endian; values beyond 2^63 come back negative (callers reject them). */
    long u64() throws TorchFormatException {
        long lo = u32();
        long hi = u32();
        return lo | hi << 32;
    }

    Object longN(long n) throws TorchFormatException {
        if (n < 0) throw fail("negative integer length " + n);
        if (n > SafeUnpickler.MAX_INT_BYTES) throw fail("integer of " + n + " bytes is too large (at most " + SafeUnpickler.MAX_INT_BYTES + " accepted)");
        need(n);
        int len = (int) n;
        if (len == 0) return 0L;
        byte[] be = new byte[len];
        for (int i = 0; i < len; i++) be[i] = buf[pos + len - 1 - i]; // little-endian two's complement
        pos += len;
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    long length(long n) throws TorchFormatException {
        if (n < 0) throw fail("negative length " + n);
        need(n);
        return n;
    }

    String utf8String(long n) throws TorchFormatException {
        int len = (int) length(n);
        try {
            CharBuffer cb = utf8.reset().decode(ByteBuffer.wrap(buf, pos, len));
            pos += len;
            return cb.toString();
        } catch (CharacterCodingException e) {
            throw fail("pickle string is not valid UTF-8 (corrupt)");
        }
    }

    String latin1String(long n) throws TorchFormatException {
        int len = (int) length(n);
        String s = new String(buf, pos, len, StandardCharsets.ISO_8859_1);
        pos += len;
        return s;
    }

    byte[] bytes(long n) throws TorchFormatException {
        int len = (int) length(n);
        byte[] b = Arrays.copyOfRange(buf, pos, pos + len);
        pos += len;
        return b;
    }

    /** A GLOBAL/INST operand line, up to '\n' (at most 256 bytes), as UTF-8. */
    String line() throws TorchFormatException {
        int start = pos;
        int limit = Math.min(end, pos + 257);
        while (pos < limit && buf[pos] != '\n') pos++;
        if (pos >= limit) {
            ranOut = pos >= end;
            throw fail(pos >= end ? "pickle ends inside a GLOBAL name (file truncated?)" : "GLOBAL name longer than 256 bytes (corrupt)");
        }
        int len = pos - start;
        pos++; // the newline
        try {
            return utf8.reset().decode(ByteBuffer.wrap(buf, start, len)).toString();
        } catch (CharacterCodingException e) {
            throw fail("GLOBAL name is not valid UTF-8 (corrupt)");
        }
    }

    String where() {
        return file + " offset " + opStart + ": ";
    }

    TorchFormatException fail(String message) {
        return new TorchFormatException(where() + message);
    }

    UnsafePickleException unsafe(String message) {
        return new UnsafePickleException(where() + message);
    }
}
