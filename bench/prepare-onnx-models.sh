#!/usr/bin/env bash
# Builds what the ONNX Runtime comparisons need, for each config named (default: cifar10 digits):
#   target/benchmarks.jar             mvn -Pbench package (skipped with SKIP_BUILD=1)
#   bench/out/onnx/CONFIG.safetensors RandomModel, seed 1234: the weights UNetForwardBenchmark uses
#   bench/out/onnx/CONFIG.onnx        tools/export_onnx.py (torch 1.13, opset 17, dynamic batch)
# and checks with OnnxCheck that ONNX Runtime computes what our engine computes on those weights
# (batch 8, largest difference over largest |output| <= 1e-4), or exits 1.
# The model files are remade only when missing or older than their config or the exporter.
# Usage: bench/prepare-onnx-models.sh [CONFIG ...]     (run from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-/usr/bin/python3}"
JAVA=(java --add-modules jdk.incubator.vector)
DIR=bench/out/onnx
mkdir -p "$DIR"
[[ -n "${SKIP_BUILD:-}" ]] || mvn -q -B -Pbench -Dmaven.test.skip=true package 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g'   # Maven 3.8 writes colour resets even when quiet
"$PY" -c 'import torch' 2>/dev/null || { echo "prepare-onnx-models: $PY has no torch (apt-get install python3-torch)" >&2; exit 1; }
for cfg in "${@:-cifar10 digits}"; do
  for c in $cfg; do
    st="$DIR/$c.safetensors" onnx="$DIR/$c.onnx"
    if [[ ! -f "$st" || "bench/configs/$c.json" -nt "$st" ]]; then
      "${JAVA[@]}" -cp target/benchmarks.jar org.timetuner4j.bench.RandomModel "bench/configs/$c.json" "$st" 1234 2>&1 | grep -v '^WARNING: Using incubator'
    fi
    if [[ ! -f "$onnx" || "$st" -nt "$onnx" || tools/export_onnx.py -nt "$onnx" ]]; then
      "$PY" tools/export_onnx.py "$st" "$onnx"
    fi
    "${JAVA[@]}" -cp target/benchmarks.jar org.timetuner4j.bench.OnnxCheck "$c:8" "$onnx" 2>&1 | grep -v '^WARNING: Using incubator'
  done
done
