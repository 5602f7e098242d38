package svg.tensor;

import org.junit.jupiter.api.Test;
import svg.tensor.io.HalfFloats;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The three storage forms behind a tensor: float32, bfloat16 (frozen weights) and deferred (device-held). */
class TensorStorageTest {

    @Test
    void bf16RoundsToNearestEvenAndReadsBackExactly() {
        float[] v = {1f, 1.00390625f /* 1 + 2^-8: a tie, rounds to even 1.0 */, 1.01171875f /* 1 + 3*2^-8: tie, up */, -3.3f, 0f, 1e30f};
        Tensor t = Tensor.of(v.clone(), 2, 3).toBf16();
        assertTrue(t.isBf16());
        assertArrayEquals(new int[]{2, 3}, t.shape());
        float[] back = t.toArray();
        assertEquals(1f, back[0]);
        assertEquals(1f, back[1]);
        assertEquals(1.015625f, back[2]);
        for (int i = 0; i < v.length; i++) assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(v[i])), back[i]);
        assertEquals(back[4], t.get(1, 1));
        // views index the same bits
        assertArrayEquals(new float[]{back[1], back[4]}, t.narrow(1, 1, 1).toArray());
        assertArrayEquals(new float[]{back[0], back[3], back[1], back[4], back[2], back[5]}, t.transpose(0, 1).contiguous().toArray());
    }

    @Test
    void bf16DataIsAFreshWidenedCopySoItCannotBeWrittenThrough() {
        Tensor t = Tensor.of(new float[]{1f, 2f, 3f}, 3).toBf16();
        float[] d = t.data();
        d[0] = 42f;
        assertEquals(1f, t.get(0), "writing the widened copy must not change the tensor");
        assertNotSame(t.data(), t.data());
        t.copyFrom(new float[]{5f, 6f, 7.01f});
        assertArrayEquals(new float[]{5f, 6f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(7.01f))}, t.toArray());
    }

    @Test
    void storeAsBf16SwitchesALeafInPlaceAndFreezesIt() {
        Tensor w = Tensor.of(new float[]{0.1f, 0.2f, 0.3f, 0.4f}, 2, 2).requiresGrad(true);
        Tensor same = w.storeAsBf16();
        assertSame(w, same);
        assertTrue(w.isBf16());
        assertFalse(w.requiresGrad());
        assertEquals(4, w.storage().bf16().length);
        assertThrows(IllegalStateException.class, () -> w.requiresGrad(true));
        // ops read the exact bfloat16 values
        Tensor y = Tensor.of(new float[]{1f, 1f}, 1, 2).linear(w, null);
        float w00 = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(0.1f)), w01 = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(0.2f));
        assertEquals(w00 + w01, y.get(0, 0), 1e-7);
        w.storeAsFloat32();
        assertFalse(w.isBf16());
        assertEquals(w00, w.get(0, 0));
        w.requiresGrad(true); // trainable again once float32
    }

    @Test
    void storeAsBf16RefusesViewsAndComputedTensors() {
        Tensor base = Tensor.of(new float[]{1, 2, 3, 4}, 2, 2);
        assertThrows(IllegalStateException.class, () -> base.transpose(0, 1).storeAsBf16());
        assertThrows(IllegalStateException.class, () -> base.narrow(0, 1, 1).storeAsBf16());
        Tensor p = Tensor.of(new float[]{1, 2}, 2).requiresGrad(true);
        Tensor q = p.mul(p);
        assertThrows(IllegalStateException.class, q::storeAsBf16);
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofBf16(new short[3], 2, 2));
    }

    @Test
    void deferredStorageIsFilledOnceOnFirstReadAndSharedByViews() {
        AtomicInteger copies = new AtomicInteger();
        Tensor t = Tensor.deferred(dst -> {
            copies.incrementAndGet();
            for (int i = 0; i < dst.length; i++) dst[i] = i;
        }, 2, 3);
        Tensor view = t.transpose(0, 1); // a view made before the first read
        assertNotNull(t.storage().deferred());
        assertEquals(0, copies.get());
        assertEquals(5f, t.get(1, 2));
        assertNull(t.storage().deferred(), "after the first read the host copy is the truth");
        assertEquals(1f, view.get(1, 0));
        t.data()[0] = 9f; // host writes are seen by every view
        assertEquals(9f, view.get(0, 0));
        assertEquals(1, copies.get());
    }
}
