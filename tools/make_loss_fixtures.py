#!/usr/bin/python3
"""Writes src/test/resources/fixtures/loss/cross-entropy.safetensors: PyTorch's softmax
cross-entropy (torch.nn.functional.cross_entropy, reduction "mean") and its gradient w.r.t. the
logits, for CrossEntropyOpTest.

The logits are float32 [6,10]: rows of standard normal values at scales 0.1, 1, 5 and 30, one
row shifted by +800 and one by -800 (exp(800) overflows even float64 and exp(-800) underflows
to 0, so a log-sum-exp without the max subtraction gives inf or -inf there). PyTorch evaluates the float32 logits widened to float64, so the reference is
exact to float64 rounding; loss and gradient are then stored as F32. Labels are stored as F32
integers (the safetensors writer here knows F32 and F16 only).

Usage: /usr/bin/python3 tools/make_loss_fixtures.py [output path]
"""
import sys

import torch

sys.path.insert(0, __import__("os").path.dirname(__file__))
from safetensors_io import save_file  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/loss/cross-entropy.safetensors"

g = torch.Generator().manual_seed(2024)
scales = torch.tensor([0.1, 1.0, 5.0, 30.0, 1.0, 1.0]).reshape(6, 1)
shifts = torch.tensor([0.0, 0.0, 0.0, 0.0, 800.0, -800.0]).reshape(6, 1)
logits = (torch.randn(6, 10, generator=g) * scales + shifts).to(torch.float32)
labels = torch.tensor([3, 0, 9, 4, 7, 1])

z = logits.to(torch.float64).requires_grad_(True)
loss = torch.nn.functional.cross_entropy(z, labels, reduction="mean")
loss.backward()

save_file({"logits": logits, "labels": labels.to(torch.float32), "loss": loss.detach().reshape(1),
           "grad": z.grad}, OUT, metadata={"torch": torch.__version__, "reduction": "mean"})
print(f"wrote {OUT}: loss {loss.item():.9f}")
