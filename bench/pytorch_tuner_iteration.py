#!/usr/bin/python3
"""Time one TimeTuner iteration in PyTorch: the twin of bench/java/.../TunerIterationBenchmark
(solver ddim, parallel mode, NFE 10 on the official grid, interval 1, MNIST-sized UNet with
random weights in eval mode, r = 1.02):

  x_t      = alpha(t_1) x0 + sigma(t_1) z
  eps_t    = eps(x_t, t_1)                       (no graph)
  x_prev   = ddim step t_1 -> t_2 with eps(x_t, r t_1)
  eps_prev = eps(x_prev, t_2)
  loss     = sum((eps_t - eps_prev)^2) / B, backward to r only (the weights need no gradient)

eps(x, tau) = net(x, (tau - 0.001) * 1000). The last line printed is
`pytorch_ms_per_iteration=<median milliseconds>`.

  /usr/bin/python3 bench/pytorch_tuner_iteration.py --batch 32 --threads 2
  python3 bench/pytorch_tuner_iteration.py --batch 32 --device cuda     (TF32 off; synchronised)

Without a CUDA device, --device cuda prints one `skipped: <reason>` line and exits 0.
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
import reference_sampler as ref  # noqa: E402
from ddpm_unet import DDPMUNet  # noqa: E402

import torch_bench_setup  # noqa: E402  (bench/, next to this script)


def main():
    ap = argparse.ArgumentParser(description="PyTorch timing of one TimeTuner iteration (ddim, parallel)")
    ap.add_argument("--config", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs", "mnist.json"))
    ap.add_argument("--batch", type=int, default=32)
    torch_bench_setup.add_device_arguments(ap)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iters", type=int, default=6)
    args = ap.parse_args()
    prepared = torch_bench_setup.prepare(ap, args)
    if prepared is None:
        return
    dev, sync = prepared
    torch.manual_seed(0)
    with open(args.config) as f:
        cfg = json.load(f)
    net = DDPMUNet(cfg).eval().to(dev)
    for p in net.parameters():
        p.requires_grad_(False)
    sched = ref.SCHEDULE
    plan = ref.make_plan("ddim", 10, "official")
    t, s = plan["times"][1], plan["times"][2]
    shape = (args.batch, cfg.get("in_channels", 3), cfg["resolution"], cfg["resolution"])
    x0, z = torch.randn(shape).to(dev), torch.randn(shape).to(dev)

    def eps(x, tau):
        return net(x, (tau - 0.001) * 1000.0)

    def iteration():
        b = args.batch
        r = torch.tensor(1.02, device=dev, requires_grad=True)
        x_t = sched.alpha(t) * x0 + sched.sigma(t) * z
        with torch.no_grad():
            eps_t = eps(x_t, torch.full((b,), t, device=dev))
        a_t, a_s, sg_t, sg_s = sched.alpha(t), sched.alpha(s), sched.sigma(t), sched.sigma(s)
        x_prev = (a_s / a_t) * x_t + (sg_s - a_s * sg_t / a_t) * eps(x_t, torch.full((b,), t, device=dev) * r)
        eps_prev = eps(x_prev, torch.full((b,), s, device=dev))
        loss = ((eps_t - eps_prev) ** 2).sum() / b
        loss.backward()
        return r.grad.item()

    for _ in range(args.warmup):
        iteration()
    sync()
    times = []
    for _ in range(args.iters):
        t0 = time.perf_counter()
        iteration()  # .item() on the gradient waits for the device
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    print(f"device={args.device} batch={args.batch} threads={args.threads} torch={torch.__version__} warmup={args.warmup} "
          f"iters={args.iters} min_ms={min(times):.1f} max_ms={max(times):.1f}")
    print(f"pytorch_ms_per_iteration={statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
