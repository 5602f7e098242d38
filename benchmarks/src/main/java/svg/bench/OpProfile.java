package svg.bench;

import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wall time per backend op, like PyTorch's autograd profiler table: the current backend is wrapped in a proxy that
 * times every op method and sums the times per (method, op kind, output shape). What is not inside a backend op
 * (tensor bookkeeping, strided copies done by {@code Tensor} itself, autograd, the optimiser's host loops,
 * allocation and GC between ops) is the step time minus the table's total. Used by {@code TrainStepBench
 * --profile-ops}; the proxy costs about a microsecond per op, so read small ops' times as upper bounds.
 */
final class OpProfile {
    private record Key(String method, String kind, String shape) {}

    private static final class Sum { long nanos, calls; }

    private final Map<Key, Sum> sums = new ConcurrentHashMap<>();
    private volatile boolean on;

    private OpProfile() {}

    /** Wraps the current backend; timing starts with {@link #start}. */
    static OpProfile install() {
        OpProfile p = new OpProfile();
        Backend inner = Backends.current();
        InvocationHandler h = (proxy, m, args) -> {
            if (!p.on || m.getReturnType() != Tensor.class) return call(inner, m, args);
            long t0 = System.nanoTime();
            Object r = call(inner, m, args);
            long dt = System.nanoTime() - t0;
            String kind = args != null && args.length > 0 && args[0] instanceof Enum<?> e ? e.name() : "";
            String shape = r instanceof Tensor t ? Arrays.toString(t.shape()) : "";
            Sum s = p.sums.computeIfAbsent(new Key(m.getName(), kind, shape), k -> new Sum());
            synchronized (s) { s.nanos += dt; s.calls++; }
            return r;
        };
        Backends.use((Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, h));
        return p;
    }

    private static Object call(Backend inner, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(inner, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    void start() { sums.clear(); on = true; }

    void stop() { on = false; }

    /** The table, ms per step over {@code steps} steps, largest first; the last lines total by method. */
    void print(int steps, double stepSeconds) {
        List<Map.Entry<Key, Sum>> rows = new ArrayList<>(sums.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue().nanos, a.getValue().nanos));
        double total = 0;
        Map<String, Double> byMethod = new java.util.TreeMap<>();
        System.out.printf(Locale.ROOT, "# ops per step (wall ms), %d steps%n", steps);
        for (var e : rows) {
            double ms = e.getValue().nanos / 1e6 / steps;
            total += ms;
            byMethod.merge(e.getKey().method(), ms, Double::sum);
            if (ms >= 0.2)
                System.out.printf(Locale.ROOT, "#   %8.2f ms %6.1f calls  %s %s -> %s%n", ms, (double) e.getValue().calls / steps,
                        e.getKey().method(), e.getKey().kind(), e.getKey().shape());
        }
        System.out.println("# by method:");
        byMethod.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                .forEach(e -> System.out.printf(Locale.ROOT, "#   %8.2f ms  %s%n", e.getValue(), e.getKey()));
        System.out.printf(Locale.ROOT, "# inside backend ops %.1f ms, outside %.1f ms of a %.1f ms step (mean)%n",
                total, stepSeconds * 1e3 - total, stepSeconds * 1e3);
    }
}
