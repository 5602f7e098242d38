package svg.app;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ClassNamesTest {
    static final List<String> FASHION = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    @Test
    void namesAndIds() {
        assertEquals(7, ClassNames.resolve("sneaker", FASHION, 10));
        assertEquals(7, ClassNames.resolve("SNEAKER", FASHION, 10));
        assertEquals(9, ClassNames.resolve("ankle_boot", FASHION, 10));
        assertEquals(0, ClassNames.resolve("t-shirt", FASHION, 10));
        assertEquals(0, ClassNames.resolve("top", FASHION, 10));
        assertEquals(3, ClassNames.resolve("3", FASHION, 10));
        assertEquals(0, ClassNames.resolve("tench", List.of("tench, Tinca tinca", "goldfish, Carassius auratus"), 1000));
        assertArrayEquals(new int[]{7, 7, 1}, ClassNames.resolve(List.of("sneaker", "7", "trouser"), FASHION, 10));
    }

    @Test
    void errorsNameTheProblem() {
        CliException unknown = assertThrows(CliException.class, () -> ClassNames.resolve("spaceship", FASHION, 10));
        assertTrue(unknown.getMessage().contains("spaceship") && unknown.getMessage().contains("7=Sneaker"), unknown.getMessage());
        CliException range = assertThrows(CliException.class, () -> ClassNames.resolve("10", FASHION, 10));
        assertTrue(range.getMessage().contains("0..9"), range.getMessage());
        assertThrows(CliException.class, () -> ClassNames.resolve("99999999999999", FASHION, 10));
        CliException noNames = assertThrows(CliException.class, () -> ClassNames.resolve("cat", List.of(), 4));
        assertTrue(noNames.getMessage().contains("0..3"), noNames.getMessage());
        assertThrows(CliException.class, () -> ClassNames.resolve("shirt", List.of("shirt", "Shirt"), 2), "ambiguous");
    }
}
