#!/usr/bin/python3
"""Generate the sampler test fixtures (src/test/resources/fixtures/sampler/) with the
independent float64 reference of tools/reference_sampler.py and the UNet fixture model
src/test/resources/fixtures/unet-attn.safetensors.

For every case NAME this writes
  NAME.safetensors    x_T [3,3,16,16] F32 (standard normal, fixed seed per case) and
                      samples [3,3,16,16] F32: x at t_K = 1/N after sampling from x_T at t_0
                      with tuned ratios (tied per interval), computed with float64 solver
                      arithmetic around the float32 network, then rounded to float32;
                      __metadata__ = {"solver", "nfe", "trajectory", "eta": "0",
                                      "ratios": JSON list (one per interval),
                                      "model": "unet-attn.safetensors"}
  NAME-ratios.json    the same ratios as a plain JSON array (one per interval, last 1.0),
                      the format `sample --tuned` reads.

Ratios are drawn uniformly from [0.9, 1.1] with a fixed seed per case, rounded to 4 decimals
(so the JSON text, the float64 value and its float32 rounding are unambiguous), capped so that
r*t <= 1 (the model's time range), and the last one is 1.0; the untuned case has all ratios 1.0.

The script also reruns every case entirely in float32 (solver arithmetic too) and with a
float64 network, and prints max|difference| / max|samples|: the physically meaningful
tolerance for comparing a float32 engine with these fixtures.

Usage: /usr/bin/python3 tools/make_sampler_fixtures.py [--out DIR]
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_sampler as ref  # noqa: E402
from ddpm_unet import DDPMUNet  # noqa: E402
from safetensors_io import load_file, read_dtypes, save_file  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures")
DEFAULT_OUT = os.path.join(FIXTURES, "sampler")
MODEL_FILE = "unet-attn.safetensors"
BATCH = 3

# name -> (solver, nfe, trajectory, tuned, seed). Seeds are per case, so editing the table
# leaves the other cases' files unchanged.
CASES = {
    "ddim-official-nfe10": ("ddim", 10, "official", True, 2101),
    "ddim-uniform-nfe7": ("ddim", 7, "uniform", False, 2102),
    "dpmsolver2-logsnr-nfe8": ("dpm-solver-2", 8, "logsnr", True, 2103),
    "dpmsolver2-quadratic-nfe7": ("dpm-solver-2", 7, "quadratic", True, 2104),
    "dpmpp2m-logsnr-nfe8": ("dpm-solver++2m", 8, "logsnr", True, 2105),
    "dpmpp2m-uniform-nfe12": ("dpm-solver++2m", 12, "uniform", True, 2106),
    "heun-edm-nfe8": ("heun", 8, "edm", True, 2107),
    "heun-uniform-nfe9": ("heun", 9, "uniform", True, 2108),
    "dpmsolver2-uniform-nfe10": ("dpm-solver-2", 10, "uniform", True, 2109),
    "dpmsolver2-quadratic-nfe10": ("dpm-solver-2", 10, "quadratic", False, 2110),
    "dpmsolver2-edm-nfe6": ("dpm-solver-2", 6, "edm", True, 2111),
    "dpmsolver2-official-nfe10": ("dpm-solver-2", 10, "official", True, 2112),
}


def load_model(path):
    tensors, meta = load_file(path)
    net = DDPMUNet(json.loads(meta["config"]))
    net.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()}, strict=True)
    net.eval()
    return net, json.loads(meta["config"])


def make_ratios(times, tuned, seed):
    k = len(times) - 1
    if not tuned:
        return [1.0] * k
    rng = np.random.default_rng(seed)
    rs = [round(float(v), 4) for v in rng.uniform(0.9, 1.1, size=k)]
    rs[-1] = 1.0
    # every tuned time r*t stays at most T = 1, as `sample --tuned` requires
    return [min(r, math.floor(1e4 / t) / 1e4) for r, t in zip(rs, times)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # deterministic float32 reductions across reruns

    net, cfg = load_model(os.path.join(FIXTURES, MODEL_FILE))
    shape = (BATCH, cfg["in_channels"], cfg["resolution"], cfg["resolution"])
    eps32 = ref.unet_eps_fn(net)
    net64 = load_model(os.path.join(FIXTURES, MODEL_FILE))[0].double()

    def eps64(x, tau):  # float64 network (t_in still from the float32 tau, in float64)
        t_in = (tau.to(torch.float64) - 0.001) * 1000.0
        with torch.no_grad():
            return net64(x.to(torch.float64), t_in)

    rows = []
    total = 0
    for name, (solver, nfe, kind, tuned, seed) in CASES.items():
        plan = ref.make_plan(solver, nfe, kind)
        k = len(plan["times"]) - 1
        assert plan["nfe"] == nfe, (name, plan)
        ratios = make_ratios(plan["times"], tuned, seed)
        gen = torch.Generator().manual_seed(seed)
        x_t = torch.randn(shape, generator=gen, dtype=torch.float32)

        s64 = ref.sample(solver, x_t, plan, ratios, eps32, dtype=torch.float64)
        s32 = ref.sample(solver, x_t, plan, ratios, eps32, dtype=torch.float32)
        s64n = ref.sample(solver, x_t, plan, ratios, eps64, dtype=torch.float64)
        midpoint_diff = float("nan")  # dpm-solver-2 with r1 = 1/2 on every trajectory, for comparison
        if plan.get("inner") is not None and kind != "logsnr":
            s_mid = ref.sample(solver, x_t, dict(plan, inner=None), ratios, eps32, dtype=torch.float64)
            midpoint_diff = float((s_mid - s64).abs().max() / s64.abs().max())
        scale = float(s64.abs().max())
        spread32 = float((s32.double() - s64).abs().max()) / scale
        spread_net = float((s64n - s64).abs().max()) / scale
        assert torch.isfinite(s64).all()

        samples = s64.to(torch.float32)
        meta = {"solver": solver, "nfe": str(nfe), "trajectory": kind, "eta": "0",
                "ratios": json.dumps(ratios), "model": MODEL_FILE}
        path = os.path.join(args.out, name + ".safetensors")
        save_file({"x_T": x_t, "samples": samples}, path, metadata=meta)
        rpath = os.path.join(args.out, name + "-ratios.json")
        with open(rpath, "w") as f:
            f.write(json.dumps(ratios) + "\n")

        # re-read and compare
        back, bmeta = load_file(path)
        assert read_dtypes(path) == {"x_T": "F32", "samples": "F32"}
        assert torch.equal(back["x_T"], x_t) and torch.equal(back["samples"], samples)
        assert bmeta == meta
        with open(rpath) as f:
            assert json.load(f) == ratios
        total += os.path.getsize(path) + os.path.getsize(rpath)
        rows.append((name, solver, nfe, kind, k, plan["slots"], ratios, scale, spread32,
                     spread_net, midpoint_diff))

    print(f"{'case':<28}{'solver':<16}{'nfe':>4} {'trajectory':<10}{'intervals':>10}  "
          f"{'max|samples|':>12}  {'f32 vs f64':>10}  {'f64 net':>10}  {'r1 = 1/2':>10}")
    for name, solver, nfe, kind, k, slots, ratios, scale, sp, spn, mid in rows:
        print(f"{name:<28}{solver:<16}{nfe:>4} {kind:<10}{k:>10}  {scale:>12.4f}  "
              f"{sp:>10.2e}  {spn:>10.2e}  {mid:>10.2e}")
    print("  f32 vs f64: max|float32 run - float64 reference| / max|samples| (float32 network "
          "in both)")
    print("  f64 net:    max|float64-network run - float64 reference| / max|samples|")
    print("  r1 = 1/2:   dpm-solver-2 off logsnr: max|run with the logSNR-midpoint inner point - "
          "reference| / max|samples|")
    print()
    for name, solver, nfe, kind, k, slots, ratios, *_ in rows:
        print(f"{name}: slots {slots}, ratios {ratios}")
    print(f"\nwrote {2 * len(rows)} files to {args.out}, {total} bytes in all")
    assert total < 300 * 1024


if __name__ == "__main__":
    main()
