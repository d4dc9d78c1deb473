package org.timetuner4j.bench;

/**
 * What {@link OpProfile} and {@link OnnxOpProfile} share: their arguments
 * ({@code CONFIG:BATCH THREADS [SECONDS]}) and the timed loop of forwards they profile.
 */
record ProfileRun(String model, int threads, double seconds) {
    interface Forward {
        void run() throws Exception;
    }

    /** The arguments of {@code tool}, or a usage line and exit 2. */
    static ProfileRun parse(String tool, String[] args) {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: " + tool + " CONFIG:BATCH THREADS [SECONDS]");
            System.exit(2);
        }
        return new ProfileRun(args[0], Integer.parseInt(args[1]), args.length == 3 ? Double.parseDouble(args[2]) : 20);
    }

    /** Runs forward for {@code seconds} (at least once); returns how many times it ran. */
    static int repeat(double seconds, Forward forward) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int n = 0;
        while (System.nanoTime() < end || n == 0) {
            forward.run();
            n++;
        }
        return n;
    }
}
