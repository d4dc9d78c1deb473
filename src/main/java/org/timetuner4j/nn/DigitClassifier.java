package org.timetuner4j.nn;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.Map;

/**
 * A small CNN for 28×28 one-channel digits in [−1, 1]:
 * conv3×3(1→32)+GN+SiLU → avgpool → conv3×3(32→64)+GN+SiLU → avgpool → conv3×3(64→64)+GN+SiLU
 * → flatten → linear(3136→128) → SiLU ({@link #features}) → linear(128→10) ({@link #logits}).
 * GroupNorm with 8 groups, eps 1e-5. Used to judge generated digits and as the feature space of
 * a Fréchet distance.
 */
public final class DigitClassifier extends Module {
    public static final String ARCHITECTURE = "timetuner4j-digit-classifier-1";
    public static final int SIZE = 28, CLASSES = 10, FEATURES = 128;
    private static final int GROUPS = 8;
    private static final float EPS = 1e-5f;

    private final Conv2d conv1, conv2, conv3;
    private final GroupNorm norm1, norm2, norm3;
    private final Linear fc1, fc2;

    public DigitClassifier(Backend backend) {
        super(backend);
        Conv2dGeometry same = Conv2dGeometry.of(1, 1);
        conv1 = child("conv1", new Conv2d(backend, 1, 32, 3, same));
        norm1 = child("norm1", new GroupNorm(backend, 32, GROUPS, EPS));
        conv2 = child("conv2", new Conv2d(backend, 32, 64, 3, same));
        norm2 = child("norm2", new GroupNorm(backend, 64, GROUPS, EPS));
        conv3 = child("conv3", new Conv2d(backend, 64, 64, 3, same));
        norm3 = child("norm3", new GroupNorm(backend, 64, GROUPS, EPS));
        fc1 = child("fc1", new Linear(backend, 64 * 7 * 7, FEATURES));
        fc2 = child("fc2", new Linear(backend, FEATURES, CLASSES));
    }

    /** The 128-d penultimate activation (after SiLU) of images x [N,1,28,28]. */
    public Tensor features(Tensor x) {
        if (x.shape().rank() != 4 || x.dim(1) != 1 || x.dim(2) != SIZE || x.dim(3) != SIZE)
            throw new IllegalArgumentException("the digit classifier takes images [N,1,28,28], got " + x.shape());
        Tensor h = Ops.avgPool2x2(norm1.forwardSilu(conv1.forward(x)));
        h = Ops.avgPool2x2(norm2.forwardSilu(conv2.forward(h)));
        h = norm3.forwardSilu(conv3.forward(h));
        h = Ops.reshape(h, Shape.of(x.dim(0), 64 * 7 * 7));
        return Ops.silu(fc1.forward(h));
    }

    /** Class scores [N,10] of images x [N,1,28,28]. */
    public Tensor logits(Tensor x) {
        return fc2.forward(features(x));
    }

    /**
     * PyTorch's default initialisation: weights and biases uniform in ±1/√fan-in of their layer
     * (Philox stream {@code seed}, one offset range per parameter), norms at weight 1, bias 0.
     */
    public void initialize(long seed) {
        long offset = 0;
        Map<String, Parameter> params = namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            Shape s = p.shape();
            Tensor value;
            try (Scope tmp = Scope.open()) {
                if (name.startsWith("norm")) {
                    value = tmp.keep(backend.affine(backend.zeros(s), 0f, name.endsWith("weight") ? 1f : 0f));
                } else {
                    Shape w = params.get(name.substring(0, name.indexOf('.')) + ".weight").shape();
                    float bound = (float) (1.0 / Math.sqrt((double) w.numel() / w.dim(0)));
                    value = tmp.keep(backend.affine(backend.rand(s, seed, offset), 2 * bound, -bound));
                }
            }
            offset += s.numel();
            p.set(Scope.detach(value));
        }
    }
}
