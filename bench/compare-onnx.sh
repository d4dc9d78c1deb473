#!/usr/bin/env bash
# One UNet forward (1 NFE) on three engines, same weights, same inputs, same thread count:
#   ours         UNetForwardBenchmark (JMH)
#   ONNX Runtime OnnxForwardBenchmark (JMH; ORT 1.20 Java, intra-op threads = THREADS, inter-op 1,
#                sequential execution, all graph optimizations) on tools/export_onnx.py's export
#   PyTorch      bench/pytorch_unet_forward.py --weights (eager, torch.set_num_threads(THREADS))
# for the CIFAR-10 UNet (bench/configs/cifar10.json) and the MNIST-sized one (digits.json) at batch
# 8 and 40, interleaved: ROUNDS times (ours, ONNX Runtime, PyTorch), so a slow spell hits all three.
# Weights: RandomModel's seed 1234, which is what UNetForwardBenchmark initialises; OnnxCheck
# proves the ONNX model computes our function first (bench/prepare-onnx-models.sh).
#
# Usage: bench/compare-onnx.sh [THREADS] [ROUNDS]      (defaults: all processors, 3)
# Prints each round, then per case the median and range of each engine and the ratios
# onnx/ours and pytorch/ours of the medians (> 1: ours is faster), and writes a results file
# skeleton (date, CPU, threads, JDK, versions, the table; notes to fill in) to
# bench/results/DATE-cpu-onnx-forward.md (RESULTS=path to put it elsewhere).
# Environment: CASES="cifar10:8 cifar10:40 digits:8 digits:40", JMH_OPTS (per run; default
# "-f 1 -wi 3 -w 5s -i 5 -r 5s"), PT_OPTS (default "--warmup 3 --iters 10"), SKIP_BUILD=1.
# The results file's Command line repeats the settings that differ from the defaults.
# Smoke test: JMH_OPTS="-f 1 -wi 1 -w 1s -i 1 -r 1s" PT_OPTS="--warmup 1 --iters 1" RESULTS=/tmp/smoke.md bench/compare-onnx.sh 2 1
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/arguments.sh
THREADS="$(positive_integer THREADS "${1:-$(nproc)}")"
ROUNDS="$(positive_integer ROUNDS "${2:-3}")"
DEFAULT_CASES="cifar10:8 cifar10:40 digits:8 digits:40"
read -r -a CASES <<< "${CASES-$DEFAULT_CASES}"
(( ${#CASES[@]} > 0 )) || fail "CASES must name at least one CONFIG:BATCH"
for c in "${CASES[@]}"; do
  [[ $c =~ ^(cifar10|digits):[1-9][0-9]*$ ]] || fail "each case in CASES must be cifar10:BATCH or digits:BATCH, got '$c'"
done
DEFAULT_JMH="-f 1 -wi 3 -w 5s -i 5 -r 5s" DEFAULT_PT="--warmup 3 --iters 10"
read -r -a JMH <<< "${JMH_OPTS:-$DEFAULT_JMH}"
read -r -a PT <<< "${PT_OPTS:-$DEFAULT_PT}"
PY="${PYTHON:-/usr/bin/python3}"
OUT=bench/out/onnx-compare
RESULTS="${RESULTS:-bench/results/$(date -u +%F)-cpu-onnx-forward.md}"
rm -rf "$OUT"; mkdir -p "$OUT"

configs=$(printf '%s\n' "${CASES[@]%%:*}" | sort -u | tr '\n' ' ')
bench/prepare-onnx-models.sh $configs
joined=$(IFS=,; echo "${CASES[*]}")
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r/$ROUNDS: ours"
  java -jar target/benchmarks.jar UNetForwardBenchmark -p model="$joined" -p threads="$THREADS" "${JMH[@]}" \
    -rf json -rff "$OUT/ours-$r.json" > "$OUT/ours-$r.txt"
  echo "== round $r/$ROUNDS: onnx runtime"
  java -jar target/benchmarks.jar OnnxForwardBenchmark -p model="$joined" -p threads="$THREADS" "${JMH[@]}" \
    -rf json -rff "$OUT/onnx-$r.json" > "$OUT/onnx-$r.txt"
  echo "== round $r/$ROUNDS: pytorch"
  for c in "${CASES[@]}"; do
    cfg="${c%%:*}"; batch="${c##*:}"
    "$PY" bench/pytorch_unet_forward.py --config "bench/configs/$cfg.json" --weights "bench/out/onnx/$cfg.safetensors" \
      --batch "$batch" --threads "$THREADS" "${PT[@]}" > "$OUT/pytorch-$r-$cfg-$batch.txt"
  done
done
repro="$(changed_setting CASES "${CASES[*]}" "$DEFAULT_CASES")$(changed_setting JMH_OPTS "${JMH[*]}" "$DEFAULT_JMH")"
repro+="$(changed_setting PT_OPTS "${PT[*]}" "$DEFAULT_PT")"
COMMAND="${repro}bench/compare-onnx.sh $THREADS $ROUNDS" "$PY" bench/onnx_summary.py forward "$OUT" "$THREADS" "$ROUNDS" "$RESULTS" "${CASES[@]}"
