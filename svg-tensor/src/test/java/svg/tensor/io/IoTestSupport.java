package svg.tensor.io;

import svg.tensor.Tensor;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Fixture lookup and exact tensor comparison for the io tests. */
final class IoTestSupport {
    private IoTestSupport() {}

    /** A file under src/test/resources/io/. */
    static Path resource(String name) {
        var url = IoTestSupport.class.getResource("/io/" + name);
        assertNotNull(url, "missing test resource io/" + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertTensorEquals(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toArray(), a = actual.toArray();
        for (int i = 0; i < e.length; i++)
            if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i]))
                assertEquals(e[i], a[i], what + " element " + i + " of " + Arrays.toString(expected.shape()));
    }
}
