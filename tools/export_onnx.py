#!/usr/bin/python3
"""Exports a TimeTuner4J model file (safetensors, ddim tensor names, config in its metadata) to
ONNX, for the ONNX Runtime side of bench/compare-onnx.sh and bench/compare-whole-process.sh.

The weights are loaded into the PyTorch reference UNet (tools/ddpm_unet.py) and traced, so the
ONNX graph computes the function our engine computes on the same file. The benchmarks use the
random UNet that `RandomModel` writes (seed 1234, the weights UNetForwardBenchmark initialises):

  java -cp target/benchmarks.jar org.timetuner4j.bench.RandomModel bench/configs/cifar10.json \
      bench/out/onnx/cifar10.safetensors
  /usr/bin/python3 tools/export_onnx.py bench/out/onnx/cifar10.safetensors bench/out/onnx/cifar10.onnx

Graph: inputs `x` float32 [B, C, H, W] and `t` float32 [B] (the DDPM timestep, 0..999), output
`eps` [B, out_ch, H, W]; the batch axis is dynamic. Opset 17 (the newest torch 1.13 writes).
Needs only torch (Debian's python3-torch 1.13 is enough; no onnx package, no network).
"""

import argparse
import json
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ddpm_unet import CONFIG_KEYS, DDPMUNet  # noqa: E402
from safetensors_io import load_file  # noqa: E402


def load_model(path, config_path=None):
    """DDPMUNet in eval mode with the file's weights; the config from --config or the metadata."""
    tensors, metadata = load_file(path)
    if config_path is not None:
        with open(config_path) as f:
            config = json.load(f)
    elif "config" in metadata:
        config = json.loads(metadata["config"])
    else:
        sys.exit(f"export_onnx: {path} has no config in its metadata; pass --config")
    config = {k: config[k] for k in CONFIG_KEYS if k in config}
    net = DDPMUNet(config).eval()
    wanted = net.state_dict()
    missing = [k for k in wanted if k not in tensors]
    if missing:
        sys.exit(f"export_onnx: {path} lacks {len(missing)} UNet tensors, e.g. {missing[0]}")
    extra = [k for k in tensors if k not in wanted]
    if extra:
        print(f"export_onnx: ignoring {len(extra)} tensors that are not UNet weights, e.g. {extra[0]}")
    net.load_state_dict({k: tensors[k] for k in wanted}, strict=True)
    return net, config


def main():
    ap = argparse.ArgumentParser(description="Export a model file's UNet to ONNX (dynamic batch)")
    ap.add_argument("model", help="model file (.safetensors) with ddim tensor names")
    ap.add_argument("out", help="ONNX file to write")
    ap.add_argument("--config", help="JSON config (default: the model file's metadata)")
    ap.add_argument("--opset", type=int, default=17)
    args = ap.parse_args()

    net, config = load_model(args.model, args.config)
    r, c = config["resolution"], config.get("in_channels", 3)
    x = torch.randn(2, c, r, r)
    t = torch.tensor([10.0, 500.0])
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    # Harmless here (OnnxCheck compares the result with our engine): torch 1.13's exporter warns
    # about a Slice it does not fold and a Constant's shape, and the tracer about the reference
    # UNet's shape asserts and int(channels), which become constants (the batch axis stays dynamic).
    warnings.filterwarnings("ignore", category=UserWarning, module="torch.onnx")
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
    with torch.no_grad():
        torch.onnx.export(net, (x, t), args.out, input_names=["x", "t"], output_names=["eps"],
                          dynamic_axes={"x": {0: "batch"}, "t": {0: "batch"}, "eps": {0: "batch"}},
                          opset_version=args.opset, do_constant_folding=True)
    n_params = sum(p.numel() for p in net.parameters())
    print(f"wrote {args.out} (opset {args.opset}, {n_params} parameters, torch {torch.__version__})")


if __name__ == "__main__":
    main()
