#!/usr/bin/python3
"""Writes src/test/resources/fixtures/frechet/frechet.safetensors: the Fréchet distance of
random feature sets by the standard FID formula (as pytorch-fid computes it), for
FrechetDistanceTest.

Each case NAME stores NAME_a [n_a, d] and NAME_b [n_b, d] as F32; the distance, computed in
float64 from those float32 values, sits in the metadata as NAME = repr(float):
  mu = mean over rows, S = np.cov(rows, rowvar=False) (unbiased, divides by n - 1),
  d^2 = |mu_a - mu_b|^2 + Tr(S_a) + Tr(S_b) - 2 Tr(scipy.linalg.sqrtm(S_a @ S_b)).
The sets are correlated Gaussians (a random mixing matrix per set, so the covariances do not
commute) with different means; one case also scales set b to make the covariances far apart.

Usage: /usr/bin/python3 tools/make_frechet_fixtures.py [output path]
"""
import os
import sys

import numpy as np
import scipy.linalg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save_file  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/frechet/frechet.safetensors"


def frechet(a, b):
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = scipy.linalg.sqrtm(s_a @ s_b, disp=False)
    covmean = covmean.real
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(covmean))


def feature_set(rng, n, d, shift, scale):
    mix = rng.standard_normal((d, d)) / np.sqrt(d)
    return (rng.standard_normal((n, d)) @ mix * scale + shift).astype(np.float32)


rng = np.random.default_rng(14)
tensors, metadata = {}, {}
for name, d, n_a, n_b, scale_b in [("small", 6, 40, 30, 1.0), ("wide", 32, 120, 90, 3.0)]:
    a = feature_set(rng, n_a, d, 0.0, 1.0)
    b = feature_set(rng, n_b, d, rng.standard_normal(d) * 0.5, scale_b)
    tensors[name + "_a"] = a
    tensors[name + "_b"] = b
    metadata[name] = repr(frechet(a, b))
    print(name, metadata[name])
save_file(tensors, OUT, metadata=metadata)
