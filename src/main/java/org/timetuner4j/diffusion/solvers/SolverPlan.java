package org.timetuner4j.diffusion.solvers;

/**
 * The nominal grid of one sampling run: times t_0 > … > t_K and, per interval, how many network
 * calls (slots) it makes. NFE = Σ slots. A solver whose step evaluates the network strictly
 * inside its interval (DPM-Solver-2) also records that {@link Inner inner point} per interval;
 * {@code inner} is null for the others, and an entry is null for an interval without one.
 */
public record SolverPlan(double[] times, int[] slots, Inner[] inner) {
    /**
     * The intermediate slot of an interval s → t: its nominal time and where it sits in logSNR,
     * {@code fraction} = (λ(time) − λ(s)) / (λ(t) − λ(s)) (DPM-Solver's r1).
     */
    public record Inner(double time, double fraction) {}

    public SolverPlan {
        if (times.length != slots.length + 1) throw new IllegalArgumentException("need one more time than intervals");
        if (inner != null && inner.length != slots.length) throw new IllegalArgumentException("need one inner point per interval");
        times = times.clone();
        slots = slots.clone();
        inner = inner == null ? null : inner.clone();
    }

    /** A plan whose slots all sit on the grid times. */
    public SolverPlan(double[] times, int[] slots) { this(times, slots, null); }

    public int intervals() { return slots.length; }

    public int nfe() {
        int n = 0;
        for (int s : slots) n += s;
        return n;
    }

    @Override public double[] times() { return times.clone(); }

    @Override public int[] slots() { return slots.clone(); }

    @Override public Inner[] inner() { return inner == null ? null : inner.clone(); }

    public double time(int i) { return times[i]; }

    public int slots(int interval) { return slots[interval]; }

    /** The inner point of an interval; an error where the plan has none. */
    public Inner inner(int interval) {
        Inner p = inner == null ? null : inner[interval];
        if (p == null) throw new IllegalStateException("interval " + interval + " of this plan has no inner point");
        return p;
    }
}
