package org.timetuner4j.io.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * A pickle reader that builds data, never code: the whitelist unpickler for {@code torch.save}
 * files (spec Part D §4.3-4.5).
 *
 * <p>What it builds: None, bools, ints, floats, strings, bytes, tuples, lists, dicts,
 * {@code collections.OrderedDict}, storages (through the caller's persistent-id hook) and
 * tensors ({@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_tensor},
 * {@code _rebuild_parameter}, {@code _rebuild_parameter_with_state}), plus {@code torch.Size}
 * (as a tuple). A GLOBAL resolves only through a fixed table of those names, to a constant of
 * {@link PickleGlobals}; nothing is looked up by reflection and no class is chosen by a name from the file. Any
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

    private final PickleInput in;
    private final PersistentLoader loader;

    private Object[] stack = new Object[64];
    private int sp;
    private int[] marks = new int[16];
    private int mp;
    private final HashMap<Long, Object> memo = new HashMap<>();
    private long objects;

    /**
     * @param buf    bytes holding the pickle
     * @param start  index of its first byte
     * @param end    index after the last byte that may be read
     * @param file   name for messages, e.g. {@code model.pth: data.pkl}
     * @param loader the persistent-id hook, or null to refuse persistent ids
     */
    public SafeUnpickler(byte[] buf, int start, int end, String file, PersistentLoader loader) {
        this.in = new PickleInput(buf, start, end, file);
        this.loader = loader;
    }

    /**
     * True when the last {@link #load} failed because the pickle continues past {@code end}: with
     * more bytes it might have parsed (a caller reading a prefix of a file can then read more).
     */
    public boolean ranOutOfInput() {
        return in.ranOut();
    }

    /** Index of the byte after the STOP of the last pickle read. */
    public int position() {
        return in.position();
    }

    /** Reads one pickle (up to and including its STOP) and returns its value. */
    public Object load() throws TorchFormatException {
        in.clearRanOut();
        sp = 0;
        mp = 0;
        memo.clear();
        while (true) {
            int op = in.opcode();
            switch (op) {
                case 0x80 -> { // PROTO
                    int p = in.u8();
                    if (p > 5) throw in.fail("unsupported pickle protocol " + p);
                }
                case 0x95 -> { // FRAME: an 8-byte length; the frame's contents follow inline
                    long n = in.u64();
                    if (n < 0 || n > in.remaining()) throw in.fail("FRAME of " + Long.toUnsignedString(n) + " bytes exceeds the "
                            + in.remaining() + " bytes left");
                }
                case '.' -> { // STOP
                    Object v = pop();
                    return v;
                }
                case '(' -> pushMark();
                case 'c' -> { // GLOBAL
                    String module = in.line();
                    String name = in.line();
                    push(PickleGlobals.resolve(in, module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw in.fail("STACK_GLOBAL needs two strings, got " + Py.typeName(module) + " and " + Py.typeName(name));
                    }
                    push(PickleGlobals.resolve(in, m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(PickleGlobals.reduce(in, callable, args));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    Object target = peek();
                    if (!(target instanceof Py.Dict d) || !d.ordered()) {
                        throw in.unsafe("refused BUILD on a " + Py.typeName(target)
                                + " (only an OrderedDict's attributes may be set, and they are ignored)");
                    }
                    if (state != null && !(state instanceof Py.Dict) && !(state instanceof Py.Tuple)) {
                        throw in.fail("BUILD state of an OrderedDict is a " + Py.typeName(state));
                    }
                }
                case 'Q' -> { // BINPERSID
                    Object pid = pop();
                    if (!(pid instanceof Py.Tuple t)) throw in.fail("persistent id is a " + Py.typeName(pid) + ", not a tuple");
                    if (loader == null) throw in.fail("unexpected persistent id (no storages belong in this pickle)");
                    push(loader.load(t, in.where()));
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
                    PickleGlobals.setItem(in, peek(), key, value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popToMark();
                    if ((items.size() & 1) != 0) throw in.fail("SETITEMS with an odd number of items");
                    Object target = peek();
                    for (int i = 0; i < items.size(); i += 2) PickleGlobals.setItem(in, target, items.get(i), items.get(i + 1));
                }
                case ']' -> push(new Py.PyList());
                case 'a' -> { // APPEND
                    Object v = pop();
                    PickleGlobals.list(in, peek(), "APPEND").items.add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popToMark();
                    PickleGlobals.list(in, peek(), "APPENDS").items.addAll(items);
                }
                case 'X' -> push(in.utf8String(in.u32())); // BINUNICODE
                case 0x8C -> push(in.utf8String(in.u8())); // SHORT_BINUNICODE
                case 0x8D -> push(in.utf8String(in.u64())); // BINUNICODE8
                case 'U' -> push(in.latin1String(in.u8())); // SHORT_BINSTRING (Python 2 str)
                case 'T' -> push(in.latin1String(in.i32())); // BINSTRING
                case 'C' -> push(in.bytes(in.u8())); // SHORT_BINBYTES
                case 'B' -> push(in.bytes(in.u32())); // BINBYTES
                case 0x8E -> push(in.bytes(in.u64())); // BINBYTES8
                case 'K' -> push((long) in.u8()); // BININT1
                case 'M' -> push((long) in.u16()); // BININT2
                case 'J' -> push((long) in.i32()); // BININT
                case 0x8A -> push(in.longN(in.u8())); // LONG1
                case 0x8B -> push(in.longN(in.i32())); // LONG4
                case 'G' -> { // BINFLOAT: big-endian IEEE double
                    push(in.f64BigEndian());
                }
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'N' -> push(null);
                case 'q' -> memoPut(in.u8()); // BINPUT
                case 'r' -> memoPut(in.u32()); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> memoGet(in.u8()); // BINGET
                case 'j' -> memoGet(in.u32()); // LONG_BINGET
                case '0' -> { // POP: the top item, or the top mark when nothing is above it
                    if (mp > 0 && sp == marks[mp - 1]) mp--;
                    else pop();
                }
                case '1' -> popToMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'i' -> { // INST: "module\nname\n", instantiates with the items above a mark
                    String module = in.line();
                    String name = in.line();
                    throw in.unsafe("refused pickle opcode INST: it would instantiate " + PickleGlobals.qualified(module, name));
                }
                case 'o' -> { // OBJ: class and arguments above a mark
                    String what = mp > 0 && marks[mp - 1] < sp ? PickleGlobals.describeCallable(stack[marks[mp - 1]]) : "an object";
                    throw in.unsafe("refused pickle opcode OBJ: it would instantiate " + what);
                }
                case 0x81, 0x92 -> { // NEWOBJ, NEWOBJ_EX: cls.__new__(cls, *args)
                    String what = sp >= 2 ? PickleGlobals.describeCallable(stack[sp - 2]) : "an object";
                    if (op == 0x92 && sp >= 3) what = PickleGlobals.describeCallable(stack[sp - 3]);
                    throw in.unsafe("refused pickle opcode " + (op == 0x81 ? "NEWOBJ" : "NEWOBJ_EX")
                            + ": it would instantiate " + what);
                }
                case 0x82, 0x83, 0x84 -> throw in.unsafe("refused pickle opcode EXT" + (op == 0x82 ? 1 : op == 0x83 ? 2 : 4)
                        + ": it names a class through the copyreg extension registry");
                case 'P' -> throw in.unsafe("refused pickle opcode PERSID (text persistent id); torch.save writes BINPERSID");
                case 'I', 'L', 'F', 'S', 'V', 'g', 'p', 'd', 'l' -> throw in.fail("unsupported text-protocol pickle opcode '"
                        + (char) op + "' (torch.save writes protocol 2; text opcodes are not accepted)");
                case 0x8F, 0x90, 0x91, 0x96, 0x97, 0x98 -> throw in.fail("unsupported pickle opcode 0x" + hex(op)
                        + " (sets and out-of-band buffers do not occur in checkpoints)");
                default -> throw in.fail("unknown pickle opcode 0x" + hex(op) + " (not a pickle, or corrupt)");
            }
        }
    }

    private void push(Object v) throws TorchFormatException {
        count();
        if (sp == stack.length) stack = Arrays.copyOf(stack, stack.length * 2);
        stack[sp++] = v;
    }

    private void count() throws TorchFormatException {
        if (++objects > MAX_OBJECTS) {
            throw in.fail("pickle creates more than " + MAX_OBJECTS + " objects; refusing (a state dict needs far fewer)");
        }
    }

    private Object pop() throws TorchFormatException {
        int floor = mp > 0 ? marks[mp - 1] : 0;
        if (sp <= floor) throw in.fail(mp > 0 ? "pickle pops past a MARK (corrupt)" : "pickle stack underflow (corrupt)");
        Object v = stack[--sp];
        stack[sp] = null;
        return v;
    }

    private Object peek() throws TorchFormatException {
        int floor = mp > 0 ? marks[mp - 1] : 0;
        if (sp <= floor) throw in.fail("pickle stack is empty where a value is needed (corrupt)");
        return stack[sp - 1];
    }

    private List<Object> popN(int n) throws TorchFormatException {
        int floor = mp > 0 ? marks[mp - 1] : 0;
        if (sp - floor < n) throw in.fail("pickle stack underflow (corrupt)");
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
        if (mp == 0) throw in.fail("pickle needs a MARK that is not there (corrupt)");
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
        if (!memo.containsKey(index)) throw in.fail("pickle refers to memo entry " + index + ", which was never stored (corrupt)");
        push(memo.get(index));
    }

    private static String hex(int op) {
        return String.format("%02X", op);
    }
}
