package org.timetuner4j.metrics;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.io.DigitClassifierFile;
import org.timetuner4j.nn.DigitClassifier;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The committed classifier (weights/) on the committed held-out digits (data/), never trained on. */
class ShippedClassifierTest {
    static final Path CLASSIFIER = Path.of("weights/digit-classifier.safetensors");
    static final Path HELDOUT = Path.of("data/mnist-heldout.safetensors");

    @Test void classifiesTheHeldOutDigitsAsItsCardSays() throws Exception {
        DigitClassifier net = DigitClassifierFile.load(CLASSIFIER, CpuBackend.INSTANCE);
        ImageSet d = ImageSet.read(HELDOUT);
        int[] all = new int[d.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        DigitJudge judge = new DigitJudge(net, 200);
        DigitJudge.Judgement j = judge.judge(d.gather(all), d.size());
        double accuracy = j.accuracy(d.labels(all));
        System.out.printf("shipped classifier: held-out accuracy %.4f, mean max-probability %.4f%n", accuracy, j.meanConfidence());
        assertTrue(accuracy >= 0.98, "held-out accuracy " + accuracy);
        assertEquals(Double.parseDouble(DigitClassifierFile.metadata(CLASSIFIER).get("heldout_accuracy")), accuracy, 1e-4,
                "the file's metadata states the accuracy measured here");
        for (int c : j.histogram()) assertTrue(c >= 90 && c <= 110, "100 per class, predicted about as often: " + c);

        float[] f = judge.features(d.gather(new int[] {0, 1, 2}), 3);
        assertEquals(3 * DigitClassifier.FEATURES, f.length);
    }

    @Test void judgementArithmetic() {
        DigitJudge.Judgement j = new DigitJudge.Judgement(new int[] {3, 3, 1, 9}, new float[] {0.5f, 1f, 0.75f, 0.25f});
        assertEquals(2, j.histogram()[3]);
        assertEquals(0.5, j.accuracy(3));
        assertEquals(0.625, j.meanConfidence(), 1e-9);
        assertEquals(0.75, j.accuracy(new int[] {3, 3, 1, 0}));
    }
}
