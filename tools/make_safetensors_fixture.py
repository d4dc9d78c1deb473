#!/usr/bin/env python3
"""Writes src/test/resources/fixtures/safetensors-dtypes.safetensors, a tiny safetensors file with
F32, F16, BF16, F64, I64 tensors of known values, for SafetensorsTest.

It does not use the safetensors package: the file is packed by hand with struct, so the test checks
the Java reader against an independent writer. F16 values come from numpy's float32 -> float16
conversion (round to nearest, ties to even); BF16 values are rounded to nearest even from the
float32 bit patterns with integer arithmetic. The header is deliberately unpadded, and the tensors'
data are laid out in an order different from both the header order and name order.

Usage: python3 tools/make_safetensors_fixture.py [output path]
"""
import json
import struct
import sys

import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/safetensors-dtypes.safetensors"


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def from_bits(b):
    return struct.unpack("<f", struct.pack("<I", b))[0]


source = np.array([
    1.0, -2.5, 65504.0, 65519.99, 65520.0, 6.1e-5,
    2.0 ** -24, 2.0 ** -25, 1.5 * 2.0 ** -25, 0.1, 1.0 / 3.0, -0.0,
    1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11,                    # F16 ties: to 1.0 and to 1 + 2^-9
    from_bits(0x3F808000), from_bits(0x3F818000),              # BF16 ties: down and up to even
    from_bits(0x3F808001), 1e-8, -1e5, 3.14159265, 1e30, -7.0e-3, 123.456, -65536.0,
], dtype=np.float32).reshape(2, 3, 4)

with np.errstate(over="ignore"):                          # 65520 and 1e30 overflow to inf
    as_f16 = source.astype(np.float16)

bits = source.view(np.uint32).astype(np.uint64)
as_bf16 = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)

known_f16 = np.array([0x3C00, 0xC100, 0x7BFF, 0x03FF, 0x0001, 0x0000, 0x7C00, 0x2E66], dtype=np.uint16)

tensors = [  # (name, dtype, shape, little-endian bytes), in data order
    ("as_bf16", "BF16", [2, 3, 4], as_bf16.astype("<u2").tobytes()),
    ("known_f16", "F16", [8], known_f16.astype("<u2").tobytes()),
    ("empty_f32", "F32", [0, 4], b""),
    ("scalar_f64", "F64", [], struct.pack("<d", 3.14159265358979)),
    ("as_f16", "F16", [2, 3, 4], as_f16.astype("<f2").tobytes()),
    ("ints_i64", "I64", [3], np.array([-5, 0, 7], dtype="<i8").tobytes()),
    ("source_f32", "F32", [2, 3, 4], source.astype("<f4").tobytes()),
]

header = {"__metadata__": {"format": "pt", "source": "tools/make_safetensors_fixture.py"}}
entries = {}
offset = 0
for name, dtype, shape, data in tensors:
    entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
    offset += len(data)
for name in sorted(entries, reverse=True):                     # header order: reverse name order
    header[name] = entries[name]

header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
with open(OUT, "wb") as f:
    f.write(struct.pack("<Q", len(header_bytes)))
    f.write(header_bytes)
    for _, _, _, data in tensors:
        f.write(data)
print(f"wrote {OUT}: header {len(header_bytes)} bytes, data {offset} bytes")
