package svg.tensor;

import org.junit.jupiter.api.Test;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.reference.ReferenceBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Tensor.block hands the ops to the current backend's runBlock, once per call, and returns their result. */
class TensorBlockTest {

    static class Recording extends ReferenceBackend {
        final List<String> blocks = new ArrayList<>();

        @Override
        public <T> T runBlock(String name, Supplier<T> ops) {
            blocks.add(name);
            return ops.get();
        }
    }

    @Test
    void blockRunsThroughTheCurrentBackend() {
        Recording rec = new Recording();
        Backend prev = Backends.use(rec);
        try {
            Tensor x = Tensor.arange(6).reshape(2, 3);
            Tensor y = Tensor.block("mlp", () -> x.mul(2f).add(1f));
            Tensor z = Tensor.block("mlp", () -> y.sum());
            assertArrayEquals(new float[]{1, 3, 5, 7, 9, 11}, y.toArray());
            assertEquals(36f, z.item());
            assertEquals(List.of("mlp", "mlp"), rec.blocks);
        } finally {
            Backends.use(prev);
        }
    }
}
