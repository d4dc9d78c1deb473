package org.timetuner4j.data;

/**
 * What {@code gaussian:mean=M,std=S,shape=CxHxW[,schedule=discrete|linear|cosine]} names: a
 * Gaussian data distribution and the name of the noise schedule the analytic model uses with it.
 */
public record GaussianSpec(GaussianDistribution data, String schedule) {
    public static GaussianSpec parse(String spec) {
        if (!spec.startsWith("gaussian:")) throw new IllegalArgumentException("not a gaussian model spec: " + spec);
        double m = 0, s = 1;
        int[] sh = {1, 8, 8};
        String sched = "discrete";
        for (String part : spec.substring("gaussian:".length()).split(",")) {
            if (part.isBlank()) continue;
            String[] kv = part.split("=", 2);
            if (kv.length != 2) throw new IllegalArgumentException("gaussian model: expected key=value, got '" + part + "'");
            String k = kv[0].trim(), v = kv[1].trim();
            try {
                switch (k) {
                    case "mean" -> m = Double.parseDouble(v);
                    case "std" -> s = Double.parseDouble(v);
                    case "shape" -> {
                        String[] d = v.split("x");
                        if (d.length != 3) throw new IllegalArgumentException("gaussian model: shape must be CxHxW, got '" + v + "'");
                        sh = new int[] {Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2])};
                    }
                    case "schedule" -> sched = switch (v) {
                        case "discrete", "linear", "cosine" -> v;
                        default -> throw new IllegalArgumentException("gaussian model: schedule must be discrete, linear or cosine, got '" + v + "'");
                    };
                    default -> throw new IllegalArgumentException("gaussian model: unknown key '" + k + "' (mean, std, shape, schedule)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("gaussian model: '" + v + "' is not a number (" + k + ")");
            }
        }
        return new GaussianSpec(new GaussianDistribution(m, s, sh), sched);
    }
}
