package svg.nn.pipeline;

import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class LatentsTest {

    @Test
    void tokenLayoutIsRowMajorChannelsLast() {
        int b = 2, c = 3, h = 2, w = 4;
        Tensor x = Tensor.randn(new Rng(1), b, c, h, w);
        Tensor tok = Latents.toTokens(x);
        assertArrayEquals(new int[]{b, h * w, c}, tok.shape());
        for (int i = 0; i < b; i++)
            for (int ch = 0; ch < c; ch++)
                for (int r = 0; r < h; r++)
                    for (int col = 0; col < w; col++)
                        assertEquals(x.get(i, ch, r, col), tok.get(i, r * w + col, ch));
        assertArrayEquals(x.toArray(), Latents.fromTokens(tok, h, w).toArray());
        assertThrows(IllegalArgumentException.class, () -> Latents.fromTokens(tok, 3, 3));
    }

    @Test
    void statsStandardiseAndInvertPerChannel() {
        Tensor mean = Tensor.of(new float[]{1f, -2f, 0.5f}, 1, 1, 3), std = Tensor.of(new float[]{2f, 0.5f, 4f}, 1, 1, 3);
        LatentStats s = new LatentStats(mean, std);
        Tensor tok = Tensor.randn(new Rng(2), 2, 5, 3);
        Tensor n = s.normalize(tok);
        for (int k = 0; k < 3; k++)
            assertEquals((tok.get(1, 4, k) - mean.get(0, 0, k)) / std.get(0, 0, k), n.get(1, 4, k), 1e-6);
        assertArrayEquals(tok.toArray(), s.denormalize(n).toArray(), 1e-5f);
        assertEquals(2, s.slice(2).channels());
        var e = assertThrows(IllegalArgumentException.class, () -> s.slice(4));
        assertTrue(e.getMessage().contains("needs 4"));
        assertThrows(IllegalArgumentException.class, () -> new LatentStats(mean, Tensor.of(new float[]{1, 0, 1}, 1, 1, 3)));
        assertThrows(IllegalArgumentException.class, () -> s.normalize(Tensor.zeros(2, 5, 4)));
    }

    @Test
    void slerpKeepsEndpointsAndNorm() {
        Rng r = new Rng(3);
        Tensor a = Tensor.randn(r, 4, 64), b = Tensor.randn(r, 4, 64);
        assertArrayEquals(a.toArray(), Latents.slerp(a, b, 0).toArray(), 1e-5f);
        assertArrayEquals(b.toArray(), Latents.slerp(a, b, 1).toArray(), 1e-5f);
        double na = norm(a), nb = norm(b), nm = norm(Latents.slerp(a, b, 0.5)), nl = norm(a.add(b).mul(0.5f));
        // nearly orthogonal Gaussian vectors: the midpoint keeps the norm, the linear midpoint loses ~30%
        assertEquals((na + nb) / 2, nm, 0.1 * na);
        assertTrue(nl < 0.8 * nm);
    }

    static double norm(Tensor t) {
        double s = 0;
        for (float v : t.toArray()) s += v * v;
        return Math.sqrt(s);
    }

    record Inner(int a, double b, List<String> names) {}

    enum Kind { X, Y }

    record Outer(String name, Inner inner, int[] sizes, boolean flag, Kind kind) {
        Outer {
            if (name.isEmpty()) throw new IllegalArgumentException("name must not be empty");
        }
    }

    @Test
    void recordJsonRoundTripsAndReportsBadKeys() {
        Outer o = new Outer("m", new Inner(3, 0.25, List.of("p", "q")), new int[]{1, 2}, true, Kind.Y);
        Map<String, Object> m = RecordJson.toMap(o);
        Object parsed = svg.tensor.io.Json.parse(svg.tensor.io.Json.write(m));
        Outer back = RecordJson.fromMap(Outer.class, parsed);
        assertEquals(o.inner(), back.inner());
        assertArrayEquals(o.sizes(), back.sizes());
        assertEquals(Kind.Y, back.kind());
        assertTrue(back.flag());

        @SuppressWarnings("unchecked") Map<String, Object> bad = (Map<String, Object>) svg.tensor.io.Json.parse(svg.tensor.io.Json.write(m));
        bad.put("nmae", "x");
        var e = assertThrows(IllegalArgumentException.class, () -> RecordJson.fromMap(Outer.class, bad));
        assertTrue(e.getMessage().contains("unknown key 'nmae'"), e.getMessage());
        bad.remove("nmae");
        bad.remove("flag");
        e = assertThrows(IllegalArgumentException.class, () -> RecordJson.fromMap(Outer.class, bad));
        assertTrue(e.getMessage().contains("missing key 'flag'"), e.getMessage());
        bad.put("flag", true);
        bad.put("name", "");
        e = assertThrows(IllegalArgumentException.class, () -> RecordJson.fromMap(Outer.class, bad));
        assertTrue(e.getMessage().contains("name must not be empty"));
    }
}
