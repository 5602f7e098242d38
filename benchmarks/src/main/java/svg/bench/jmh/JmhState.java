package svg.bench.jmh;

import svg.bench.Machine;

/** Shared set-up: each forked JVM prints what it runs on (CPU, ISA, vector width, GEMM tile) once. */
final class JmhState {
    private JmhState() {}

    private static boolean printed;

    static synchronized void describeOnce(int threads) {
        if (printed) return;
        printed = true;
        System.out.println("# " + Machine.describe() + "; threads " + threads);
    }
}
