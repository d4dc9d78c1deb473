#!/usr/bin/python3
"""Tables for bench/compare-onnx.sh (mode `forward`) and bench/compare-whole-process.sh (mode
`process`): per case the median and range over the rounds of each engine, the ratios of the
medians to ours, and a results file skeleton (date, machine, versions, the table, notes to fill
in). Reads the run files the scripts leave in their bench/out folder; standard library only.

  onnx_summary.py forward OUT THREADS ROUNDS RESULTS.md CASE...     (CASE = config:batch)
  onnx_summary.py process OUT THREADS ROUNDS RESULTS.md BATCH...
"""

import datetime
import glob
import json
import os
import re
import statistics
import subprocess
import sys

ENGINES = ("ours", "onnx", "pytorch")
LABELS = {"ours": "TimeTuner4J", "onnx": "ONNX Runtime", "pytorch": "PyTorch"}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def jdk():
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return out[0].strip() if out else "unknown JDK"


def grep_first(pattern, files):
    for path in files:
        with open(path) as f:
            m = re.search(pattern, f.read())
        if m:
            return m.group(1)
    return "?"


def forward_times(out, rounds, cases):
    """{engine: {case: [ms per round]}} from the JMH JSON files and the PyTorch logs."""
    times = {e: {c: [] for c in cases} for e in ENGINES}
    for r in range(1, rounds + 1):
        for e in ("ours", "onnx"):
            for res in json.load(open(f"{out}/{e}-{r}.json")):
                c = res["params"]["model"]
                if c in times[e]:
                    times[e][c].append(res["primaryMetric"]["score"])
        for c in cases:
            cfg, batch = c.split(":")
            text = open(f"{out}/pytorch-{r}-{cfg}-{batch}.txt").read()
            times["pytorch"][c].append(float(re.search(r"pytorch_ms_per_forward=([0-9.]+)", text).group(1)))
    return times


def process_times(out, rounds, batches):
    """{engine: {batch: [ms per round]}} from the `ENGINE BATCH ROUND MS` lines of times.txt."""
    times = {e: {b: [] for b in batches} for e in ENGINES}
    for line in open(f"{out}/times.txt"):
        e, b, _r, ms = line.split()
        times[e][b].append(float(ms))
    return times


def fmt(xs):
    if not xs:
        return "–"
    return f"{statistics.median(xs):.0f} ({min(xs):.0f}–{max(xs):.0f})"


def ratio(times, e, c):
    ours, other = times["ours"][c], times[e][c]
    if not ours or not other:
        return "–"
    return f"{statistics.median(other) / statistics.median(ours):.2f}"


def table(times, cases, first):
    rows = [f"| {first} | {LABELS['ours']} ms | {LABELS['onnx']} ms | {LABELS['pytorch']} ms | onnx / ours | pytorch / ours |",
            "|---|---|---|---|---|---|"]
    for c in cases:
        rows.append(f"| {c} | {fmt(times['ours'][c])} | {fmt(times['onnx'][c])} | {fmt(times['pytorch'][c])} "
                    f"| {ratio(times, 'onnx', c)} | {ratio(times, 'pytorch', c)} |")
    return rows


def per_image(times, batches):
    """Cost per image from the largest batch minus the smallest, and the fixed rest, per engine."""
    lo, hi = min(batches, key=int), max(batches, key=int)
    if lo == hi:
        return []
    rows = [f"| engine | per image ms (batch {hi} − batch {lo}) / {int(hi) - int(lo)} | fixed ms (batch {lo} − {lo} images) |",
            "|---|---|---|"]
    for e in ENGINES:
        if times[e][lo] and times[e][hi]:
            t_lo, t_hi = statistics.median(times[e][lo]), statistics.median(times[e][hi])
            img = (t_hi - t_lo) / (int(hi) - int(lo))
            rows.append(f"| {LABELS[e]} | {img:.0f} | {t_lo - int(lo) * img:.0f} |")
    return rows


def main():
    mode, out, threads, rounds, results = sys.argv[1:6]
    cases = sys.argv[6:]
    rounds = int(rounds)
    if mode == "forward":
        times = forward_times(out, rounds, cases)
        title = "UNet forward (1 NFE), same random weights (RandomModel seed 1234) and inputs"
        lines = table(times, cases, "config:batch")
        ort_logs = sorted(glob.glob(f"{out}/onnx-*.txt"))
        torch_logs = sorted(glob.glob(f"{out}/pytorch-*.txt"))
    else:
        times = process_times(out, rounds, cases)
        model = {"cifar10": "CIFAR-10", "digits": "digits (MNIST-sized)"}[os.environ.get("MODEL_NAME", "cifar10")]
        title = f"Whole process, start to PNG: {model} random UNet, DDIM NFE 10"
        lines = table(times, cases, "batch") + [""] + per_image(times, cases)
        ort_logs = sorted(glob.glob(f"{out}/onnx-*.log"))
        torch_logs = sorted(glob.glob(f"{out}/pytorch-*.log"))
    ort = grep_first(r"onnxruntime ([0-9.]+)", ort_logs)
    torch_version = grep_first(r"torch=(\S+)", torch_logs)
    machine = f"{cpu_model()}, {os.cpu_count()} logical CPUs; {threads} threads per engine; {jdk()}"
    head = f"{title}; {threads} threads, {rounds} round(s), median (range) ms"
    print()
    print(head)
    print("\n".join(lines))

    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    os.makedirs(os.path.dirname(os.path.abspath(results)), exist_ok=True)
    base, n = results, 2
    while os.path.exists(results):
        results = f"{os.path.splitext(base)[0]}-{n}.md"
        n += 1
    script = "bench/compare-onnx.sh" if mode == "forward" else "bench/compare-whole-process.sh"
    with open(results, "w") as f:
        f.write(f"# {title}\n\n")
        f.write(f"Date: {today}. Machine: {machine}. ONNX Runtime {ort} (Java), PyTorch {torch_version}.\n")
        command = os.environ.get("COMMAND", f"{script} {threads} {rounds}")  # the calling script's, with its settings
        f.write(f"Command: `{command}`, engines interleaved round by round.\n\n")
        f.write("\n".join(lines) + "\n\n")
        f.write("## Notes\n\n- Machine state (anything else running?): TODO\n- Reading: TODO\n")
    print(f"\nwrote {results} (a skeleton: fill in the notes)")


if __name__ == "__main__":
    main()
