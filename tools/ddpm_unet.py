"""The DDPM UNet of ermongroup/ddim (`models/diffusion.py` `Model`), written from the prose
specification in shared/docs/unet-and-checkpoints.md, section 1 (Part A).

This is the PyTorch reference the Java engine is tested against. Module attribute names are
chosen so that `state_dict()` keys are exactly ddim's (spec section 1.12), e.g.
`temb.dense.0.weight`, `down.1.attn.0.q.weight`, `mid.block_1.norm1.weight`,
`up.1.upsample.conv.weight`, `conv_out.bias`.

Config dict keys (ddim names): ch, out_ch, ch_mult, num_res_blocks, attn_resolutions, dropout,
in_channels, resolution, resamp_with_conv.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG_KEYS = ("ch", "out_ch", "ch_mult", "num_res_blocks", "attn_resolutions", "dropout",
               "in_channels", "resolution", "resamp_with_conv")


def timestep_embedding(t, dim):
    """Sinusoidal embedding, spec section 1.3: [sin(t*f_i) for i<half] ++ [cos(t*f_i)].

    The float32 evaluation order matters for bit-level agreement with ddim:
      1. c = ln(10000)/(half-1) in Python float64,
      2. a_i = fl(i * fl(-c)): float32 arange times the Python scalar (PyTorch rounds the
         scalar to float32 and multiplies in float32),
      3. freq_i = exp(a_i) in float32,
      4. arg = t * freq_i in float32, 5. sin / cos of that.
    `t` may be any real-valued float tensor [N]; everything is differentiable w.r.t. t.
    For a float64 `t` (float64 sanity runs) the whole computation is done in float64; for
    any other dtype (ints, float32) it is done in float32 exactly as ddim does.
    """
    assert t.dim() == 1, "timesteps must be a 1-D tensor [N]"
    dtype = torch.float64 if t.dtype == torch.float64 else torch.float32
    half = dim // 2
    c = math.log(10000) / (half - 1)
    freqs = torch.exp(torch.arange(half, dtype=dtype, device=t.device) * -c)
    args = t.to(dtype)[:, None] * freqs[None, :]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=1)
    if dim % 2 == 1:  # never the case for the released configs
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


def swish(x):
    # Two separate ops (sigmoid, then product), as ddim's `nonlinearity`; not nn.SiLU.
    return x * torch.sigmoid(x)


def group_norm(channels):
    return nn.GroupNorm(num_groups=32, num_channels=channels, eps=1e-6, affine=True)


class Upsample(nn.Module):
    """Nearest x2, then (if with_conv) a 3x3 stride-1 pad-1 conv C->C (spec 1.8)."""

    def __init__(self, channels, with_conv):
        super().__init__()
        self.with_conv = with_conv
        if with_conv:
            self.conv = nn.Conv2d(channels, channels, kernel_size=3, stride=1, padding=1)

    def forward(self, x):
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        if self.with_conv:
            x = self.conv(x)
        return x


class Downsample(nn.Module):
    """Spec 1.7. With conv: zero-pad right and bottom by one (TensorFlow 'SAME' for stride 2),
    then a 3x3 conv stride 2 padding 0. Without conv: 2x2 average pool, stride 2."""

    def __init__(self, channels, with_conv):
        super().__init__()
        self.with_conv = with_conv
        if with_conv:
            self.conv = nn.Conv2d(channels, channels, kernel_size=3, stride=2, padding=0)

    def forward(self, x):
        if self.with_conv:
            x = F.pad(x, (0, 1, 0, 1), mode="constant", value=0.0)  # (left, right, top, bottom)
            return self.conv(x)
        return F.avg_pool2d(x, kernel_size=2, stride=2)


class ResnetBlock(nn.Module):
    """Spec 1.5: norm1-swish-conv1, + temb_proj(swish(temb)), norm2-swish-dropout-conv2,
    plus the (1x1 nin_shortcut-projected when in != out) input."""

    def __init__(self, in_channels, out_channels, temb_channels, dropout):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.norm1 = group_norm(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1)
        self.temb_proj = nn.Linear(temb_channels, out_channels)
        self.norm2 = group_norm(out_channels)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1)
        if in_channels != out_channels:
            self.nin_shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=1,
                                          padding=0)

    def forward(self, x, temb):
        h = self.conv1(swish(self.norm1(x)))
        h = h + self.temb_proj(swish(temb))[:, :, None, None]
        h = self.conv2(self.dropout(swish(self.norm2(h))))
        if self.in_channels != self.out_channels:
            x = self.nin_shortcut(x)
        return x + h


class AttnBlock(nn.Module):
    """Spec 1.6: single-head self-attention over all H*W positions (row-major p = y*W + x)."""

    def __init__(self, channels):
        super().__init__()
        self.norm = group_norm(channels)
        self.q = nn.Conv2d(channels, channels, kernel_size=1, stride=1, padding=0)
        self.k = nn.Conv2d(channels, channels, kernel_size=1, stride=1, padding=0)
        self.v = nn.Conv2d(channels, channels, kernel_size=1, stride=1, padding=0)
        self.proj_out = nn.Conv2d(channels, channels, kernel_size=1, stride=1, padding=0)

    def forward(self, x):
        h = self.norm(x)
        q, k, v = self.q(h), self.k(h), self.v(h)
        n, c, hh, ww = q.shape
        q = q.reshape(n, c, hh * ww).permute(0, 2, 1)  # [N, P(i), C]
        k = k.reshape(n, c, hh * ww)                    # [N, C, P(j)]
        # Scores first, *then* scaled by the Python scalar C^-0.5 (order matters in float32).
        w = torch.bmm(q, k) * (int(c) ** (-0.5))       # w[n, i, j] = sum_c q[n,c,i] k[n,c,j]
        w = F.softmax(w, dim=2)                         # over keys j
        v = v.reshape(n, c, hh * ww)                    # [N, C, P(j)]
        o = torch.bmm(v, w.permute(0, 2, 1))            # o[n,c,i] = sum_j v[n,c,j] w[n,i,j]
        o = o.reshape(n, c, hh, ww)
        return x + self.proj_out(o)


class TimestepMLP(nn.Module):
    """Holds `dense` as a ModuleList so keys read `temb.dense.0.*`, `temb.dense.1.*`."""

    def __init__(self, ch, temb_ch):
        super().__init__()
        self.dense = nn.ModuleList([nn.Linear(ch, temb_ch), nn.Linear(temb_ch, temb_ch)])


class DDPMUNet(nn.Module):
    """ddim's `Model` (spec 1.1, 1.9, 1.10). forward(x [N,in,res,res], t [N]) -> [N,out,res,res]."""

    def __init__(self, config):
        super().__init__()
        missing = [k for k in CONFIG_KEYS if k not in config]
        assert not missing, f"config lacks {missing}"
        ch = int(config["ch"])
        ch_mult = tuple(int(m) for m in config["ch_mult"])
        nrb = int(config["num_res_blocks"])
        attn_resolutions = tuple(int(r) for r in config["attn_resolutions"])
        dropout = float(config["dropout"])
        resamp_with_conv = bool(config["resamp_with_conv"])
        self.config = {k: config[k] for k in CONFIG_KEYS}
        self.ch = ch
        self.temb_ch = 4 * ch
        self.num_resolutions = len(ch_mult)
        self.num_res_blocks = nrb
        self.resolution = int(config["resolution"])
        self.in_channels = int(config["in_channels"])
        self.out_ch = int(config["out_ch"])

        # Registration order below reproduces ddim's saved key order (spec 1.12), although a
        # loader must look keys up by name.
        self.temb = TimestepMLP(ch, self.temb_ch)
        self.conv_in = nn.Conv2d(self.in_channels, ch, kernel_size=3, stride=1, padding=1)

        in_ch_mult = (1,) + ch_mult
        curr_res = self.resolution
        self.down = nn.ModuleList()
        block_in = ch
        for i in range(self.num_resolutions):
            block = nn.ModuleList()
            attn = nn.ModuleList()
            block_in = ch * in_ch_mult[i]
            block_out = ch * ch_mult[i]
            for _ in range(nrb):
                block.append(ResnetBlock(block_in, block_out, self.temb_ch, dropout))
                block_in = block_out
                if curr_res in attn_resolutions:
                    attn.append(AttnBlock(block_in))
            level = nn.Module()
            level.block = block
            level.attn = attn
            if i != self.num_resolutions - 1:
                level.downsample = Downsample(block_in, resamp_with_conv)
                # Matches the conv output size for odd sizes too: floor((r + 1 - 3)/2) + 1.
                curr_res = curr_res // 2
            self.down.append(level)

        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in, self.temb_ch, dropout)
        self.mid.attn_1 = AttnBlock(block_in)
        self.mid.block_2 = ResnetBlock(block_in, block_in, self.temb_ch, dropout)

        # Built from the coarsest level to the finest, but stored so that up[i] is level i.
        up_levels = []
        for i in reversed(range(self.num_resolutions)):
            block = nn.ModuleList()
            attn = nn.ModuleList()
            block_out = ch * ch_mult[i]
            skip_in = ch * ch_mult[i]
            for j in range(nrb + 1):
                if j == nrb:
                    skip_in = ch * in_ch_mult[i]  # last block consumes the level's input skip
                block.append(ResnetBlock(block_in + skip_in, block_out, self.temb_ch, dropout))
                block_in = block_out
                if curr_res in attn_resolutions:
                    attn.append(AttnBlock(block_in))
            level = nn.Module()
            level.block = block
            level.attn = attn
            if i != 0:
                level.upsample = Upsample(block_in, resamp_with_conv)
                curr_res = curr_res * 2
            up_levels.insert(0, level)
        self.up = nn.ModuleList(up_levels)

        self.norm_out = group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, self.out_ch, kernel_size=3, stride=1, padding=1)

    def forward(self, x, t):
        assert x.dim() == 4 and tuple(x.shape[1:]) == (
            self.in_channels, self.resolution, self.resolution), \
            f"x must be [N,{self.in_channels},{self.resolution},{self.resolution}], got {tuple(x.shape)}"
        assert t.dim() == 1 and t.shape[0] == x.shape[0], "t must be [N]"

        emb = timestep_embedding(t, self.ch).to(x.dtype)
        temb = self.temb.dense[0](emb)
        temb = swish(temb)
        temb = self.temb.dense[1](temb)

        hs = [self.conv_in(x)]
        for i in range(self.num_resolutions):
            level = self.down[i]
            for j in range(self.num_res_blocks):
                h = level.block[j](hs[-1], temb)
                if len(level.attn) > 0:
                    h = level.attn[j](h)
                hs.append(h)
            if i != self.num_resolutions - 1:
                hs.append(level.downsample(hs[-1]))

        # Middle reads the last skip without popping it (spec 1.10).
        h = hs[-1]
        h = self.mid.block_1(h, temb)
        h = self.mid.attn_1(h)
        h = self.mid.block_2(h, temb)

        for i in reversed(range(self.num_resolutions)):
            level = self.up[i]
            for j in range(self.num_res_blocks + 1):
                h = level.block[j](torch.cat([h, hs.pop()], dim=1), temb)
                if len(level.attn) > 0:
                    h = level.attn[j](h)
            if i != 0:
                h = level.upsample(h)
        assert not hs, "skip stack must be empty after the up path"

        h = swish(self.norm_out(h))
        return self.conv_out(h)
