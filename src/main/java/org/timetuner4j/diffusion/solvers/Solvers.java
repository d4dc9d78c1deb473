package org.timetuner4j.diffusion.solvers;

/** The solvers by name. */
public final class Solvers {
    public static final String NAMES = "ddim, ddpm, dpm-solver-2, dpm-solver++2m, heun";

    private Solvers() {}

    public static Solver byName(String name, double eta) {
        return switch (name) {
            case "ddim" -> new Ddim(eta);
            case "ddpm" -> Ddim.ddpm();
            case "dpm-solver-2" -> new DpmSolver2();
            case "dpm-solver++2m" -> new DpmSolverPP2M();
            case "heun" -> new Heun();
            default -> throw new IllegalArgumentException("solver '" + name + "' is not one of " + NAMES);
        };
    }
}
