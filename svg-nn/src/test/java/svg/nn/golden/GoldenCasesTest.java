package svg.nn.golden;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GoldenCasesTest {
    @Test
    void unknownCaseTypeFailsNamingIt() {
        AssertionError e = assertThrows(AssertionError.class, () -> GoldenCases.forType("svg_unheard_of"));
        assertTrue(e.getMessage().contains("svg_unheard_of"), e.getMessage());
        assertTrue(e.getMessage().contains("svg_dit"), "lists the known types: " + e.getMessage());
    }
}
