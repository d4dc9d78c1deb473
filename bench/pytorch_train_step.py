#!/usr/bin/python3
"""Time one DDPM training step in PyTorch: the twin of bench/java/.../TrainStepBenchmark.

The same UNet (tools/ddpm_unet.py, bench/configs/digits.json by default) in train mode, random
images, batch 64: t uniform in 0..999, x_t = sqrt(ab) x0 + sqrt(1 - ab) eps, loss = mean((net(x_t, t)
- eps)^2), backward to every weight, clip_grad_norm_(1.0), Adam (lr 1e-3), EMA (0.999) of the
weights. The last line printed is `pytorch_ms_per_step=<median milliseconds>`.

  /usr/bin/python3 bench/pytorch_train_step.py --batch 64 --threads 2
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch

TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools")
sys.path.insert(0, TOOLS)
from ddpm_unet import DDPMUNet  # noqa: E402

import torch_bench_setup  # noqa: E402  (bench/, next to this script)


def main():
    ap = argparse.ArgumentParser(description="PyTorch timing of one DDPM training step")
    ap.add_argument("--config", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs", "digits.json"))
    ap.add_argument("--batch", type=int, default=64)
    torch_bench_setup.add_device_arguments(ap)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    prepared = torch_bench_setup.prepare(ap, args)
    if prepared is None:
        return
    dev, sync = prepared
    torch.manual_seed(0)
    with open(args.config) as f:
        cfg = json.load(f)
    net = DDPMUNet(cfg).train().to(dev)
    ema = [p.detach().clone() for p in net.parameters()]
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    ab = torch.cumprod(1 - betas, 0).float().to(dev)
    shape = (args.batch, cfg.get("in_channels", 3), cfg["resolution"], cfg["resolution"])
    data = torch.rand((4 * args.batch,) + shape[1:], device=dev) * 2 - 1

    def step(i):
        x0 = data[(i % 4) * args.batch:(i % 4 + 1) * args.batch]
        t = torch.randint(0, 1000, (args.batch,), device=dev)
        eps = torch.randn(shape, device=dev)
        a = ab[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = ((net(xt, t.float()) - eps) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for e, p in zip(ema, net.parameters()):
                e.mul_(0.999).add_(p, alpha=0.001)
        return loss.item()

    for i in range(args.warmup):
        step(i)
    sync()
    times = []
    for i in range(args.iters):
        t0 = time.perf_counter()
        step(i)
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    print(f"device={args.device} batch={args.batch} threads={args.threads} torch={torch.__version__} warmup={args.warmup} "
          f"iters={args.iters} min_ms={min(times):.1f} max_ms={max(times):.1f}")
    print(f"pytorch_ms_per_step={statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
