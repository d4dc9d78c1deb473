"""The settings both PyTorch benchmark scripts apply before timing anything."""

import torch


def prepare(ap, args):
    """Threads and device from --device/--threads: (torch.device, sync function), or None after
    printing one `skipped: <reason>` line when --device cuda finds no GPU. fp32 on CUDA (TF32
    off for matmuls and cuDNN: the Java engine computes in plain fp32); one inter-op thread."""
    if args.device == "cpu" and args.threads is None:
        ap.error("--threads is required with --device cpu")
    if args.device == "cuda":
        if not torch.cuda.is_available():
            print(f"skipped: PyTorch sees no CUDA device (torch {torch.__version__}, "
                  f"built for CUDA {torch.version.cuda})")
            return None
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    try:
        # Only allowed before any inter-op parallel work has started; harmless if refused.
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
    return torch.device(args.device), sync
