package org.timetuner4j.diffusion;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.tensor.Tensor;

/** The DDPM UNet as a {@link Network}. */
public final class UNetNetwork implements Network {
    private final UNet unet;

    public UNetNetwork(UNet unet) {
        this.unet = unet;
    }

    public UNet unet() { return unet; }

    @Override public Tensor forward(Tensor x, Tensor tIn, int[] labels) { return unet.forward(x, tIn, labels); }

    @Override public int numClasses() { return unet.config().numClasses(); }

    @Override public int[] sampleShape() {
        int r = unet.config().resolution();
        return new int[] {unet.config().inChannels(), r, r};
    }

    @Override public Backend backend() { return unet.backend(); }
}
