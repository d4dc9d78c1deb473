package org.timetuner4j.cli;

import org.timetuner4j.UserError;

/** --eta means something to DDIM only; given to another solver it is refused rather than silently ignored. */
final class EtaOption {
    private EtaOption() {}

    /** {@code eta}: the value given, null when the option was not given. */
    static double check(String solver, Double eta) {
        if (eta == null) return 0;
        if (!solver.equals("ddim"))
            throw new UserError("--eta applies to ddim only (ddpm is ddim with eta = 1; dpm-solver-2, dpm-solver++2m "
                    + "and heun are deterministic); leave it out with --solver " + solver);
        return eta;
    }
}
