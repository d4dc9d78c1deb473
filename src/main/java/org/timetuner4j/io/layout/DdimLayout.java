package org.timetuner4j.io.layout;

import org.timetuner4j.nn.UNetConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/** ddim's state-dict layout: every key of its {@code Model} with the shape a {@link UNetConfig} gives it. */
public final class DdimLayout {
    private DdimLayout() {}

    /**
     * Every parameter of ddim's {@code Model} with its shape, in the order of its
     * {@code state_dict()}: temb, conv_in, down.0 ... (blocks, then attns, then downsample), mid,
     * up.0 ... (blocks, attns, upsample), norm_out, conv_out.
     */
    public static LinkedHashMap<String, int[]> expectedShapes(UNetConfig cfg) {
        LinkedHashMap<String, int[]> m = new LinkedHashMap<>();
        int ch = cfg.ch(), numResBlocks = cfg.numResBlocks(), numClasses = cfg.numClasses();
        int[] chMult = cfg.chMult();
        int L = chMult.length;
        int temb = cfg.tembChannels();
        linear(m, "temb.dense.0", temb, ch);
        linear(m, "temb.dense.1", temb, temb);
        if (numClasses > 0) m.put("label_emb.weight", new int[] {numClasses + 1, temb});
        conv(m, "conv_in", ch, cfg.inChannels(), 3);

        int[] inMult = new int[L + 1];
        inMult[0] = 1;
        System.arraycopy(chMult, 0, inMult, 1, L);

        int blockIn = ch;
        for (int i = 0; i < L; i++) {
            String p = "down." + i;
            int cin = ch * inMult[i];
            int cout = ch * chMult[i];
            for (int j = 0; j < numResBlocks; j++) {
                resBlock(m, p + ".block." + j, j == 0 ? cin : cout, cout, temb);
            }
            if (cfg.hasAttention(i)) {
                for (int j = 0; j < numResBlocks; j++) attn(m, p + ".attn." + j, cout);
            }
            if (i != L - 1 && cfg.resampWithConv()) conv(m, p + ".downsample.conv", cout, cout, 3);
            blockIn = cout;
        }

        int mid = blockIn;
        resBlock(m, "mid.block_1", mid, mid, temb);
        attn(m, "mid.attn_1", mid);
        resBlock(m, "mid.block_2", mid, mid, temb);

        // Channels of h entering each up level, computed in execution order (L-1 down to 0).
        int[] upIn = new int[L];
        int h = mid;
        for (int i = L - 1; i >= 0; i--) {
            upIn[i] = h;
            h = ch * chMult[i];
        }
        for (int i = 0; i < L; i++) {
            String p = "up." + i;
            int cout = ch * chMult[i];
            int hin = upIn[i];
            for (int j = 0; j <= numResBlocks; j++) {
                int skip = j < numResBlocks ? ch * chMult[i] : ch * inMult[i];
                resBlock(m, p + ".block." + j, hin + skip, cout, temb);
                hin = cout;
            }
            if (cfg.hasAttention(i)) {
                for (int j = 0; j <= numResBlocks; j++) attn(m, p + ".attn." + j, cout);
            }
            if (i != 0 && cfg.resampWithConv()) conv(m, p + ".upsample.conv", cout, cout, 3);
        }

        int last = ch * chMult[0];
        norm(m, "norm_out", last);
        conv(m, "conv_out", cfg.outCh(), last, 3);
        return m;
    }

    /** Total number of parameters of the model. */
    public static long parameterCount(UNetConfig cfg) {
        long n = 0;
        for (int[] s : expectedShapes(cfg).values()) {
            long k = 1;
            for (int d : s) k *= d;
            n += k;
        }
        return n;
    }

    private static void linear(Map<String, int[]> m, String p, int out, int in) {
        m.put(p + ".weight", new int[] {out, in});
        m.put(p + ".bias", new int[] {out});
    }

    private static void conv(Map<String, int[]> m, String p, int out, int in, int k) {
        m.put(p + ".weight", new int[] {out, in, k, k});
        m.put(p + ".bias", new int[] {out});
    }

    private static void norm(Map<String, int[]> m, String p, int c) {
        m.put(p + ".weight", new int[] {c});
        m.put(p + ".bias", new int[] {c});
    }

    private static void resBlock(Map<String, int[]> m, String p, int in, int out, int temb) {
        norm(m, p + ".norm1", in);
        conv(m, p + ".conv1", out, in, 3);
        linear(m, p + ".temb_proj", out, temb);
        norm(m, p + ".norm2", out);
        conv(m, p + ".conv2", out, out, 3);
        if (in != out) conv(m, p + ".nin_shortcut", out, in, 1);
    }

    private static void attn(Map<String, int[]> m, String p, int c) {
        norm(m, p + ".norm", c);
        conv(m, p + ".q", c, c, 1);
        conv(m, p + ".k", c, c, 1);
        conv(m, p + ".v", c, c, 1);
        conv(m, p + ".proj_out", c, c, 1);
    }
}
