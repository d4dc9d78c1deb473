"""Helpers of bench/gpu/session (standard library only; any python3 >= 3.8).

  session.py cudalibs                   folders with the CUDA 13 libraries PyTorch ships (run with
                                        the python that imports torch); last line DIRS=a:b:c
  session.py tests TREE.txt LIST.txt    JUnit console tree output -> one line per test, counts
  session.py merge DIR PREFIX OUT.json  JMH JSON files DIR/PREFIX*.json -> one JSON list
  session.py diff A.safetensors B.safetensors   largest difference of the tensors 'samples'
  session.py summary OUT_DIR WORK_DIR   the draft OUT_DIR/summary.md
"""

import array
import collections
import datetime
import glob
import json
import os
import re
import struct
import sys

WANT = ("libcublas.so.13", "libcublasLt.so.13", "libcudnn.so.9", "libcudart.so.13")
MARKS = {"✔": "PASS", "✘": "FAIL", "■": "SKIP", "↷": "SKIP"}


def cudalibs():
    roots = []
    try:
        import torch
        roots.append(os.path.join(os.path.dirname(torch.__file__), "lib"))
    except Exception as e:  # noqa: BLE001 - report whatever stops the import
        print(f"# torch: {e}")
    try:
        import nvidia
        roots += list(nvidia.__path__)
    except Exception as e:  # noqa: BLE001
        print(f"# nvidia namespace package: {e}")
    dirs, found = [], {}
    for root in roots:
        for d, _, files in os.walk(root):
            if d[len(root):].count(os.sep) > 3:
                continue
            hit = [f for f in WANT if f in files]
            for f in hit:
                found.setdefault(f, d)
            if hit and d not in dirs:
                dirs.append(d)
    for f in WANT:
        print(f"# {f}: {found.get(f, 'not found')}")
    print("DIRS=" + ":".join(dirs))


def parse_tree(path):
    """(leaves, counts): leaves are (status, 'Class > method > case', message)."""
    try:
        lines = [re.sub(r"\x1b\[[0-9;]*m", "", raw.rstrip("\n")) for raw in open(path, errors="replace")]
    except OSError:
        return [], {}
    entries = []
    for line in lines:
        m = re.match(r"^([│ ]*)[├└]─ (.*?) ([✔✘■↷])(?: (.*))?$", line)
        if m:
            entries.append((len(m.group(1)) // 3, m.group(2), MARKS[m.group(3)], (m.group(4) or "").strip()))
    leaves, stack = [], []
    for i, (depth, name, status, msg) in enumerate(entries):
        del stack[depth:]
        stack.append(name)
        is_leaf = i + 1 == len(entries) or entries[i + 1][0] <= depth
        if depth >= 1 and is_leaf:
            leaves.append((status, " > ".join(stack[1:]), msg))
    counts = {}
    for line in lines:
        m = re.match(r"^\[\s*(\d+) tests (successful|failed|aborted|skipped)\s*\]", line)
        if m:
            counts[m.group(2)] = int(m.group(1))
    return leaves, counts


def tests_headline(leaves, counts):
    if counts:
        return (f"gpu-tagged tests: {counts.get('successful', 0)} passed, {counts.get('failed', 0)} failed, "
                f"{counts.get('aborted', 0) + counts.get('skipped', 0)} skipped (aborted by an assumption or disabled)")
    if leaves:
        c = collections.Counter(s for s, _, _ in leaves)
        return f"gpu-tagged tests: {c['PASS']} passed, {c['FAIL']} failed, {c['SKIP']} skipped (from the tree; no totals printed)"
    return "gpu-tagged tests: no result (the run did not finish, or printed no tree)"


def tests(tree, out):
    leaves, counts = parse_tree(tree)
    head = tests_headline(leaves, counts)
    with open(out, "w") as f:
        f.write(head + "\n")
        for status, name, msg in leaves:
            f.write(f"{status} {name}{': ' + msg if msg and status != 'PASS' else ''}\n")
    print(head)
    for line in problems(leaves):
        print("  " + line)


def problems(leaves, limit=40):
    """FAIL lines one by one, SKIP lines grouped by reason."""
    out = [f"FAIL {n}: {m}" for s, n, m in leaves if s == "FAIL"][:limit]
    skips = collections.Counter(m for s, _, m in leaves if s == "SKIP")
    out += [f"SKIP x{k}: {m}" for m, k in skips.most_common()]
    return out


def merge(d, prefix, out):
    rows = []
    for f in sorted(glob.glob(os.path.join(d, prefix + "*.json"))):
        try:
            rows += json.load(open(f))
        except ValueError:
            pass
    with open(out, "w") as f:
        json.dump(rows, f, indent=1)
    print(f"{len(rows)} result(s) so far in {out}")


def read_samples(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])["samples"]
    assert h["dtype"] == "F32", h["dtype"]
    s, e = h["data_offsets"]
    a = array.array("f")
    a.frombytes(b[8 + n + s:8 + n + e])
    if sys.byteorder != "little":
        a.byteswap()
    return a


def diff(a_path, b_path):
    a, b = read_samples(a_path), read_samples(b_path)
    d = max(abs(x - y) for x, y in zip(a, b))
    r = max(abs(x - y) / max(abs(y), 1e-3) for x, y in zip(a, b))
    print(f"samples cuda vs cpu: {len(b)} values, max abs diff {d:.3g}, max rel diff {r:.3g} "
          f"(largest |value| {max(abs(v) for v in b):.3g})")


def num(x):
    """JMH writes NaN (too few iterations for an error) as the string "NaN"."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def pm(metric):
    """'12.34 ± 0.56' from a JMH primaryMetric."""
    return f"{num(metric.get('score')):.2f} ± {num(metric.get('scoreError')):.2f}"


def text(path, default=""):
    try:
        return open(path, errors="replace").read()
    except OSError:
        return default


def skipped_line(log, step):
    """The session log's `skipped: <step> …` line, or ""."""
    return next((ln for ln in log.splitlines() if ln.startswith(f"skipped: {step}")), "")


def load_json(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return []


def tolerances(tree_text):
    """The 'max|diff| … rel …' lines the CUDA tests print (testing/Check)."""
    rows = []
    for line in tree_text.splitlines():
        m = re.match(r"^(.*?)\s+max\|diff\| (\S+)\s+max\|ref\| (\S+)\s+rel (\S+)\s*$", line)
        if m:
            try:
                rows.append((float(m.group(4)), float(m.group(2)), m.group(1).strip()))
            except ValueError:
                pass
    return rows


def summary(out, work):
    lines = []
    for section in (sec_header, sec_loaded, sec_tests, sec_forward, sec_tuner, sec_sample, sec_steps):
        part = []
        try:
            section(out, work, part.append)
        except Exception as e:  # noqa: BLE001 - one broken section must not cost the others
            part.append(f"({section.__name__} failed: {type(e).__name__}: {e})")
            part.append("")
        lines += part
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def sec_header(out, work, add):
    env = os.environ
    smi = text(os.path.join(work, "smi.csv")).strip().splitlines()
    device = smi[1].strip() if len(smi) > 1 and "," in smi[1] else \
        "no GPU (" + (smi[0][:120] if smi else "nvidia-smi not run") + ")"
    kind = "h200" if "H200" in device else "h100" if "H100" in device else "gpu"
    date = datetime.date.today().isoformat()
    add(f"# {date}: {device}")
    if env.get("DEV", "cuda") != "cuda":
        add("")
        add(f"**SELF-TEST: SESSION_DEVICE={env.get('DEV')}; the CUDA sections below ran on the CPU.**")
    add("")
    add(f"Draft written by `bench/gpu/session`; read it, fill in the remarks, and commit it as "
        f"`bench/results/{date}-{kind}.md`.")
    add("")
    packed = text(".device/PACKED").strip()
    if packed:
        add("```")
        add(packed)
        add("```")
        add("")



def sec_loaded(out, work, add):
    env = os.environ
    info = text(os.path.join(work, "info.txt"))
    add("## What loaded (`timetuner info`)")
    add("")
    keep = [ln for ln in info.splitlines()
            if ln.startswith(("java ", "backend cuda", "  device", "  kernels", "  cuBLAS", "  cuDNN"))]
    add("```")
    for ln in keep or ["(info did not run)"]:
        add(ln)
    add("```")
    add("")
    add(f"TIMETUNER_CUDA_LIBS=`{env.get('TIMETUNER_CUDA_LIBS', '')}`")
    add("")



def sec_tests(out, work, add):
    tree = text(os.path.join(out, "gpu-tests.txt"))
    leaves, counts = parse_tree(os.path.join(out, "gpu-tests.txt"))
    add("## GPU tests (`go.sh test --include-tag gpu`)")
    add("")
    add(tests_headline(leaves, counts) if tree else "not run")
    probs = problems(leaves)
    if probs:
        add("")
        for p in probs:
            add("- " + p)
    tol = sorted(tolerances(tree), reverse=True)
    if tol:
        add("")
        add(f"Agreement with the CPU backend ({len(tol)} comparisons printed by the tests); largest relative errors:")
        add("")
        add("| compared | max abs diff | rel |")
        add("|---|---|---|")
        for rel, absd, what in tol[:8]:
            add(f"| {what} | {absd:.2e} | {rel:.2e} |")
    alloc = [ln for ln in tree.splitlines() if ln.startswith("allocator after")]
    if alloc:
        add("")
        add(f"- {alloc[0]}")
    add("")
    add("One line per test: gpu-tests-list.txt; the whole output: gpu-tests.txt.")
    add("")



def sec_forward(out, work, add):
    env = os.environ
    log = text(os.path.join(out, "session.log"))
    fwd = {r["params"]["model"]: r["primaryMetric"] for r in load_json(os.path.join(out, "jmh-unet-forward.json"))}
    pt, pt_range, pt_skip = {}, {}, ""
    for ln in text(os.path.join(out, "pytorch-unet-forward.txt")).splitlines():
        m = re.match(r"(\S+) pytorch_ms_per_forward=([0-9.]+)", ln)
        if m:
            pt[m.group(1)] = float(m.group(2))
        m = re.match(r"(\S+) config=.* min_ms=([0-9.]+) max_ms=([0-9.]+)", ln)
        if m:
            pt_range[m.group(1)] = (float(m.group(2)), float(m.group(3)))
        m = re.search(r"(skipped: .*)", ln)
        if m and not pt_skip:
            pt_skip = m.group(1)
    ours_skip = skipped_line(log, "ours on CUDA")
    add("## UNet forward (1 NFE), fp32: ours (CUDA backend) vs PyTorch eager CUDA")
    add("")
    add(f"Ours: `UNetForwardBenchmark -p device=cuda` (JMH `{env.get('JMH_FORWARD', '')}`, mean ± 99.9 % CI; "
        "each forward ends with a stream synchronize). PyTorch: `bench/pytorch_unet_forward.py --device cuda` "
        f"(torch {torch_version(text(os.path.join(out, 'pytorch-unet-forward.txt')))}, TF32 off, cudnn.benchmark off, "
        "10 warm-up, median of 30, each forward synchronized). Random weights; same configs and batches.")
    add("")
    add("| model : batch | ours ms | PyTorch ms (min–max) | PyTorch / ours |")
    add("|---|---|---|---|")
    for c in env.get("CASES", "").split():
        o = fwd.get(c)
        ours = pm(o) if o else ("skipped" if ours_skip else "no result")
        p = pt.get(c)
        if p is not None:
            rng = pt_range.get(c)
            pts = f"{p:.2f} ({rng[0]:.2f}–{rng[1]:.2f})" if rng else f"{p:.2f}"
        else:
            pts = "skipped" if pt_skip else "no result"
        ratio = f"**{p / num(o['score']):.2f}**" if (o and p is not None and num(o["score"]) > 0) else "–"
        add(f"| {c} | {ours} | {pts} | {ratio} |")
    add("")
    for s in (ours_skip, ("PyTorch: " + pt_skip) if pt_skip else ""):
        if s:
            add(f"- {s}")
    add("")



def sec_tuner(out, work, add):
    log = text(os.path.join(out, "session.log"))
    tun = load_json(os.path.join(out, "jmh-tuner-iteration.json"))
    add("## One TimeTuner iteration (`TunerIterationBenchmark`: MNIST-sized UNet, batch 32, parallel mode)")
    add("")
    if tun:
        add("| device | solver | threads | ms per iteration |")
        add("|---|---|---|---|")
        for r in tun:
            pa = r["params"]
            add(f"| {pa.get('device')} | {pa.get('solver')} | {pa.get('threads')} | {pm(r['primaryMetric'])} |")
        by = {(r["params"].get("device"), r["params"].get("solver")): num(r["primaryMetric"]["score"]) for r in tun}
        if ("cuda", "ddim") in by and ("cpu", "ddim") in by:
            add("")
            add(f"CPU / CUDA (ddim): **{by[('cpu', 'ddim')] / by[('cuda', 'ddim')]:.1f}×**")
    else:
        add("no result")
    pt = re.search(r"pytorch_ms_per_iteration=([0-9.]+)", text(os.path.join(work, "pytorch-tuner.txt")))
    if pt:
        add("")
        line = f"PyTorch's twin (`bench/pytorch_tuner_iteration.py`, ddim, on the device): {float(pt.group(1)):.1f} ms"
        if tun and ("cuda", "ddim") in by:
            line += f"; PyTorch / ours: **{float(pt.group(1)) / by[('cuda', 'ddim')]:.2f}**"
        add(line)
    sk = skipped_line(log, "tuner")
    if sk:
        add("")
        add(f"- {sk}")
    add("")



def sec_sample(out, work, add):
    log = text(os.path.join(out, "session.log"))
    add("## End to end: `timetuner sample` (random-init MNIST-sized UNet, ddim, NFE 10, 64 samples, batch 64)")
    add("")
    for f in ("sample-cuda.txt", "sample-cpu.txt", "sample-diff.txt"):
        t = text(os.path.join(work, f)).strip()
        if t:
            add(f"- {t}")
    sk = skipped_line(log, "sample")
    if sk:
        add(f"- {sk}")
    add("")



def sec_steps(out, work, add):
    log = text(os.path.join(out, "session.log"))
    add("## Steps (from session.log)")
    add("")
    add("```")
    for ln in log.splitlines():
        if ln.startswith("=== [") and (" rc=" in ln or "SKIPPED" in ln or "TIMED OUT" in ln):
            add(ln.strip())
    add("```")


def torch_version(pt_text):
    m = re.search(r"torch=(\S+)", pt_text)
    return m.group(1) if m else "?"


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"cudalibs": cudalibs, "tests": tests, "merge": merge, "diff": diff, "summary": summary}[cmd](*args)
