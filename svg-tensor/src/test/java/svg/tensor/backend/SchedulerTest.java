package svg.tensor.backend;

import org.junit.jupiter.api.Test;
import svg.tensor.Tensor;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fallback decision ({@link Scheduler}): an op runs on the chosen backend when it supports the op on those
 * operands, else on the fallback; Tensor ops follow that decision; a backend that says it runs an op it does not
 * implement, and an op nobody runs, fail with a message that says so.
 */
class SchedulerTest {

    /**
     * A partial backend, as a device backend is: runs binary ops up to rank 2 and matmul, nothing else; counts its
     * calls. (Its answers are the reference's, borrowed through the registry: this test is about where ops go.)
     */
    static final class Partial implements Backend {
        final Backend impl = Backends.byName("reference");
        final List<String> ran = new ArrayList<>();

        @Override
        public String name() { return "partial"; }

        @Override
        public boolean supports(Op op, Tensor... operands) {
            return switch (op) {
                case BINARY -> operands[0].dim() <= 2;
                case MATMUL -> true;
                default -> false;
            };
        }

        @Override
        public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
            ran.add("binary");
            return impl.binary(op, a, b);
        }

        @Override
        public Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
            ran.add("matmul");
            return impl.matmul(a, transA, b, transB);
        }
    }

    /** Records every op it runs; supports everything (the fallback). */
    static final class Recording implements Backend {
        final Backend impl = Backends.byName("reference");
        final List<String> ran = new ArrayList<>();

        @Override
        public String name() { return "recording"; }

        @Override
        public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
            ran.add("binary");
            return impl.binary(op, a, b);
        }

        @Override
        public Tensor reduceLast(ReduceOp op, Tensor x) {
            ran.add("reduceLast");
            return impl.reduceLast(op, x);
        }

        @Override
        public Tensor softmax(Tensor x) {
            ran.add("softmax");
            return impl.softmax(x);
        }

        @Override
        public Tensor unary(UnaryOp op, Tensor x) {
            ran.add("unary");
            return impl.unary(op, x);
        }
    }

    @Test
    void placementFollowsSupportsPerOpAndPerOperand() {
        Partial p = new Partial();
        Recording f = new Recording();
        Scheduler s = new Scheduler(p, f);
        Tensor m = Tensor.zeros(2, 3), r3 = Tensor.zeros(2, 3, 4);
        assertSame(p, s.placement(Op.MATMUL, m, m));
        assertSame(p, s.placement(Op.BINARY, m, m), "rank 2: the partial backend runs it");
        assertSame(f, s.placement(Op.BINARY, r3, r3), "rank 3: not supported there, so the fallback runs it");
        assertSame(f, s.placement(Op.SOFTMAX, m), "an op the backend never runs");
        assertEquals("partial", s.name(), "a scheduler is its backend as ops see it");
    }

    @Test
    void opsRunWhereThePlacementSays() {
        Partial p = new Partial();
        Recording f = new Recording();
        Scheduler s = new Scheduler(p, f);
        Tensor a = Tensor.of(new float[]{1, 2, 3, 4}, 2, 2), b = Tensor.ones(2, 2);
        assertArrayEquals(new float[]{2, 3, 4, 5}, s.binary(BinaryOp.ADD, a, b).toArray());
        Tensor a3 = a.reshape(1, 2, 2), b3 = b.reshape(1, 2, 2);
        assertArrayEquals(new float[]{1, 2, 3, 4}, s.binary(BinaryOp.MUL, a3, b3).toArray());
        assertArrayEquals(new float[]{3, 7}, s.reduceLast(ReduceOp.SUM, a).toArray());
        assertEquals(List.of("binary"), p.ran);
        assertEquals(List.of("binary", "reduceLast"), f.ran);
    }

    @Test
    void tensorOpsGoThroughTheSchedulerOfTheCurrentBackend() {
        Partial p = new Partial();
        Backend prev = Backends.use(p);
        try {
            assertSame(p, Backends.current());
            Tensor x = Tensor.of(new float[]{1, 2, 3, 4}, 2, 2);
            Tensor y = x.matmul(x).add(1f).softmax(-1).sum(-1, false);
            // matmul and the rank-2 add ran on the partial backend; softmax and the sum on the fallback (cpu)
            assertEquals(List.of("matmul", "binary"), p.ran);
            assertArrayEquals(new float[]{1, 1}, y.toArray(), 1e-6f);
            assertEquals("cpu", ((Scheduler) Backends.dispatch()).fallback().name());
        } finally {
            Backends.use(prev);
        }
    }

    @Test
    void anOpTheBackendClaimsButDoesNotImplementFailsClearly() {
        Backend liar = () -> "liar"; // supports everything, implements nothing
        Scheduler s = new Scheduler(liar, new Recording());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> s.softmax(Tensor.zeros(2)));
        assertTrue(e.getMessage().contains("'liar' does not run softmax") && e.getMessage().contains("supports()"),
                e.getMessage());
    }

    @Test
    void anOpNeitherRunsFailsClearly() {
        Partial p = new Partial();
        Scheduler s = new Scheduler(p, new Partial());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.softmax(Tensor.zeros(2)));
        assertTrue(e.getMessage().contains("no backend runs softmax"), e.getMessage());
    }

    @Test
    void theFallbackIsLookedUpOnlyWhenNeeded() {
        int[] lookups = {0};
        Scheduler s = new Scheduler(new Recording(), () -> {
            lookups[0]++;
            return new Recording();
        });
        s.softmax(Tensor.zeros(2));
        assertEquals(0, lookups[0], "a backend that runs everything never needs its fallback");
    }

    @Test
    void everyBackendOpHasAnOpConstantAndTheSchedulerRoutesIt() {
        Set<String> methods = new TreeSet<>(), constants = new TreeSet<>();
        for (Method m : Backend.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) continue;
            if (Set.of("name", "supports", "runBlock").contains(m.getName())) continue;
            methods.add(m.getName());
            // the scheduler overrides every op (else the op would bypass the decision)
            assertDoesNotThrow(() -> Scheduler.class.getDeclaredMethod(m.getName(), m.getParameterTypes()), m.getName());
        }
        for (Op op : Op.values()) constants.add(op.method());
        assertEquals(methods, constants);
    }

    @Test
    void builtInBackendsAreProvidersAndRankChoosesTheDefault() {
        List<String> names = Backends.providers().stream().map(BackendProvider::name).toList();
        assertTrue(names.containsAll(List.of("cpu", "reference")), names.toString());
        int[] ranks = Backends.providers().stream().mapToInt(BackendProvider::rank).toArray();
        for (int i = 1; i < ranks.length; i++)
            assertTrue(ranks[i - 1] >= ranks[i], "providers are listed highest rank first: " + Arrays.toString(ranks));
        assertEquals("cpu", Backends.defaultName(), "cpu has the highest rank of the usable providers");
        assertEquals("cpu", Backends.fallback().name());
    }
}
