#!/usr/bin/python3
"""The PyTorch side of bench/compare-whole-process.sh: process start to a PNG with the same UNet
and the same work as bench/java/.../OnnxSample: DDIM (eta 0), 10 network calls on t = 900, 800,
..., 0 of the DDPM linear schedule, seeded Gaussian noise, the samples as a PNG grid (written with
zlib, no imaging library). The last line printed is
`pytorch_sample batch=B threads=N torch=V forwards_ms=... process_ms=... wrote OUT.png`.

  /usr/bin/python3 bench/pytorch_sample.py --model bench/out/onnx/cifar10.safetensors \
      --batch 8 --threads 2 --out bench/out/pytorch-sample.png
"""

import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402

import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from export_onnx import load_model  # noqa: E402

STEPS, NFE = 1000, 10


def write_png(images, path):
    """[N, C, H, W] in [-1, 1] as a grid of ceil(sqrt(N)) columns, 2-pixel dark borders, RGB."""
    n, c, h, w = images.shape
    cols = math.ceil(math.sqrt(n))
    rows = (n + cols - 1) // cols
    pad = 2
    gh, gw = rows * (h + pad) + pad, cols * (w + pad) + pad
    grid = torch.full((gh, gw, 3), 0x20, dtype=torch.uint8)
    u8 = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    if c == 1:
        u8 = u8.expand(n, 3, h, w)
    for k in range(n):
        y, x = pad + (k // cols) * (h + pad), pad + (k % cols) * (w + pad)
        grid[y:y + h, x:x + w] = u8[k].permute(1, 2, 0)
    raw = b"".join(b"\x00" + grid[y].numpy().tobytes() for y in range(gh))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", gw, gh, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser(description="PyTorch: process start to a PNG, DDIM NFE 10")
    ap.add_argument("--model", required=True, help="model file (.safetensors, config in its metadata)")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net, config = load_model(args.model)
    betas = torch.linspace(1e-4, 0.02, STEPS, dtype=torch.float64)
    alpha_bar = torch.cumprod(1 - betas, 0).tolist()
    r, c = config["resolution"], config.get("in_channels", 3)
    x = torch.randn(args.batch, c, r, r, generator=torch.Generator().manual_seed(0))
    t0 = time.perf_counter()
    with torch.no_grad():
        for k in range(NFE - 1, -1, -1):
            step = k * (STEPS // NFE)
            eps = net(x, torch.full((args.batch,), float(step)))
            a = alpha_bar[step]
            a_next = 1.0 if k == 0 else alpha_bar[step - STEPS // NFE]
            x0 = (x - math.sqrt(1 - a) * eps) / math.sqrt(a)
            x = math.sqrt(a_next) * x0 + math.sqrt(1 - a_next) * eps
    forwards_ms = (time.perf_counter() - t0) * 1e3
    write_png(x, args.out)
    print(f"pytorch_sample batch={args.batch} threads={args.threads} torch={torch.__version__} forwards_ms={forwards_ms:.0f} "
          f"process_ms={(time.perf_counter() - T_START) * 1e3:.0f} wrote {args.out}")


if __name__ == "__main__":
    main()
