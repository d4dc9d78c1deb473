package org.timetuner4j.tensor;

import org.junit.jupiter.api.Test;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.cpu.CpuBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScopeTest {
    private final CpuBackend be = CpuBackend.INSTANCE;

    @Test void scopeFreesWhatWasCreatedInsideAndKeepMovesOut() {
        Tensor inner, kept;
        try (Scope outer = Scope.open()) {
            try (Scope s = Scope.open()) {
                inner = be.zeros(Shape.of(3));
                kept = s.keep(be.zeros(Shape.of(2)));
            }
            assertTrue(inner.isFreed());
            assertFalse(kept.isFreed());
        }
        assertTrue(kept.isFreed());
        assertThrows(IllegalStateException.class, inner::storage);
    }

    @Test void keepOfATensorTheScopeDoesNotOwnIsAnError() {
        Tensor outside = be.zeros(Shape.of(1));
        try (Scope outer = Scope.open()) {
            Tensor parents = be.zeros(Shape.of(1));
            try (Scope s = Scope.open()) {
                assertThrows(IllegalStateException.class, () -> s.keep(outside));
                assertThrows(IllegalStateException.class, () -> s.keep(parents));
                Tensor mine = be.zeros(Shape.of(1));
                s.keep(mine);
                assertThrows(IllegalStateException.class, () -> s.keep(mine), "kept twice");
            }
            assertFalse(parents.isFreed());
        }
        outside.close();
    }

    @Test void tensorsOutsideAnyScopeLiveUntilClosed() {
        Tensor t = be.zeros(Shape.of(1));
        try (Scope s = Scope.open()) {
            be.zeros(Shape.of(1));
        }
        assertFalse(t.isFreed());
        t.close();
        assertTrue(t.isFreed());
    }

    @Test void tapeKeepsSavedTensorsAliveAfterTheirScopeCloses() {
        Tensor x = be.fromHost(new float[] {1, 2, 3}, Shape.of(3)).requiresGrad(true);
        Tensor y, z;
        try (Tape tape = Tape.record()) {
            Tensor loss;
            try (Scope s = Scope.open()) {
                y = Ops.affine(x, 2f, 0f);   // saved by silu's node
                z = be.zeros(Shape.of(3));   // not recorded
                loss = s.keep(Ops.sum(Ops.silu(y)));
            }
            assertTrue(z.isFreed());
            assertFalse(y.isFreed(), "the tape must retain what backward needs");
            tape.backward(loss);
            assertEquals(3, x.grad().numel());
            loss.close();
        }
        assertTrue(y.isFreed(), "closing the tape releases what it retained");
        x.close();
    }

    @Test void longLoopsHoldConstantMemory() {
        Tensor x = be.randn(Shape.of(64, 64), 1, 0);
        Runtime rt = Runtime.getRuntime();
        long before = 0;
        for (int i = 0; i < 400; i++) {
            try (Scope s = Scope.open()) {
                Tensor h = x;
                for (int k = 0; k < 10; k++) h = Ops.silu(Ops.add(h, x));
            }
            if (i == 50) { System.gc(); before = rt.totalMemory() - rt.freeMemory(); }
        }
        System.gc();
        long after = rt.totalMemory() - rt.freeMemory();
        assertTrue(after - before < 32L << 20, "memory grew by " + (after - before) + " bytes");
    }
}
