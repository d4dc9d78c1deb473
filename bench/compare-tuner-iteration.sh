#!/usr/bin/env bash
# One TimeTuner iteration (ddim, parallel mode, MNIST-sized UNet, batch 32: three UNet forwards,
# the backward through two of them to r), TimeTuner4J (JMH) vs PyTorch CPU autograd, same
# machine, same thread count.
# Usage: bench/compare-tuner-iteration.sh [THREADS]     (default: all processors)
#        MODEL=cifar10 BATCH=8 bench/compare-tuner-iteration.sh 2     (a config in bench/configs; defaults mnist, 32)
# Prints the ratio PyTorch time / our time (> 1 means we are faster).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-$(nproc)}"
MODEL="${MODEL:-mnist}"
BATCH="${BATCH:-32}"
PY="${PYTHON:-/usr/bin/python3}"
OUT=bench/out
mkdir -p "$OUT"
mvn -q -B -Pbench -Dmaven.test.skip=true package
java -jar target/benchmarks.jar TunerIterationBenchmark -p solver=ddim -p config="$MODEL" -p batch="$BATCH" -p threads="$THREADS" \
  -rf json -rff "$OUT/jmh-tuner-iteration.json" | tee "$OUT/jmh-tuner-iteration.txt"
"$PY" bench/pytorch_tuner_iteration.py --config "bench/configs/$MODEL.json" --batch "$BATCH" --threads "$THREADS" \
  | tee "$OUT/pytorch-tuner-iteration.txt"
"$PY" - "$OUT" "$THREADS" "$MODEL" "$BATCH" <<'PYEOF'
import json, re, sys
out, threads, model, batch = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
r = json.load(open(f"{out}/jmh-tuner-iteration.json"))[0]["primaryMetric"]
pt = float(re.search(r"pytorch_ms_per_iteration=([0-9.]+)", open(f"{out}/pytorch-tuner-iteration.txt").read()).group(1))
print(f"\nTimeTuner iteration (ddim, parallel, {model} UNet, batch {batch}), {threads} threads")
print(f"TimeTuner4J {r['score']:.0f} ± {r['scoreError']:.0f} ms   PyTorch {pt:.0f} ms   PyTorch/ours {pt / r['score']:.2f}")
PYEOF
