package svg.nn.data;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.image.ImageIo;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Coverage-guided fuzz targets (Jazzer) for the svg-nn readers: IDX (plain or gzip), images, model.json. Each holds
 * {@link FuzzCheck}'s contract: the input loads, or is refused with the reader's clear exception (an IOException
 * naming the file; IllegalArgumentException for model.json), within the allocation and time budget.
 *
 * <p>The fuzzer's bytes become a file as {@link FuzzCheck#jazzerInput} says: the last byte even, the other bytes are
 * the file; odd, they drive the structure-aware generator of {@link DataReaderFuzzTest}.
 *
 * <p>A normal test run replays the corpus only (Jazzer's regression mode): the files under
 * {@code src/test/resources/svg/nn/data/JazzerDataReaderFuzzTestInputs/<method>/} (seed files and kept crashes, each
 * followed by a zero byte) and the empty input. {@code scripts/fuzz.sh jazzer svg-nn <method> <seconds>} fuzzes one
 * target coverage-guided ({@code JAZZER_FUZZ=1}); Jazzer writes an input that fails into that same folder, where it
 * is a regression case from then on.
 */
class JazzerDataReaderFuzzTest {
    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};

    @TempDir
    static Path dir;

    /** The image decoders are the JDK's (ImageIO): coverage there is what guides the images target. */
    @BeforeAll
    static void jazzer() {
        FuzzCheck.jazzerSetup("com.sun.imageio.**", "javax.imageio.**");
    }

    private static String keep(String method) {
        return "Jazzer keeps the fuzzer input as crash-* in src/test/resources/svg/nn/data/JazzerDataReaderFuzzTestInputs/"
                + method + "/ when fuzzing; commit it there as a regression case";
    }

    /** IdxFile decompresses by the file name, so a file that starts as gzip does is named .gz. */
    @FuzzTest(maxDuration = "60s")
    void idx(FuzzedDataProvider data) throws Exception {
        byte[] file = FuzzCheck.jazzerInput(data, r -> DataReaderFuzzTest.idxInput(r, r.nextBoolean()));
        boolean gz = file.length >= 2 && file[0] == GZIP_MAGIC[0] && file[1] == GZIP_MAGIC[1];
        FuzzCheck.check(gz ? "idx-gz" : "idx", "jazzer input", file, dir.resolve(gz ? "x-idx3-ubyte.gz" : "x-idx3-ubyte"),
                IOException.class, IdxFile::read, keep("idx"));
    }

    @FuzzTest(maxDuration = "60s")
    void images(FuzzedDataProvider data) throws Exception {
        byte[] file = FuzzCheck.jazzerInput(data, DataReaderFuzzTest::imageInput);
        FuzzCheck.check("image", "jazzer input", file, dir.resolve("x.img"), IOException.class, ImageIo::read, keep("images"));
    }

    @FuzzTest(maxDuration = "60s")
    void modelJson(FuzzedDataProvider data) throws Exception {
        byte[] file = FuzzCheck.jazzerInput(data, DataReaderFuzzTest::modelJsonInput);
        FuzzCheck.check("model-json", "jazzer input", file, dir.resolve("model.json"), IllegalArgumentException.class,
                DataReaderFuzzTest::readModelJson, keep("modelJson"));
    }
}
