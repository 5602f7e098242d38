package svg.tornado;

import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TornadoVM mechanism a device-resident block needs, checked on this device with our own kernels: two graphs
 * of one execution plan, the first leaving its output on the device ({@code persistOnDevice}), the second reading
 * it from there ({@code consumeFromDevice}). exp(-x) must come out right on every replay with new inputs, and the
 * intermediate's host copy must never be written (it did not travel).
 */
class DeviceChainTest {
    @Test
    void intermediateStaysOnTheDevice() throws Exception {
        int n = 1000, cap = 1024;
        IntArray neg = new IntArray(KernelPlan.IP), exp = new IntArray(KernelPlan.IP);
        neg.set(0, ElementwiseKernels.NEG);
        neg.set(1, n);
        exp.set(0, ElementwiseKernels.EXP);
        exp.set(1, n);
        FloatArray fp = new FloatArray(KernelPlan.FP), unused = new FloatArray(1);
        FloatArray x = new FloatArray(cap), mid = new FloatArray(cap), out = new FloatArray(cap);
        mid.init(-7f);
        TaskGraph first = new TaskGraph("chainA").transferToDevice(DataTransferMode.EVERY_EXECUTION, neg, fp, x, unused)
                .task("t", ElementwiseKernels::unary, new KernelContext(), neg, fp, x, unused, unused, unused, mid)
                .persistOnDevice(mid);
        TaskGraph second = new TaskGraph("chainB").transferToDevice(DataTransferMode.EVERY_EXECUTION, exp, fp, unused)
                .consumeFromDevice("chainA", mid)
                .task("t", ElementwiseKernels::unary, new KernelContext(), exp, fp, mid, unused, unused, unused, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        WorkerGrid g1 = new WorkerGrid1D(cap), g2 = new WorkerGrid1D(cap);
        g1.setLocalWork(Kernels.ES, 1, 1);
        g2.setLocalWork(Kernels.ES, 1, 1);
        GridScheduler sched = new GridScheduler("chainA.t", g1);
        sched.addWorkerGrid("chainB.t", g2);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(first.snapshot(), second.snapshot())) {
            plan.withGridScheduler(sched);
            for (int rep = 0; rep < 3; rep++) {
                for (int i = 0; i < n; i++) x.set(i, i * 1e-3f + rep);
                plan.withGraph(0).execute();
                plan.withGraph(1).execute();
                double worst = 0;
                for (int i = 0; i < n; i++) worst = Math.max(worst, Math.abs(out.get(i) - Math.exp(-(i * 1e-3 + rep))));
                assertTrue(worst < 1e-6, "replay " + rep + ": exp(-x) off by " + worst);
            }
            for (int i = 0; i < n; i++) assertEquals(-7f, mid.get(i), "the intermediate was copied to the host at " + i);
        }
    }
}
