package org.timetuner4j.diffusion;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * Turns a network of any model type, with optional guidance, into a noise predictor in
 * continuous time (spec §2). α and σ of the conversion are taken at the time passed in (so a
 * tuned time reaches them, as in the reference).
 * <ul>
 *   <li>noise: ε = out; x_start: ε = (x − α·out)/σ; v: ε = α·out + σ·x; score: ε = −σ·out.</li>
 *   <li>classifier-free guidance with scale w: ε_u + w(ε_c − ε_u), one batched call on [x; x].</li>
 *   <li>classifier guidance with scale w: ε − w·σ·∇ₓ log p(y | x, t_in), the gradient a constant.</li>
 * </ul>
 */
public final class ModelWrapper implements NoisePredictor {
    private final Network net;
    private final NoiseSchedule schedule;
    private final ModelType type;
    private int[] labels;
    private double guidanceScale = 1.0;
    private Classifier classifier;

    public ModelWrapper(Network net, NoiseSchedule schedule, ModelType type) {
        this.net = net;
        this.schedule = schedule;
        this.type = type;
    }

    /** Condition every call on these labels (one per sample; null: unconditional). */
    public ModelWrapper labels(int[] labels) {
        if (labels != null && net.numClasses() == 0)
            throw new IllegalArgumentException("this model is not class-conditional; --class-label needs a model with num_classes");
        if (labels != null)
            for (int label : labels)
                if (label < 0 || label > net.numClasses())
                    throw new IllegalArgumentException("class label " + label + " is outside [0, " + (net.numClasses() - 1) + "] ("
                            + net.numClasses() + " = none)");
        this.labels = labels == null ? null : labels.clone();
        return this;
    }

    /** Classifier-free guidance scale w (1 = plain conditional prediction). */
    public ModelWrapper classifierFreeGuidance(double scale) {
        if (!Double.isFinite(scale)) throw new IllegalArgumentException("guidance scale must be finite, got " + scale);
        this.guidanceScale = scale;
        this.classifier = null;
        return this;
    }

    /** Classifier guidance with scale w. */
    public ModelWrapper classifierGuidance(Classifier c, double scale) {
        this.classifier = c;
        this.guidanceScale = scale;
        return this;
    }

    @Override public int[] sampleShape() { return net.sampleShape(); }

    @Override public NoiseSchedule schedule() { return schedule; }

    @Override public Backend backend() { return net.backend(); }

    public Network network() { return net; }

    private int[] labelsFor(int batch) {
        if (labels == null) return null;
        if (labels.length == batch) return labels;
        if (labels.length == 1) {
            int[] l = new int[batch];
            java.util.Arrays.fill(l, labels[0]);
            return l;
        }
        throw new IllegalArgumentException(labels.length + " labels for a batch of " + batch);
    }

    @Override
    public Tensor predictNoise(Tensor x, Tensor t) {
        try (Scope scope = Scope.open()) {
            int b = x.dim(0);
            int[] y = labelsFor(b);
            Tensor eps;
            if (y != null && classifier == null && guidanceScale != 1.0) {
                eps = classifierFree(x, t, y);
            } else {
                eps = toNoise(x, t, net.forward(x, TimeCoefficients.modelInput(schedule, t), y));
                if (classifier != null && guidanceScale != 0.0 && y != null) eps = applyClassifier(eps, x, t, y);
            }
            return scope.keep(eps);
        }
    }

    private Tensor classifierFree(Tensor x, Tensor t, int[] y) {
        int b = x.dim(0), d = x.numel() / b;
        Tensor xx = Ops.reshape(Ops.concatChannels(flat(x), flat(x)), x.shape().with(0, 2 * b));
        Tensor tt = Ops.reshape(Ops.concatChannels(flat(t), flat(t)), Shape.of(2 * b));
        int[] labels2 = new int[2 * b];
        for (int i = 0; i < b; i++) {
            labels2[i] = net.numClasses();  // the null label: unconditional half first
            labels2[b + i] = y[i];
        }
        Tensor out = toNoise(xx, tt, net.forward(xx, TimeCoefficients.modelInput(schedule, tt), labels2));
        Tensor both = flat(out);
        Tensor uncond = Ops.reshape(Ops.sliceChannels(both, 0, b * d), x.shape());
        Tensor cond = Ops.reshape(Ops.sliceChannels(both, b * d, b * d), x.shape());
        float w = (float) guidanceScale;
        return Ops.axpby(1 - w, uncond, w, cond);
    }

    private static Tensor flat(Tensor v) {
        return Ops.reshape(v, Shape.of(1, v.numel(), 1, 1));
    }

    private Tensor toNoise(Tensor x, Tensor t, Tensor out) {
        switch (type) {
            case NOISE:
                return out;
            case X_START: {
                Tensor a = TimeCoefficients.alpha(schedule, t);
                Tensor invS = TimeCoefficients.asColumn(Ops.timeFunction(t, u -> 1 / schedule.sigma(u),
                        u -> -schedule.sigmaSlope(u) / (schedule.sigma(u) * schedule.sigma(u))));
                return Ops.mul(Ops.sub(x, Ops.mul(a, out)), invS);
            }
            case V: {
                Tensor a = TimeCoefficients.alpha(schedule, t), s = TimeCoefficients.sigma(schedule, t);
                return Ops.add(Ops.mul(a, out), Ops.mul(s, x));
            }
            case SCORE: {
                Tensor s = TimeCoefficients.sigma(schedule, t);
                return Ops.scale(Ops.mul(s, out), -1f);
            }
            default:
                throw new IllegalStateException();
        }
    }

    /** ε − w·σ(t)·G with G = ∇ₓ Σ log p(y | x, t_in), computed on its own tape (a constant). */
    private Tensor applyClassifier(Tensor eps, Tensor x, Tensor t, int[] y) {
        Tensor grad;
        try (Scope inner = Scope.open();
             org.timetuner4j.autograd.Tape tape = org.timetuner4j.autograd.Tape.record()) {
            Tensor xd = x.backend().copy(x).requiresGrad(true);
            Tensor tIn = x.backend().copy(TimeCoefficients.modelInput(schedule, t));
            Tensor lp = Ops.sum(classifier.logProbability(xd, tIn, y));
            tape.backward(lp);
            grad = inner.keep(x.backend().copy(xd.grad()));
            xd.zeroGrad();
        }
        Tensor s = TimeCoefficients.sigma(schedule, t);
        return Ops.sub(eps, Ops.mul(Ops.scale(s, (float) guidanceScale), grad));
    }
}
