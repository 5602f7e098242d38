package svg.tornado;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import svg.tensor.backend.Backend;
import svg.tensor.conformance.OpCatalog;

import java.util.stream.Stream;

/**
 * The catalog's matmul and linear cases on the alternative 16x16-tile GEMM kernel ({@code svg.tornado.gemm=tile16});
 * the default register-blocked kernel runs in {@link TornadoConformanceTest}.
 */
class Tile16GemmTest {

    @TestFactory
    Stream<DynamicTest> tile16() {
        String prev = System.getProperty("svg.tornado.gemm");
        System.setProperty("svg.tornado.gemm", "tile16");
        Backend b;
        try {
            b = TornadoProbe.create(null);
        } finally {
            if (prev == null) System.clearProperty("svg.tornado.gemm");
            else System.setProperty("svg.tornado.gemm", prev);
        }
        Backend backend = b;
        return OpCatalog.all().stream().filter(c -> c.op().equals("matmul") || c.op().equals("linear"))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> c.check(backend)));
    }
}
