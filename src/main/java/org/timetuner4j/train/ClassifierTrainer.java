package org.timetuner4j.train;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.nn.DigitClassifier;
import org.timetuner4j.nn.Parameter;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains a {@link DigitClassifier} with softmax cross-entropy and Adam (float32, cosine-decayed
 * learning rate), each image randomly shifted by up to {@code maxShift} pixels. Every random
 * choice of step s — its epoch's data order, the shifts — is a function of (seed, s), and the
 * weights start from the seed: a run is deterministic for a seed.
 */
public final class ClassifierTrainer {
    /** Loss and correctly classified images of one step. */
    public record StepResult(double loss, int correct, int batch) {}

    private final DigitClassifier net;
    private final ImageSet data;
    private final ClassifierSettings settings;
    private final Backend backend;
    private final List<Parameter> params;
    private final int[] offsets;
    private final float[] weights;
    private final ParameterAdam adam;
    private long step;

    public ClassifierTrainer(ImageSet data, ClassifierSettings settings, Backend backend) {
        int[] s = data.sampleShape();
        if (s[0] != 1 || s[1] != DigitClassifier.SIZE || s[2] != DigitClassifier.SIZE)
            throw new IllegalArgumentException("the digit classifier takes [1, 28, 28] images, the data has " + Arrays.toString(s));
        if (!data.hasLabels()) throw new IllegalArgumentException("training a classifier needs data with labels");
        if (data.numClasses() > DigitClassifier.CLASSES)
            throw new IllegalArgumentException("the data has labels up to " + (data.numClasses() - 1) + " but the classifier has "
                    + DigitClassifier.CLASSES + " classes");
        if (data.size() < settings.batch())
            throw new IllegalArgumentException("--batch " + settings.batch() + " is larger than the data (" + data.size() + " images)");
        this.data = data;
        this.settings = settings;
        this.backend = backend;
        this.net = new DigitClassifier(backend);
        net.initialize(settings.seed());
        this.params = new ArrayList<>(net.namedParameters().values());
        this.offsets = new int[params.size() + 1];
        for (int i = 0; i < params.size(); i++) offsets[i + 1] = offsets[i] + params.get(i).shape().numel();
        this.weights = new float[offsets[params.size()]];
        for (int i = 0; i < params.size(); i++)
            System.arraycopy(params.get(i).value().toArray(), 0, weights, offsets[i], offsets[i + 1] - offsets[i]);
        this.adam = new ParameterAdam(weights.length);
    }

    public DigitClassifier classifier() { return net; }

    public long step() { return step; }

    /** Steps per pass over the data; the last, short batch of an epoch is dropped. */
    public int stepsPerEpoch() { return EpochOrder.stepsPerEpoch(data.size(), settings.batch()); }

    public long totalSteps() { return (long) stepsPerEpoch() * settings.epochs(); }

    public StepResult trainStep() {
        if (step >= totalSteps()) throw new IllegalStateException("the run is complete (" + totalSteps() + " steps)");
        int b = settings.batch();
        int[] idx = batchIndices(step);
        int[] labels = data.labels(idx);
        int[] shape = data.sampleShape();
        float[] x = data.gather(idx);
        RandomShift.apply(x, b, shape[0], shape[1], shape[2], settings.maxShift(), -1f,
                new SplittableRandom(Seeds.mix(settings.seed(), 2, step)));
        float[] grads = new float[weights.length];
        double loss;
        int correct;
        net.requiresGrad(true);
        try (Scope scope = Scope.open(); Tape tape = Tape.record()) {
            Tensor logits = net.logits(backend.fromHost(x, Shape.of(b, shape[0], shape[1], shape[2])));
            Tensor ce = Ops.crossEntropy(logits, labels);
            loss = ce.item();
            if (!Double.isFinite(loss))
                throw new TrainingDivergedException("the loss of step " + step + " is " + loss + "; try a lower --lr");
            correct = countCorrect(logits.toArray(), labels);
            tape.backward(ce);
            for (int i = 0; i < params.size(); i++) {
                Tensor pv = params.get(i).value();
                if (pv.grad() != null) System.arraycopy(pv.grad().toArray(), 0, grads, offsets[i], offsets[i + 1] - offsets[i]);
                pv.zeroGrad();
            }
        }
        net.requiresGrad(false);
        adam.update(weights, grads, settings.learningRate(step, totalSteps()));
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            p.set(Scope.detach(backend.fromHost(Arrays.copyOfRange(weights, offsets[i], offsets[i + 1]), p.shape())));
        }
        step++;
        return new StepResult(loss, correct, b);
    }

    private static int countCorrect(float[] logits, int[] labels) {
        int k = logits.length / labels.length, correct = 0;
        for (int r = 0; r < labels.length; r++) {
            int best = 0;
            for (int j = 1; j < k; j++) if (logits[r * k + j] > logits[r * k + best]) best = j;
            if (best == labels[r]) correct++;
        }
        return correct;
    }

    /** The data indices of step s (see {@link EpochOrder}). */
    int[] batchIndices(long s) {
        return EpochOrder.batchIndices(data.size(), settings.batch(), settings.seed(), s);
    }
}
