"""Minimal safetensors writer and reader (F32 and F16), without the `safetensors` package.

File layout:
  * 8 bytes: little-endian u64 N, the header length in bytes;
  * N bytes: UTF-8 JSON object, padded with trailing spaces so that 8 + N is a multiple of 8;
    it maps tensor name -> {"dtype": "F32" | "F16", "shape": [...], "data_offsets": [begin, end]}
    and optionally "__metadata__" -> {str: str};
  * the data buffer: raw little-endian bytes (F32: IEEE single, 4 bytes; F16: IEEE half,
    2 bytes); offsets are relative to its start, and the tensors' ranges tile it exactly
    (no gaps, no overlaps), in header order.

F16 is written losslessly only: a value that does not survive float32 -> float16 -> float32
unchanged is an error (round the tensor to half precision yourself first).
"""

import json
import struct

import numpy as np

try:
    import torch
except ImportError:  # writing numpy arrays needs no torch; load_file does
    torch = None

_METADATA = "__metadata__"

# safetensors dtype code -> explicit little-endian numpy dtype
_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2")}


def _as_f32_array(value):
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu().to(torch.float32).contiguous().numpy()
    return np.ascontiguousarray(np.asarray(value, dtype="<f4"))  # explicit little-endian


def _encode(name, value, code):
    """The tensor as a C-contiguous little-endian array of dtype `code`."""
    if code not in _DTYPES:
        raise ValueError(f"{name}: unsupported dtype {code!r} (F32 or F16)")
    arr32 = _as_f32_array(value)
    if code == "F32":
        return arr32
    with np.errstate(over="ignore"):
        arr = arr32.astype(_DTYPES[code])
    if not np.array_equal(arr.astype("<f4"), arr32, equal_nan=True):
        raise ValueError(f"{name}: values are not exactly representable as {code}")
    return np.ascontiguousarray(arr)


def save_file(tensors, path, metadata=None, dtype="F32"):
    """Write `tensors` (name -> torch.Tensor / array) in the given order.

    `dtype` is the storage type, "F32" or "F16", for every tensor, or a dict name -> type
    (tensors not in it are F32). F16 must be exact (see the module docstring).
    """
    header = {}
    if metadata is not None:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("__metadata__ must map str -> str")
        header[_METADATA] = dict(metadata)
    blobs = []
    offset = 0
    for name, value in tensors.items():
        if name == _METADATA:
            raise ValueError("tensor name __metadata__ is reserved")
        code = dtype.get(name, "F32") if isinstance(dtype, dict) else dtype
        arr = _encode(name, value, code)
        raw = arr.tobytes(order="C")
        header[name] = {"dtype": code, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((-(8 + len(header_bytes))) % 8)  # align the data buffer to 8
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for raw in blobs:
            f.write(raw)


def load_file(path, keep_dtype=False):
    """Read a safetensors file of F32 / F16 tensors.

    Returns (tensors, metadata): an insertion-ordered dict name -> torch tensor (in data-offset
    order) and the __metadata__ dict (empty if absent). Tensors are torch.float32 (F16 widened,
    which is exact) unless keep_dtype, in which case F16 tensors come back as torch.float16.
    Validates the layout strictly: alignment, dtype, shape/size agreement, exact tiling of the
    data buffer.
    """
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("file too short")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError("header length exceeds file size")
    if (8 + n) % 8 != 0:
        raise ValueError("data buffer is not 8-byte aligned")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    buf = memoryview(data)[8 + n:]
    metadata = header.pop(_METADATA, {}) or {}
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    tensors = {}
    expected = 0
    for name, info in entries:
        code = info["dtype"]
        if code not in _DTYPES:
            raise ValueError(f"{name}: unsupported dtype {code}")
        np_dtype = _DTYPES[code]
        begin, end = info["data_offsets"]
        shape = [int(s) for s in info["shape"]]
        if begin != expected:
            raise ValueError(f"{name}: gap or overlap at offset {begin} (expected {expected})")
        if end - begin != np_dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{name}: byte range does not match shape {shape}")
        arr = np.frombuffer(buf[begin:end], dtype=np_dtype).reshape(shape)
        arr = arr.astype(np.float16 if keep_dtype and code == "F16" else np.float32)
        tensors[name] = torch.from_numpy(np.ascontiguousarray(arr))
        expected = end
    if expected != len(buf):
        raise ValueError(f"data buffer has {len(buf) - expected} trailing bytes")
    return tensors, metadata


def read_dtypes(path):
    """name -> dtype code, as declared in the file's header (in data-offset order)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
    header.pop(_METADATA, None)
    return {k: v["dtype"] for k, v in
            sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])}
