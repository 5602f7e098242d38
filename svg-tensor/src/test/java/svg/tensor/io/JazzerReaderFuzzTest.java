package svg.tensor.io;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Coverage-guided fuzz targets (Jazzer) for the svg-tensor readers, one per reader, holding {@link FuzzCheck}'s
 * contract: the input loads, or is refused with the reader's clear exception (an IOException naming the file;
 * IllegalArgumentException for JSON text), within the allocation and time budget.
 *
 * <p>The fuzzer's bytes become a file as {@link FuzzCheck#jazzerInput} says: the last byte even, the other bytes are
 * the file; odd, they drive the structure-aware generator of {@link ReaderFuzzTest}.
 *
 * <p>A normal test run replays the corpus only (Jazzer's regression mode): the files under
 * {@code src/test/resources/svg/tensor/io/JazzerReaderFuzzTestInputs/<method>/} (seed files and kept crashes, each
 * followed by a zero byte) and the empty input. {@code scripts/fuzz.sh jazzer svg-tensor <method> <seconds>} fuzzes
 * one target coverage-guided ({@code JAZZER_FUZZ=1}); Jazzer writes an input that fails into that same folder, where
 * it is a regression case from then on.
 */
class JazzerReaderFuzzTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void jazzer() {
        FuzzCheck.jazzerSetup();
    }

    /** Where a failing input goes: Jazzer has already written the fuzzer input beside the seeds. */
    private static String keep(String method) {
        return "Jazzer keeps the fuzzer input as crash-* in src/test/resources/svg/tensor/io/JazzerReaderFuzzTestInputs/"
                + method + "/ when fuzzing; commit it there as a regression case";
    }

    @FuzzTest(maxDuration = "60s")
    void safetensors(FuzzedDataProvider data) throws Exception {
        byte[] file = FuzzCheck.jazzerInput(data, ReaderFuzzTest::safetensorsInput);
        FuzzCheck.check("safetensors", "jazzer input", file, dir.resolve("x.safetensors"), IOException.class,
                ReaderFuzzTest::readSafetensors, keep("safetensors"));
    }

    @FuzzTest(maxDuration = "60s")
    void torchZip(FuzzedDataProvider data) throws Exception {
        byte[] file = FuzzCheck.jazzerInput(data, r -> ReaderFuzzTest.torchInput(r, false));
        FuzzCheck.check("torch-zip", "jazzer input", file, dir.resolve("x.pt"), IOException.class,
                ReaderFuzzTest::readTorch, keep("torchZip"));
    }

    @FuzzTest(maxDuration = "60s")
    void torchLegacy(FuzzedDataProvider data) throws Exception {
        byte[] file = FuzzCheck.jazzerInput(data, r -> ReaderFuzzTest.torchInput(r, true));
        FuzzCheck.check("torch-legacy", "jazzer input", file, dir.resolve("x.pt"), IOException.class,
                ReaderFuzzTest::readTorch, keep("torchLegacy"));
    }

    @FuzzTest(maxDuration = "60s")
    void json(FuzzedDataProvider data) throws Exception {
        byte[] file = FuzzCheck.jazzerInput(data, ReaderFuzzTest::jsonInput);
        FuzzCheck.check("json", "jazzer input", file, dir.resolve("x.json"), IllegalArgumentException.class,
                ReaderFuzzTest::readJson, keep("json"));
    }
}
