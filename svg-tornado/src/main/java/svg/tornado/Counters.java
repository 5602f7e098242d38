package svg.tornado;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the backend counts, in one place, so that every plan adds to the same totals: copies and launches (as the
 * plans' transfer modes ask TornadoVM for them, whole buffers), kernels compiled, weight bytes compared with the
 * host, and per block name the traffic, runs and fallbacks. The numbers are the backend's own, not TornadoVM's, so
 * they measure the design on any device (PoCL included). Guarded by the backend's lock.
 */
final class Counters {
    long launches, toDevice, toDeviceBytes, toHost, toHostBytes, reuploads, reuploadBytes;
    /** Kernels TornadoVM compiled: one per op-by-op plan, one per task of a block plan, at their first run. */
    long compiled;
    /**
     * Bytes of resident weights compared with their host values: only weights whose storage version moved since
     * they were uploaded or last checked ({@link KernelPlan#current}); zero while nothing writes the weights.
     */
    long weightBytesCompared;
    /** Block plan runs whose input was the previous run's result, read on the device (chained, {@link BlockPlan}). */
    long chainedRuns;

    /** Traffic per block name (ops run inside a block), how often each block ran, and how often it fell back. */
    final Map<String, Transfers> blockTraffic = new LinkedHashMap<>();
    final Map<String, Integer> blockRuns = new HashMap<>();
    final Map<String, Integer> blockFallbacks = new HashMap<>();
    /** Traffic of the launches run op by op, per kernel and output length ("linear4x4 -> 393216"). */
    final Map<String, Transfers> opTraffic = new HashMap<>();

    Transfers snapshot() {
        return new Transfers(launches, toDevice, toDeviceBytes, toHost, toHostBytes, reuploads, reuploadBytes);
    }

    /** Adds one run of block {@code name} and its traffic. */
    void blockRan(String name, Transfers traffic) {
        blockTraffic.merge(name, traffic, Transfers::plus);
        blockRuns.merge(name, 1, Integer::sum);
    }

    /** Forgets the per-block counts (the running totals stay). */
    void clearBlocks() {
        blockTraffic.clear();
        blockRuns.clear();
        blockFallbacks.clear();
    }
}
