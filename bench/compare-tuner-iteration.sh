#!/usr/bin/env bash
# One TimeTuner iteration (ddim, parallel mode, MNIST-sized UNet, batch 32: three UNet forwards,
# the backward through two of them to r), TimeTuner4J (JMH) vs PyTorch CPU autograd, same
# machine, same thread count.
# Usage: bench/compare-tuner-iteration.sh [THREADS]     (default: all processors)
# Prints the ratio PyTorch time / our time (> 1 means we are faster).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-$(nproc)}"
PY="${PYTHON:-/usr/bin/python3}"
OUT=bench/out
mkdir -p "$OUT"
mvn -q -B -Pbench -Dmaven.test.skip=true package
java -jar target/benchmarks.jar TunerIterationBenchmark -p solver=ddim -p batch=32 -p threads="$THREADS" \
  -rf json -rff "$OUT/jmh-tuner-iteration.json" | tee "$OUT/jmh-tuner-iteration.txt"
"$PY" bench/pytorch_tuner_iteration.py --batch 32 --threads "$THREADS" | tee "$OUT/pytorch-tuner-iteration.txt"
"$PY" - "$OUT" "$THREADS" <<'PYEOF'
import json, re, sys
out, threads = sys.argv[1], sys.argv[2]
r = json.load(open(f"{out}/jmh-tuner-iteration.json"))[0]["primaryMetric"]
pt = float(re.search(r"pytorch_ms_per_iteration=([0-9.]+)", open(f"{out}/pytorch-tuner-iteration.txt").read()).group(1))
print(f"\nTimeTuner iteration (ddim, parallel, MNIST-sized UNet, batch 32), {threads} threads")
print(f"TimeTuner4J {r['score']:.0f} ± {r['scoreError']:.0f} ms   PyTorch {pt:.0f} ms   PyTorch/ours {pt / r['score']:.2f}")
PYEOF
