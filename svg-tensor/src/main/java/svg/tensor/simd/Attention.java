package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import svg.tensor.Tensor;
import svg.tensor.parallel.Parallel;

/**
 * Fused attention, flash style: for a block of queries, keys are visited in blocks; scores for one block go through
 * an online softmax (running max and sum per query row, rescaling the output accumulator when the max grows), then
 * P V is added to the accumulator. Extra memory is the packed K (one copy of k, laid out for the GEMM micro-kernel)
 * plus a few per-thread blocks; the Tq x Tk score matrix never exists.
 *
 * <p>Parallel over (batch x head, query block); each output row is produced by one task, keys in a fixed order.
 */
final class Attention {
    private Attention() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = Gemm.MR, NR = Gemm.NR;
    /** Query rows per task. */
    static final int BQ = MR * 8;
    /** Keys per block (a whole number of B panels). */
    static final int BK = NR * Math.max(1, 192 / NR);

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[5][0]);

    static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale) {
        int b = q.size(0), h = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2), dv = v.size(3);
        Tensor out = Tensor.empty(b, h, tq, dv);
        int zs = b * h;
        if (zs == 0 || tq == 0 || dv == 0) return out;
        if (tk == 0) { java.util.Arrays.fill(out.data(), Float.NaN); return out; } // softmax over nothing: 0/0
        float[] qd = q.data(), kd = k.data(), vd = v.data(), od = out.data();
        float[] md = mask == null ? null : mask.data();
        int qo = q.offset(), ko = k.offset(), vo = v.offset(), mo = mask == null ? 0 : mask.offset();
        int panels = (tk + NR - 1) / NR, kpSize = panels * d * NR;
        float[] kp = new float[zs * kpSize];
        // k^T packed into B panels once per head, shared by all of that head's query blocks
        Parallel.forChunks(zs * panels, Parallel.grain((long) d * NR, 1L << 15), (s, e) -> {
            for (int t = s; t < e; t++) {
                int z = t / panels, jp = t % panels;
                Gemm.packBPanel(d, tk, kd, ko + z * tk * d, d, true, kp, z * kpSize, jp);
            }
        });
        // V rows padded to a whole number of vectors (ds columns, zeros after dv), so that P V needs no masked or
        // scalar tail (DiT-XL: head size 72 = 4.5 vectors of 16); the output accumulator uses the same row stride
        int ds = (dv + L - 1) / L * L;
        float[] vs;
        int vso;
        if (ds == dv) { vs = vd; vso = vo; }
        else {
            float[] vpad = new float[zs * tk * ds];
            Parallel.forChunks(zs * tk, Parallel.grain(ds, 1L << 15), (s, e) -> {
                for (int r = s; r < e; r++) System.arraycopy(vd, vo + r * dv, vpad, r * ds, dv);
            });
            vs = vpad;
            vso = 0;
        }
        int qBlocks = (tq + BQ - 1) / BQ;
        Parallel.forChunks(zs * qBlocks, 1, (s, e) -> {
            float[][] sc = scratch(d, ds);
            for (int t = s; t < e; t++) {
                int z = t / qBlocks, i0 = (t % qBlocks) * BQ;
                block(sc, qd, qo + z * tq * d, kp, z * kpSize, vs, vso + z * tk * ds, md, mo, od, z * tq * dv,
                        i0, Math.min(BQ, tq - i0), tq, tk, d, dv, ds, scale);
            }
        });
        return out;
    }

    private static float[][] scratch(int d, int dv) {
        float[][] sc = SCRATCH.get();
        if (sc[0].length < BQ * d) sc[0] = new float[BQ * d];
        // P and the accumulator have 5 spare rows: P V runs whole 5- or 6-row tiles past the last row (see pv)
        if (sc[1].length < (BQ + 5) * BK) sc[1] = new float[(BQ + 5) * BK];
        if (sc[2].length < (BQ + 5) * dv) sc[2] = new float[(BQ + 5) * dv];
        if (sc[3].length < BQ) { sc[3] = new float[BQ]; sc[4] = new float[BQ]; }
        return sc;
    }

    private static void block(float[][] sc, float[] qd, int qz, float[] kp, int kz, float[] vd, int vz, float[] md, int mo,
                              float[] od, int oz, int i0, int rows, int tq, int tk, int d, int dv, int ds, float scale) {
        float[] qp = sc[0], sb = sc[1], acc = sc[2], mx = sc[3], sum = sc[4];
        int slivers = (rows + MR - 1) / MR;
        // pack the query rows into MR-row slivers, pre-scaled
        for (int si = 0; si < slivers; si++)
            for (int r = 0; r < MR; r++) {
                int i = si * MR + r, dst = si * d * MR + r;
                if (i < rows) {
                    int src = qz + (i0 + i) * d;
                    for (int p = 0; p < d; p++) qp[dst + p * MR] = qd[src + p] * scale;
                } else for (int p = 0; p < d; p++) qp[dst + p * MR] = 0f;
            }
        java.util.Arrays.fill(mx, 0, rows, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(sum, 0, rows, 0f);
        java.util.Arrays.fill(acc, 0, rows * ds, 0f);
        for (int j0 = 0; j0 < tk; j0 += BK) {
            int bk = Math.min(BK, tk - j0), np = (bk + NR - 1) / NR;
            java.util.Arrays.fill(sb, 0, slivers * MR * BK, 0f);
            for (int si = 0; si < slivers; si++)
                for (int pj = 0; pj < np; pj++)
                    Gemm.kernel(qp, si * d * MR, kp, kz + (j0 / NR + pj) * d * NR, d, sb, si * MR * BK + pj * NR, BK);
            for (int i = 0; i < rows; i++) onlineSoftmax(sb, i * BK, bk, md, mo + (i0 + i) * tk + j0, mx, sum, i, acc, i * ds, ds);
            pv(sb, acc, vd, vz + j0 * ds, rows, bk, ds);
        }
        for (int i = 0; i < rows; i++) {
            float inv = 1f / sum[i];
            int o = oz + (i0 + i) * dv, a = i * ds, c = 0;
            FloatVector iv = FloatVector.broadcast(S, inv);
            for (; c <= dv - L; c += L) FloatVector.fromArray(S, acc, a + c).mul(iv).intoArray(od, o + c);
            for (; c < dv; c++) od[o + c] = acc[a + c] * inv;
        }
    }

    /**
     * One query row of one key block: adds the mask, turns the scores into exp(s - running max) in place, updates the
     * running max and sum, and rescales the row's output accumulator when the max grew.
     */
    private static void onlineSoftmax(float[] sb, int si, int bk, float[] md, int mi, float[] mx, float[] sum, int i,
                                      float[] acc, int ai, int dv) {
        if (md != null) {
            int j = 0;
            for (; j <= bk - L; j += L)
                FloatVector.fromArray(S, sb, si + j).add(FloatVector.fromArray(S, md, mi + j)).intoArray(sb, si + j);
            for (; j < bk; j++) sb[si + j] += md[mi + j];
        }
        float mnew = Math.max(mx[i], Rows.max(sb, si, bk));
        if (mnew == Float.NEGATIVE_INFINITY) {
            // every key so far is masked out: this block contributes nothing
            java.util.Arrays.fill(sb, si, si + bk, 0f);
            return;
        }
        float alpha = Rows.expScalar(mx[i] - mnew);
        float psum = VMath.expSubSum(sb, si, mnew, sb, si, bk, true);
        sum[i] = sum[i] * alpha + psum;
        mx[i] = mnew;
        if (alpha != 1f) VMath.scale(acc, ai, dv, alpha);
    }

    /**
     * acc[rows x dv] += P[rows x bk] (row stride BK) * V[bk x dv], dv a multiple of L (V and acc are padded).
     * With 512-bit vectors (32 registers): 6-row tiles, 4 vectors wide over the first multiple of 4L columns, then 2
     * and 1 vectors. With 256- or 128-bit vectors (16 registers): 5-row tiles 2 vectors wide, then 1: a 6 x 4 tile
     * (24 accumulators) cannot live in 16 registers and C2 kept 18 of them on the stack (a load and a store around
     * most FMAs), and 6 x 2 (12 accumulators + 2 V vectors + the broadcasts) is the shape whose GEMM twin spilled an
     * accumulator (see Gemm and docs/performance.md). The last tile may run up to 5 rows past {@code rows} (into the
     * scratch's spare rows): whatever those P and accumulator rows hold, the accumulator rows are never read, and no
     * real row's sum involves them (rows are independent). Each element is one FMA chain in key order, so the tiling
     * does not change a bit.
     */
    private static void pv(float[] p, float[] acc, float[] vd, int vb, int rows, int bk, int dv) {
        if (!Gemm.WIDE) {
            for (int i = 0; i < rows; i += 5) {
                int c = 0;
                for (; c + 2 * L <= dv; c += 2 * L) pv5x2(p, i * BK, acc, i * dv, vd, vb + c, bk, dv, c);
                if (c < dv) pv5x1(p, i * BK, acc, i * dv, vd, vb + c, bk, dv, c);
            }
            return;
        }
        int cEnd = dv - dv % (4 * L);
        for (int i = 0; i < rows; i += 6) {
            int c = 0;
            for (; c < cEnd; c += 4 * L) pv6x4(p, i * BK, acc, i * dv, vd, vb + c, bk, dv, c);
            for (; c + 2 * L <= dv; c += 2 * L) pv6x2(p, i * BK, acc, i * dv, vd, vb + c, bk, dv, c);
            if (c < dv) pv6x1(p, i * BK, acc, i * dv, vd, vb + c, bk, dv, c);
        }
    }

    /**
     * acc rows [ab, ab + 5 rows) columns [c, c + 2L) += P rows [p0 ..) * V[:, c ..); 10 accumulators + 2 V vectors +
     * the broadcasts fit in 16 registers (the 256- and 128-bit tile).
     */
    private static void pv5x2(float[] p, int p0, float[] acc, int ab, float[] vd, int vr0, int bk, int dv, int c) {
        int a0 = ab + c, a1 = a0 + dv, a2 = a1 + dv, a3 = a2 + dv, a4 = a3 + dv;
        FloatVector x0 = FloatVector.fromArray(S, acc, a0), y0 = FloatVector.fromArray(S, acc, a0 + L),
                x1 = FloatVector.fromArray(S, acc, a1), y1 = FloatVector.fromArray(S, acc, a1 + L),
                x2 = FloatVector.fromArray(S, acc, a2), y2 = FloatVector.fromArray(S, acc, a2 + L),
                x3 = FloatVector.fromArray(S, acc, a3), y3 = FloatVector.fromArray(S, acc, a3 + L),
                x4 = FloatVector.fromArray(S, acc, a4), y4 = FloatVector.fromArray(S, acc, a4 + L);
        for (int j = 0; j < bk; j++) {
            int pj = p0 + j, vr = vr0 + j * dv;
            FloatVector v = FloatVector.fromArray(S, vd, vr), u = FloatVector.fromArray(S, vd, vr + L), w;
            w = FloatVector.broadcast(S, p[pj]); x0 = w.fma(v, x0); y0 = w.fma(u, y0);
            w = FloatVector.broadcast(S, p[pj + BK]); x1 = w.fma(v, x1); y1 = w.fma(u, y1);
            w = FloatVector.broadcast(S, p[pj + 2 * BK]); x2 = w.fma(v, x2); y2 = w.fma(u, y2);
            w = FloatVector.broadcast(S, p[pj + 3 * BK]); x3 = w.fma(v, x3); y3 = w.fma(u, y3);
            w = FloatVector.broadcast(S, p[pj + 4 * BK]); x4 = w.fma(v, x4); y4 = w.fma(u, y4);
        }
        x0.intoArray(acc, a0); y0.intoArray(acc, a0 + L); x1.intoArray(acc, a1); y1.intoArray(acc, a1 + L);
        x2.intoArray(acc, a2); y2.intoArray(acc, a2 + L); x3.intoArray(acc, a3); y3.intoArray(acc, a3 + L);
        x4.intoArray(acc, a4); y4.intoArray(acc, a4 + L);
    }

    /** acc rows [ab, ab + 5 rows) columns [c, c + L) += P rows [p0 ..) * V[:, c ..); 5 accumulators. */
    private static void pv5x1(float[] p, int p0, float[] acc, int ab, float[] vd, int vr0, int bk, int dv, int c) {
        int a0 = ab + c, a1 = a0 + dv, a2 = a1 + dv, a3 = a2 + dv, a4 = a3 + dv;
        FloatVector x0 = FloatVector.fromArray(S, acc, a0), x1 = FloatVector.fromArray(S, acc, a1),
                x2 = FloatVector.fromArray(S, acc, a2), x3 = FloatVector.fromArray(S, acc, a3),
                x4 = FloatVector.fromArray(S, acc, a4);
        for (int j = 0; j < bk; j++) {
            int pj = p0 + j;
            FloatVector v = FloatVector.fromArray(S, vd, vr0 + j * dv);
            x0 = FloatVector.broadcast(S, p[pj]).fma(v, x0);
            x1 = FloatVector.broadcast(S, p[pj + BK]).fma(v, x1);
            x2 = FloatVector.broadcast(S, p[pj + 2 * BK]).fma(v, x2);
            x3 = FloatVector.broadcast(S, p[pj + 3 * BK]).fma(v, x3);
            x4 = FloatVector.broadcast(S, p[pj + 4 * BK]).fma(v, x4);
        }
        x0.intoArray(acc, a0); x1.intoArray(acc, a1); x2.intoArray(acc, a2); x3.intoArray(acc, a3); x4.intoArray(acc, a4);
    }

    /** acc rows [ab, ab + 6 rows) columns [c, c + 2L) += P rows [p0 ..) * V[:, c ..); 12 accumulators (512-bit only). */
    private static void pv6x2(float[] p, int p0, float[] acc, int ab, float[] vd, int vr0, int bk, int dv, int c) {
        int a0 = ab + c, a1 = a0 + dv, a2 = a1 + dv, a3 = a2 + dv, a4 = a3 + dv, a5 = a4 + dv;
        FloatVector x0 = FloatVector.fromArray(S, acc, a0), y0 = FloatVector.fromArray(S, acc, a0 + L),
                x1 = FloatVector.fromArray(S, acc, a1), y1 = FloatVector.fromArray(S, acc, a1 + L),
                x2 = FloatVector.fromArray(S, acc, a2), y2 = FloatVector.fromArray(S, acc, a2 + L),
                x3 = FloatVector.fromArray(S, acc, a3), y3 = FloatVector.fromArray(S, acc, a3 + L),
                x4 = FloatVector.fromArray(S, acc, a4), y4 = FloatVector.fromArray(S, acc, a4 + L),
                x5 = FloatVector.fromArray(S, acc, a5), y5 = FloatVector.fromArray(S, acc, a5 + L);
        for (int j = 0; j < bk; j++) {
            int pj = p0 + j, vr = vr0 + j * dv;
            FloatVector v = FloatVector.fromArray(S, vd, vr), u = FloatVector.fromArray(S, vd, vr + L), w;
            w = FloatVector.broadcast(S, p[pj]); x0 = w.fma(v, x0); y0 = w.fma(u, y0);
            w = FloatVector.broadcast(S, p[pj + BK]); x1 = w.fma(v, x1); y1 = w.fma(u, y1);
            w = FloatVector.broadcast(S, p[pj + 2 * BK]); x2 = w.fma(v, x2); y2 = w.fma(u, y2);
            w = FloatVector.broadcast(S, p[pj + 3 * BK]); x3 = w.fma(v, x3); y3 = w.fma(u, y3);
            w = FloatVector.broadcast(S, p[pj + 4 * BK]); x4 = w.fma(v, x4); y4 = w.fma(u, y4);
            w = FloatVector.broadcast(S, p[pj + 5 * BK]); x5 = w.fma(v, x5); y5 = w.fma(u, y5);
        }
        x0.intoArray(acc, a0); y0.intoArray(acc, a0 + L); x1.intoArray(acc, a1); y1.intoArray(acc, a1 + L);
        x2.intoArray(acc, a2); y2.intoArray(acc, a2 + L); x3.intoArray(acc, a3); y3.intoArray(acc, a3 + L);
        x4.intoArray(acc, a4); y4.intoArray(acc, a4 + L); x5.intoArray(acc, a5); y5.intoArray(acc, a5 + L);
    }

    /** acc rows [ab, ab + 6 rows) columns [c, c + L) += P rows [p0 ..) * V[:, c ..); 6 accumulators. */
    private static void pv6x1(float[] p, int p0, float[] acc, int ab, float[] vd, int vr0, int bk, int dv, int c) {
        int a0 = ab + c, a1 = a0 + dv, a2 = a1 + dv, a3 = a2 + dv, a4 = a3 + dv, a5 = a4 + dv;
        FloatVector x0 = FloatVector.fromArray(S, acc, a0), x1 = FloatVector.fromArray(S, acc, a1),
                x2 = FloatVector.fromArray(S, acc, a2), x3 = FloatVector.fromArray(S, acc, a3),
                x4 = FloatVector.fromArray(S, acc, a4), x5 = FloatVector.fromArray(S, acc, a5);
        for (int j = 0; j < bk; j++) {
            int pj = p0 + j;
            FloatVector v = FloatVector.fromArray(S, vd, vr0 + j * dv);
            x0 = FloatVector.broadcast(S, p[pj]).fma(v, x0);
            x1 = FloatVector.broadcast(S, p[pj + BK]).fma(v, x1);
            x2 = FloatVector.broadcast(S, p[pj + 2 * BK]).fma(v, x2);
            x3 = FloatVector.broadcast(S, p[pj + 3 * BK]).fma(v, x3);
            x4 = FloatVector.broadcast(S, p[pj + 4 * BK]).fma(v, x4);
            x5 = FloatVector.broadcast(S, p[pj + 5 * BK]).fma(v, x5);
        }
        x0.intoArray(acc, a0); x1.intoArray(acc, a1); x2.intoArray(acc, a2);
        x3.intoArray(acc, a3); x4.intoArray(acc, a4); x5.intoArray(acc, a5);
    }

    /** acc rows [ab, ab + 6 rows) columns [c, c + 4L) += P rows [p0 ..) * V[:, c ..); 24 accumulators (512-bit only). */
    private static void pv6x4(float[] p, int p0, float[] acc, int ab, float[] vd, int vr0, int bk, int dv, int c) {
        int a0 = ab + 0 * dv + c;
        int a1 = ab + 1 * dv + c;
        int a2 = ab + 2 * dv + c;
        int a3 = ab + 3 * dv + c;
        int a4 = ab + 4 * dv + c;
        int a5 = ab + 5 * dv + c;
        FloatVector x00 = FloatVector.fromArray(S, acc, a0), x01 = FloatVector.fromArray(S, acc, a0 + 1 * L), x02 = FloatVector.fromArray(S, acc, a0 + 2 * L), x03 = FloatVector.fromArray(S, acc, a0 + 3 * L);
        FloatVector x10 = FloatVector.fromArray(S, acc, a1), x11 = FloatVector.fromArray(S, acc, a1 + 1 * L), x12 = FloatVector.fromArray(S, acc, a1 + 2 * L), x13 = FloatVector.fromArray(S, acc, a1 + 3 * L);
        FloatVector x20 = FloatVector.fromArray(S, acc, a2), x21 = FloatVector.fromArray(S, acc, a2 + 1 * L), x22 = FloatVector.fromArray(S, acc, a2 + 2 * L), x23 = FloatVector.fromArray(S, acc, a2 + 3 * L);
        FloatVector x30 = FloatVector.fromArray(S, acc, a3), x31 = FloatVector.fromArray(S, acc, a3 + 1 * L), x32 = FloatVector.fromArray(S, acc, a3 + 2 * L), x33 = FloatVector.fromArray(S, acc, a3 + 3 * L);
        FloatVector x40 = FloatVector.fromArray(S, acc, a4), x41 = FloatVector.fromArray(S, acc, a4 + 1 * L), x42 = FloatVector.fromArray(S, acc, a4 + 2 * L), x43 = FloatVector.fromArray(S, acc, a4 + 3 * L);
        FloatVector x50 = FloatVector.fromArray(S, acc, a5), x51 = FloatVector.fromArray(S, acc, a5 + 1 * L), x52 = FloatVector.fromArray(S, acc, a5 + 2 * L), x53 = FloatVector.fromArray(S, acc, a5 + 3 * L);
        for (int j = 0; j < bk; j++) {
            int vr = vr0 + j * dv, pj = p0 + j;
            FloatVector v0 = FloatVector.fromArray(S, vd, vr), v1 = FloatVector.fromArray(S, vd, vr + L),
                    v2 = FloatVector.fromArray(S, vd, vr + 2 * L), v3 = FloatVector.fromArray(S, vd, vr + 3 * L);
            FloatVector w;
            w = FloatVector.broadcast(S, p[pj + 0 * BK]);
            x00 = w.fma(v0, x00); x01 = w.fma(v1, x01); x02 = w.fma(v2, x02); x03 = w.fma(v3, x03);
            w = FloatVector.broadcast(S, p[pj + 1 * BK]);
            x10 = w.fma(v0, x10); x11 = w.fma(v1, x11); x12 = w.fma(v2, x12); x13 = w.fma(v3, x13);
            w = FloatVector.broadcast(S, p[pj + 2 * BK]);
            x20 = w.fma(v0, x20); x21 = w.fma(v1, x21); x22 = w.fma(v2, x22); x23 = w.fma(v3, x23);
            w = FloatVector.broadcast(S, p[pj + 3 * BK]);
            x30 = w.fma(v0, x30); x31 = w.fma(v1, x31); x32 = w.fma(v2, x32); x33 = w.fma(v3, x33);
            w = FloatVector.broadcast(S, p[pj + 4 * BK]);
            x40 = w.fma(v0, x40); x41 = w.fma(v1, x41); x42 = w.fma(v2, x42); x43 = w.fma(v3, x43);
            w = FloatVector.broadcast(S, p[pj + 5 * BK]);
            x50 = w.fma(v0, x50); x51 = w.fma(v1, x51); x52 = w.fma(v2, x52); x53 = w.fma(v3, x53);
        }
        x00.intoArray(acc, a0); x01.intoArray(acc, a0 + 1 * L); x02.intoArray(acc, a0 + 2 * L); x03.intoArray(acc, a0 + 3 * L);
        x10.intoArray(acc, a1); x11.intoArray(acc, a1 + 1 * L); x12.intoArray(acc, a1 + 2 * L); x13.intoArray(acc, a1 + 3 * L);
        x20.intoArray(acc, a2); x21.intoArray(acc, a2 + 1 * L); x22.intoArray(acc, a2 + 2 * L); x23.intoArray(acc, a2 + 3 * L);
        x30.intoArray(acc, a3); x31.intoArray(acc, a3 + 1 * L); x32.intoArray(acc, a3 + 2 * L); x33.intoArray(acc, a3 + 3 * L);
        x40.intoArray(acc, a4); x41.intoArray(acc, a4 + 1 * L); x42.intoArray(acc, a4 + 2 * L); x43.intoArray(acc, a4 + 3 * L);
        x50.intoArray(acc, a5); x51.intoArray(acc, a5 + 1 * L); x52.intoArray(acc, a5 + 2 * L); x53.intoArray(acc, a5 + 3 * L);
    }

}
