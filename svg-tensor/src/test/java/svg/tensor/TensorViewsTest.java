package svg.tensor;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Views share the buffer and index it correctly; contiguous/cat/split/stack/chunk produce the right values. */
class TensorViewsTest {

    /** [2, 3, 4] holding 0..23: value = 12 i + 4 j + k. */
    private static Tensor iota234() { return Tensor.arange(24).reshape(2, 3, 4); }

    private static float[] f(double... v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (float) v[i];
        return r;
    }

    @Test
    void reshapeIsAViewOfContiguousData() {
        Tensor x = iota234();
        Tensor y = x.reshape(4, -1);
        assertArrayEquals(new int[]{4, 6}, y.shape());
        assertSame(x.data(), y.data());
        assertEquals(13f, y.get(2, 1));
        assertArrayEquals(new int[]{24}, x.flatten().shape());
        assertArrayEquals(new int[]{6, 4}, x.view(6, 4).shape());
    }

    @Test
    void permuteAndTransposeSwapStrides() {
        Tensor x = iota234();
        Tensor p = x.permute(2, 0, 1); // [4, 2, 3]
        assertArrayEquals(new int[]{4, 2, 3}, p.shape());
        assertArrayEquals(new int[]{1, 12, 4}, p.strides());
        assertFalse(p.isContiguous());
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++) assertEquals(12 * i + 4 * j + k, p.get(k, i, j));
        Tensor t = x.transpose(-1, 0); // [4, 3, 2]
        assertEquals(12 * 1 + 4 * 2 + 3, t.get(3, 2, 1));
        assertSame(x.data(), t.data());
        // a transposed view's contiguous copy is row-major in the new order
        assertArrayEquals(f(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11), Tensor.arange(12).reshape(3, 4).transpose(0, 1).contiguous().toArray());
        // reshape of a non-contiguous view copies first
        Tensor r = x.transpose(1, 2).reshape(2, 12);
        assertEquals(x.get(1, 2, 3), r.get(1, 3 * 3 + 2));
    }

    @Test
    void narrowAndSelectMoveTheOffset() {
        Tensor x = iota234();
        Tensor n = x.narrow(2, 1, 2); // [2, 3, 2]
        assertArrayEquals(new int[]{2, 3, 2}, n.shape());
        assertEquals(1, n.offset());
        assertEquals(12 + 8 + 1, n.get(1, 2, 0)); // x[1][2][1]
        assertArrayEquals(f(1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22), n.toArray());
        Tensor s = x.select(1, 2); // [2, 4]
        assertArrayEquals(new int[]{2, 4}, s.shape());
        assertArrayEquals(f(8, 9, 10, 11, 20, 21, 22, 23), s.toArray());
        Tensor rows = x.narrow(0, 1, 1);
        assertTrue(rows.isContiguous(), "narrowing the first axis keeps a contiguous layout at an offset");
        assertEquals(12, rows.offset());
    }

    @Test
    void expandUsesStrideZero() {
        Tensor row = Tensor.of(f(1, 2, 3), 1, 3);
        Tensor e = row.expand(4, 3);
        assertArrayEquals(new int[]{0, 1}, e.strides());
        assertArrayEquals(f(1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3), e.toArray());
        Tensor lead = Tensor.of(f(5, 6), 2).expand(3, 2);
        assertArrayEquals(f(5, 6, 5, 6, 5, 6), lead.toArray());
        assertSame(row, row.expand(1, 3), "expanding to the same shape is the identity");
    }

    @Test
    void unsqueezeAndSqueezeKeepStridedViews() {
        Tensor t = iota234().transpose(0, 2); // [4, 3, 2], non-contiguous
        Tensor u = t.unsqueeze(1); // [4, 1, 3, 2]
        assertArrayEquals(new int[]{4, 1, 3, 2}, u.shape());
        assertSame(t.data(), u.data(), "no copy");
        assertEquals(t.get(3, 2, 1), u.get(3, 0, 2, 1));
        Tensor last = t.unsqueeze(-1);
        assertArrayEquals(new int[]{4, 3, 2, 1}, last.shape());
        assertEquals(t.get(1, 1, 1), last.get(1, 1, 1, 0));
        Tensor s = u.squeeze(1);
        assertArrayEquals(t.shape(), s.shape());
        assertArrayEquals(t.toArray(), s.toArray());
        Tensor ones = Tensor.arange(3).reshape(1, 3, 1);
        assertArrayEquals(new int[]{3, 1}, ones.squeeze(0).shape());
        assertArrayEquals(new int[]{1, 3}, ones.squeeze(-1).shape());
    }

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        Tensor x = iota234();
        assertSame(x, x.contiguous());
        Tensor c = x.permute(1, 2, 0).contiguous();
        assertTrue(c.isContiguous());
        assertNotSame(x.data(), c.data());
        assertEquals(x.get(1, 2, 3), c.get(2, 3, 1));
        Tensor compact = x.narrow(0, 1, 1).compact();
        assertEquals(0, compact.offset());
        assertEquals(12, compact.data().length);
    }

    @Test
    void catSplitStackChunk() {
        Tensor a = Tensor.arange(6).reshape(2, 3), b = Tensor.arange(4).reshape(2, 2).add(100f);
        Tensor c = Tensor.cat(1, a, b);
        assertArrayEquals(new int[]{2, 5}, c.shape());
        assertArrayEquals(f(0, 1, 2, 100, 101, 3, 4, 5, 102, 103), c.toArray());
        assertArrayEquals(f(0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5), Tensor.cat(0, List.of(a, a)).toArray());
        // cat of non-contiguous views
        Tensor ct = Tensor.cat(0, a.transpose(0, 1), b.transpose(0, 1));
        assertArrayEquals(f(0, 3, 1, 4, 2, 5, 100, 102, 101, 103), ct.toArray());
        Tensor[] parts = c.split(1, 3, 2);
        assertArrayEquals(a.toArray(), parts[0].toArray());
        assertArrayEquals(b.toArray(), parts[1].toArray());
        assertSame(c.data(), parts[1].data(), "split returns views");
        Tensor s = Tensor.stack(0, List.of(a, a.mul(2f)));
        assertArrayEquals(new int[]{2, 2, 3}, s.shape());
        assertEquals(10f, s.get(1, 1, 2));
        Tensor sl = Tensor.stack(-1, List.of(a, a.mul(2f)));
        assertArrayEquals(new int[]{2, 3, 2}, sl.shape());
        assertEquals(8f, sl.get(1, 1, 1));
        Tensor[] ch = Tensor.arange(12).reshape(2, 6).chunk(3, -1);
        assertEquals(3, ch.length);
        assertArrayEquals(f(4, 5, 10, 11), ch[2].toArray());
    }

    @Test
    void creationAndScalars() {
        assertArrayEquals(new int[0], Tensor.scalar(3f).shape());
        assertEquals(3f, Tensor.scalar(3f).item());
        assertEquals(1, Tensor.scalar(3f).numel());
        assertArrayEquals(f(2, 2), Tensor.full(2f, 2).toArray());
        assertArrayEquals(f(1, 1, 1), Tensor.ones(3).toArray());
        assertEquals(0, Tensor.zeros(0, 3).numel());
        Rng r1 = new Rng(7), r2 = new Rng(7);
        assertArrayEquals(Tensor.randn(r1, 5).toArray(), Tensor.randn(r2, 5).toArray(), "same seed, same values");
        Tensor u = Tensor.rand(new Rng(1), -2f, 3f, 1000);
        for (float v : u.toArray()) assertTrue(v >= -2f && v < 3f);
        assertEquals(5f, Tensor.arange(6).reshape(2, 3).narrow(1, 2, 1).narrow(0, 1, 1).item());
    }

    @Test
    void broadcastingElementwiseAndReductions() {
        Tensor a = Tensor.arange(6).reshape(2, 3), col = Tensor.of(f(10, 20), 2, 1);
        assertArrayEquals(f(10, 11, 12, 23, 24, 25), a.add(col).toArray());
        assertArrayEquals(f(3, 12), a.sum(1, false).toArray());
        assertArrayEquals(new int[]{2, 1}, a.sum(1, true).shape());
        assertEquals(15f, a.sum().item());
        assertArrayEquals(f(1.5, 2.5, 3.5), a.mean(0, false).toArray());
        assertArrayEquals(f(2, 5), a.max(-1, false).toArray());
        assertArrayEquals(f(1, 1, 1), a.argmax(0, false).toArray());
        assertEquals(17.5f / 5f, a.var(new int[0], true, false).item(), 1e-6f, "var over no axes means all axes");
        assertArrayEquals(f(2.25, 2.25, 2.25), a.var(new int[]{0}, false, false).toArray(), 1e-6f); // rows differ by 3
    }
}
