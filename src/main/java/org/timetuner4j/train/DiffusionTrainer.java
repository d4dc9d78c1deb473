package org.timetuner4j.train;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.nn.Parameter;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * DDPM training of the UNet (ε-prediction, linear β 1e-4…0.02 over 1,000 steps, loss = mean of
 * (ε − ε_θ(√ᾱₙ·x₀ + √(1−ᾱₙ)·ε, n, y))² with n uniform in 0…999), with Adam, linear warm-up,
 * global-norm gradient clipping, an EMA of the weights and label dropout for classifier-free
 * guidance.
 *
 * <p>Every random choice of step s — the data order of its epoch, the times, the noise, the
 * dropped labels, the dropout masks — is a function of (seed, s) alone, and the whole state
 * (weights, EMA, Adam moments, step) is float32 arrays: a run resumed from a checkpoint ends
 * bit-identical to one that never stopped.
 */
public final class DiffusionTrainer {
    public static final int TIMESTEPS = 1000;
    private static final double BETA_START = 1e-4, BETA_END = 0.02;

    private final UNet unet;
    private final ImageSet data;
    private final TrainSettings settings;
    private final Backend backend;
    private final List<Parameter> params;
    private final int[] offsets;
    private final float[] weights, ema;
    private final ParameterAdam adam;
    private final double[] sqrtAlphaBar = new double[TIMESTEPS], sqrtOneMinusAlphaBar = new double[TIMESTEPS];
    private final List<Float> losses;
    private long step;

    private DiffusionTrainer(UNet unet, ImageSet data, TrainSettings settings, Backend backend,
                             float[] weights, float[] ema, ParameterAdam adam, long step, List<Float> losses) {
        this.unet = unet;
        this.data = data;
        this.settings = settings;
        this.backend = backend;
        this.params = new ArrayList<>(unet.namedParameters().values());
        this.offsets = new int[params.size() + 1];
        for (int i = 0; i < params.size(); i++) offsets[i + 1] = offsets[i] + params.get(i).shape().numel();
        if (weights.length != offsets[params.size()] || ema.length != weights.length)
            throw new IllegalArgumentException("the saved weights hold " + weights.length + " values but the network has " + offsets[params.size()]);
        this.weights = weights;
        this.ema = ema;
        this.adam = adam;
        this.step = step;
        this.losses = losses;
        double ab = 1;
        for (int n = 0; n < TIMESTEPS; n++) {
            double beta = BETA_START + (BETA_END - BETA_START) * n / (TIMESTEPS - 1);
            ab *= 1 - beta;
            sqrtAlphaBar[n] = Math.sqrt(ab);
            sqrtOneMinusAlphaBar[n] = Math.sqrt(1 - ab);
        }
        checkData(unet.config(), data, settings.batch());
        upload();
    }

    /** A new run: weights initialised from the seed, EMA equal to them, Adam at rest. */
    public static DiffusionTrainer start(UNetConfig config, ImageSet data, TrainSettings settings, Backend backend) {
        UNet unet = new UNet(backend, config);
        unet.initialize(settings.seed());
        float[] w = flatten(unet);
        return new DiffusionTrainer(unet, data, settings, backend, w, w.clone(), new ParameterAdam(w.length), 0, new ArrayList<>());
    }

    /** Continues from a checkpoint made with the same settings. */
    public static DiffusionTrainer resume(TrainCheckpoint ckpt, ImageSet data, TrainSettings settings, Backend backend) {
        if (!ckpt.settings().equals(settings))
            throw new IllegalArgumentException("--resume: the checkpoint was made with other settings: " + ckpt.settings().toJson()
                    + " (now " + settings.toJson() + ")");
        UNet unet = new UNet(backend, ckpt.config());
        return new DiffusionTrainer(unet, data, settings, backend, ckpt.weights(), ckpt.ema(),
                new ParameterAdam(ckpt.adamM(), ckpt.adamV(), ckpt.step()), ckpt.step(), new ArrayList<>(ckpt.losses()));
    }

    private static void checkData(UNetConfig c, ImageSet data, int batch) {
        if (data.size() < batch)
            throw new IllegalArgumentException("--batch " + batch + " is larger than the data set (" + data.size()
                    + " images); batches are always full, so use --batch " + data.size() + " or less");
        int[] s = data.sampleShape();
        if (s[0] != c.inChannels() || s[1] != c.resolution() || s[2] != c.resolution())
            throw new IllegalArgumentException("the data's images are " + java.util.Arrays.toString(s) + " but the network takes ["
                    + c.inChannels() + ", " + c.resolution() + ", " + c.resolution() + "]");
        if (c.isClassConditional() && !data.hasLabels())
            throw new IllegalArgumentException("a class-conditional network needs data with labels");
        if (c.isClassConditional() && data.numClasses() > c.numClasses())
            throw new IllegalArgumentException("the data has labels up to " + (data.numClasses() - 1) + " but the network has "
                    + c.numClasses() + " classes");
    }

    private static float[] flatten(UNet unet) {
        List<float[]> parts = new ArrayList<>();
        int total = 0;
        for (Parameter p : unet.namedParameters().values()) {
            float[] v = p.value().toArray();
            parts.add(v);
            total += v.length;
        }
        float[] out = new float[total];
        int o = 0;
        for (float[] v : parts) {
            System.arraycopy(v, 0, out, o, v.length);
            o += v.length;
        }
        return out;
    }

    private void upload() {
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            float[] v = java.util.Arrays.copyOfRange(weights, offsets[i], offsets[i + 1]);
            p.set(Scope.detach(backend.fromHost(v, p.shape())));
        }
    }

    public long step() { return step; }

    public UNetConfig config() { return unet.config(); }

    public TrainSettings settings() { return settings; }

    /** Loss of every step so far (index = step). */
    public List<Float> losses() { return java.util.Collections.unmodifiableList(losses); }

    /** Steps per pass over the data; a last, short batch of an epoch is dropped. */
    public int stepsPerEpoch() {
        return EpochOrder.stepsPerEpoch(data.size(), settings.batch());
    }

    /** Runs one training step and returns its loss. */
    public double trainStep() {
        int b = settings.batch();
        int[] idx = batchIndices(step);
        SplittableRandom rng = new SplittableRandom(Seeds.mix(settings.seed(), 2, step));
        float[] tIn = new float[b], ca = new float[b], cs = new float[b];
        int[] labels = unet.config().isClassConditional() ? data.labels(idx) : null;
        for (int k = 0; k < b; k++) {
            int n = rng.nextInt(TIMESTEPS);
            tIn[k] = n;
            ca[k] = (float) sqrtAlphaBar[n];
            cs[k] = (float) sqrtOneMinusAlphaBar[n];
            boolean drop = rng.nextDouble() < settings.labelDropout();
            if (labels != null && drop) labels[k] = unet.nullLabel();
        }
        int[] shape = data.sampleShape();
        Shape xs = Shape.of(b, shape[0], shape[1], shape[2]);
        float[] grads = new float[weights.length];
        double loss;
        unet.train(true);
        unet.seedDropout(Seeds.mix(settings.seed(), 4, step));
        unet.requiresGrad(true);
        try (Scope scope = Scope.open(); Tape tape = Tape.record()) {
            Tensor x0 = backend.fromHost(data.gather(idx), xs);
            Tensor eps = backend.randn(xs, Seeds.mix(settings.seed(), 3, 0), step * (long) xs.numel());
            Tensor a = backend.fromHost(ca, Shape.of(b, 1, 1, 1)), s = backend.fromHost(cs, Shape.of(b, 1, 1, 1));
            Tensor xt = backend.add(backend.mul(x0, a), backend.mul(eps, s));
            Tensor pred = unet.forward(xt, backend.fromHost(tIn, Shape.of(b)), labels);
            Tensor mse = Ops.scale(Ops.sumOfSquares(Ops.sub(pred, eps)), 1f / xs.numel());
            loss = mse.item();
            if (!Double.isFinite(loss))
                throw new TrainingDivergedException("the loss of step " + step + " is " + loss + "; try a lower --lr");
            tape.backward(mse);
            for (int i = 0; i < params.size(); i++) {
                Tensor pv = params.get(i).value();
                Tensor g = pv.grad();
                if (g != null) System.arraycopy(g.toArray(), 0, grads, offsets[i], offsets[i + 1] - offsets[i]);
                pv.zeroGrad();
            }
        }
        unet.requiresGrad(false);
        clip(grads);
        adam.update(weights, grads, settings.learningRate(step));
        float d = (float) settings.emaDecayAt(step);
        for (int i = 0; i < weights.length; i++) ema[i] = d * ema[i] + (1 - d) * weights[i];
        upload();
        losses.add((float) loss);
        step++;
        return loss;
    }

    private void clip(float[] g) {
        if (settings.clipNorm() <= 0) return;
        double sq = 0;
        for (float v : g) sq += (double) v * v;
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm))
            throw new TrainingDivergedException("the gradient of step " + step + " is not finite; try a lower --lr");
        if (norm > settings.clipNorm()) {
            float f = (float) (settings.clipNorm() / norm);
            for (int i = 0; i < g.length; i++) g[i] *= f;
        }
    }

    /** The data indices of step s (see {@link EpochOrder}). */
    int[] batchIndices(long s) {
        return EpochOrder.batchIndices(data.size(), settings.batch(), settings.seed(), s);
    }

    /** A network holding the EMA weights (what the run ships), in inference mode. */
    public UNet emaNetwork() {
        UNet net = new UNet(backend, unet.config());
        List<Parameter> ps = new ArrayList<>(net.namedParameters().values());
        for (int i = 0; i < ps.size(); i++) {
            Parameter p = ps.get(i);
            p.set(Scope.detach(backend.fromHost(java.util.Arrays.copyOfRange(ema, offsets[i], offsets[i + 1]), p.shape())));
        }
        net.train(false);
        return net;
    }

    /** The whole state, for a checkpoint. */
    public TrainCheckpoint snapshot(double trainingSeconds) {
        float[] l = new float[losses.size()];
        for (int i = 0; i < l.length; i++) l[i] = losses.get(i);
        return new TrainCheckpoint(unet.config(), settings, step, weights.clone(), ema.clone(), adam.m().clone(), adam.v().clone(),
                toList(l), trainingSeconds);
    }

    private static List<Float> toList(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) out.add(x);
        return out;
    }
}
