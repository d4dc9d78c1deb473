#!/usr/bin/env bash
# One DDPM training step (forward, backward to every weight, clipping, Adam, EMA) on the shipped
# digits UNet (no class embedding), batch 64: TimeTuner4J (JMH) vs PyTorch CPU, same machine, same
# thread count, interleaved: ROUNDS times (ours, then PyTorch), so a slow spell hits both.
# Usage: bench/compare-train-step.sh [THREADS] [ROUNDS]     (defaults: all processors, 3)
# Prints each round's times and the ratio PyTorch time / our time (> 1 means we are faster).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-$(nproc)}"
ROUNDS="${2:-3}"
BATCH="${BATCH:-64}"
PY="${PYTHON:-/usr/bin/python3}"
OUT=bench/out
mkdir -p "$OUT"
[[ -n "${SKIP_BUILD:-}" ]] || mvn -q -B -Pbench -Dmaven.test.skip=true package
for r in $(seq 1 "$ROUNDS"); do
  java -jar target/benchmarks.jar TrainStepBenchmark -p batch="$BATCH" -p threads="$THREADS" \
    -rf json -rff "$OUT/jmh-train-step-$r.json" > "$OUT/jmh-train-step-$r.txt"
  "$PY" bench/pytorch_train_step.py --batch "$BATCH" --threads "$THREADS" > "$OUT/pytorch-train-step-$r.txt"
done
"$PY" - "$OUT" "$THREADS" "$BATCH" "$ROUNDS" <<'PYEOF'
import json, re, sys
out, threads, batch, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
print(f"DDPM training step, digits UNet, batch {batch}, {threads} threads")
ratios = []
for r in range(1, rounds + 1):
    m = json.load(open(f"{out}/jmh-train-step-{r}.json"))[0]["primaryMetric"]
    pt = float(re.search(r"pytorch_ms_per_step=([0-9.]+)", open(f"{out}/pytorch-train-step-{r}.txt").read()).group(1))
    ratios.append(pt / m["score"])
    print(f"round {r}: TimeTuner4J {m['score']:.0f} ± {m['scoreError']:.0f} ms   PyTorch {pt:.0f} ms   PyTorch/ours {pt / m['score']:.2f}")
print(f"PyTorch/ours: {min(ratios):.2f}-{max(ratios):.2f}")
PYEOF
