#!/usr/bin/python3
"""Time one DDPM UNet forward pass (eval mode, no grad) in PyTorch on the CPU.

Baseline for the Java engine's benchmark. Example:
  /usr/bin/python3 bench/pytorch_unet_forward.py --config bench/configs/mnist.json \
      --batch 64 --threads 2
The last line printed is `pytorch_ms_per_forward=<median milliseconds>`.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))
from ddpm_unet import DDPMUNet  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description="PyTorch CPU timing of one DDPM UNet forward")
    ap.add_argument("--config", required=True, help="JSON file with the ddim config keys")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    try:
        # Only allowed before any inter-op parallel work has started; harmless if refused.
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass

    with open(args.config) as f:
        config = json.load(f)
    torch.manual_seed(args.seed)
    model = DDPMUNet(config).eval()
    r, c = config["resolution"], config["in_channels"]
    x = torch.randn(args.batch, c, r, r)
    t = torch.randint(0, 1000, (args.batch,)).to(torch.float32)

    times_ms = []
    with torch.no_grad():
        for _ in range(args.warmup):
            model(x, t)
        for _ in range(args.iters):
            start = time.perf_counter()
            model(x, t)
            times_ms.append((time.perf_counter() - start) * 1e3)

    n_params = sum(p.numel() for p in model.parameters())
    print(f"config={os.path.basename(args.config)} params={n_params} batch={args.batch} "
          f"threads={torch.get_num_threads()} interop={torch.get_num_interop_threads()} "
          f"torch={torch.__version__} warmup={args.warmup} iters={args.iters} "
          f"min_ms={min(times_ms):.2f} max_ms={max(times_ms):.2f}")
    print(f"pytorch_ms_per_forward={statistics.median(times_ms):.3f}")


if __name__ == "__main__":
    main()
