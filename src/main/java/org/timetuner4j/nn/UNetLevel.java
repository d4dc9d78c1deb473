package org.timetuner4j.nn;

import org.timetuner4j.backend.Backend;

/** One resolution of the UNet: its residual blocks, their attention blocks, and the resampler. */
final class UNetLevel extends Module {
    final ModuleList<ResnetBlock> block;
    final ModuleList<AttnBlock> attn;
    Downsample downsample;
    Upsample upsample;

    UNetLevel(Backend backend) {
        super(backend);
        block = child("block", new ModuleList<>(backend));
        attn = child("attn", new ModuleList<>(backend));
    }

    void setDownsample(Downsample d) { downsample = child("downsample", d); }

    void setUpsample(Upsample u) { upsample = child("upsample", u); }
}
