package org.timetuner4j.diffusion.solvers;

/**
 * The nominal grid of one sampling run: times t_0 > … > t_K and, per interval, how many network
 * calls (slots) it makes. NFE = Σ slots.
 */
public record SolverPlan(double[] times, int[] slots) {
    public SolverPlan {
        if (times.length != slots.length + 1) throw new IllegalArgumentException("need one more time than intervals");
        times = times.clone();
        slots = slots.clone();
    }

    public int intervals() { return slots.length; }

    public int nfe() {
        int n = 0;
        for (int s : slots) n += s;
        return n;
    }

    @Override public double[] times() { return times.clone(); }

    @Override public int[] slots() { return slots.clone(); }

    public double time(int i) { return times[i]; }

    public int slots(int interval) { return slots[interval]; }
}
