#!/usr/bin/python3
"""Generate the UNet test fixtures for the Java engine (src/test/resources/fixtures/).

For every configuration NAME this writes
  unet-NAME.safetensors     the model: every state-dict tensor under its ddim key, F16;
                            __metadata__ = {"config": <json of the 9 ddim keys>,
                                            "model_type": "noise"}
  unet-NAME-io.safetensors  x [N,C,H,W], t [N] (real-valued), gout (upstream gradient),
                            eps = model(x, t) in eval mode, grad_x, grad_t and grad.<KEY>
                            (vector-Jacobian products of eps with gout, i.e. gradients of
                            sum(eps * gout)); __metadata__ = {"config_name", "torch_version"}.

The model is stored as F16 to keep the fixtures small, losslessly: after building and perturbing
it, every parameter is rounded to float16 and back, and only then are eps and the gradients
computed. The float32 reference outputs are thus exactly the function of the stored F16
weights (an engine that widens F16 to float32 on load sees the very same model). The io files
are F32.

Everything is CPU float32 with fixed seeds, so reruns on the same PyTorch build reproduce the
files byte for byte. The script then re-reads what it wrote and compares, and cross-checks the
float32 outputs against a float64 run of the same weights (and grad_t against finite
differences in float64).

Usage: /usr/bin/python3 tools/make_unet_fixtures.py [--out DIR]
"""

import argparse
import copy
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ddpm_unet import CONFIG_KEYS, DDPMUNet  # noqa: E402
from safetensors_io import load_file, read_dtypes, save_file  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures")


def _cfg(ch, ch_mult, nrb, attn, res, cin, cout, resamp):
    # dropout 0.1 as in the released configs: it must be a no-op in eval mode.
    return {"ch": ch, "out_ch": cout, "ch_mult": list(ch_mult), "num_res_blocks": nrb,
            "attn_resolutions": list(attn), "dropout": 0.1, "in_channels": cin,
            "resolution": res, "resamp_with_conv": resamp}


# name -> (config, batch, timesteps, seed). Non-integer t values spread over [0, 999] (the
# tuner differentiates w.r.t. a real-valued t); 999.0 included as the top end. Seeds are fixed
# per config (not derived from the position in this table), so adding or removing a config
# leaves the others' files unchanged.
#
# Why these sizes (the whole fixture directory must stay below 5 MB; the three configs
# below come to about 4.8 MiB, the bulk of it the F16 model files):
#  * ch cannot go below 32: GroupNorm uses 32 groups, so C % 32 == 0.
#  * A ResnetBlock with 32 output channels has one channel per group in norm2, which
#    subtracts each channel's spatial mean, so the per-channel temb_proj offset added just
#    before it cancels exactly: such a block ignores t. A net whose blocks are all 32 channels
#    wide has eps independent of t (grad_t ~ 1e-7, pure rounding). Every config below therefore
#    has a 64-channel level, which is what costs the bytes.
#  * A former 4th config "deep" (ch_mult [1, 2, 2], nrb 2, attention at 4x4, ~1.6M params)
#    was dropped: even as F16 it would add ~3.3 MB. "attn" covers nrb 2, "mono" a 3-level net.
CONFIGS = {
    # attention at the 8x8 level (with a channel change into it), mid attention, nrb 2 (two
    # blocks and attns per down level, three per up level)
    "attn": (_cfg(32, [1, 2], 2, [8], 16, 3, 3, True), 2, [3.25, 517.8], 1000),
    # single channel, odd-size down path 12 -> 6 -> 3, attention at the coarsest 3x3 level
    # (64 channels) plus mid attention
    "mono": (_cfg(32, [1, 1, 2], 1, [3], 12, 1, 1, True), 3, [0.5, 333.3, 871.9], 1034),
    # in != out, avg-pool downsample, plain nearest upsample, channels shrink 64 -> 32
    "nopool": (_cfg(32, [2, 1], 1, [8], 8, 2, 4, False), 2, [250.5, 731.1], 1051),
}


def round_to_f16_(model):
    """Round every parameter (and buffer) to the nearest float16 value, kept as float32, so
    that the model written as F16 is exactly the model the reference outputs come from."""
    with torch.no_grad():
        for p in list(model.parameters()) + list(model.buffers()):
            if p.is_floating_point():
                p.copy_(p.half().float())


def perturb_(model, gen):
    """Move weights away from PyTorch's default init so every parameter affects the output:
    default init has GroupNorm weight 1 / bias 0 and small conv/linear biases; a Java bug that
    ignored a norm's affine or a bias would otherwise go unnoticed."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.GroupNorm):
                mod.weight.copy_(1.0 + 0.2 * torch.randn(mod.weight.shape, generator=gen))
                mod.bias.copy_(0.2 * torch.randn(mod.bias.shape, generator=gen))
            elif isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
                mod.bias.copy_(0.1 * torch.randn(mod.bias.shape, generator=gen))


def grad_keys(model):
    """Weights whose gradients are stored: a spread over the network's kinds of layer."""
    sd = model.state_dict()
    keys = ["temb.dense.0.weight", "conv_in.weight"]
    level_q = sorted(k for k in sd if k.startswith("down.") and k.endswith(".attn.0.q.weight"))
    keys.append(level_q[0] if level_q else "mid.attn_1.q.weight")
    # A temb_proj bias only matters in a block wider than 32 channels (see CONFIGS); take the
    # first up-path block of maximal width.
    widest = min((k for k in sd if k.startswith("up.") and k.endswith(".temb_proj.bias")),
                 key=lambda k: (-sd[k].numel(), k))
    keys += ["mid.attn_1.q.weight", "mid.block_1.norm1.weight", "mid.attn_1.norm.bias",
             "up.0.block.0.nin_shortcut.weight", widest, "conv_out.bias"]
    keys = list(dict.fromkeys(keys))  # dedupe, keep order
    missing = [k for k in keys if k not in sd]
    assert not missing, f"grad keys not in model: {missing}"
    return keys


def run_model(model, x, t, gout, keys):
    """eps = model(x, t); VJP of eps with gout w.r.t. x, t and the chosen weights."""
    model.zero_grad(set_to_none=True)
    x = x.detach().clone().requires_grad_(True)
    t = t.detach().clone().requires_grad_(True)
    eps = model(x, t)
    (eps * gout).sum().backward()
    params = dict(model.named_parameters())
    grads = {k: params[k].grad.detach().clone() for k in keys}
    return eps.detach(), x.grad.detach(), t.grad.detach(), grads


def max_abs(a, b):
    return (a.double() - b.double()).abs().max().item()


def make_one(name, config, batch, tvals, out_dir, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model = DDPMUNet(config)  # default init from the global seed
    perturb_(model, gen)
    round_to_f16_(model)  # before any output is computed: the outputs are of the F16 model
    model.eval()

    c, r = config["in_channels"], config["resolution"]
    assert len(tvals) == batch
    x = torch.randn(batch, c, r, r, generator=gen)
    t = torch.tensor(tvals, dtype=torch.float32)
    gout = torch.randn(batch, config["out_ch"], r, r, generator=gen)
    keys = grad_keys(model)

    eps, gx, gt, gw = run_model(model, x, t, gout, keys)

    # --- write -----------------------------------------------------------------------------
    model_path = os.path.join(out_dir, f"unet-{name}.safetensors")
    io_path = os.path.join(out_dir, f"unet-{name}-io.safetensors")
    meta_cfg = {k: config[k] for k in CONFIG_KEYS}
    sd = model.state_dict()
    save_file(sd, model_path, dtype="F16",  # exact: the weights were rounded to F16 above
              metadata={"config": json.dumps(meta_cfg), "model_type": "noise"})
    io = {"x": x, "t": t, "gout": gout, "eps": eps, "grad_x": gx, "grad_t": gt}
    io.update({f"grad.{k}": v for k, v in gw.items()})
    save_file(io, io_path, metadata={"config_name": name, "torch_version": torch.__version__})

    # --- self-check 1: re-read both files; bitwise equality ----------------------------------
    assert set(read_dtypes(model_path).values()) == {"F16"}, "model file is not all F16"
    assert set(read_dtypes(io_path).values()) == {"F32"}, "io file is not all F32"
    sd2, meta2 = load_file(model_path)  # F16 widened to float32
    assert set(sd2) == set(sd), "model file keys differ"
    assert all(torch.equal(sd2[k], sd[k]) for k in sd), "model file tensors differ"
    assert json.loads(meta2["config"]) == meta_cfg and meta2["model_type"] == "noise"
    io2, iometa2 = load_file(io_path)
    assert set(io2) == set(io) and all(torch.equal(io2[k], io[k]) for k in io)
    assert iometa2["config_name"] == name

    # --- self-check 2: a fresh model built from the file's metadata + weights reproduces eps -
    m2 = DDPMUNet(json.loads(meta2["config"]))
    m2.load_state_dict(sd2, strict=True)
    m2.eval()
    with torch.no_grad():
        eps2 = m2(io2["x"], io2["t"])
    assert torch.equal(eps2, eps), "reloaded model does not reproduce eps bit-for-bit"

    # --- self-check 3: float32 vs float64 of the same weights and inputs ----------------------
    m64 = copy.deepcopy(model).double()
    eps64, gx64, gt64, gw64 = run_model(m64, x.double(), t.double(), gout.double(), keys)
    d_eps = max_abs(eps, eps64)
    d_gx = max_abs(gx, gx64)
    d_gt = max_abs(gt, gt64)
    d_gw = max(max_abs(gw[k], gw64[k]) for k in keys)

    # --- self-check 4: grad_t against central differences in float64 ---------------------------
    h = 1e-4
    with torch.no_grad():
        f_plus = (m64(x.double(), t.double() + h) * gout.double()).sum(dim=(1, 2, 3))
        f_minus = (m64(x.double(), t.double() - h) * gout.double()).sum(dim=(1, 2, 3))
    fd_gt = (f_plus - f_minus) / (2 * h)  # each sample's loss depends only on its own t
    d_fd = max_abs(fd_gt, gt64)

    n_params = sum(p.numel() for p in model.parameters())
    print(f"[{name}] params={n_params} tensors={len(sd)} batch={batch} t={tvals}")
    print(f"[{name}]   max|eps|={eps.abs().max().item():.4f}  "
          f"f32-vs-f64: eps {d_eps:.3e}  grad_x {d_gx:.3e}  grad_t {d_gt:.3e} "
          f"(max|grad_t| {gt.abs().max().item():.3e})  grad.* {d_gw:.3e}")
    print(f"[{name}]   grad_t autograd-vs-finite-diff (f64): {d_fd:.3e}")
    print(f"[{name}]   io tensors: {', '.join(io)}")
    if d_eps > 1e-4:
        raise SystemExit(f"[{name}] float32 and float64 eps disagree by {d_eps}")
    # A gradient that is (numerically) zero would test nothing on the Java side.
    weak = [k for k, v in [("grad_t", gt), ("grad_x", gx)] + list(gw.items())
            if v.abs().max().item() < 1e-3]
    if weak:
        raise SystemExit(f"[{name}] negligible gradients: {weak}")
    return [model_path, io_path]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory")
    args = ap.parse_args()

    torch.set_num_threads(1)  # single-threaded CPU kernels: reproducible reductions
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    print(f"torch {torch.__version__}, writing to {args.out}")

    files = []
    for name, (config, batch, tvals, seed) in CONFIGS.items():
        files += make_one(name, config, batch, tvals, args.out, seed=seed)

    total = 0
    for p in files:
        size = os.path.getsize(p)
        total += size
        print(f"  {os.path.relpath(p, REPO_ROOT)}  {size} bytes")
    print(f"total UNet fixture size: {total} bytes ({total / 2**20:.2f} MiB)")
    written = {os.path.basename(p) for p in files}
    stale = sorted(f for f in os.listdir(args.out)
                   if f.startswith("unet-") and f.endswith(".safetensors") and f not in written)
    if stale:
        print(f"WARNING: stale UNet fixtures not produced by this script: {stale}")
    everything = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out)
                     if os.path.isfile(os.path.join(args.out, f)))
    print(f"whole fixture directory: {everything} bytes ({everything / 2**20:.2f} MiB)")


if __name__ == "__main__":
    main()
