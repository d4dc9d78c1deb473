package org.timetuner4j.io.torch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle reader that builds data, never code: the whitelist unpickler for {@code torch.save}
 * files (spec Part D §4.3-4.5).
 *
 * <p>What it builds: None, bools, ints, floats, strings, bytes, tuples, lists, dicts,
 * {@code collections.OrderedDict}, storages (through the caller's persistent-id hook) and
 * tensors ({@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_tensor},
 * {@code _rebuild_parameter}, {@code _rebuild_parameter_with_state}), plus {@code torch.Size}
 * (as a tuple). A GLOBAL resolves only through a fixed table of those names, to a constant of this
 * class; nothing is looked up by reflection and no class is chosen by a name from the file. Any
 * other GLOBAL or STACK_GLOBAL, and every opcode that instantiates by name (INST, OBJ, NEWOBJ,
 * NEWOBJ_EX, EXT1/2/4), is refused with an {@link UnsafePickleException} naming the class; REDUCE
 * applies only the table's builders, BUILD only to an OrderedDict (its attribute state is
 * ignored), APPEND(S) only to lists, SETITEM(S) only to dicts.
 *
 * <p>Bounds: every operand length is checked against the bytes that remain before anything is
 * allocated; the number of objects (stack pushes plus memo entries) is capped at
 * {@link #MAX_OBJECTS}; integers are capped at {@link #MAX_INT_BYTES} bytes. A malformed stream
 * (truncation, stack underflow, missing mark, unknown memo index, invalid UTF-8, wrong argument
 * types) ends in a {@link TorchFormatException} with a one-line message giving the offset.
 * Nothing recurses over the objects built, so deep nesting and cycles are harmless.
 */
public final class SafeUnpickler {

    /** Most objects (stack pushes plus memo entries) one pickle may create. */
    public static final int MAX_OBJECTS = 2_000_000;
    /** Longest integer (LONG1/LONG4 operand) accepted, in bytes. */
    public static final int MAX_INT_BYTES = 64;

    /** Turns a persistent id (the argument of BINPERSID) into a storage. */
    @FunctionalInterface
    public interface PersistentLoader {
        /**
         * @param pid   the persistent id tuple
         * @param where message prefix (file and offset)
         */
        Object load(Py.Tuple pid, String where) throws TorchFormatException;
    }

    /** The callables a pickle may name. */
    public enum Builder {
        ORDERED_DICT("collections.OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2"),
        REBUILD_TENSOR("torch._utils._rebuild_tensor"),
        REBUILD_PARAMETER("torch._utils._rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils._rebuild_parameter_with_state"),
        TORCH_SIZE("torch.Size");

        final String qualifiedName;

        Builder(String qualifiedName) {
            this.qualifiedName = qualifiedName;
        }
    }

    private static final Map<String, Object> GLOBALS = new HashMap<>();

    static {
        for (Builder b : Builder.values()) GLOBALS.put(b.qualifiedName, b);
        for (StorageType t : StorageType.values()) GLOBALS.put("torch." + t.pickleName, t);
    }

    /** Storage classes that exist but are not converted (complex, quantized, untyped). */
    private static final List<String> UNSUPPORTED_STORAGES = List.of(
            "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage",
            "QUInt4x2Storage", "QUInt2x4Storage", "UntypedStorage");

    private final byte[] buf;
    private final int end;
    private final String file;
    private final PersistentLoader loader;
    private int pos;
    private int opStart;

    private Object[] stack = new Object[64];
    private int sp;
    private int[] marks = new int[16];
    private int mp;
    private final HashMap<Long, Object> memo = new HashMap<>();
    private long objects;
    private boolean ranOut;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    /**
     * @param buf    bytes holding the pickle
     * @param start  index of its first byte
     * @param end    index after the last byte that may be read
     * @param file   name for messages, e.g. {@code model.pth: data.pkl}
     * @param loader the persistent-id hook, or null to refuse persistent ids
     */
    public SafeUnpickler(byte[] buf, int start, int end, String file, PersistentLoader loader) {
        if (start < 0 || end > buf.length || start > end) throw new IllegalArgumentException("bad range");
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.file = file;
        this.loader = loader;
    }

    /**
     * True when the last {@link #load} failed because the pickle continues past {@code end}: with
     * more bytes it might have parsed (a caller reading a prefix of a file can then read more).
     */
    public boolean ranOutOfInput() {
        return ranOut;
    }

    /** Index of the byte after the STOP of the last pickle read. */
    public int position() {
        return pos;
    }

    /** Reads one pickle (up to and including its STOP) and returns its value. */
    public Object load() throws TorchFormatException {
        ranOut = false;
        sp = 0;
        mp = 0;
        memo.clear();
        while (true) {
            opStart = pos;
            if (pos >= end) {
                ranOut = true;
                throw fail("pickle ends without STOP (file truncated?)");
            }
            int op = buf[pos++] & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int p = u8();
                    if (p > 5) throw fail("unsupported pickle protocol " + p);
                }
                case 0x95 -> { // FRAME: an 8-byte length; the frame's contents follow inline
                    long n = u64();
                    if (n < 0 || n > end - pos) throw fail("FRAME of " + Long.toUnsignedString(n) + " bytes exceeds the "
                            + (end - pos) + " bytes left");
                }
                case '.' -> { // STOP
                    Object v = pop();
                    return v;
                }
                case '(' -> pushMark();
                case 'c' -> { // GLOBAL
                    String module = line();
                    String name = line();
                    push(resolveGlobal(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw fail("STACK_GLOBAL needs two strings, got " + Py.typeName(module) + " and " + Py.typeName(name));
                    }
                    push(resolveGlobal(m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    Object target = peek();
                    if (!(target instanceof Py.Dict d) || !d.ordered()) {
                        throw unsafe("refused BUILD on a " + Py.typeName(target)
                                + " (only an OrderedDict's attributes may be set, and they are ignored)");
                    }
                    if (state != null && !(state instanceof Py.Dict) && !(state instanceof Py.Tuple)) {
                        throw fail("BUILD state of an OrderedDict is a " + Py.typeName(state));
                    }
                }
                case 'Q' -> { // BINPERSID
                    Object pid = pop();
                    if (!(pid instanceof Py.Tuple t)) throw fail("persistent id is a " + Py.typeName(pid) + ", not a tuple");
                    if (loader == null) throw fail("unexpected persistent id (no storages belong in this pickle)");
                    push(loader.load(t, where()));
                }
                case ')' -> push(new Py.Tuple(List.of()));
                case 't' -> push(new Py.Tuple(popToMark()));
                case 0x85 -> push(new Py.Tuple(popN(1)));
                case 0x86 -> push(new Py.Tuple(popN(2)));
                case 0x87 -> push(new Py.Tuple(popN(3)));
                case '}' -> push(new Py.Dict(false));
                case 's' -> { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    setItem(peek(), key, value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popToMark();
                    if ((items.size() & 1) != 0) throw fail("SETITEMS with an odd number of items");
                    Object target = peek();
                    for (int i = 0; i < items.size(); i += 2) setItem(target, items.get(i), items.get(i + 1));
                }
                case ']' -> push(new Py.PyList());
                case 'a' -> { // APPEND
                    Object v = pop();
                    list(peek(), "APPEND").items.add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popToMark();
                    list(peek(), "APPENDS").items.addAll(items);
                }
                case 'X' -> push(utf8String(u32())); // BINUNICODE
                case 0x8C -> push(utf8String(u8())); // SHORT_BINUNICODE
                case 0x8D -> push(utf8String(u64())); // BINUNICODE8
                case 'U' -> push(latin1String(u8())); // SHORT_BINSTRING (Python 2 str)
                case 'T' -> push(latin1String(i32())); // BINSTRING
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 'B' -> push(bytes(u32())); // BINBYTES
                case 0x8E -> push(bytes(u64())); // BINBYTES8
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) u16()); // BININT2
                case 'J' -> push((long) i32()); // BININT
                case 0x8A -> push(longN(u8())); // LONG1
                case 0x8B -> push(longN(i32())); // LONG4
                case 'G' -> { // BINFLOAT: big-endian IEEE double
                    need(8);
                    double d = ByteBuffer.wrap(buf, pos, 8).getDouble();
                    pos += 8;
                    push(d);
                }
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'N' -> push(null);
                case 'q' -> memoPut(u8()); // BINPUT
                case 'r' -> memoPut(u32()); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> memoGet(u8()); // BINGET
                case 'j' -> memoGet(u32()); // LONG_BINGET
                case '0' -> { // POP: the top item, or the top mark when nothing is above it
                    if (mp > 0 && sp == marks[mp - 1]) mp--;
                    else pop();
                }
                case '1' -> popToMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'i' -> { // INST: "module\nname\n", instantiates with the items above a mark
                    String module = line();
                    String name = line();
                    throw unsafe("refused pickle opcode INST: it would instantiate " + qualified(module, name));
                }
                case 'o' -> { // OBJ: class and arguments above a mark
                    String what = mp > 0 && marks[mp - 1] < sp ? describeCallable(stack[marks[mp - 1]]) : "an object";
                    throw unsafe("refused pickle opcode OBJ: it would instantiate " + what);
                }
                case 0x81, 0x92 -> { // NEWOBJ, NEWOBJ_EX: cls.__new__(cls, *args)
                    String what = sp >= 2 ? describeCallable(stack[sp - 2]) : "an object";
                    if (op == 0x92 && sp >= 3) what = describeCallable(stack[sp - 3]);
                    throw unsafe("refused pickle opcode " + (op == 0x81 ? "NEWOBJ" : "NEWOBJ_EX")
                            + ": it would instantiate " + what);
                }
                case 0x82, 0x83, 0x84 -> throw unsafe("refused pickle opcode EXT" + (op == 0x82 ? 1 : op == 0x83 ? 2 : 4)
                        + ": it names a class through the copyreg extension registry");
                case 'P' -> throw unsafe("refused pickle opcode PERSID (text persistent id); torch.save writes BINPERSID");
                case 'I', 'L', 'F', 'S', 'V', 'g', 'p', 'd', 'l' -> throw fail("unsupported text-protocol pickle opcode '"
                        + (char) op + "' (torch.save writes protocol 2; text opcodes are not accepted)");
                case 0x8F, 0x90, 0x91, 0x96, 0x97, 0x98 -> throw fail("unsupported pickle opcode 0x" + hex(op)
                        + " (sets and out-of-band buffers do not occur in checkpoints)");
                default -> throw fail("unknown pickle opcode 0x" + hex(op) + " (not a pickle, or corrupt)");
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // globals and builders

    private Object resolveGlobal(String module, String name) throws TorchFormatException {
        String q = module + "." + name;
        Object g = GLOBALS.get(q);
        if (g != null) return g;
        if (module.equals("torch") && UNSUPPORTED_STORAGES.contains(name)) {
            throw fail("storage type torch." + name + " is not supported (complex, quantized and untyped storages are not converted)");
        }
        if (q.equals("torch._utils._rebuild_tensor_v3")) {
            throw fail("torch._utils._rebuild_tensor_v3 (a tensor with an explicit dtype, e.g. float8) is not supported");
        }
        String hint;
        if (module.startsWith("torch.nn.") || module.equals("torch.nn")) {
            hint = ": this file pickles a whole module, not a state dict (save model.state_dict() instead)";
        } else if (module.equals("__main__") || module.startsWith("models") || module.startsWith("model")) {
            hint = ": this file pickles an object of a class from the training code (save model.state_dict() instead)";
        } else if (module.startsWith("numpy")) {
            hint = ": numpy objects are not accepted (save plain Python numbers or tensors)";
        } else if (module.startsWith("torch")) {
            hint = ": only tensors, typed storages, torch.Size, OrderedDict and plain containers are accepted";
        } else {
            hint = ": the unpickler only builds tensors, storages, OrderedDict and plain containers, and never runs code";
        }
        throw unsafe("refused pickle global " + qualified(module, name) + hint);
    }

    private Object reduce(Object callable, Object argsObj) throws TorchFormatException {
        if (!(callable instanceof Builder b)) {
            throw unsafe("refused REDUCE of " + describeCallable(callable) + " (only tensor, OrderedDict and torch.Size builders may be called)");
        }
        if (!(argsObj instanceof Py.Tuple args)) {
            throw fail("REDUCE arguments of " + b.qualifiedName + " are a " + Py.typeName(argsObj) + ", not a tuple");
        }
        switch (b) {
            case ORDERED_DICT -> {
                Py.Dict d = new Py.Dict(true);
                if (args.size() == 1 && args.get(0) instanceof Py.PyList pairs) {
                    for (Object p : pairs.items) {
                        if (!(p instanceof Py.Tuple kv) || kv.size() != 2) throw fail("OrderedDict items must be pairs");
                        setItem(d, kv.get(0), kv.get(1));
                    }
                } else if (args.size() != 0) {
                    throw fail("OrderedDict called with " + args.size() + " arguments");
                }
                return d;
            }
            case TORCH_SIZE -> {
                if (args.size() != 1 || !(args.get(0) instanceof Py.Tuple t)) throw fail("torch.Size needs one tuple argument");
                return t;
            }
            case REBUILD_TENSOR_V2, REBUILD_TENSOR -> {
                int expected = b == Builder.REBUILD_TENSOR ? 4 : 6;
                if (args.size() != expected && !(b == Builder.REBUILD_TENSOR_V2 && args.size() == 7)) {
                    throw fail(b.qualifiedName + " called with " + args.size() + " arguments");
                }
                if (!(args.get(0) instanceof StorageRef storage)) {
                    throw fail(b.qualifiedName + ": first argument is a " + Py.typeName(args.get(0)) + ", not a storage");
                }
                long offset = integer(args.get(1), "storage offset");
                long[] size = intTuple(args.get(2), "size");
                long[] stride = intTuple(args.get(3), "stride");
                if (expected == 6) {
                    if (!(args.get(4) instanceof Boolean)) throw fail("tensor requires_grad is a " + Py.typeName(args.get(4)));
                    if (!(args.get(5) instanceof Py.Dict)) throw fail("tensor backward_hooks is a " + Py.typeName(args.get(5)));
                    if (args.size() == 7 && args.get(6) != null && !(args.get(6) instanceof Py.Dict)) {
                        throw fail("tensor metadata is a " + Py.typeName(args.get(6)));
                    }
                }
                return TorchTensor.of(storage, offset, size, stride, where());
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                int expected = b == Builder.REBUILD_PARAMETER ? 3 : 4;
                if (args.size() != expected) throw fail(b.qualifiedName + " called with " + args.size() + " arguments");
                if (!(args.get(0) instanceof TorchTensor t)) throw fail(b.qualifiedName + ": data is a " + Py.typeName(args.get(0)));
                return t;
            }
            default -> throw new AssertionError(b);
        }
    }

    private long integer(Object v, String what) throws TorchFormatException {
        if (v instanceof Long l) return l;
        if (v instanceof BigInteger) throw fail("tensor " + what + " is too large");
        throw fail("tensor " + what + " is a " + Py.typeName(v) + ", not an int");
    }

    private long[] intTuple(Object v, String what) throws TorchFormatException {
        if (!(v instanceof Py.Tuple t)) throw fail("tensor " + what + " is a " + Py.typeName(v) + ", not a tuple");
        if (t.size() > TorchTensor.MAX_DIMS) {
            throw fail("tensor " + what + " has " + t.size() + " dimensions (at most " + TorchTensor.MAX_DIMS + " accepted)");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = integer(t.get(i), what);
        return out;
    }

    private void setItem(Object target, Object key, Object value) throws TorchFormatException {
        if (!(target instanceof Py.Dict d)) throw unsafe("refused SETITEM on a " + Py.typeName(target) + " (only dicts take items)");
        if (!Py.isAllowedKey(key)) throw fail("dict key of type " + Py.typeName(key) + " is not supported");
        d.map.put(key, value);
    }

    private Py.PyList list(Object target, String op) throws TorchFormatException {
        if (!(target instanceof Py.PyList l)) throw unsafe("refused " + op + " on a " + Py.typeName(target) + " (only lists take appends)");
        return l;
    }

    private static String describeCallable(Object v) {
        if (v instanceof Builder b) return b.qualifiedName;
        if (v instanceof StorageType t) return t.toString();
        return "a " + Py.typeName(v);
    }

    private static String qualified(String module, String name) {
        return Py.clean(module) + "." + Py.clean(name);
    }

    // ------------------------------------------------------------------------------------------
    // stack, marks, memo

    private void push(Object v) throws TorchFormatException {
        count();
        if (sp == stack.length) stack = Arrays.copyOf(stack, stack.length * 2);
        stack[sp++] = v;
    }

    private void count() throws TorchFormatException {
        if (++objects > MAX_OBJECTS) {
            throw fail("pickle creates more than " + MAX_OBJECTS + " objects; refusing (a state dict needs far fewer)");
        }
    }

    private Object pop() throws TorchFormatException {
        int floor = mp > 0 ? marks[mp - 1] : 0;
        if (sp <= floor) throw fail(mp > 0 ? "pickle pops past a MARK (corrupt)" : "pickle stack underflow (corrupt)");
        Object v = stack[--sp];
        stack[sp] = null;
        return v;
    }

    private Object peek() throws TorchFormatException {
        int floor = mp > 0 ? marks[mp - 1] : 0;
        if (sp <= floor) throw fail("pickle stack is empty where a value is needed (corrupt)");
        return stack[sp - 1];
    }

    private List<Object> popN(int n) throws TorchFormatException {
        int floor = mp > 0 ? marks[mp - 1] : 0;
        if (sp - floor < n) throw fail("pickle stack underflow (corrupt)");
        List<Object> items = new ArrayList<>(Arrays.asList(stack).subList(sp - n, sp));
        Arrays.fill(stack, sp - n, sp, null);
        sp -= n;
        return items;
    }

    private void pushMark() throws TorchFormatException {
        count();
        if (mp == marks.length) marks = Arrays.copyOf(marks, marks.length * 2);
        marks[mp++] = sp;
    }

    private List<Object> popToMark() throws TorchFormatException {
        if (mp == 0) throw fail("pickle needs a MARK that is not there (corrupt)");
        int m = marks[--mp];
        List<Object> items = new ArrayList<>(Arrays.asList(stack).subList(m, sp));
        Arrays.fill(stack, m, sp, null);
        sp = m;
        return items;
    }

    private void memoPut(long index) throws TorchFormatException {
        count();
        memo.put(index, peek());
    }

    private void memoGet(long index) throws TorchFormatException {
        if (!memo.containsKey(index)) throw fail("pickle refers to memo entry " + index + ", which was never stored (corrupt)");
        push(memo.get(index));
    }

    // ------------------------------------------------------------------------------------------
    // operands

    private void need(long n) throws TorchFormatException {
        if (n > end - pos) {
            ranOut = true;
            throw fail("pickle ends inside an operand (needs " + n + " bytes, " + (end - pos) + " left; file truncated?)");
        }
    }

    private int u8() throws TorchFormatException {
        need(1);
        return buf[pos++] & 0xFF;
    }

    private int u16() throws TorchFormatException {
        need(2);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    private int i32() throws TorchFormatException {
        need(4);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private long u32() throws TorchFormatException {
        return i32() & 0xFFFFFFFFL;
    }

    /** Unsigned 64-bit little-endian; values beyond 2^63 come back negative (callers reject them). */
    private long u64() throws TorchFormatException {
        long lo = u32();
        long hi = u32();
        return lo | hi << 32;
    }

    private Object longN(long n) throws TorchFormatException {
        if (n < 0) throw fail("negative integer length " + n);
        if (n > MAX_INT_BYTES) throw fail("integer of " + n + " bytes is too large (at most " + MAX_INT_BYTES + " accepted)");
        need(n);
        int len = (int) n;
        if (len == 0) return 0L;
        byte[] be = new byte[len];
        for (int i = 0; i < len; i++) be[i] = buf[pos + len - 1 - i]; // little-endian two's complement
        pos += len;
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private long length(long n) throws TorchFormatException {
        if (n < 0) throw fail("negative length " + n);
        need(n);
        return n;
    }

    private String utf8String(long n) throws TorchFormatException {
        int len = (int) length(n);
        try {
            CharBuffer cb = utf8.reset().decode(ByteBuffer.wrap(buf, pos, len));
            pos += len;
            return cb.toString();
        } catch (CharacterCodingException e) {
            throw fail("pickle string is not valid UTF-8 (corrupt)");
        }
    }

    private String latin1String(long n) throws TorchFormatException {
        int len = (int) length(n);
        String s = new String(buf, pos, len, StandardCharsets.ISO_8859_1);
        pos += len;
        return s;
    }

    private byte[] bytes(long n) throws TorchFormatException {
        int len = (int) length(n);
        byte[] b = Arrays.copyOfRange(buf, pos, pos + len);
        pos += len;
        return b;
    }

    /** A GLOBAL/INST operand line, up to '\n' (at most 256 bytes), as UTF-8. */
    private String line() throws TorchFormatException {
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

    // ------------------------------------------------------------------------------------------

    private String where() {
        return file + " offset " + opStart + ": ";
    }

    private TorchFormatException fail(String message) {
        return new TorchFormatException(where() + message);
    }

    private UnsafePickleException unsafe(String message) {
        return new UnsafePickleException(where() + message);
    }

    private static String hex(int op) {
        return String.format("%02X", op);
    }
}
