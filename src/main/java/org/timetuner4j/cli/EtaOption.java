package org.timetuner4j.cli;

import org.timetuner4j.UserError;

/**
 * --eta is DDIM's noise level. The other solvers have a fixed one (ddpm: 1; the DPM-Solvers and
 * Heun are deterministic: 0), so a different value given to them is refused rather than ignored.
 */
final class EtaOption {
    private EtaOption() {}

    /** The η to use; {@code given} is null when the option was not given. */
    static double check(String solver, Double given) {
        if (given != null && !(given >= 0 && given <= 1))
            throw new UserError("--eta must be between 0 (deterministic DDIM) and 1 (DDPM's noise), got " + given);
        if (given == null || solver.equals("ddim")) return given == null ? 0 : given;
        double fixed = solver.equals("ddpm") ? 1 : 0;
        if (given != fixed)
            throw new UserError("--solver " + solver + " ignores --eta " + given + ": its η is " + (int) fixed
                    + " (--eta sets DDIM's noise level; use --solver ddim)");
        return given;
    }
}
