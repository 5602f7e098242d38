package svg.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad shapes fail with a message that names the problem and the shapes involved. */
class TensorErrorsTest {

    private static void fails(Executable e, String... fragments) {
        RuntimeException ex = assertThrows(RuntimeException.class, e);
        String msg = ex.getMessage();
        for (String f : fragments) assertTrue(msg != null && msg.contains(f), "message '" + msg + "' should contain '" + f + "'");
    }

    private final Tensor x = Tensor.zeros(2, 3, 4);

    @Test
    void creationAndReshape() {
        fails(() -> Tensor.of(new float[5], 2, 3), "[2, 3]", "6", "5");
        fails(() -> x.reshape(5, -1), "cannot reshape", "[2, 3, 4]");
        fails(() -> x.reshape(-1, -1), "only one -1");
        fails(() -> x.reshape(7, 4), "cannot reshape");
        fails(() -> Tensor.zeros(2, -1), "negative");
        fails(() -> x.item(), "item()", "[2, 3, 4]");
    }

    @Test
    void views() {
        fails(() -> x.permute(0, 1), "permute needs 3");
        fails(() -> x.permute(0, 1, 1), "repeated axis");
        fails(() -> x.transpose(0, 3), "axis 3 out of range", "[2, 3, 4]");
        fails(() -> x.narrow(1, 2, 2), "narrow(1, 2, 2)", "[2, 3, 4]");
        fails(() -> x.select(0, 2), "narrow");
        fails(() -> x.expand(2, 5, 4), "cannot expand", "[2, 3, 4]", "[2, 5, 4]");
        fails(() -> x.expand(3, 4), "cannot expand");
        fails(() -> x.squeeze(1), "squeeze axis 1 has size 3");
        fails(() -> x.unsqueeze(5), "unsqueeze axis 5");
        fails(() -> x.size(-4), "axis -4 out of range");
        fails(() -> x.get(0, 0), "need 3 indices");
    }

    @Test
    void catSplitChunk() {
        fails(() -> Tensor.cat(0, List.of()), "cat of nothing");
        fails(() -> Tensor.cat(1, x, Tensor.zeros(3, 3, 4)), "cat: shapes", "[2, 3, 4]", "[3, 3, 4]");
        fails(() -> Tensor.cat(0, x, Tensor.zeros(2, 3)), "rank");
        fails(() -> x.split(2, 1, 2), "split sizes", "[1, 2]", "4");
        fails(() -> x.chunk(3, 2), "chunk", "4", "3");
    }

    @Test
    void ops() {
        fails(() -> x.add(Tensor.zeros(3, 3)), "do not broadcast", "[2, 3, 4]", "[3, 3]");
        fails(() -> x.matmul(Tensor.zeros(3, 4)), "inner sizes differ", "[2, 3, 4]", "[3, 4]");
        fails(() -> Tensor.zeros(3).matmul(Tensor.zeros(3, 1)), "rank >= 2");
        fails(() -> x.matmul(Tensor.zeros(3, 4, 5)), "do not broadcast");
        fails(() -> x.linear(Tensor.zeros(5, 3), null), "linear", "[2, 3, 4]", "[5, 3]");
        fails(() -> x.linear(Tensor.zeros(5, 4), Tensor.zeros(4)), "linear bias must have shape [5]");
        fails(() -> x.layerNorm(Tensor.zeros(3), null, 1e-5f), "layerNorm weight must have shape [4]", "[3]");
        fails(() -> x.rmsNorm(Tensor.zeros(4, 1), 1e-5f), "rmsNorm weight");
        fails(() -> x.groupNorm(2, null, null, 1e-5f), "3 channels not divisible by 2 groups");
        Tensor img = Tensor.zeros(1, 3, 8, 8);
        fails(() -> img.conv2d(Tensor.zeros(4, 2, 3, 3), null, 1, 1), "conv2d", "[1, 3, 8, 8]", "[4, 2, 3, 3]");
        fails(() -> img.conv2d(Tensor.zeros(4, 3, 3, 3), Tensor.zeros(3), 1, 1), "conv2d bias must have shape [4]");
        fails(() -> x.upsampleNearest2x(), "upsampleNearest2x needs [N,C,H,W]");
        fails(() -> Tensor.zeros(5, 2).embedding(new int[]{1, 5}), "embedding id 5", "[0, 5)");
        fails(() -> x.embedding(new int[]{0}), "embedding table must be [V, D]");
        Tensor q = Tensor.zeros(1, 2, 3, 4);
        fails(() -> Tensor.attention(q, Tensor.zeros(1, 2, 5, 8), Tensor.zeros(1, 2, 5, 4), null, 1f), "attention shapes");
        fails(() -> Tensor.attention(q, q, Tensor.zeros(1, 2, 4, 4), null, 1f), "attention shapes");
        fails(() -> Tensor.attention(x, x, x, null, 1f), "[B,H,T,D]");
        fails(() -> q.rope(Tensor.zeros(3, 2), Tensor.zeros(3, 2)), "rope", "[3, 2]");
        fails(() -> Tensor.zeros(1, 1, 3, 5).rope(Tensor.zeros(3, 5), Tensor.zeros(3, 5)), "even head dim");
    }
}
