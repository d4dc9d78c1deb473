package org.timetuner4j.io.torch;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes by hand, for tests (including ones a real pickler would never write). */
public final class PickleBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static PickleBuilder proto2() {
        return new PickleBuilder().op(0x80).raw(2);
    }

    public PickleBuilder op(int b) {
        out.write(b);
        return this;
    }

    public PickleBuilder raw(int... bytes) {
        for (int b : bytes) out.write(b);
        return this;
    }

    public PickleBuilder raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    private PickleBuilder le(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xFF);
        return this;
    }

    public PickleBuilder global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public PickleBuilder inst(String module, String name) {
        op('i');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public PickleBuilder stackGlobal(String module, String name) {
        return shortStr(module).shortStr(name).op(0x93);
    }

    public PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X').le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    public PickleBuilder shortStr(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op(0x8C).raw(b.length);
        out.writeBytes(b);
        return this;
    }

    /** BININT1, BININT2 or BININT as the value needs. */
    public PickleBuilder integer(long v) {
        if (v >= 0 && v < 256) return op('K').raw((int) v);
        if (v >= 0 && v < 65536) return op('M').le(v, 2);
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) return op('J').le(v, 4);
        return long1(BigInteger.valueOf(v));
    }

    public PickleBuilder long1(BigInteger v) {
        byte[] be = v.toByteArray();
        op(0x8A).raw(be.length);
        for (int i = be.length - 1; i >= 0; i--) out.write(be[i]);
        return this;
    }

    public PickleBuilder binfloat(double d) {
        op('G');
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(d).array());
        return this;
    }

    public PickleBuilder mark() { return op('('); }
    public PickleBuilder tuple() { return op('t'); }
    public PickleBuilder tuple1() { return op(0x85); }
    public PickleBuilder tuple2() { return op(0x86); }
    public PickleBuilder tuple3() { return op(0x87); }
    public PickleBuilder emptyTuple() { return op(')'); }
    public PickleBuilder emptyDict() { return op('}'); }
    public PickleBuilder emptyList() { return op(']'); }
    public PickleBuilder setItem() { return op('s'); }
    public PickleBuilder setItems() { return op('u'); }
    public PickleBuilder append() { return op('a'); }
    public PickleBuilder appends() { return op('e'); }
    public PickleBuilder reduce() { return op('R'); }
    public PickleBuilder build() { return op('b'); }
    public PickleBuilder binpersid() { return op('Q'); }
    public PickleBuilder none() { return op('N'); }
    public PickleBuilder bool(boolean b) { return op(b ? 0x88 : 0x89); }
    public PickleBuilder put(int i) { return op('q').raw(i); }
    public PickleBuilder get(int i) { return op('h').raw(i); }
    public PickleBuilder longPut(long i) { return op('r').le(i, 4); }
    public PickleBuilder longGet(long i) { return op('j').le(i, 4); }
    public PickleBuilder stop() { return op('.'); }

    /** {@code collections.OrderedDict()} on the stack. */
    public PickleBuilder orderedDict() {
        return global("collections", "OrderedDict").emptyTuple().reduce();
    }

    /**
     * {@code _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())} with a zip
     * persistent id ({@code legacy}: the 6-tuple with view metadata None).
     */
    public PickleBuilder tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride, boolean legacy) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark().str("storage").global("torch", storageType).str(key).str("cpu").integer(numel);
        if (legacy) none();
        tuple().binpersid();
        integer(offset);
        mark();
        for (long s : size) integer(s);
        tuple();
        mark();
        for (long s : stride) integer(s);
        tuple();
        bool(false);
        orderedDict();
        tuple().reduce();
        return this;
    }

    public byte[] bytes() {
        return out.toByteArray();
    }
}
