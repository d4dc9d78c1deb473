package org.timetuner4j.io.convert;

import org.junit.jupiter.api.Test;
import org.timetuner4j.io.torch.PickleBuilder;
import org.timetuner4j.io.torch.SafeUnpickler;
import org.timetuner4j.io.torch.StorageRef;
import org.timetuner4j.io.torch.StorageType;
import org.timetuner4j.io.torch.TorchFormatException;

import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the weights are in what a checkpoint holds (spec §4.10 step 1). */
class StateDictFinderTest {

    /** A state dict {prefix + "conv_in.weight", prefix + "conv_in.bias"} on the stack. */
    static PickleBuilder stateDict(PickleBuilder b, String prefix) {
        return b.orderedDict().mark()
                .str(prefix + "conv_in.weight").tensor("FloatStorage", "0", 100, 0, new long[] {4}, new long[] {1}, false)
                .str(prefix + "conv_in.bias").tensor("FloatStorage", "0", 100, 4, new long[] {2}, new long[] {1}, false)
                .setItems();
    }

    static Object root(UnaryOperator<PickleBuilder> body) throws TorchFormatException {
        byte[] p = body.apply(PickleBuilder.proto2()).stop().bytes();
        return new SafeUnpickler(p, 0, p.length, "t", (pid, w) -> new StorageRef("0", StorageType.FLOAT, 100, 0)).load();
    }

    static String fails(Object root, boolean ema, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateDictFinder.find(root, ema));
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        return e.getMessage();
    }

    @Test void bareStateDictWithScalarExtras() throws Exception {
        Object r = root(b -> stateDict(b, "").str("epoch").integer(3).setItem());
        StateDictFinder.Found f = StateDictFinder.find(r, false);
        assertEquals(List.of("conv_in.weight", "conv_in.bias"), List.copyOf(f.tensors().keySet()));
        assertEquals(List.of("epoch"), f.ignored());
        assertNull(f.ema());
        fails(r, true, "single state dict");
    }

    @Test void ddimListRawAndEma() throws Exception {
        Object r = root(b -> stateDict(stateDict(b.emptyList().mark(), "module."), "")
                .integer(1).tuple1().integer(7).integer(1234).appends());
        // the list is [model, ema-like dict, (1,), 7, 1234]: the last element is not a state dict
        fails(r, true, "holds no EMA weights");
        StateDictFinder.Found raw = StateDictFinder.find(r, false);
        assertEquals(Boolean.FALSE, raw.ema());
        assertTrue(raw.tensors().containsKey("module.conv_in.weight"));

        Object ddim = root(b -> stateDict(stateDict(b.emptyList().mark(), "module.").emptyDict().integer(7).integer(1234), "").appends());
        StateDictFinder.Found ema = StateDictFinder.find(ddim, true);
        assertEquals(Boolean.TRUE, ema.ema());
        assertTrue(ema.where().startsWith("element 4 of a list of 5 (ddim's"), ema.where());
        assertTrue(StateDictFinder.find(ddim, false).emaAvailable());

        Object notDict = root(b -> b.emptyList().integer(1).append());
        fails(notDict, false, "whose first element is a int");
    }

    @Test void conventionalDictKeysNestedOrNot() throws Exception {
        Object wrapped = root(b -> stateDict(b.emptyDict().str("epoch").integer(3).setItem().str("state_dict"), "").setItem());
        assertEquals("entry 'state_dict' of a dict", StateDictFinder.find(wrapped, false).where());

        Object nested = root(b -> stateDict(b.emptyDict().str("model").emptyDict().str("state_dict"), "").setItem().setItem());
        assertEquals("entry 'model'['state_dict'] of a dict", StateDictFinder.find(nested, false).where());

        Object both = root(b -> stateDict(stateDict(b.emptyDict().str("model"), "").setItem().str("ema"), "").setItem());
        StateDictFinder.Found raw = StateDictFinder.find(both, false);
        assertEquals("entry 'model' of a dict", raw.where());
        assertTrue(raw.emaAvailable());
        assertEquals(Boolean.FALSE, raw.ema());
        StateDictFinder.Found ema = StateDictFinder.find(both, true);
        assertEquals("entry 'ema' of a dict", ema.where());
        assertEquals(Boolean.TRUE, ema.ema());

        Object other = root(b -> b.emptyDict().str("args").emptyList().setItem().str("optimizer").emptyDict().setItem());
        fails(other, false, "cannot find the weights in this checkpoint: it is a dict with keys 'args', 'optimizer'");
        fails(other, true, "--ema: found no EMA weights");
        fails(root(b -> b.str("hello")), false, "holds a str");
    }
}
