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

    @Test
    void theInRepoCaseListIsPinned() throws Exception {
        java.nio.file.Path root = GoldenTest.inRepoDir();
        java.util.List<String> found = GoldenTest.caseNames(root);
        GoldenTest.checkPinned(root, found, GoldenTest.EXPECTED_CASES, true);
        // a deleted case fails, naming it; so does a case nobody pinned
        java.util.List<String> deleted = new java.util.ArrayList<>(found);
        deleted.remove("svg_sampler");
        AssertionError e = assertThrows(AssertionError.class, () -> GoldenTest.checkPinned(root, deleted, GoldenTest.EXPECTED_CASES, true));
        assertTrue(e.getMessage().contains("[svg_sampler]"), e.getMessage());
        java.util.List<String> added = new java.util.ArrayList<>(found);
        added.add("svg_new");
        e = assertThrows(AssertionError.class, () -> GoldenTest.checkPinned(root, added, GoldenTest.EXPECTED_CASES, true));
        assertTrue(e.getMessage().contains("svg_new"), e.getMessage());
        assertTrue(GoldenTest.EXPECTED_CASES.containsAll(GoldenTest.SHARED_CASES));
    }
}
