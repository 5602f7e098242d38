package svg.tensor.conformance;

import org.junit.jupiter.api.Test;
import svg.tensor.backend.Backend;
import svg.tensor.backend.BinaryOp;
import svg.tensor.backend.ReduceOp;
import svg.tensor.backend.UnaryOp;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fails when a Backend method or an op enum value has no catalog case (ggml's "ops without a test" list). */
class CatalogCoverageTest {
    /** Backend methods that are not ops. */
    private static final Set<String> NOT_OPS = Set.of("name", "supports");

    @Test
    void everyBackendMethodHasACase() {
        Set<String> covered = OpCatalog.all().stream().map(OpCase::op).collect(Collectors.toSet());
        Set<String> missing = new TreeSet<>();
        for (Method m : Backend.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || NOT_OPS.contains(m.getName())) continue;
            if (!covered.contains(m.getName())) missing.add(m.getName());
        }
        assertTrue(missing.isEmpty(), "Backend methods without a conformance case: " + missing);
    }

    @Test
    void everyEnumValueHasACase() {
        Set<String> missing = new TreeSet<>();
        checkEnum("unary", UnaryOp.values(), missing);
        checkEnum("binary", BinaryOp.values(), missing);
        checkEnum("reduceLast", ReduceOp.values(), missing);
        assertTrue(missing.isEmpty(), "op values without a conformance case: " + missing);
    }

    private static void checkEnum(String op, Enum<?>[] values, Set<String> missing) {
        Set<String> covered = new HashSet<>();
        for (OpCase c : OpCatalog.all()) if (c.op().equals(op)) covered.add(c.variant());
        for (Enum<?> v : values) if (!covered.contains(v.name())) missing.add(op + "(" + v.name() + ")");
    }

    @Test
    void caseNamesAreUniqueSoEachIsItsOwnFilter() {
        var names = OpCatalog.all().stream().map(OpCase::name).toList();
        assertEquals(names.size(), new HashSet<>(names).size(), "duplicate case names");
    }
}
