package org.timetuner4j.testing;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Tensor;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** The finite-difference check every op family's table relies on must be able to fail. */
class GradCheckTest {
    @Test void catchesAWrongBackward() {
        Backend be = CpuBackend.INSTANCE;
        // y = x², recorded with the wrong derivative x (instead of 2x): the check must fail.
        Function<Tensor[], Tensor> wrong = t -> {
            Tensor x = t[0];
            Tensor y = be.mul(x, x);
            Tape.record(y, g -> new Tensor[] {be.mul(g, x)}, new Tensor[] {x});
            return y;
        };
        assertThrows(AssertionFailedError.class, () ->
                new GradCheck(be).check("deliberately wrong", wrong, new float[][] {Check.randomArray(new Random(7), 6, 1)},
                        new int[][] {{6}}, new boolean[] {true}));
    }
}
