#!/usr/bin/env bash
# Whole process, start to PNG, on a UNet with random weights (RandomModel, seed 1234): MODEL=cifar10
# (the default) or MODEL=digits (the shipped model's size), DDIM with 10 network calls, batch 8 and
# 40, each engine as a fresh process:
#   ours         ./timetuner sample --model bench/out/onnx/MODEL.safetensors --nfe 10 (CPU)
#   ONNX Runtime org.timetuner4j.bench.OnnxSample (bench/java: ten ORT forwards + the DDIM update
#                + a PNG; launched from target/benchmarks.jar) on tools/export_onnx.py's export
#   PyTorch      bench/pytorch_sample.py (the same loop in eager PyTorch)
# interleaved: ROUNDS times (ours, ONNX Runtime, PyTorch) per batch. Wall time is measured here,
# from before the launch to the process's exit (the PNG written). The cost per image is
# (time at batch 40 − time at batch 8) / 32; the rest is the fixed cost (start-up, loading,
# graph set-up).
#
# Usage: bench/compare-whole-process.sh [THREADS] [ROUNDS]      (defaults: all processors, 3)
# Prints the table and writes a results file skeleton to bench/results/DATE-cpu-whole-process.md
# (DATE-cpu-whole-process-digits.md for MODEL=digits; -2, -3… when the file exists; RESULTS=path
# to put it elsewhere) whose Command line repeats the settings that differ from the defaults.
# BATCHES="8 40"; MODEL=cifar10; SKIP_BUILD=1 skips the benchmarks.jar build.
# Smoke test: BATCHES="2 4" RESULTS=/tmp/smoke.md bench/compare-whole-process.sh 2 1
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/arguments.sh
THREADS="$(positive_integer THREADS "${1:-$(nproc)}")"
ROUNDS="$(positive_integer ROUNDS "${2:-3}")"
DEFAULT_BATCHES="8 40"
read -r -a BATCHES <<< "${BATCHES-$DEFAULT_BATCHES}"
(( ${#BATCHES[@]} > 0 )) || fail "BATCHES must name at least one batch size"
for b in "${BATCHES[@]}"; do positive_integer "a batch in BATCHES" "$b" > /dev/null; done
PY="${PYTHON:-/usr/bin/python3}"
OUT=bench/out/whole-process
NAME="${MODEL-cifar10}"
case "$NAME" in cifar10|digits) ;; *) fail "MODEL must be cifar10 or digits, got '$NAME'" ;; esac
RESULTS="${RESULTS:-bench/results/$(date -u +%F)-cpu-whole-process$([[ $NAME == cifar10 ]] || echo "-$NAME").md}"
MODEL="bench/out/onnx/$NAME"
rm -rf "$OUT"; mkdir -p "$OUT"

bench/prepare-onnx-models.sh "$NAME"
# ./timetuner builds target/timetuner.jar when it is missing or older than the sources (the
# bench profile's build above does not make it): let it do that now, not inside a timing.
./timetuner --help > /dev/null

# timed ENGINE BATCH ROUND COMMAND...: appends "ENGINE BATCH ROUND MS" to times.txt
timed() {
  local engine=$1 batch=$2 round=$3; shift 3
  local start end
  start=$(date +%s%N)
  "$@" > "$OUT/$engine-$batch-$round.log" 2>&1 ||
    { echo "$engine failed at batch $batch: $(tail -n 1 "$OUT/$engine-$batch-$round.log") (all of it: $OUT/$engine-$batch-$round.log)" >&2; exit 1; }
  end=$(date +%s%N)
  echo "$engine $batch $round $(( (end - start) / 1000000 ))" | tee -a "$OUT/times.txt"
}

for r in $(seq 1 "$ROUNDS"); do
  for b in "${BATCHES[@]}"; do
    timed ours "$b" "$r" ./timetuner sample --model "$MODEL.safetensors" --solver ddim --nfe 10 --count "$b" --batch "$b" \
      --threads "$THREADS" --device cpu --out "$OUT/ours-$b-$r.png"
    timed onnx "$b" "$r" java -cp target/benchmarks.jar org.timetuner4j.bench.OnnxSample "$NAME" "$MODEL.onnx" "$b" "$THREADS" \
      "$OUT/onnx-$b-$r.png"
    timed pytorch "$b" "$r" "$PY" bench/pytorch_sample.py --model "$MODEL.safetensors" --batch "$b" --threads "$THREADS" \
      --out "$OUT/pytorch-$b-$r.png"
  done
done
for f in "$OUT"/*-1.png; do [[ -s "$f" ]] || { echo "missing PNG $f" >&2; exit 1; }; done
repro="$(changed_setting MODEL "$NAME" cifar10)$(changed_setting BATCHES "${BATCHES[*]}" "$DEFAULT_BATCHES")"
MODEL_NAME="$NAME" COMMAND="${repro}bench/compare-whole-process.sh $THREADS $ROUNDS" "$PY" bench/onnx_summary.py process "$OUT" "$THREADS" "$ROUNDS" "$RESULTS" "${BATCHES[@]}"
