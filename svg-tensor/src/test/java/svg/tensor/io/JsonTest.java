package svg.tensor.io;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class JsonTest {
    @Test
    void parsesAllValueKinds() {
        Object v = Json.parse(" {\"a\": [1, -2.5, 3e2, true, false, null], \"b\": {\"c\": \"x\\n\\u00e9\\\"\"}, \"big\": 12345678901234567890} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("a", "b", "big"), List.copyOf(m.keySet()));
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-2.5, a.get(1));
        assertEquals(300.0, a.get(2));
        assertEquals(Boolean.TRUE, a.get(3));
        assertEquals(Boolean.FALSE, a.get(4));
        assertNull(a.get(5));
        assertEquals("x\né\"", ((Map<?, ?>) m.get("b")).get("c"));
        assertEquals(1.2345678901234567e19, m.get("big"));
    }

    @Test
    void roundTripKeepsOrderAndValues() {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1L);
        m.put("a", List.of(1.5, "s\t\u0001", List.of()));
        m.put("m", Map.of());
        m.put("n", null);
        assertEquals(m, Json.parse(Json.write(m)));
        assertEquals(m, Json.parse(Json.writeCompact(m)));
        assertEquals("{\"z\":1,\"a\":[1.5,\"s\\t\\u0001\",[]],\"m\":{},\"n\":null}", Json.writeCompact(m));
    }

    @Test
    void rejectsMalformedInput() {
        for (String bad : new String[]{"", "{", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "01", "1.", "-", "\"abc",
                "\"\\x\"", "tru", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "\"a\u0001\"", "{1:2}"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("invalid JSON"), e.getMessage());
        }
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
    }

    @Test
    void refusesNonFiniteNumbers() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
    }
}
