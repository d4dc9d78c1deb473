package org.timetuner4j.nn;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.ChannelBlockedOps;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * The DDPM/DDIM denoising UNet (ermongroup/ddim {@code Model}): ε = f(x, t) with x [N,C,H,W]
 * and the model-input time t [N] (real-valued; 0…999 for the discrete DDPM models).
 * Parameter names equal the ddim state-dict keys.
 */
public final class UNet extends Module {
    private final UNetConfig config;
    private final Linear dense0, dense1;
    private final Conv2d convIn, convOut;
    private final ModuleList<UNetLevel> down, up;
    private final ResnetBlock midBlock1, midBlock2;
    private final AttnBlock midAttn1;
    private final GroupNorm normOut;
    private final DropoutStream dropoutRng = new DropoutStream(0);
    private final Parameter labelEmbedding;

    public UNet(Backend backend, UNetConfig config) {
        super(backend);
        config.validate();
        this.config = config;
        int ch = config.ch(), temb = config.tembChannels(), levels = config.numLevels();
        int[] mult = config.chMult();
        float p = (float) config.dropout();
        Conv2dGeometry same = Conv2dGeometry.of(1, 1);

        Module tembModule = child("temb", new Holder(backend));
        ModuleList<Linear> dense = tembModule.child("dense", new ModuleList<>(backend));
        dense0 = dense.add(new Linear(backend, ch, temb));
        dense1 = dense.add(new Linear(backend, temb, temb));
        labelEmbedding = config.isClassConditional() ? parameter("label_emb.weight", config.numClasses() + 1, temb) : null;

        convIn = child("conv_in", new Conv2d(backend, config.inChannels(), ch, 3, same));

        down = child("down", new ModuleList<>(backend));
        int blockIn = ch;
        for (int i = 0; i < levels; i++) {
            UNetLevel level = down.add(new UNetLevel(backend));
            int blockOut = ch * mult[i];
            for (int j = 0; j < config.numResBlocks(); j++) {
                level.block.add(new ResnetBlock(backend, blockIn, blockOut, temb, p, dropoutRng));
                blockIn = blockOut;
                if (config.hasAttention(i)) level.attn.add(new AttnBlock(backend, blockIn));
            }
            if (i != levels - 1) level.setDownsample(new Downsample(backend, blockIn, config.resampWithConv()));
        }

        Module mid = child("mid", new Holder(backend));
        midBlock1 = mid.child("block_1", new ResnetBlock(backend, blockIn, blockIn, temb, p, dropoutRng));
        midAttn1 = mid.child("attn_1", new AttnBlock(backend, blockIn));
        midBlock2 = mid.child("block_2", new ResnetBlock(backend, blockIn, blockIn, temb, p, dropoutRng));

        // Built from the coarsest level up, but registered under up.{level index}.
        UNetLevel[] upLevels = new UNetLevel[levels];
        for (int i = levels - 1; i >= 0; i--) {
            UNetLevel level = new UNetLevel(backend);
            int blockOut = ch * mult[i];
            int skipIn = ch * (i == 0 ? 1 : mult[i - 1]);
            for (int j = 0; j <= config.numResBlocks(); j++) {
                int skip = j == config.numResBlocks() ? skipIn : blockOut;
                level.block.add(new ResnetBlock(backend, blockIn + skip, blockOut, temb, p, dropoutRng));
                blockIn = blockOut;
                if (config.hasAttention(i)) level.attn.add(new AttnBlock(backend, blockIn));
            }
            if (i != 0) level.setUpsample(new Upsample(backend, blockIn, config.resampWithConv()));
            upLevels[i] = level;
        }
        up = child("up", new ModuleList<>(backend));
        for (UNetLevel level : upLevels) up.add(level);

        normOut = child("norm_out", new GroupNorm(backend, blockIn, GroupNorm.DDPM_GROUPS, GroupNorm.DDPM_EPS));
        convOut = child("conv_out", new Conv2d(backend, blockIn, config.outCh(), 3, same));
    }

    /** A parameterless container that only groups children under a name. */
    private static final class Holder extends Module {
        Holder(Backend backend) { super(backend); }
    }

    public UNetConfig config() { return config; }

    /** Seeds the dropout masks used in training mode. */
    public void seedDropout(long seed) { dropoutRng.reset(seed); }

    /** Checks that x and t fit this network; the message says what does not. */
    public void checkInputs(Shape x, Shape t) {
        int res = config.resolution();
        if (x.rank() != 4 || x.dim(1) != config.inChannels() || x.dim(2) != res || x.dim(3) != res)
            throw new IllegalArgumentException("input x has shape " + x + " but the model expects [N, "
                    + config.inChannels() + ", " + res + ", " + res + "]");
        if (t.rank() != 1 || t.dim(0) != x.dim(0))
            throw new IllegalArgumentException("time input t has shape " + t + " but x has batch " + x.dim(0)
                    + "; t must be [" + x.dim(0) + "]");
    }

    /** ε = f(x, t) for an unconditional network (a class-conditional one gets the null label). */
    public Tensor forward(Tensor x, Tensor t) {
        return forward(x, t, null);
    }

    /** The label a class-conditional network treats as "no class" (classifier-free guidance). */
    public int nullLabel() {
        return config.numClasses();
    }

    /**
     * ε = f(x, t, y). {@code labels} (one per sample, in [0, num_classes]; num_classes is the
     * null label) may be null: unconditional.
     */
    public Tensor forward(Tensor x, Tensor t, int[] labels) {
        checkInputs(x.shape(), t.shape());
        if (labels != null && !config.isClassConditional())
            throw new IllegalArgumentException("this model is not class-conditional; it takes no class label");
        if (labels != null && labels.length != x.dim(0))
            throw new IllegalArgumentException(labels.length + " labels for a batch of " + x.dim(0));
        try (Scope scope = Scope.open()) {
            Tensor temb = Ops.timestepEmbedding(t, config.ch());
            temb = dense1.forward(Ops.silu(dense0.forward(temb)));
            if (labelEmbedding != null) {
                int[] y = labels;
                if (y == null) {
                    y = new int[x.dim(0)];
                    java.util.Arrays.fill(y, nullLabel());
                }
                for (int label : y)
                    if (label < 0 || label > nullLabel())
                        throw new IllegalArgumentException("class label " + label + " is outside [0, " + (nullLabel() - 1)
                                + "] (" + nullLabel() + " = none)");
                temb = Ops.add(temb, Ops.embedding(labelEmbedding.value(), y));
            }

            ChannelBlockedOps b = blockedStream();  // null: NCHW throughout
            Deque<Tensor> hs = new ArrayDeque<>();
            hs.push(b == null ? convIn.forward(x) : b.block(convIn.forward(x)));
            for (int i = 0; i < config.numLevels(); i++) {
                UNetLevel level = down.get(i);
                for (int j = 0; j < config.numResBlocks(); j++) {
                    Tensor h = resnet(level.block.get(j), hs.peek(), temb, b);
                    if (config.hasAttention(i)) h = attention(level.attn.get(j), h, b);
                    hs.push(h);
                }
                if (level.downsample != null)
                    hs.push(b == null ? level.downsample.forward(hs.peek()) : level.downsample.forwardBlocked(b, hs.peek()));
            }

            Tensor h = resnet(midBlock1, hs.peek(), temb, b);
            h = attention(midAttn1, h, b);
            h = resnet(midBlock2, h, temb, b);

            for (int i = config.numLevels() - 1; i >= 0; i--) {
                UNetLevel level = up.get(i);
                for (int j = 0; j <= config.numResBlocks(); j++) {
                    Tensor skip = hs.pop();
                    h = resnet(level.block.get(j), b == null ? Ops.concatChannels(h, skip) : b.concatChannels(h, skip), temb, b);
                    if (config.hasAttention(i)) h = attention(level.attn.get(j), h, b);
                }
                if (level.upsample != null) h = b == null ? level.upsample.forward(h) : level.upsample.forwardBlocked(b, h);
            }
            if (b != null) h = b.unblock(h);
            h = convOut.forward(normOut.forwardSilu(h));
            return scope.keep(h);
        }
    }

    /**
     * The backend's channel-blocked ops when this forward may keep its residual stream in that
     * layout: at inference (nothing recorded on the tape, no dropout) and with every channel
     * count a multiple of the block (they are all multiples of ch). Null: NCHW.
     */
    private ChannelBlockedOps blockedStream() {
        if (Tape.isRecording() || !midBlock1.runsAsOneOp()) return null;
        return backend().channelBlocked().filter(ops -> config.ch() % ops.lanes() == 0).orElse(null);
    }

    private static Tensor resnet(ResnetBlock block, Tensor h, Tensor temb, ChannelBlockedOps b) {
        return b == null ? block.forward(h, temb) : block.forwardBlocked(b, h, temb);
    }

    private static Tensor attention(AttnBlock attn, Tensor h, ChannelBlockedOps b) {
        return b == null ? attn.forward(h) : attn.forwardBlocked(b, h);
    }

    /**
     * PyTorch's default initialisation: conv/linear weights and biases uniform in ±1/√fan_in,
     * GroupNorm weight 1 and bias 0. Deterministic for a seed (Philox).
     */
    public void initialize(long seed) {
        long offset = 0;
        Map<String, Parameter> params = namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            Shape s = p.shape();
            boolean norm = e.getKey().contains("norm");
            Tensor value;
            if (norm) {
                value = backend.affine(backend.zeros(s), 0f, e.getKey().endsWith("weight") ? 1f : 0f);
            } else {
                Parameter w = e.getKey().endsWith(".bias")
                        ? params.get(e.getKey().substring(0, e.getKey().length() - 4) + "weight") : p;
                int fanIn = w.shape().numel() / w.shape().dim(0);
                float bound = (float) (1.0 / Math.sqrt(fanIn));
                try (Scope tmp = Scope.open()) {
                    Tensor u = backend.rand(s, seed, offset);
                    value = tmp.keep(backend.affine(u, 2 * bound, -bound));
                }
            }
            offset += s.numel();
            p.set(Scope.detach(value));
        }
    }
}
