package org.timetuner4j.diffusion;

import org.junit.jupiter.api.Test;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** Guidance and model types of the wrapper, against their formulas on a small class-conditional UNet. */
class GuidanceTest {
    private final CpuBackend be = CpuBackend.INSTANCE;
    private final NoiseSchedule sch = DiscreteSchedule.ddpm();

    private UNet smallConditionalUNet() {
        UNet unet = new UNet(be, new UNetConfig(32, 1, new int[] {1, 2}, 1, new int[] {4}, 0, 1, 8, true, 5));
        unet.initialize(11);
        unet.train(false);
        return unet;
    }

    @Test void classifierFreeGuidanceIsTheWeightedMixOfConditionalAndUnconditional() {
        UNet unet = smallConditionalUNet();
        try (Scope scope = Scope.open()) {
            Tensor x = be.randn(Shape.of(3, 1, 8, 8), 1, 0);
            Tensor t = be.fromHost(new float[] {0.9f, 0.5f, 0.1f}, Shape.of(3));
            int[] labels = {0, 3, 4};
            double w = 2.5;
            ModelWrapper wrapper = new ModelWrapper(new UNetNetwork(unet), sch, ModelType.NOISE).labels(labels).classifierFreeGuidance(w);
            float[] got = wrapper.predictNoise(x, t).toArray();
            Tensor tIn = Ops.affine(t, 1000f, -1f);
            float[] cond = unet.forward(x, tIn, labels).toArray();
            float[] uncond = unet.forward(x, tIn, new int[] {5, 5, 5}).toArray();
            float[] expected = new float[cond.length];
            for (int i = 0; i < cond.length; i++) expected[i] = (float) (uncond[i] + w * (cond[i] - uncond[i]));
            Check.maxRelative("classifier-free guidance w=2.5", got, expected, 1e-5);
        }
    }

    @Test void labelsChangeTheOutputAndUnconditionalModelsRefuseThem() {
        UNet unet = smallConditionalUNet();
        try (Scope scope = Scope.open()) {
            Tensor x = be.randn(Shape.of(1, 1, 8, 8), 2, 0);
            Tensor t = be.fromHost(new float[] {300f}, Shape.of(1));
            float[] a = unet.forward(x, t, new int[] {1}).toArray(), b = unet.forward(x, t, new int[] {2}).toArray();
            double diff = 0;
            for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
            org.junit.jupiter.api.Assertions.assertTrue(diff > 1e-4, "labels must matter");
            assertThrows(IllegalArgumentException.class, () -> unet.forward(x, t, new int[] {6}));
        }
        ModelWrapper wrapper = new ModelWrapper(new UNetNetwork(unet), sch, ModelType.NOISE);
        for (int bad : new int[] {-1, 6})   // before any network call, so the command line refuses it before sampling
            assertThrows(IllegalArgumentException.class, () -> wrapper.labels(new int[] {bad}), "label " + bad);
        assertThrows(IllegalArgumentException.class, () -> wrapper.classifierFreeGuidance(Double.NaN));
        UNet plain = new UNet(be, new UNetConfig(32, 1, new int[] {1}, 1, new int[0], 0, 1, 8, true));
        assertThrows(IllegalArgumentException.class,
                () -> new ModelWrapper(new UNetNetwork(plain), sch, ModelType.NOISE).labels(new int[] {1}));
    }

    /** A network that returns a fixed transform of x, so each model type's conversion can be checked. */
    private static final class Fixed implements Network {
        @Override public Tensor forward(Tensor x, Tensor tIn, int[] labels) { return Ops.affine(x, 0.5f, 0.25f); }
        @Override public int numClasses() { return 0; }
        @Override public int[] sampleShape() { return new int[] {1, 2, 2}; }

        @Override public Backend backend() { return CpuBackend.INSTANCE; }
    }

    @Test void modelTypesConvertToNoise() {
        try (Scope scope = Scope.open()) {
            float[] xv = {0.3f, -1.2f, 0.8f, 2.0f};
            Tensor x = be.fromHost(xv, Shape.of(1, 1, 2, 2));
            double tt = 0.37;
            Tensor t = be.fromHost(new float[] {(float) tt}, Shape.of(1));
            double tf = (float) tt, a = sch.alpha(tf), s = sch.sigma(tf);
            for (ModelType type : ModelType.values()) {
                float[] got = new ModelWrapper(new Fixed(), sch, type).predictNoise(x, t).toArray();
                float[] exp = new float[4];
                for (int i = 0; i < 4; i++) {
                    double out = 0.5 * xv[i] + 0.25;
                    exp[i] = (float) switch (type) {
                        case NOISE -> out;
                        case X_START -> (xv[i] - a * out) / s;
                        case V -> a * out + s * xv[i];
                        case SCORE -> -s * out;
                    };
                }
                Check.maxRelative("model type " + type.id(), got, exp, 1e-6);
            }
        }
    }

    @Test void classifierGuidanceSubtractsTheScaledLogProbabilityGradient() {
        // log p(y | x) = −½|x − μ_y|²  ⇒  ∇ₓ = −(x − μ_y)
        Classifier c = (x, tIn, labels) -> {
            Tensor d = Ops.affine(x, 1f, -(float) labels[0]);
            return Ops.scale(Ops.reshape(Ops.sumOfSquares(d), Shape.of(1)), -0.5f);
        };
        UNet unet = smallConditionalUNet();
        try (Scope scope = Scope.open()) {
            Tensor x = be.randn(Shape.of(1, 1, 8, 8), 4, 0);
            double tt = 0.6;
            Tensor t = be.fromHost(new float[] {(float) tt}, Shape.of(1));
            double w = 1.7;
            float[] got = new ModelWrapper(new UNetNetwork(unet), sch, ModelType.NOISE).labels(new int[] {2})
                    .classifierGuidance(c, w).predictNoise(x, t).toArray();
            float[] plain = unet.forward(x, Ops.affine(t, 1000f, -1f), new int[] {2}).toArray();
            float[] xv = x.toArray();
            double sig = sch.sigma((float) tt);
            float[] exp = new float[plain.length];
            for (int i = 0; i < exp.length; i++) exp[i] = (float) (plain[i] - w * sig * (-(xv[i] - 2)));
            Check.maxRelative("classifier guidance", got, exp, 1e-5);
        }
    }

    /** Sample k of a labelled run is the sample a run with labels[k] for every sample draws, whatever the batching. */
    @Test void perSampleLabelsFollowTheSampleAcrossBatches() {
        UNet unet = smallConditionalUNet();
        ModelWrapper wrapper = new ModelWrapper(new UNetNetwork(unet), sch, ModelType.NOISE);
        int[] labels = {0, 0, 3, 3, 3};
        float[] mixed = org.timetuner4j.diffusion.sampling.Sampler.builder(wrapper).nfe(3).labels(labels).build().sample(5, 2, 7, null, null);
        int d = 64;
        for (int label : new int[] {0, 3}) {
            wrapper.labels(new int[] {label});
            float[] same = org.timetuner4j.diffusion.sampling.Sampler.builder(wrapper).nfe(3).build().sample(5, 5, 7, null, null);
            for (int k = 0; k < 5; k++) {
                if (labels[k] != label) continue;
                Check.maxRelative("sample " + k + " of class " + label, java.util.Arrays.copyOfRange(mixed, k * d, (k + 1) * d),
                        java.util.Arrays.copyOfRange(same, k * d, (k + 1) * d), 1e-5);
            }
        }
        wrapper.labels(null);
        float[] unconditional = org.timetuner4j.diffusion.sampling.Sampler.builder(wrapper).nfe(3).build().sample(5, 5, 7, null, null);
        double diff = 0;
        for (int i = 0; i < mixed.length; i++) diff = Math.max(diff, Math.abs(mixed[i] - unconditional[i]));
        org.junit.jupiter.api.Assertions.assertTrue(diff > 1e-4, "labels must change the samples");
        var wrongCount = org.timetuner4j.diffusion.sampling.Sampler.builder(wrapper).nfe(3).labels(labels).build();
        assertThrows(IllegalArgumentException.class, () -> wrongCount.sample(4, 2, 7, null, null));
        assertThrows(IllegalArgumentException.class, () -> org.timetuner4j.diffusion.sampling.Sampler
                .builder(new ModelWrapper(new UNetNetwork(new UNet(be, new UNetConfig(32, 1, new int[] {1}, 1, new int[0], 0, 1, 8, true, 0))), sch, ModelType.NOISE))
                .labels(labels));
    }
}
