"""The settings both PyTorch benchmark scripts apply before timing anything."""

import torch


def add_device_arguments(ap):
    """--device, --tf32 and --threads, the options prepare() reads."""
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--tf32", action="store_true", help="on CUDA, let matmuls and cuDNN use TF32 (default: off)")
    ap.add_argument("--threads", type=int,
                    help="intra-op CPU threads (required on the CPU; on CUDA the default is PyTorch's)")


def prepare(ap, args):
    """Threads and device from --device/--threads: (torch.device, sync function), or None after
    printing one `skipped: <reason>` line when --device cuda finds no GPU. fp32 on CUDA (TF32
    off for matmuls and cuDNN, as the Java engine by default; --tf32 allows it in both, as
    TIMETUNER_TF32=on does for ours); one inter-op thread."""
    if args.device == "cpu" and args.threads is None:
        ap.error("--threads is required with --device cpu")
    if args.device == "cuda":
        if not torch.cuda.is_available():
            print(f"skipped: PyTorch sees no CUDA device (torch {torch.__version__}, "
                  f"built for CUDA {torch.version.cuda})")
            return None
        # --tf32: compare with TIMETUNER_TF32=on
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    try:
        # Only allowed before any inter-op parallel work has started; harmless if refused.
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
    return torch.device(args.device), sync
