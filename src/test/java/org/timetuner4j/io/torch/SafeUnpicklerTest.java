package org.timetuner4j.io.torch;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The opcode set, the refusals and the bounds of {@link SafeUnpickler}, on hand-written pickles. */
class SafeUnpicklerTest {

    static Object load(byte[] pickle) throws TorchFormatException {
        return new SafeUnpickler(pickle, 0, pickle.length, "test.pkl", null).load();
    }

    static TorchFormatException fails(byte[] pickle, String fragment) {
        TorchFormatException e = assertThrows(TorchFormatException.class, () -> load(pickle));
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("test.pkl offset "), e.getMessage());
        return e;
    }

    static UnsafePickleException refused(byte[] pickle, String fragment) {
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> load(pickle));
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        return e;
    }

    @Test void scalarsAndContainers() throws Exception {
        byte[] p = PickleBuilder.proto2().emptyDict().put(0).mark()
                .str("ints").mark().integer(7).integer(300).integer(-5).integer(70000).integer(1L << 40)
                .long1(new BigInteger("123456789012345678901234567890")).op(0x8A).raw(0).tuple()
                .str("float").binfloat(-2.5)
                .shortStr("bools").bool(true).bool(false).none().tuple3()
                .str("latin1").op('U').raw(2, 0xE9, 'x')
                .str("bytes").op('C').raw(3, 1, 2, 3)
                .str("list").emptyList().integer(1).append().mark().integer(2).integer(3).appends()
                .str("t1").integer(9).tuple1()
                .str("t2").integer(1).integer(2).tuple2()
                .str("empty").emptyTuple()
                .setItems().stop().bytes();
        Py.Dict d = (Py.Dict) load(p);
        assertFalse(d.ordered());
        Py.Tuple ints = (Py.Tuple) d.get("ints");
        assertEquals(List.of(7L, 300L, -5L, 70000L, 1L << 40, new BigInteger("123456789012345678901234567890"), 0L), ints.items());
        assertEquals(-2.5, d.get("float"));
        assertEquals(java.util.Arrays.asList(true, false, null), ((Py.Tuple) d.get("bools")).items());
        assertEquals("\u00e9x", d.get("latin1"));
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) d.get("bytes"));
        assertEquals(List.of(1L, 2L, 3L), ((Py.PyList) d.get("list")).items());
        assertEquals(List.of(9L), ((Py.Tuple) d.get("t1")).items());
        assertEquals(2, ((Py.Tuple) d.get("t2")).size());
        assertEquals(0, ((Py.Tuple) d.get("empty")).size());
    }

    @Test void memoDupPopFrameAndProtocol4Strings() throws Exception {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        byte[] body = new PickleBuilder().emptyList().op(0x94) // MEMOIZE -> memo[0]
                .shortStr("a").op(0x94).append()               // memo[1] = "a"
                .op('h').raw(1).append()                      // BINGET 1
                .str("b").longPut(70000).append()
                .longGet(70000).append()
                .integer(5).op('2').op('0').append()          // DUP then POP: one 5
                .mark().integer(1).integer(2).op('1')         // POP_MARK drops them
                .stop().bytes();
        frame.write(0x80);
        frame.write(4);
        frame.write(0x95);
        frame.writeBytes(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(body.length).array());
        frame.writeBytes(body);
        Py.PyList l = (Py.PyList) load(frame.toByteArray());
        assertEquals(List.of("a", "a", "b", "b", 5L), l.items());
    }

    @Test void orderedDictBuildIsIgnoredAndTorchSizeIsATuple() throws Exception {
        byte[] p = PickleBuilder.proto2().orderedDict().put(0).mark().str("k").integer(1).setItems()
                .emptyDict().str("_metadata").orderedDict().setItem().build()
                .stop().bytes();
        Py.Dict d = (Py.Dict) load(p);
        assertTrue(d.ordered());
        assertEquals(1, d.size());
        byte[] s = PickleBuilder.proto2().global("torch", "Size").mark().integer(3).integer(4).tuple().tuple1().reduce().stop().bytes();
        assertEquals(List.of(3L, 4L), ((Py.Tuple) load(s)).items());
    }

    @Test void cyclesAndDeepNestingAreHarmless() throws Exception {
        // a list that contains itself
        Py.PyList l = (Py.PyList) load(PickleBuilder.proto2().emptyList().put(0).get(0).append().stop().bytes());
        assertSame(l, l.get(0));
        assertEquals("list of 1", l.toString());
        // 200k nested lists: nothing recurses over them
        int n = 200_000;
        PickleBuilder b = PickleBuilder.proto2();
        for (int i = 0; i < n; i++) b.emptyList();
        for (int i = 1; i < n; i++) b.append();
        Py.PyList outer = (Py.PyList) load(b.stop().bytes());
        assertEquals(1, outer.size());
        assertEquals("list", Py.typeName(outer.get(0)));
    }

    @Test void refusesGlobalsOutsideTheTable() {
        refused(PickleBuilder.proto2().global("os", "system").str("touch x").tuple1().reduce().stop().bytes(), "os.system");
        refused(PickleBuilder.proto2().global("posix", "system").stop().bytes(), "posix.system");
        refused(PickleBuilder.proto2().global("builtins", "exec").stop().bytes(), "builtins.exec");
        refused(PickleBuilder.proto2().global("__builtin__", "eval").stop().bytes(), "__builtin__.eval");
        refused(PickleBuilder.proto2().global("subprocess", "Popen").stop().bytes(), "subprocess.Popen");
        refused(PickleBuilder.proto2().global("torch", "load").stop().bytes(), "torch.load");
        refused(PickleBuilder.proto2().global("torch.serialization", "load").stop().bytes(), "torch.serialization.load");
        refused(PickleBuilder.proto2().global("torch.nn.modules.conv", "Conv2d").stop().bytes(), "whole module");
        refused(PickleBuilder.proto2().global("numpy.core.multiarray", "_reconstruct").stop().bytes(), "numpy");
        refused(PickleBuilder.proto2().global("__main__", "Model").stop().bytes(), "training code");
        refused(new PickleBuilder().op(0x80).raw(4).stackGlobal("os", "system").stop().bytes(), "os.system");
        // a control character in a name cannot break the one-line message
        UnsafePickleException e = refused(PickleBuilder.proto2().global("os\r", "sys\u0001tem").stop().bytes(), "os?.sys?tem");
        assertFalse(e.getMessage().contains("\r"));
    }

    @Test void refusesOpcodesThatInstantiate() {
        refused(PickleBuilder.proto2().mark().str("touch x").inst("os", "system").stop().bytes(), "INST: it would instantiate os.system");
        refused(PickleBuilder.proto2().mark().global("collections", "OrderedDict").op('o').stop().bytes(),
                "OBJ: it would instantiate collections.OrderedDict");
        refused(PickleBuilder.proto2().global("collections", "OrderedDict").emptyTuple().op(0x81).stop().bytes(),
                "NEWOBJ: it would instantiate collections.OrderedDict");
        refused(PickleBuilder.proto2().global("collections", "OrderedDict").emptyTuple().emptyDict().op(0x92).stop().bytes(),
                "NEWOBJ_EX: it would instantiate collections.OrderedDict");
        refused(PickleBuilder.proto2().op(0x82).raw(1).stop().bytes(), "EXT1");
        refused(PickleBuilder.proto2().op('P').raw('1', '\n').stop().bytes(), "PERSID");
    }

    @Test void refusesBuildReduceAndItemsOnTheWrongTargets() {
        refused(PickleBuilder.proto2().emptyList().emptyDict().build().stop().bytes(), "BUILD on a list");
        refused(PickleBuilder.proto2().emptyDict().emptyDict().build().stop().bytes(), "BUILD on a dict");
        refused(PickleBuilder.proto2().global("torch", "FloatStorage").emptyTuple().reduce().stop().bytes(),
                "REDUCE of torch.FloatStorage");
        refused(PickleBuilder.proto2().str("print").emptyTuple().reduce().stop().bytes(), "REDUCE of a str");
        refused(PickleBuilder.proto2().emptyList().integer(1).integer(2).setItem().stop().bytes(), "SETITEM on a list");
        refused(PickleBuilder.proto2().emptyDict().integer(1).append().stop().bytes(), "APPEND on a dict");
    }

    @Test void unsupportedButHarmlessThingsAreClearErrors() {
        fails(PickleBuilder.proto2().global("torch", "ComplexFloatStorage").stop().bytes(), "ComplexFloatStorage is not supported");
        fails(PickleBuilder.proto2().global("torch._utils", "_rebuild_tensor_v3").stop().bytes(), "_rebuild_tensor_v3");
        fails(PickleBuilder.proto2().op('I').raw('1', '\n').stop().bytes(), "text-protocol");
        fails(PickleBuilder.proto2().op(0x8F).stop().bytes(), "sets");
        fails(PickleBuilder.proto2().emptyDict().emptyList().integer(1).setItem().stop().bytes(), "dict key of type list");
        fails(new PickleBuilder().op(0x80).raw(6).stop().bytes(), "protocol 6");
        fails(PickleBuilder.proto2().mark().str("storage").tuple().binpersid().stop().bytes(), "no storages belong");
    }

    @Test void malformedStreamsAreOneLineErrors() {
        fails(PickleBuilder.proto2().integer(1).bytes(), "without STOP");
        fails(PickleBuilder.proto2().stop().bytes(), "underflow");
        fails(PickleBuilder.proto2().integer(1).tuple().stop().bytes(), "MARK that is not there");
        fails(PickleBuilder.proto2().get(7).stop().bytes(), "memo entry 7");
        fails(PickleBuilder.proto2().mark().append().stop().bytes(), "past a MARK");
        fails(PickleBuilder.proto2().op('X').raw(0xFF, 0xFF, 0xFF, 0xFF).stop().bytes(), "ends inside an operand");
        fails(PickleBuilder.proto2().op(0x8D).raw(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF).stop().bytes(), "negative length");
        fails(PickleBuilder.proto2().op(0x8B).raw(0xFF, 0xFF, 0xFF, 0x7F).stop().bytes(), "too large");
        fails(PickleBuilder.proto2().op('T').raw(0xFF, 0xFF, 0xFF, 0xFF).stop().bytes(), "negative length");
        fails(PickleBuilder.proto2().op('X').raw(2, 0, 0, 0, 0xC3, 0x28).stop().bytes(), "not valid UTF-8");
        fails(PickleBuilder.proto2().op('c').raw("a".repeat(300).getBytes()).stop().bytes(), "longer than 256");
        fails(PickleBuilder.proto2().op('c').raw("os".getBytes()).bytes(), "inside a GLOBAL name");
        fails(PickleBuilder.proto2().op(0xFF).bytes(), "unknown pickle opcode 0xFF");
        fails(PickleBuilder.proto2().op(0x95).raw(0xFF, 0, 0, 0, 0, 0, 0, 0).stop().bytes(), "FRAME");
        fails(new byte[0], "without STOP");
    }

    @Test void objectCountIsCapped() {
        byte[] p = new byte[SafeUnpickler.MAX_OBJECTS + 4];
        p[0] = (byte) 0x80;
        p[1] = 2;
        java.util.Arrays.fill(p, 2, p.length, (byte) 'N');
        fails(p, "more than " + SafeUnpickler.MAX_OBJECTS + " objects");
    }

    @Test void tensorArgumentsAreChecked() throws Exception {
        StorageRef storage = new StorageRef("0", StorageType.FLOAT, 10, 0);
        SafeUnpickler.PersistentLoader loader = (pid, where) -> storage;
        java.util.function.Function<PickleBuilder, Object> run = b -> {
            byte[] p = b.stop().bytes();
            try {
                return new SafeUnpickler(p, 0, p.length, "t.pkl", loader).load();
            } catch (TorchFormatException e) {
                return e;
            }
        };
        Object ok = run.apply(PickleBuilder.proto2().tensor("FloatStorage", "0", 10, 2, new long[] {2, 3}, new long[] {1, 2}, false));
        TorchTensor t = assertInstanceOf(TorchTensor.class, ok);
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertEquals(2, t.offset());
        assertFalse(t.isContiguous());
        // offset 2 + (2-1)*1 + (3-1)*4 = 11 >= 10
        Object oob = run.apply(PickleBuilder.proto2().tensor("FloatStorage", "0", 10, 2, new long[] {2, 3}, new long[] {1, 4}, false));
        assertTrue(oob instanceof TorchFormatException e && e.getMessage().contains("out of bounds"), String.valueOf(oob));
        Object neg = run.apply(PickleBuilder.proto2().tensor("FloatStorage", "0", 10, 0, new long[] {-1}, new long[] {1}, false));
        assertTrue(neg instanceof TorchFormatException e && e.getMessage().contains("negative"), String.valueOf(neg));
        Object huge = run.apply(PickleBuilder.proto2().tensor("FloatStorage", "0", 10, 0, new long[] {1L << 40, 1L << 40},
                new long[] {0, 0}, false));
        assertTrue(huge instanceof TorchFormatException e && e.getMessage().contains("too large"), String.valueOf(huge));
        Object overflow = run.apply(PickleBuilder.proto2().tensor("FloatStorage", "0", 10, 0, new long[] {3},
                new long[] {Long.MAX_VALUE / 2 + 1}, false));
        assertTrue(overflow instanceof TorchFormatException e && e.getMessage().contains("overflows"), String.valueOf(overflow));
        Object expand = run.apply(PickleBuilder.proto2().tensor("FloatStorage", "0", 10, 0, new long[] {1 << 20, 1 << 10},
                new long[] {0, 0}, false));
        assertTrue(expand instanceof TorchFormatException e && e.getMessage().contains("expansion"), String.valueOf(expand));
        Object scalar = run.apply(PickleBuilder.proto2().tensor("FloatStorage", "0", 10, 9, new long[0], new long[0], false));
        assertEquals(1, assertInstanceOf(TorchTensor.class, scalar).numel());
        Object parameter = run.apply(PickleBuilder.proto2().global("torch._utils", "_rebuild_parameter")
                .tensor("FloatStorage", "0", 10, 0, new long[] {10}, new long[] {1}, false).bool(true).orderedDict().tuple3().reduce());
        assertInstanceOf(TorchTensor.class, parameter);
    }

    @Test void noneAndTypeNames() throws Exception {
        assertNull(load(PickleBuilder.proto2().none().stop().bytes()));
        assertEquals("OrderedDict", Py.typeName(load(PickleBuilder.proto2().orderedDict().stop().bytes())));
    }
}
