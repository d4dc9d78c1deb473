#!/usr/bin/env bash
# One UNet forward per NFE, TimeTuner4J (JMH) vs PyTorch CPU, same machine, same thread count.
# Usage: bench/compare-unet-forward.sh [THREADS]     (default: all processors)
# Prints a table with the ratio PyTorch time / our time (> 1 means we are faster).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-$(nproc)}"
PY="${PYTHON:-/usr/bin/python3}"
OUT=bench/out
mkdir -p "$OUT"
mvn -q -Pbench -Dmaven.test.skip=true package
CASES=("cifar10:8" "mnist:64")
java -jar target/benchmarks.jar UNetForwardBenchmark -p threads="$THREADS" \
  -p model="$(IFS=,; echo "${CASES[*]}")" -rf json -rff "$OUT/jmh-unet-forward.json" | tee "$OUT/jmh-unet-forward.txt"
: > "$OUT/pytorch-unet-forward.txt"
for c in "${CASES[@]}"; do
  cfg="${c%%:*}"; batch="${c##*:}"
  "$PY" bench/pytorch_unet_forward.py --config "bench/configs/$cfg.json" --batch "$batch" --threads "$THREADS" \
    | tee -a "$OUT/pytorch-unet-forward.txt" | sed "s/^pytorch_ms_per_forward=/$c pytorch_ms_per_forward=/"
done
"$PY" - "$OUT" "$THREADS" <<'PYEOF'
import json, re, sys, platform
out, threads = sys.argv[1], sys.argv[2]
jmh = {r["params"]["model"]: r["primaryMetric"] for r in json.load(open(f"{out}/jmh-unet-forward.json"))}
torch_ms, case = {}, None
for line in open(f"{out}/pytorch-unet-forward.txt"):
    m = re.match(r"pytorch_ms_per_forward=([0-9.]+)", line.strip())
    if m: torch_ms[len(torch_ms)] = float(m.group(1))
cases = list(jmh.keys())
print(f"\nUNet forward (1 NFE), {threads} threads, {platform.processor() or platform.machine()}")
print(f"{'model:batch':<14}{'TimeTuner4J ms':>16}{'PyTorch ms':>12}{'PyTorch/ours':>14}")
for i, c in enumerate(["cifar10:8", "mnist:64"]):
    ours = jmh[c]["score"]; err = jmh[c]["scoreError"]; pt = torch_ms[i]
    print(f"{c:<14}{ours:>11.1f} ±{err:>4.0f}{pt:>12.1f}{pt / ours:>14.2f}")
PYEOF
