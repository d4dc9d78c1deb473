#!/usr/bin/python3
"""Generate the TimeTuner objective fixtures (src/test/resources/fixtures/tuner/): one
iteration of the tuning loss and its derivative w.r.t. the interval's (tied) ratio r, with the
DDPM UNet fixture model src/test/resources/fixtures/unet-attn.safetensors.

Written from shared/docs/solvers-and-tuner.md sections 4.0, 4.1, 4.4 and 5.2-5.5 and the
engine conventions given to its author; the schedule and the trajectories come from
tools/reference_sampler.py, the solver steps are written out again here (differentiably).

The objective for interval idx of a trajectory t_0 > ... > t_K (spec 5.2):
  * parallel:   x_t = alpha(t_idx) x0 + sigma(t_idx) z;
    sequential: x = alpha(1) x0 + sigma(1) z (T = 1, the schedule end, not t_0), then the
                solver steps t_j -> t_{j+1}, j < idx, with the already tuned ratios r_j
                (constants), giving x_t;
  * eps_t  = eps(x_t, t_idx)                          untuned, no gradient;
  * x_prev = step(x_t, t_idx -> t_{idx+1}, r)         every network call of the step at
                                                      tau = r * t_slot, all else nominal;
  * eps_prev = eps(x_prev, t_{idx+1})                 untuned, gradient through x_prev;
  * loss = (1/B) sum_b sum_{c,h,w} (eps_t - eps_prev)^2.
The noise predictor is eps(x, tau) = net(x, (tau - 1/N) * 1000), N = 1000.

Steps (t start, s end):
  * ddim (eta = 0):  x_s = (a_s/a_t) x + (sigma_s - a_s sigma_t / a_t) eps(x, r t);
  * dpm-solver-2 (noise form, r1 = 1/2, "dpmsolver" type, which reduces to the midpoint rule):
      h = lambda_s - lambda_t, s1 = lambda^-1(lambda_t + h/2) (nominal),
      e0 = eps(x, r t), u = exp(logalpha_s1 - logalpha_t) x - sigma_s1 expm1(h/2) e0,
      e1 = eps(u, r s1), x_s = exp(logalpha_s - logalpha_t) x - sigma_s expm1(h) e1.

Precision. The main run is float32 throughout, like the engine: float32 x0, z and network;
solver / noising coefficients computed in float64 (Python floats) and applied as tensor-scalar
products (so rounded to float32); r a float32 scalar tensor with requires_grad;
tau = fl32(fl32(t_slot) * r); t_in = (tau - 0.001) * 1000 in float32; autograd gives grad_r.
The float64 run repeats the same computation with a float64 copy of the network, float64 x0/z
(exact widenings), float64 coefficients, and tau = t_slot * r, t_in in float64. The loss is
also evaluated (float64) at r +- 1e-3 and r +- 1e-6 and both central finite differences are
compared with the autograd gradients. The 1e-3 difference is dominated by truncation error
(O(delta^2), several per cent here): r +- 1e-3 moves the network's time input t_in = 1000 r t
by 1000 * 1e-3 * t, i.e. up to one unit, and the sinusoidal time embedding's fastest frequency
is 1 rad per unit of t_in. At 1e-6 the difference agrees with the float64 autograd gradient to
about 1e-7 (the script asserts < 1e-5); the observed error falls 100x per decade of delta.

For every case NAME this writes NAME.safetensors with
  x0 [2,3,16,16] F32 (tanh of standard normal, fixed seed per case), z [2,3,16,16] F32
  (standard normal, same generator), loss [1], grad_r [1] (float32 run), loss_f64 [1],
  grad_r_f64 [1] (float64 run, rounded to float32 for storage), and __metadata__ =
  {"solver", "trajectory", "nfe", "mode", "interval", "ratio", "previous_ratios" (JSON list,
   "[]" in parallel mode), "model": "unet-attn.safetensors"}.

Usage: /usr/bin/python3 tools/make_tuner_fixtures.py [--out DIR]
"""

import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_sampler as ref  # noqa: E402
from ddpm_unet import DDPMUNet  # noqa: E402
from safetensors_io import load_file, read_dtypes, save_file  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures")
DEFAULT_OUT = os.path.join(FIXTURES, "tuner")
MODEL_FILE = "unet-attn.safetensors"
BATCH = 2
T_MAX = 1.0  # the schedule end, start of the sequential roll-out
FD_DELTA = 1e-3  # the requested check step
FD_DELTA_FINE = 1e-6  # the step at which the central difference resolves the derivative
SCHED = ref.SCHEDULE

# name -> (solver, trajectory, nfe, mode, interval, ratio, previous ratios, seed)
CASES = {
    "ddim-official-nfe10-parallel-i3":
        ("ddim", "official", 10, "parallel", 3, 1.07, [], 3101),
    "ddim-official-nfe10-sequential-i2":
        ("ddim", "official", 10, "sequential", 2, 0.96, [1.03, 0.98], 3102),
    "dpmsolver2-logsnr-nfe8-parallel-i1":
        ("dpm-solver-2", "logsnr", 8, "parallel", 1, 1.05, [], 3103),
    "ddim-uniform-nfe6-parallel-i0":
        ("ddim", "uniform", 6, "parallel", 0, 1.0, [], 3104),
}


def load_model(path):
    tensors, meta = load_file(path)
    cfg = json.loads(meta["config"])
    net = DDPMUNet(cfg)
    net.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()}, strict=True)
    net.eval()  # the config has dropout 0.1
    for p in net.parameters():
        p.requires_grad_(False)  # gradients w.r.t. r only
    return net, cfg


class Objective:
    """The tuning objective in one precision (dtype = float32 or float64)."""

    def __init__(self, net, dtype):
        self.net = net
        self.dtype = dtype

    def times(self, t, b):
        """The nominal time t as a [b] vector in the run's precision (fl32(t) for float32)."""
        return torch.full((b,), float(t), dtype=self.dtype)

    def eps(self, x, tau):
        """eps(x, tau) = net(x, (tau - 1/N) * 1000), everything in the run's precision."""
        t_in = (tau - 0.001) * 1000.0
        return self.net(x, t_in)

    def eps_tuned(self, x, t_slot, r):
        """The network at tau = r * t_slot (tied ratio; r a scalar tensor)."""
        return self.eps(x, self.times(t_slot, x.shape[0]) * r)

    def step(self, solver, x, t, s, r):
        """One solver step from t to s (t > s) with every network call at r * t_slot."""
        if solver == "ddim":
            a_t, a_s = SCHED.alpha(t), SCHED.alpha(s)
            sg_t, sg_s = SCHED.sigma(t), SCHED.sigma(s)
            e = self.eps_tuned(x, t, r)
            return (a_s / a_t) * x + (sg_s - a_s * sg_t / a_t) * e
        if solver == "dpm-solver-2":
            lam_t, lam_s = SCHED.lam(t), SCHED.lam(s)
            h = lam_s - lam_t
            s1 = SCHED.inverse_lambda(lam_t + 0.5 * h)
            la_t, la_s, la_s1 = SCHED.log_alpha(t), SCHED.log_alpha(s), SCHED.log_alpha(s1)
            e0 = self.eps_tuned(x, t, r)
            u = math.exp(la_s1 - la_t) * x - (SCHED.sigma(s1) * math.expm1(0.5 * h)) * e0
            e1 = self.eps_tuned(u, s1, r)
            return math.exp(la_s - la_t) * x - (SCHED.sigma(s) * math.expm1(h)) * e1
        raise ValueError(f"unsupported solver {solver!r}")

    def start_state(self, solver, ts, idx, mode, prev_ratios, x0, z):
        """x_t at t_idx (no gradient)."""
        with torch.no_grad():
            if mode == "parallel":
                return SCHED.alpha(ts[idx]) * x0 + SCHED.sigma(ts[idx]) * z
            assert mode == "sequential" and len(prev_ratios) == idx
            x = SCHED.alpha(T_MAX) * x0 + SCHED.sigma(T_MAX) * z
            for j in range(idx):
                rj = torch.tensor(float(prev_ratios[j]), dtype=self.dtype)
                x = self.step(solver, x, ts[j], ts[j + 1], rj)
            return x

    def loss(self, case, ts, x0, z, r_value, grad=True):
        """(loss, dloss/dr) as Python floats; dloss/dr is None when grad is False."""
        solver, _, _, mode, idx, _, prev_ratios, _ = case
        x0 = x0.to(self.dtype)
        z = z.to(self.dtype)
        b = x0.shape[0]
        x_t = self.start_state(solver, ts, idx, mode, prev_ratios, x0, z)
        with torch.no_grad():
            eps_t = self.eps(x_t, self.times(ts[idx], b))
        r = torch.tensor(float(r_value), dtype=self.dtype, requires_grad=grad)
        with torch.set_grad_enabled(grad):
            x_prev = self.step(solver, x_t, ts[idx], ts[idx + 1], r)
            eps_prev = self.eps(x_prev, self.times(ts[idx + 1], b))
            loss = ((eps_t - eps_prev) ** 2).sum() / b
        g = None
        if grad:
            (g,) = torch.autograd.grad(loss, r)
            g = float(g)
        return float(loss), g, x_t


def check_steps_against_reference_sampler(net32, ts, case, x_t, r):
    """The step written here equals reference_sampler's solver on a one-interval plan (both
    float32 solver arithmetic around the float32 network, tau = fl32(t) * fl32(r))."""
    solver, _, _, _, idx, *_ = case
    t, s = ts[idx], ts[idx + 1]
    slots = 2 if solver == "dpm-solver-2" else 1
    plan = {"times": [t, s], "slots": [slots], "nfe": slots}
    want = ref.sample(solver, x_t, plan, [r], ref.unet_eps_fn(net32), dtype=torch.float32)
    with torch.no_grad():
        got = Objective(net32, torch.float32).step(
            solver, x_t, t, s, torch.tensor(float(r), dtype=torch.float32))
    err = float((got - want).abs().max() / want.abs().max())
    assert err < 1e-6, f"step disagrees with reference_sampler ({err})"
    return err


def check_rollout_against_reference_sampler(net32, ts, case, x0, z, x_t):
    """The sequential roll-out equals reference_sampler sampling t_0 -> t_idx from the T = 1
    state with the previous ratios."""
    solver, _, _, mode, idx, _, prev_ratios, _ = case
    if mode != "sequential" or idx == 0:
        return None
    x_start = SCHED.alpha(T_MAX) * x0 + SCHED.sigma(T_MAX) * z
    plan = {"times": ts[:idx + 1], "slots": [1] * idx, "nfe": idx}
    want = ref.sample(solver, x_start, plan, prev_ratios, ref.unet_eps_fn(net32),
                      dtype=torch.float32)
    err = float((x_t - want).abs().max() / want.abs().max())
    assert err < 1e-6, f"roll-out disagrees with reference_sampler ({err})"
    return err


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # deterministic float32 reductions across reruns

    net32, cfg = load_model(os.path.join(FIXTURES, MODEL_FILE))
    net64 = load_model(os.path.join(FIXTURES, MODEL_FILE))[0].double()
    obj32 = Objective(net32, torch.float32)
    obj64 = Objective(net64, torch.float64)
    shape = (BATCH, cfg["in_channels"], cfg["resolution"], cfg["resolution"])

    rows = []
    total = 0
    for name, case in CASES.items():
        solver, kind, nfe, mode, idx, r, prev_ratios, seed = case
        plan = ref.make_plan(solver, nfe, kind)
        assert plan["nfe"] == nfe, (name, plan)
        ts = plan["times"]
        assert 0 <= idx < len(ts) - 1

        gen = torch.Generator().manual_seed(seed)
        x0 = torch.tanh(torch.randn(shape, generator=gen, dtype=torch.float32))
        z = torch.randn(shape, generator=gen, dtype=torch.float32)

        loss32, grad32, x_t32 = obj32.loss(case, ts, x0, z, r)
        loss64, grad64, _ = obj64.loss(case, ts, x0, z, r)
        lp, _, _ = obj64.loss(case, ts, x0, z, r + FD_DELTA, grad=False)
        lm, _, _ = obj64.loss(case, ts, x0, z, r - FD_DELTA, grad=False)
        fd = (lp - lm) / (2 * FD_DELTA)
        lp, _, _ = obj64.loss(case, ts, x0, z, r + FD_DELTA_FINE, grad=False)
        lm, _, _ = obj64.loss(case, ts, x0, z, r - FD_DELTA_FINE, grad=False)
        fd_fine = (lp - lm) / (2 * FD_DELTA_FINE)
        assert rel(grad64, fd_fine) < 1e-5, (name, grad64, fd_fine)
        assert rel(grad32, grad64) < 1e-3, (name, grad32, grad64)
        step_err = check_steps_against_reference_sampler(net32, ts, case, x_t32, r)
        roll_err = check_rollout_against_reference_sampler(net32, ts, case, x0, z, x_t32)
        for v in (loss32, grad32, loss64, grad64, fd, fd_fine):
            assert math.isfinite(v)

        tensors = {
            "x0": x0, "z": z,
            "loss": torch.tensor([loss32], dtype=torch.float32),
            "grad_r": torch.tensor([grad32], dtype=torch.float32),
            "loss_f64": torch.tensor([loss64], dtype=torch.float32),
            "grad_r_f64": torch.tensor([grad64], dtype=torch.float32),
        }
        meta = {"solver": solver, "trajectory": kind, "nfe": str(nfe), "mode": mode,
                "interval": str(idx), "ratio": repr(float(r)),
                "previous_ratios": json.dumps([float(v) for v in prev_ratios]),
                "model": MODEL_FILE}
        path = os.path.join(args.out, name + ".safetensors")
        save_file(tensors, path, metadata=meta)

        back, bmeta = load_file(path)
        assert read_dtypes(path) == {k: "F32" for k in tensors}
        assert list(back) == list(tensors)
        for k, v in tensors.items():
            assert torch.equal(back[k], v), k
        assert bmeta == meta
        total += os.path.getsize(path)
        rows.append((name, ts[idx], ts[idx + 1], loss32, loss64, grad32, grad64, fd, fd_fine,
                     step_err, roll_err))

    print(f"{'case':<36}{'loss (f32)':>12}{'grad_r (f32)':>13}{'grad_r (f64)':>13}"
          f"{'FD 1e-3':>12}{'FD 1e-6':>12}{'f32-FD3':>9}{'f64-FD3':>9}{'f64-FD6':>9}"
          f"{'f32-f64':>9}{'loss gap':>9}")
    for name, t, s, l32, l64, g32, g64, fd, fdf, *_ in rows:
        print(f"{name:<36}{l32:>12.6f}{g32:>13.6f}{g64:>13.6f}{fd:>12.6f}{fdf:>12.6f}"
              f"{rel(g32, fd):>9.1e}{rel(g64, fd):>9.1e}{rel(g64, fdf):>9.1e}"
              f"{rel(g32, g64):>9.1e}{rel(l32, l64):>9.1e}")
    print(f"  FD d: (L(r + d) - L(r - d)) / 2d, float64 throughout; gaps are |a - b| / |b| "
          "(FD3, FD6: d = 1e-3, 1e-6);\n  loss gap: |loss - loss_f64| / |loss_f64|")
    print()
    for name, t, s, *_, step_err, roll_err in rows:
        extra = "" if roll_err is None else f", roll-out vs reference_sampler {roll_err:.1e}"
        print(f"{name}: interval {t:.9g} -> {s:.9g}; step vs reference_sampler "
              f"{step_err:.1e}{extra}")
    print(f"\nwrote {len(rows)} files to {args.out}, {total} bytes in all")
    assert total < 200 * 1024


if __name__ == "__main__":
    main()
