#!/usr/bin/python3
"""Independent Python reference for the engine's samplers with tuned network times.

Written from the formulas of shared/docs/solvers-and-tuner.md (sections 1, 3, 4.0, 4.1, 4.4,
4.5, 4.7) and the engine conventions given to its author; no code was copied from the engine
or from any upstream repository.

Contents
  * `DiscreteSchedule`: the DDPM discrete VP schedule (betas = linspace(1e-4, 0.02, 1000)),
    log alpha by piecewise-linear interpolation with linear extrapolation on both ends, alpha,
    sigma, lambda and the inverse of lambda; all in float64 (Python floats).
  * `trajectory(kind, K)`: the K+1 times t_0 > ... > t_K = 1/N for `official`, `uniform`,
    `quadratic`, `logsnr`, `edm`.
  * `make_plan(solver, nfe, kind)`: the outer times and the number of network calls (slots)
    per interval; the number of intervals is the number of tuned ratios.
  * the solvers `ddim`, `dpm_solver_2`, `dpmpp_2m`, `heun` as plain functions of
    (x, plan, ratios, eps_fn) and `sample(...)` dispatching on the solver name.
  * `unet_eps_fn(net)`: the UNet wrapped as a noise predictor eps_fn(x, tau) with
    t_in = (tau - 1/N) * 1000 computed in float32, the net run in float32, and the output
    returned in x's dtype.

Tuned times (spec 4.0, tied per interval): every slot of interval i is evaluated at
tau = r_i * t_slot with t_slot the slot's nominal time; tau is formed in float32 as the engine
does, tau = fl32(fl32(t_slot) * fl32(r_i)). Everything else (alpha, sigma, lambda, h, the
intermediate time s1, the data<->noise conversions) uses nominal float64 times.

Precision: `dtype=torch.float64` (the reference) does the solver arithmetic in float64 on a
float64 copy of x, calls the network with float32 inputs and widens its output to float64.
`dtype=torch.float32` does the solver arithmetic in float32 (the float64 schedule
coefficients are rounded to float32 by the tensor-scalar products), which approximates what a
float32 engine does and gives the physically meaningful tolerance.

Running this file performs the self-checks: the reference numbers of spec 3.5, and the
convergence of the solvers against the exact ODE solution for Gaussian data.

Usage: /usr/bin/python3 tools/reference_sampler.py
"""

import bisect
import math

import numpy as np
import torch

N_TRAIN = 1000
T_END = 1.0 / N_TRAIN  # epsilon = 1/N, the last time of every trajectory
TRAJECTORIES = ("official", "uniform", "quadratic", "logsnr", "edm")
SOLVERS = ("ddim", "dpm-solver-2", "dpm-solver++2m", "heun")


# ----------------------------------------------------------------------------------------------
# Schedule (spec 1.2)
# ----------------------------------------------------------------------------------------------

def _interp(x, xp, yp):
    """Piecewise-linear interpolation through (xp, yp), xp strictly increasing, continued
    linearly beyond both ends by the end segments (spec 1.2.2)."""
    k = len(xp)
    if x < xp[0]:
        j = 1
    elif x > xp[k - 1]:
        j = k - 1
    else:
        j = max(1, bisect.bisect_left(xp, x))
    x0, x1 = xp[j - 1], xp[j]
    y0, y1 = yp[j - 1], yp[j]
    return y0 + (x - x0) * (y1 - y0) / (x1 - x0)


def _logaddexp(a, b):
    m = max(a, b)
    return m + math.log1p(math.exp(-abs(a - b)))


class DiscreteSchedule:
    """DDPM discrete VP schedule from betas, float64 throughout (spec 1.2)."""

    def __init__(self, betas=None):
        if betas is None:
            betas = np.linspace(1e-4, 0.02, N_TRAIN, dtype=np.float64)
        betas = np.asarray(betas, dtype=np.float64)
        self.n = len(betas)
        log_alpha = 0.5 * np.cumsum(np.log(1.0 - betas))
        self.t_keys = [float(n + 1) / self.n for n in range(self.n)]
        self.log_alpha_keys = [float(v) for v in log_alpha]
        # reversed, so that the abscissae (log alpha) increase
        self._rev_la = self.log_alpha_keys[::-1]
        self._rev_t = self.t_keys[::-1]

    def log_alpha(self, t):
        return _interp(float(t), self.t_keys, self.log_alpha_keys)

    def alpha(self, t):
        return math.exp(self.log_alpha(t))

    def sigma(self, t):
        return math.sqrt(-math.expm1(2.0 * self.log_alpha(t)))

    def lam(self, t):
        la = self.log_alpha(t)
        return la - 0.5 * math.log(-math.expm1(2.0 * la))

    def sigma_edm(self, t):
        """EDM noise level sigma/alpha = exp(-lambda)."""
        return math.exp(-self.lam(t))

    def inverse_lambda(self, lam):
        la = -0.5 * _logaddexp(0.0, -2.0 * float(lam))
        return _interp(la, self._rev_la, self._rev_t)


SCHEDULE = DiscreteSchedule()


# ----------------------------------------------------------------------------------------------
# Trajectories (spec 3)
# ----------------------------------------------------------------------------------------------

def trajectory(kind, k, sched=SCHEDULE):
    """Times t_0 > ... > t_M with t_M = 1/N. M = k except for `official` when k does not
    divide N (then M > k)."""
    n = sched.n
    eps = 1.0 / n
    if k < 1:
        raise ValueError("need at least one interval")
    if kind == "official":
        step = n // k
        labels = [lab + 1 for lab in reversed(range(0, n, step))]
        ts = [lab / 1000.0 + eps for lab in labels]
        ts.append(eps)
        return ts
    if kind == "uniform":
        ts = [1.0 + (i / k) * (eps - 1.0) for i in range(k + 1)]
    elif kind == "quadratic":
        a, b = math.sqrt(1.0), math.sqrt(eps)
        ts = [(a + (i / k) * (b - a)) ** 2 for i in range(k + 1)]
    elif kind == "logsnr":
        l0, l1 = sched.lam(1.0), sched.lam(eps)
        ts = [sched.inverse_lambda(l0 + (i / k) * (l1 - l0)) for i in range(k + 1)]
    elif kind == "edm":
        rho = 7.0
        smin = max(0.002, sched.sigma_edm(eps))
        smax = min(80.0, sched.sigma_edm(1.0))
        a, b = smax ** (1.0 / rho), smin ** (1.0 / rho)
        sig = [(a + (i / k) * (b - a)) ** rho for i in range(k + 1)]
        ts = [sched.inverse_lambda(-math.log(s)) for s in sig]
    else:
        raise ValueError(f"unknown trajectory {kind!r}")
    if kind in ("uniform", "quadratic", "logsnr"):
        ts[0] = 1.0
    ts[-1] = eps
    return ts


def edm_sigmas(k, sched=SCHEDULE):
    """The k+1 EDM noise levels of the `edm` trajectory (for the self-check)."""
    rho = 7.0
    smin = max(0.002, sched.sigma_edm(T_END))
    smax = min(80.0, sched.sigma_edm(1.0))
    a, b = smax ** (1.0 / rho), smin ** (1.0 / rho)
    return [(a + (i / k) * (b - a)) ** rho for i in range(k + 1)]


# ----------------------------------------------------------------------------------------------
# Plans: outer times and slots per interval
# ----------------------------------------------------------------------------------------------

def make_plan(solver, nfe, kind, sched=SCHEDULE):
    """Returns {"times": [t_0..t_K], "slots": [slots of interval i], "nfe": total calls}; for
    dpm-solver-2 also "inner": (s1, r1) of each two-slot interval, None for a one-slot one."""
    if nfe < 1:
        raise ValueError("nfe must be >= 1")
    if solver in ("ddim", "dpm-solver++2m"):
        ts = trajectory(kind, nfe, sched)
        slots = [1] * (len(ts) - 1)
    elif solver == "dpm-solver-2":
        if kind == "logsnr":
            k = (nfe + 1) // 2
            ts = trajectory(kind, k, sched)
            slots = [2] * k
            if nfe % 2 == 1:
                slots[-1] = 1
        else:
            full = trajectory(kind, nfe, sched)
            m = len(full) - 1
            idx = list(range(0, m + 1, 2))  # t_0, t_2, ...
            if m % 2 == 1:
                idx.append(m)  # and the final t_m
            ts = [full[i] for i in idx]
            slots = [idx[i + 1] - idx[i] for i in range(len(idx) - 1)]  # 2, or 1 for the last
        if kind == "official":  # no closed form: the grid point between the outer times
            full = trajectory(kind, nfe, sched)
            plan_inner = [_with_fraction(full[2 * i + 1], ts[i], ts[i + 1], sched)
                          if slots[i] == 2 else None for i in range(len(slots))]
        else:
            plan_inner = [inner_point(kind, ts[i], ts[i + 1], sched) if slots[i] == 2 else None
                          for i in range(len(slots))]
        assert len(slots) == len(ts) - 1
        return {"times": ts, "slots": slots, "nfe": sum(slots), "inner": plan_inner}
    elif solver == "heun":
        k = (nfe + 1) // 2
        ts = trajectory(kind, k, sched)
        kk = len(ts) - 1
        slots = [2] * kk
        if nfe % 2 == 1 and kk == k:
            slots[-1] = 1
    else:
        raise ValueError(f"unknown solver {solver!r}")
    assert len(slots) == len(ts) - 1
    return {"times": ts, "slots": slots, "nfe": sum(slots)}


def _with_fraction(s1, s, t, sched):
    lam_s = sched.lam(s)
    return (s1, (sched.lam(s1) - lam_s) / (sched.lam(t) - lam_s))


def inner_point(kind, s, t, sched=SCHEDULE):
    """(s1, r1) of a second-order DPM-Solver step s -> t, as the official singlestep solver
    chooses it (spec 3.3): the middle point of a 2-interval grid of the same kind from s to t,
    and r1 = (lambda(s1) - lambda(s)) / h. On logsnr that is the logSNR midpoint, r1 = 1/2."""
    if kind == "logsnr":
        lam_s = sched.lam(s)
        return (sched.inverse_lambda(lam_s + 0.5 * (sched.lam(t) - lam_s)), 0.5)
    if kind == "uniform":
        s1 = s + 0.5 * (t - s)
    elif kind == "quadratic":
        s1 = (math.sqrt(s) + 0.5 * (math.sqrt(t) - math.sqrt(s))) ** 2
    elif kind == "edm":
        rho = 7.0
        a, b = sched.sigma_edm(s) ** (1.0 / rho), sched.sigma_edm(t) ** (1.0 / rho)
        s1 = sched.inverse_lambda(-math.log((a + 0.5 * (b - a)) ** rho))
    else:
        raise ValueError(f"no closed-form inner point on the {kind!r} trajectory")
    return _with_fraction(s1, s, t, sched)


# ----------------------------------------------------------------------------------------------
# Tuned network time and the UNet noise predictor
# ----------------------------------------------------------------------------------------------

def tau_f32(t, r, batch):
    """The engine's tuned time: fl32(fl32(t) * fl32(r)), as a float32 vector [batch]."""
    tt = torch.full((batch,), float(t), dtype=torch.float32)
    rr = torch.full((batch,), float(r), dtype=torch.float32)
    return tt * rr


def tau_exact(t, r, batch):
    """Tuned time in float64 (for analytic predictors)."""
    return torch.full((batch,), float(t) * float(r), dtype=torch.float64)


def unet_eps_fn(net):
    """Wrap the DDPM UNet as eps_fn(x, tau): t_in = (tau - 0.001) * 1000 in float32, the net
    in float32, output converted to x's dtype."""

    def eps_fn(x, tau):
        tau32 = tau.to(torch.float32)
        t_in = (tau32 - 0.001) * 1000.0
        with torch.no_grad():
            out = net(x.to(torch.float32), t_in)
        return out.to(x.dtype)

    return eps_fn


def gaussian_eps_fn(mu, s2, sched=SCHEDULE):
    """Closed-form optimal noise predictor for data N(mu, s2) (elementwise), continuous time:
    eps*(x, t) = sigma_t (x - alpha_t mu) / (alpha_t^2 s2 + sigma_t^2). Batch-uniform tau."""

    def eps_fn(x, tau):
        t = float(tau[0])
        assert bool((tau == tau[0]).all())
        a, s = sched.alpha(t), sched.sigma(t)
        return s * (x - a * mu) / (a * a * s2 + s * s)

    return eps_fn


def gaussian_exact(x_start, t_start, t_end, mu, s2, sched=SCHEDULE):
    """Exact probability-flow ODE solution for Gaussian data."""
    a0, a1 = sched.alpha(t_start), sched.alpha(t_end)
    v0 = a0 * a0 * s2 + sched.sigma(t_start) ** 2
    v1 = a1 * a1 * s2 + sched.sigma(t_end) ** 2
    return a1 * mu + torch.sqrt(v1 / v0) * (x_start - a0 * mu)


# ----------------------------------------------------------------------------------------------
# Solvers. x: tensor [B, ...]; plan from make_plan; ratios: one per interval (tied).
# ----------------------------------------------------------------------------------------------

def _check(plan, ratios):
    k = len(plan["times"]) - 1
    if len(ratios) != k:
        raise ValueError(f"{len(ratios)} ratios for {k} intervals")


def ddim(x, plan, ratios, eps_fn, dtype=torch.float64, tau_fn=tau_f32, sched=SCHEDULE):
    """DDIM, eta = 0 (spec 4.1): x_s = (a_s/a_t) x + (sigma_s - a_s sigma_t / a_t) eps."""
    _check(plan, ratios)
    ts = plan["times"]
    x = x.to(dtype).clone()
    b = x.shape[0]
    for i in range(len(ts) - 1):
        assert plan["slots"][i] == 1
        t, s = ts[i], ts[i + 1]
        e = eps_fn(x, tau_fn(t, ratios[i], b)).to(dtype)
        a_t, a_s = sched.alpha(t), sched.alpha(s)
        sg_t, sg_s = sched.sigma(t), sched.sigma(s)
        x = (a_s / a_t) * x + (sg_s - a_s * sg_t / a_t) * e
    return x


def dpm_solver_2(x, plan, ratios, eps_fn, dtype=torch.float64, tau_fn=tau_f32,
                 sched=SCHEDULE):
    """Singlestep DPM-Solver-2, noise prediction, "dpmsolver" type (spec 4.4), with the inner
    point s1 and its fraction r1 from plan["inner"] (the logSNR midpoint, r1 = 1/2, when the
    plan has none). Both slots of interval i use ratio r_i; s1 is nominal."""
    _check(plan, ratios)
    ts = plan["times"]
    x = x.to(dtype).clone()
    b = x.shape[0]
    for i in range(len(ts) - 1):
        s, t = ts[i], ts[i + 1]
        lam_s, lam_t = sched.lam(s), sched.lam(t)
        h = lam_t - lam_s
        la_s, la_t = sched.log_alpha(s), sched.log_alpha(t)
        sg_t = sched.sigma(t)
        e_s = eps_fn(x, tau_fn(s, ratios[i], b)).to(dtype)
        if plan["slots"][i] == 1:
            x = math.exp(la_t - la_s) * x - (sg_t * math.expm1(h)) * e_s
            continue
        assert plan["slots"][i] == 2
        inner = plan.get("inner")
        if inner is None:
            s1, r1 = sched.inverse_lambda(lam_s + 0.5 * h), 0.5
        else:
            s1, r1 = inner[i]
        la_s1, sg_s1 = sched.log_alpha(s1), sched.sigma(s1)
        u = math.exp(la_s1 - la_s) * x - (sg_s1 * math.expm1(r1 * h)) * e_s
        e_1 = eps_fn(u, tau_fn(s1, ratios[i], b)).to(dtype)
        x = (math.exp(la_t - la_s) * x - (sg_t * math.expm1(h)) * e_s
             - (sg_t / (2.0 * r1) * math.expm1(h)) * (e_1 - e_s))
    return x


def dpmpp_2m(x, plan, ratios, eps_fn, dtype=torch.float64, tau_fn=tau_f32, sched=SCHEDULE):
    """Multistep DPM-Solver++(2M), data prediction, "dpmsolver" type (spec 4.5), with
    lower_order_final for K < 10. m_i is evaluated at r_i t_i, converted with nominal
    alpha/sigma at t_i, and reused as history."""
    _check(plan, ratios)
    ts = plan["times"]
    k = len(ts) - 1
    x = x.to(dtype).clone()
    b = x.shape[0]
    m_prev = None
    for i in range(k):
        assert plan["slots"][i] == 1
        t_i, t_n = ts[i], ts[i + 1]
        a_i, sg_i = sched.alpha(t_i), sched.sigma(t_i)
        a_n, sg_n = sched.alpha(t_n), sched.sigma(t_n)
        e = eps_fn(x, tau_fn(t_i, ratios[i], b)).to(dtype)
        m_i = (x - sg_i * e) / a_i
        order = 1 if i == 0 else 2
        if k < 10:
            order = min(order, k - i)
        lam_i, lam_n = sched.lam(t_i), sched.lam(t_n)
        h = lam_n - lam_i
        phi = math.expm1(-h)
        if order == 1:
            x = (sg_n / sg_i) * x - (a_n * phi) * m_i
        else:
            r0 = (lam_i - sched.lam(ts[i - 1])) / h
            d = (m_i - m_prev) / r0
            x = (sg_n / sg_i) * x - (a_n * phi) * m_i - (0.5 * a_n * phi) * d
        m_prev = m_i
    return x


def heun(x, plan, ratios, eps_fn, dtype=torch.float64, tau_fn=tau_f32, sched=SCHEDULE):
    """EDM Heun in VP coordinates (spec 4.7), no churn. Slots at r_i t_i and r_i t_{i+1}."""
    _check(plan, ratios)
    ts = plan["times"]
    x = x.to(dtype).clone()
    b = x.shape[0]
    for i in range(len(ts) - 1):
        t0, t1 = ts[i], ts[i + 1]
        a0, a1 = sched.alpha(t0), sched.alpha(t1)
        d_sig = sched.sigma(t1) / a1 - sched.sigma(t0) / a0
        d1 = eps_fn(x, tau_fn(t0, ratios[i], b)).to(dtype)
        xe = a1 * (x / a0 + d_sig * d1)
        if plan["slots"][i] == 1:
            x = xe
            continue
        assert plan["slots"][i] == 2
        d2 = eps_fn(xe, tau_fn(t1, ratios[i], b)).to(dtype)
        x = a1 * (x / a0 + (0.5 * d_sig) * (d1 + d2))
    return x


_SOLVER_FNS = {"ddim": ddim, "dpm-solver-2": dpm_solver_2, "dpm-solver++2m": dpmpp_2m,
               "heun": heun}


def sample(solver, x_t, plan, ratios, eps_fn, dtype=torch.float64, tau_fn=tau_f32,
           sched=SCHEDULE):
    """Run `solver` from x_t at plan["times"][0] to plan["times"][-1] (no final denoising)."""
    return _SOLVER_FNS[solver](x_t, plan, ratios, eps_fn, dtype=dtype, tau_fn=tau_fn,
                               sched=sched)


# ----------------------------------------------------------------------------------------------
# Self-checks
# ----------------------------------------------------------------------------------------------

def _close(got, want, rel, what):
    for g, w in zip(got, want):
        if abs(g - w) > rel * max(abs(w), 1e-300):
            raise AssertionError(f"{what}: got {g!r}, expected {w!r}")
    if len(got) != len(want):
        raise AssertionError(f"{what}: length {len(got)} != {len(want)}")


def check_reference_numbers(sched=SCHEDULE):
    # schedule table of spec 3.5 (values given to 8 significant digits)
    table = [  # t, log alpha, alpha, sigma, lambda
        (0.0005, -2.0020722e-05, 0.99997998, 6.3277676e-03, 5.0627877),
        (0.001, -5.0002500e-05, 0.99995000, 1.0000000e-02, 4.6051202),
        (0.002, -1.0996606e-04, 0.99989004, 1.4829293e-02, 4.2110408),
        (0.5, -1.2717729, 0.28033416, 0.95990247, -1.2308494),
        (0.802, -3.2567374, 0.038513848, 0.99925807, -3.2559952),
        (0.902, -4.1171980, 0.016290095, 0.99986731, -4.1170653),
        (1.0, -5.0588568, 0.0063528181, 0.99997982, -5.0588366),
        (1.05, -5.5639245, 0.0038337017, 0.99999265, -5.5639171),
    ]
    for t, la, a, sg, lm in table:
        _close([sched.log_alpha(t), sched.alpha(t), sched.sigma(t), sched.lam(t)],
               [la, a, sg, lm], 2e-7, f"schedule at t={t}")
    for t in (0.5, 0.9023, 0.001, 0.37, 1.0):
        _close([sched.inverse_lambda(sched.lam(t))], [t], 1e-12, f"lambda round trip {t}")
    print("schedule table of spec 3.5: OK (relative 2e-7), lambda^-1(lambda(t)) round trips OK")

    exp_off = [0.902, 0.802, 0.702, 0.602, 0.502, 0.402, 0.302, 0.202, 0.102, 0.002, 0.001]
    _close(trajectory("official", 10), exp_off, 1e-12, "official 10")
    assert len(trajectory("official", 30)) == 32, "official 30 must give 31 intervals"
    uni = trajectory("uniform", 10)
    _close([uni[0], uni[1], uni[2], uni[9], uni[10]], [1, 0.9001, 0.8002, 0.1009, 0.001],
           1e-12, "uniform 10")
    _close(trajectory("quadratic", 10),
           [1, 0.81570210, 0.65015929, 0.50337157, 0.37533893, 0.26606139, 0.17553893,
            0.10377157, 0.050759289, 0.016502100, 0.001], 2e-7, "quadratic 10")
    _close(trajectory("logsnr", 10),
           [1, 0.89929395, 0.78581651, 0.65358995, 0.49311435, 0.30330785, 0.13904024,
            0.052723004, 0.017803368, 0.0049524599, 0.001], 2e-7, "logSNR 10")
    _close([sched.sigma_edm(T_END), sched.sigma_edm(1.0)], [0.0100005, 157.40728], 2e-7,
           "EDM network range")
    # spec's "n = 10" EDM levels: 10 levels = 9 intervals in the engine's K convention
    _close(edm_sigmas(9),
           [80, 44.513201, 23.474697, 11.607282, 5.3040576, 2.1957488, 0.80028783,
            0.24597121, 0.059471750, 0.0100005], 2e-7, "EDM sigmas (10 levels)")
    _close(trajectory("edm", 9),
           [0.93061806, 0.86603200, 0.78956610, 0.69602374, 0.57621648, 0.41546437,
            0.21828769, 0.072388992, 0.014837899, 0.001], 2e-7, "EDM VP times (10 levels)")
    print("trajectories of spec 3.2/3.5 (official, uniform, quadratic, logSNR, EDM): OK")

    # plans
    p = make_plan("dpm-solver-2", 7, "quadratic")
    assert p["slots"] == [2, 2, 2, 1] and p["nfe"] == 7
    full = trajectory("quadratic", 7)
    assert p["times"] == [full[0], full[2], full[4], full[6], full[7]]
    assert make_plan("dpm-solver-2", 7, "logsnr")["slots"] == [2, 2, 2, 1]
    assert make_plan("dpm-solver-2", 8, "logsnr")["slots"] == [2, 2, 2, 2]
    assert make_plan("heun", 9, "uniform")["slots"] == [2, 2, 2, 2, 1]
    assert make_plan("heun", 8, "edm")["slots"] == [2, 2, 2, 2]
    assert len(make_plan("ddim", 30, "official")["slots"]) == 31
    # heun NFE 61: K = 31, official gives 32 intervals (step 32), so no Euler last step
    ph = make_plan("heun", 61, "official")
    assert ph["slots"] == [2] * 32 and ph["nfe"] == 64, ph["slots"]
    assert make_plan("heun", 61, "uniform")["slots"] == [2] * 30 + [1]
    # the official solver's inner points are the points of the NFE-interval grid between the
    # outer times (spec 3.3): checked here against the closed forms of inner_point
    for kind in ("uniform", "quadratic", "edm"):
        for nfe in (7, 10):
            p = make_plan("dpm-solver-2", nfe, kind)
            full = trajectory(kind, nfe)
            for i, inner in enumerate(p["inner"]):
                if inner is not None:
                    _close([inner[0]], [full[2 * i + 1]], 1e-12, f"{kind} {nfe} inner point {i}")
    r1s = [inner[1] for inner in make_plan("dpm-solver-2", 10, "uniform")["inner"]]
    assert max(abs(r - 0.5) for r in r1s) > 0.25, r1s  # the last step: far from the midpoint
    print("plans (slot counts, dpm-solver-2 inner points on the trajectory's grid): OK")


def check_identities(sched=SCHEDULE):
    """One-slot steps that must coincide with DDIM (eta = 0), tuned ratios included: the
    first-order DPM-Solver step (noise form), the first-order DPM-Solver++ step (data form,
    spec 4.4) and the Euler step of Heun (spec 4.7, VP identity)."""
    gen = torch.Generator().manual_seed(99)
    shape = (3, 2, 4, 4)
    mu = torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1
    s2 = (0.3 + 0.5 * torch.rand(shape, generator=gen, dtype=torch.float64)) ** 2
    x = torch.randn(shape, generator=gen, dtype=torch.float64)
    eps_fn = gaussian_eps_fn(mu, s2, sched)
    for t0, t1, r in ((1.0, 0.7, 1.05), (0.4, 0.05, 0.93), (0.002, 0.001, 1.0)):
        plan1 = {"times": [t0, t1], "slots": [1], "nfe": 1}
        ref = ddim(x, plan1, [r], eps_fn, tau_fn=tau_exact, sched=sched)
        for fn in (dpm_solver_2, dpmpp_2m, heun):
            got = fn(x, plan1, [r], eps_fn, tau_fn=tau_exact, sched=sched)
            err = float((got - ref).abs().max() / ref.abs().max())
            assert err < 1e-13, f"{fn.__name__} one-slot step != DDIM ({err})"
    # DPM-Solver-2 with r1 = 1/2 ("dpmsolver" type) is the midpoint rule (spec 4.4)
    t0, t1, r = 0.8, 0.3, 1.07
    plan2 = {"times": [t0, t1], "slots": [2], "nfe": 2}
    got = dpm_solver_2(x, plan2, [r], eps_fn, tau_fn=tau_exact, sched=sched)
    ls, lt = sched.lam(t0), sched.lam(t1)
    h = lt - ls
    s1 = sched.inverse_lambda(ls + h / 2)
    e_s = eps_fn(x, tau_exact(t0, r, shape[0]))
    u = sched.alpha(s1) / sched.alpha(t0) * x - sched.sigma(s1) * math.expm1(h / 2) * e_s
    e_1 = eps_fn(u, tau_exact(s1, r, shape[0]))
    mid = sched.alpha(t1) / sched.alpha(t0) * x - sched.sigma(t1) * math.expm1(h) * e_1
    assert float((got - mid).abs().max()) < 1e-13
    print("identities: one-slot DPM-Solver-1 / DPM-Solver++-1 / Heun-Euler steps == DDIM, "
          "DPM-Solver-2 (r1 = 1/2) == midpoint rule: OK")


def check_gaussian_convergence(sched=SCHEDULE):
    """Solvers against the exact ODE solution for Gaussian data, untuned (r = 1), float64."""
    gen = torch.Generator().manual_seed(1234)
    shape = (2, 3, 4, 4)
    mu = torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1
    s2 = (0.2 + 0.8 * torch.rand(shape, generator=gen, dtype=torch.float64)) ** 2
    x_start = torch.randn(shape, generator=gen, dtype=torch.float64)
    eps_fn = gaussian_eps_fn(mu, s2, sched)
    nfes = [10, 20, 50, 100, 200, 400]
    combos = [("ddim", "logsnr"), ("ddim", "edm"),
              ("dpm-solver-2", "logsnr"), ("dpm-solver-2", "edm"), ("dpm-solver-2", "uniform"),
              ("dpm-solver++2m", "logsnr"), ("dpm-solver++2m", "edm"),
              ("heun", "logsnr"), ("heun", "edm")]
    print()
    print("Gaussian oracle: max|x_solver - x_exact| / max|x_exact| at t = 1/N (untuned, "
          "float64);\n(order) = log(e_prev/e)/log(nfe/nfe_prev)")
    head = f"{'solver':<15} {'trajectory':<8}" + "".join(f"{'NFE ' + str(n):>18}" for n in nfes)
    print(head)
    results = {}
    for solver, kind in combos:
        errs = []
        for nfe in nfes:
            plan = make_plan(solver, nfe, kind, sched)
            x0 = x_start  # state at plan["times"][0]
            got = sample(solver, x0, plan, [1.0] * (len(plan["times"]) - 1), eps_fn,
                         dtype=torch.float64, tau_fn=tau_exact, sched=sched)
            want = gaussian_exact(x0, plan["times"][0], plan["times"][-1], mu, s2, sched)
            errs.append(float((got - want).abs().max() / want.abs().max()))
        results[(solver, kind)] = errs
        cells = []
        for j, e in enumerate(errs):
            if j == 0:
                cells.append(f"{e:>18.3e}")
            else:
                order = math.log(errs[j - 1] / e) / math.log(nfes[j] / nfes[j - 1])
                cells.append(f"{e:>10.3e} ({order:4.2f})")
        print(f"{solver:<15} {kind:<8}" + "".join(cells))
    # assertions: 2nd-order solvers within ~1e-3 at NFE 200 with observed order ~2
    for (solver, kind), errs in results.items():
        if solver == "ddim":
            continue
        e200 = errs[nfes.index(200)]
        limit = 5e-3 if kind == "uniform" else 1e-3  # uniform steps are too long at high noise
        assert e200 < limit, f"{solver}/{kind}: error {e200} at NFE 200"
        order = math.log(errs[nfes.index(100)] / e200) / math.log(2.0)
        assert 1.7 < order < 2.5, f"{solver}/{kind}: observed order {order}"
    print("second-order solvers: relative error < 1e-3 (uniform: 5e-3) at NFE 200 and observed order in "
          "(1.7, 2.5) between NFE 100 and 200: OK")
    return results


if __name__ == "__main__":
    torch.set_num_threads(max(1, torch.get_num_threads()))
    check_reference_numbers()
    check_identities()
    check_gaussian_convergence()
