package svg.tensor.backend;

import org.junit.jupiter.api.Test;
import svg.tensor.Tensor;
import svg.tensor.reference.ReferenceBackend;

import static org.junit.jupiter.api.Assertions.*;

/** Backend selection by name, run-time swapping, and the error for an unknown name. */
class BackendsTest {

    @Test
    void builtInNames() {
        assertEquals("reference", Backends.byName("reference").name());
        assertEquals("cpu", Backends.byName("cpu").name());
        assertNotNull(Backends.providers());
    }

    @Test
    void unknownNameListsTheAvailableOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.byName("nope:1"));
        assertTrue(e.getMessage().contains("unknown backend 'nope:1'") && e.getMessage().contains("cpu, reference"), e.getMessage());
    }

    @Test
    void useSwapsTheBackendOpsRunOnAndReturnsThePreviousOne() {
        Backend mine = new ReferenceBackend() {
            @Override
            public String name() { return "mine"; }
        };
        Backend prev = Backends.use(mine);
        try {
            assertSame(mine, Backends.current());
            assertEquals(3f, Tensor.scalar(1f).add(2f).item());
        } finally {
            assertSame(mine, Backends.use(prev));
        }
        assertSame(prev, Backends.current());
    }
}
