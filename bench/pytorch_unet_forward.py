#!/usr/bin/python3
"""Time one DDPM UNet forward pass (eval mode, no grad) in PyTorch, on the CPU or on CUDA.

Baseline for the Java engine's benchmark. Examples:
  /usr/bin/python3 bench/pytorch_unet_forward.py --config bench/configs/mnist.json \
      --batch 64 --threads 2
  python3 bench/pytorch_unet_forward.py --config bench/configs/cifar10.json --batch 64 \
      --device cuda --warmup 10 --iters 30
The last line printed is `pytorch_ms_per_forward=<median milliseconds>`.

On CUDA: fp32 with TF32 off for matmuls and cuDNN (the Java engine computes in plain fp32),
cuDNN's default algorithm choice (cudnn.benchmark off, PyTorch's eager default), and every
timed forward is bracketed by torch.cuda.synchronize(). When PyTorch sees no CUDA device the
script prints one `skipped: <reason>` line and exits 0.
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

import torch_bench_setup  # noqa: E402  (bench/, next to this script)


def main():
    ap = argparse.ArgumentParser(description="PyTorch timing of one DDPM UNet forward (CPU or CUDA)")
    ap.add_argument("--config", required=True, help="JSON file with the ddim config keys")
    ap.add_argument("--batch", type=int, required=True)
    torch_bench_setup.add_device_arguments(ap)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--weights", help="model file (.safetensors, ddim names) to load instead of seeded "
                                      "random weights, e.g. RandomModel's (bench/compare-onnx.sh)")
    args = ap.parse_args()
    prepared = torch_bench_setup.prepare(ap, args)
    if prepared is None:
        return
    dev, sync = prepared

    with open(args.config) as f:
        config = json.load(f)
    torch.manual_seed(args.seed)
    if args.weights:
        from export_onnx import load_model  # tools/, next to ddpm_unet
        model, _ = load_model(args.weights, args.config)
    else:
        model = DDPMUNet(config).eval()
    r, c = config["resolution"], config["in_channels"]
    x = torch.randn(args.batch, c, r, r)
    t = torch.randint(0, 1000, (args.batch,)).to(torch.float32)
    model, x, t = model.to(dev), x.to(dev), t.to(dev)

    times_ms = []
    with torch.no_grad():
        for _ in range(args.warmup):
            model(x, t)
        sync()
        for _ in range(args.iters):
            start = time.perf_counter()
            model(x, t)
            sync()
            times_ms.append((time.perf_counter() - start) * 1e3)

    n_params = sum(p.numel() for p in model.parameters())
    where = f"threads={torch.get_num_threads()} interop={torch.get_num_interop_threads()}"
    if args.device == "cuda":
        where = (f"device=cuda gpu={torch.cuda.get_device_name(dev).replace(' ', '_')} "
                 f"cuda={torch.version.cuda} cudnn={torch.backends.cudnn.version()} "
                 f"tf32=off cudnn_benchmark={torch.backends.cudnn.benchmark} "
                 f"peak_mib={torch.cuda.max_memory_allocated(dev) / 2**20:.0f}")
    print(f"config={os.path.basename(args.config)} params={n_params} batch={args.batch} "
          f"{where} torch={torch.__version__} warmup={args.warmup} iters={args.iters} "
          f"min_ms={min(times_ms):.2f} max_ms={max(times_ms):.2f}")
    print(f"pytorch_ms_per_forward={statistics.median(times_ms):.3f}")


if __name__ == "__main__":
    main()
