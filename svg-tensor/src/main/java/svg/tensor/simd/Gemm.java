package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import svg.tensor.parallel.Parallel;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Single-precision GEMM, {@code C += op(A) op(B)}, in the GotoBLAS/BLIS style: B is packed into panels of NR
 * columns ([panel][k][NR]), A into slivers of MR rows ([sliver][k][MR]), and a register-blocked micro-kernel keeps
 * an MR x NR tile of C in vector registers while it walks one K block (KC) of a sliver and a panel.
 *
 * <p>The vector width is the platform's preferred one, read once at class load: with 512-bit vectors the tile is
 * 8 x 48 (24 accumulators, 3 B loads and one broadcast: 28 of the 32 zmm registers), with 256-bit (or 128-bit)
 * vectors 5 x 2L (10 accumulators, 2 B vectors and the broadcasts in the 16 ymm/xmm registers). Not the 6 x 16 of
 * hand-written AVX2 kernels: that needs 15 of the 16 registers, and C2's scheduler keeps up to three broadcasts live,
 * so it spilled one accumulator to the stack and every k step then waited on a store-to-load round trip in that
 * accumulator's chain (half the FMA rate; see docs/performance.md). Nothing here assumes a particular width beyond
 * choosing the tile.
 *
 * <p>Threads: work is split into (row block x column block) tiles of C; each tile walks the whole of K in a fixed
 * order on one thread, so every C element is reduced in the same order whatever the thread count. Loop order inside
 * a tile: K block, then MR-row sliver (stays in L1), then NR-column panel (the tile's KC x ~384 B block stays in L2).
 *
 * <p>Transposed operands are handled by the packing routines (they read either layout), never by copying a whole
 * matrix first.
 */
final class Gemm {
    private Gemm() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** 512-bit (or wider) vectors: the 8 x 3-vector tile; otherwise the 5 x 2-vector tile (16 vector registers). */
    static final boolean WIDE = L >= 16;
    static final int MR = WIDE ? 8 : 5;
    static final int NV = WIDE ? 3 : 2;
    static final int NR = NV * L;
    /** K block: an A sliver (MR x KC) stays in L1 while B panels stream from L2. */
    static final int KC = Integer.getInteger("svg.gemm.kc", 256);
    /** A species of exactly MR floats, when the platform has one (8 floats = 256 bits), for copying sliver rows. */
    private static final VectorSpecies<Float> SLIVER = sliverSpecies();

    private static VectorSpecies<Float> sliverSpecies() {
        try {
            VectorSpecies<Float> sp = VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(MR * 32));
            return sp.length() == MR && sp.vectorBitSize() <= S.vectorBitSize() ? sp : null;
        } catch (IllegalArgumentException e) {
            return null; // no vector shape of MR floats (MR = 5 on 256- and 128-bit machines)
        }
    }

    /** Rows of C per task. */
    static final int MC = MR * Integer.getInteger("svg.gemm.mslivers", 12);
    /** B panels per task (about 384 columns): the KC x NC block of packed B stays in L2. */
    static final int PPB = Math.max(1, Integer.getInteger("svg.gemm.nc", 384) / NR);
    /** Below this many rows the packed path wastes its padding and packing: use the streaming kernels. */
    static final int SKINNY_M = 4;

    /** Per-thread buffers of the calling thread: [0] packed A, [1] packed B (all of each). Grow only. */
    private static final ThreadLocal<float[][]> BUF = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0]});
    /** Per-thread edge tile for partial MR x NR tiles. */
    private static final ThreadLocal<float[]> EDGE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    /** Buffers above this many floats are not kept between calls (a one-off huge product must not pin memory: at most 2 x 32 MB stay per thread). */
    private static final int RETAIN = 1 << 23;
    /** Packed B is produced for at most about this many floats of B at a time (column chunks of whole panels). */
    private static final int B_CHUNK = 1 << 23;

    private static float[] grow(float[][] buf, int i, int size) {
        if (buf[i].length >= size) return buf[i];
        if (size > RETAIN) return new float[size];
        buf[i] = new float[size];
        return buf[i];
    }

    /**
     * C[m x n] (row stride ldc) += op(A)[m x k] op(B)[k x n]. A element (i, p) is {@code a[aOff + i*lda + p]}, or
     * {@code a[aOff + p*lda + i]} when {@code ta}; likewise B element (p, j) is {@code b[bOff + p*ldb + j]}, or
     * {@code b[bOff + j*ldb + p]} when {@code tb}.
     *
     * <p>One parallel region per call (a fork/join costs tens of microseconds, far more on a loaded machine): the
     * tasks are (row block x column block) tiles of C; the first task that needs a row block's A slivers or a column
     * block's B panels packs them (tasks needing the same block split the packing, see ensurePacked), then walks all
     * of K in KC blocks. Every C element is summed by one task in K order, so the result does not depend on the
     * tile grid or the thread count.
     */
    static void gemm(int m, int n, int k, float[] a, int aOff, int lda, boolean ta,
                     float[] b, int bOff, int ldb, boolean tb, float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0 || k <= 0) return;
        if (m <= SKINNY_M) {
            Skinny.gemm(m, n, k, a, aOff, lda, ta, b, bOff, ldb, tb, c, cOff, ldc);
            return;
        }
        gemm(m, n, k, a, aOff, lda, ta, (RowPacker) (bp, off, jp, r0, r1) -> {
            int kc = r1 - r0; // rows [r0, r1) of the panel are the first kc rows of B shifted by r0, stored at off + r0*NR
            packBPanel(kc, n, b, tb ? bOff + r0 : bOff + r0 * ldb, ldb, tb, bp, off + r0 * NR - jp * kc * NR, jp);
        }, c, cOff, ldc);
    }

    /** Packs panel {@code jp} of a k x n B operand into {@code bp} at {@code off} as [k][NR], zero-padded. */
    @FunctionalInterface
    interface PanelPacker { void pack(float[] bp, int off, int jp); }

    /**
     * A packer that can produce any K block of a panel: rows [r0, r1) of panel {@code jp} at {@code off + r0*NR}
     * ({@code off} is where the panel starts). The GEMM then packs each K block right before its first use, so the
     * packed block is still in L2 when the micro-kernel reads it (a whole panel of a long K, e.g. 1152 x 48 floats
     * times the task's 8 panels, does not fit, and went to L3 and back).
     */
    @FunctionalInterface
    interface RowPacker extends PanelPacker {
        void packRows(float[] bp, int off, int jp, int r0, int r1);

        /** Never called: the GEMM packs a RowPacker's panels K block by K block. */
        @Override
        default void pack(float[] bp, int off, int jp) { throw new UnsupportedOperationException("packed by K blocks"); }
    }

    /**
     * C += op(A) B where B exists only through {@code packer}, e.g. an im2col matrix produced straight into packed
     * panels (implicit GEMM). No skinny path: B is always packed.
     */
    static void gemm(int m, int n, int k, float[] a, int aOff, int lda, boolean ta, PanelPacker packer,
                     float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0 || k <= 0) return;
        float[][] buf = BUF.get();
        float[] ap = grow(buf, 0, ((m + MR - 1) / MR) * k * MR);
        int panels = (n + NR - 1) / NR, chunk = Math.max(1, Math.min(panels, B_CHUNK / (k * NR)));
        float[] bp = grow(buf, 1, chunk * k * NR);
        // column chunks of whole panels: each C column belongs to one chunk, so the sum order is unchanged
        for (int p0 = 0; p0 < panels; p0 += chunk)
            run(m, n, k, a, aOff, lda, ta, ap, packer, bp, p0, Math.min(panels, p0 + chunk), c, cOff, ldc);
    }

    /** C += op(A) * B with all of B already packed by {@link #packB} (a cached weight). */
    static void gemmPacked(int m, int n, int k, float[] a, int aOff, int lda, boolean ta, float[] bpFull,
                           float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0 || k <= 0) return;
        float[] ap = grow(BUF.get(), 0, ((m + MR - 1) / MR) * k * MR);
        run(m, n, k, a, aOff, lda, ta, ap, null, bpFull, 0, (n + NR - 1) / NR, c, cOff, ldc);
    }

    /**
     * The parallel region over the columns of panels [p0, p1); panel jp's packed block is at (jp - p0)*k*NR in bp.
     * {@code packer} null means bp already holds them.
     */
    private static void run(int m, int n, int k, float[] a, int aOff, int lda, boolean ta, float[] ap,
                            PanelPacker packer, float[] bp, int p0, int p1, float[] c, int cOff, int ldc) {
        // Tile grid: at most MC rows x PPB panels per task, split evenly, refined until there are enough tasks for
        // the threads to balance (the grid may depend on the thread count: see above).
        int slivers = (m + MR - 1) / MR, panels = p1 - p0;
        int mBlocks = (slivers + MC / MR - 1) / (MC / MR), nBlocks = (panels + PPB - 1) / PPB;
        int want = 4 * Parallel.threads();
        while (mBlocks * nBlocks < want && (mBlocks < slivers / 2 || nBlocks < panels)) {
            if (mBlocks < slivers / 2) mBlocks++;
            else nBlocks++;
        }
        final int mb0 = mBlocks, nb0 = nBlocks;
        // B packing state: per panel, or per (K block, panel) for a RowPacker (item kb*panels + q)
        RowPacker rows = packer instanceof RowPacker r ? r : null;
        int kBlocks = (k + KC - 1) / KC;
        AtomicIntegerArray packedA = new AtomicIntegerArray(slivers),
                packedB = packer == null ? null : new AtomicIntegerArray(rows != null ? kBlocks * panels : panels);
        Parallel.forChunks(mb0 * nb0, 1, (s, e) -> {
            float[] edge = EDGE.get();
            for (int t = s; t < e; t++) {
                // column-block major: tasks running at the same time share the B block (kept in cache)
                int nb = t / mb0, mb = t % mb0;
                int sl0 = (int) ((long) slivers * mb / mb0), sl1 = (int) ((long) slivers * (mb + 1) / mb0);
                int jStart = p0 + (int) ((long) panels * nb / nb0), jEnd = p0 + (int) ((long) panels * (nb + 1) / nb0);
                ensurePacked(packedA, sl0, sl1, si -> packSliver(m, k, a, aOff, lda, ta, ap, si));
                if (packedB != null && rows == null)
                    ensurePacked(packedB, jStart - p0, jEnd - p0, q -> packer.pack(bp, q * k * NR, q + p0));
                int i0 = sl0 * MR, mc = Math.min(m, sl1 * MR) - i0;
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    if (rows != null) {
                        int first = (pc / KC) * panels, r0 = pc, r1 = pc + kc;
                        ensurePacked(packedB, first + jStart - p0, first + jEnd - p0,
                                i -> rows.packRows(bp, (i - first) * k * NR, i - first + p0, r0, r1));
                    }
                    for (int ir = 0; ir < mc; ir += MR)
                        for (int jp = jStart; jp < jEnd; jp++)
                            tileAt(ap, bp, c, edge, n, k, pc, kc, pc * NR, k * NR, p0, cOff, ldc, i0, mc, ir, jp);
                }
            }
        });
    }

    /**
     * Makes items [from, to) packed, each exactly once: claim every unclaimed item and pack it (0 -> 1 -> 2), then
     * wait for the items other tasks claimed. Two tasks that need the same block thus split its packing instead of
     * one waiting for the other. Waiting yields: spinning hurts on an oversubscribed machine.
     */
    private static void ensurePacked(AtomicIntegerArray state, int from, int to, java.util.function.IntConsumer pack) {
        for (int i = from; i < to; i++) claimAndPack(state, i, pack);
        for (int i = from; i < to; i++)
            while (state.get(i) != 2) {
                claimAndPack(state, i, pack); // taken over if its packer failed and released it
                Thread.yield();
            }
    }

    private static void claimAndPack(AtomicIntegerArray state, int i, java.util.function.IntConsumer pack) {
        if (state.get(i) != 0 || !state.compareAndSet(i, 0, 1)) return;
        try {
            pack.accept(i);
        } catch (Throwable t) {
            state.set(i, 0);
            throw t;
        }
        state.set(i, 2);
    }

    /** Size of the packed form of a k x n B operand. */
    static int packedSize(int k, int n) { return ((n + NR - 1) / NR) * k * NR; }

    /** Packs all of B into panels [panel][k][NR], zero-padding the last panel; parallel over panels. */
    static void packB(int k, int n, float[] b, int bOff, int ldb, boolean tb, float[] bp) {
        int panels = (n + NR - 1) / NR;
        int grain = Parallel.grain((long) k * NR, 1L << 16);
        Parallel.forChunks(panels, grain, (s, e) -> {
            for (int jp = s; jp < e; jp++) packBPanelBlocked(k, n, b, bOff, ldb, tb, bp, jp * k * NR, jp);
        });
    }

    /**
     * Panel {@code jp} of all of B into {@code bp} at {@code off}, KC rows at a time (a transposing pack of a
     * whole long column thrashes L1; a KC x NR block does not). The layout is the same as one call of packBPanel.
     */
    static void packBPanelBlocked(int k, int n, float[] b, int bOff, int ldb, boolean tb, float[] bp, int off, int jp) {
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            // rows [pc, pc+kc) of the panel are the first kc rows of B shifted by pc, stored at off + pc*NR
            int src = tb ? bOff + pc : bOff + pc * ldb;
            packBPanel(kc, n, b, src, ldb, tb, bp, off + pc * NR - jp * kc * NR, jp);
        }
    }

    /** Packs panel {@code jp} of B into {@code bp} at {@code bpOff + jp*k*NR}. */
    static void packBPanel(int k, int n, float[] b, int bOff, int ldb, boolean tb, float[] bp, int bpOff, int jp) {
        int j0 = jp * NR, cols = Math.min(NR, n - j0);
        int base = bpOff + jp * k * NR;
        if (!tb) {
            if (cols == NR) {
                for (int p = 0; p < k; p++) {
                    int src = bOff + p * ldb + j0, dst = base + p * NR;
                    for (int v = 0; v < NR; v += L) FloatVector.fromArray(S, b, src + v).intoArray(bp, dst + v);
                }
            } else {
                for (int p = 0; p < k; p++) {
                    int src = bOff + p * ldb + j0, dst = base + p * NR;
                    for (int jj = 0; jj < cols; jj++) bp[dst + jj] = b[src + jj];
                    for (int jj = cols; jj < NR; jj++) bp[dst + jj] = 0f;
                }
            }
        } else {
            // B(p, j) = b[j*ldb + p]: each of the panel's columns is a contiguous run along k. With 512-bit vectors,
            // L x L blocks are transposed in registers (linear weights are packed like this on every call).
            int jv = 0, kv = 0;
            if (TRANSPOSE) {
                jv = cols - cols % L;
                kv = k - k % L;
                for (int jj = 0; jj < jv; jj += L)
                    for (int p = 0; p < kv; p += L) transposeBlock(b, bOff + (j0 + jj) * ldb + p, ldb, bp, base + p * NR + jj, NR);
            }
            for (int jj = 0; jj < cols; jj++) {
                int src = bOff + (j0 + jj) * ldb;
                for (int p = jj < jv ? kv : 0; p < k; p++) bp[base + p * NR + jj] = b[src + p];
            }
            if (cols < NR)
                for (int p = 0; p < k; p++)
                    for (int jj = cols; jj < NR; jj++) bp[base + p * NR + jj] = 0f;
        }
    }

    /**
     * Whether the transposing pack uses {@link #transposeBlock}: only with 16-float vectors, where the two-table
     * permute it relies on is one AVX-512 instruction (vpermt2ps).
     */
    static final boolean TRANSPOSE = L == 16;
    /** Per transpose stage: permute indexes into (row i, row i + h) for the new row i and the new row i + h. */
    private static final float[][] T_LO = new float[4][L], T_HI = new float[4][L];
    static {
        // stage s swaps bit h = L >> (s + 1) of the row index with the same bit of the lane index
        for (int s = 0, h = L / 2; h >= 1 && s < 4; s++, h /= 2)
            for (int j = 0; j < L; j++) {
                boolean up = (j & h) != 0;
                T_LO[s][j] = up ? L + (j ^ h) : j;
                T_HI[s][j] = up ? L + j : (j | h);
            }
    }

    /**
     * dst[q*ldd + i] = src[i*lds + q] for i, q in [0, 16): a 16 x 16 transpose in registers, four butterfly stages
     * of two-table permutes (each stage exchanges one bit of the row index with the same bit of the lane index).
     * Pure data movement, so it cannot change a bit of any result.
     */
    static void transposeBlock(float[] src, int so, int lds, float[] dst, int d0, int ldd) {
        FloatVector r0 = FloatVector.fromArray(S, src, so), r1 = FloatVector.fromArray(S, src, so + lds),
                r2 = FloatVector.fromArray(S, src, so + 2 * lds), r3 = FloatVector.fromArray(S, src, so + 3 * lds),
                r4 = FloatVector.fromArray(S, src, so + 4 * lds), r5 = FloatVector.fromArray(S, src, so + 5 * lds),
                r6 = FloatVector.fromArray(S, src, so + 6 * lds), r7 = FloatVector.fromArray(S, src, so + 7 * lds),
                r8 = FloatVector.fromArray(S, src, so + 8 * lds), r9 = FloatVector.fromArray(S, src, so + 9 * lds),
                r10 = FloatVector.fromArray(S, src, so + 10 * lds), r11 = FloatVector.fromArray(S, src, so + 11 * lds),
                r12 = FloatVector.fromArray(S, src, so + 12 * lds), r13 = FloatVector.fromArray(S, src, so + 13 * lds),
                r14 = FloatVector.fromArray(S, src, so + 14 * lds), r15 = FloatVector.fromArray(S, src, so + 15 * lds);
        FloatVector lo = FloatVector.fromArray(S, T_LO[0], 0), hi = FloatVector.fromArray(S, T_HI[0], 0), t;
        // h = 8: pairs (i, i + 8)
        t = lo.selectFrom(r0, r8); r8 = hi.selectFrom(r0, r8); r0 = t;
        t = lo.selectFrom(r1, r9); r9 = hi.selectFrom(r1, r9); r1 = t;
        t = lo.selectFrom(r2, r10); r10 = hi.selectFrom(r2, r10); r2 = t;
        t = lo.selectFrom(r3, r11); r11 = hi.selectFrom(r3, r11); r3 = t;
        t = lo.selectFrom(r4, r12); r12 = hi.selectFrom(r4, r12); r4 = t;
        t = lo.selectFrom(r5, r13); r13 = hi.selectFrom(r5, r13); r5 = t;
        t = lo.selectFrom(r6, r14); r14 = hi.selectFrom(r6, r14); r6 = t;
        t = lo.selectFrom(r7, r15); r15 = hi.selectFrom(r7, r15); r7 = t;
        lo = FloatVector.fromArray(S, T_LO[1], 0); hi = FloatVector.fromArray(S, T_HI[1], 0);
        // h = 4: pairs (i, i + 4)
        t = lo.selectFrom(r0, r4); r4 = hi.selectFrom(r0, r4); r0 = t;
        t = lo.selectFrom(r1, r5); r5 = hi.selectFrom(r1, r5); r1 = t;
        t = lo.selectFrom(r2, r6); r6 = hi.selectFrom(r2, r6); r2 = t;
        t = lo.selectFrom(r3, r7); r7 = hi.selectFrom(r3, r7); r3 = t;
        t = lo.selectFrom(r8, r12); r12 = hi.selectFrom(r8, r12); r8 = t;
        t = lo.selectFrom(r9, r13); r13 = hi.selectFrom(r9, r13); r9 = t;
        t = lo.selectFrom(r10, r14); r14 = hi.selectFrom(r10, r14); r10 = t;
        t = lo.selectFrom(r11, r15); r15 = hi.selectFrom(r11, r15); r11 = t;
        lo = FloatVector.fromArray(S, T_LO[2], 0); hi = FloatVector.fromArray(S, T_HI[2], 0);
        // h = 2: pairs (i, i + 2)
        t = lo.selectFrom(r0, r2); r2 = hi.selectFrom(r0, r2); r0 = t;
        t = lo.selectFrom(r1, r3); r3 = hi.selectFrom(r1, r3); r1 = t;
        t = lo.selectFrom(r4, r6); r6 = hi.selectFrom(r4, r6); r4 = t;
        t = lo.selectFrom(r5, r7); r7 = hi.selectFrom(r5, r7); r5 = t;
        t = lo.selectFrom(r8, r10); r10 = hi.selectFrom(r8, r10); r8 = t;
        t = lo.selectFrom(r9, r11); r11 = hi.selectFrom(r9, r11); r9 = t;
        t = lo.selectFrom(r12, r14); r14 = hi.selectFrom(r12, r14); r12 = t;
        t = lo.selectFrom(r13, r15); r15 = hi.selectFrom(r13, r15); r13 = t;
        lo = FloatVector.fromArray(S, T_LO[3], 0); hi = FloatVector.fromArray(S, T_HI[3], 0);
        // h = 1: pairs (i, i + 1)
        t = lo.selectFrom(r0, r1); r1 = hi.selectFrom(r0, r1); r0 = t;
        t = lo.selectFrom(r2, r3); r3 = hi.selectFrom(r2, r3); r2 = t;
        t = lo.selectFrom(r4, r5); r5 = hi.selectFrom(r4, r5); r4 = t;
        t = lo.selectFrom(r6, r7); r7 = hi.selectFrom(r6, r7); r6 = t;
        t = lo.selectFrom(r8, r9); r9 = hi.selectFrom(r8, r9); r8 = t;
        t = lo.selectFrom(r10, r11); r11 = hi.selectFrom(r10, r11); r10 = t;
        t = lo.selectFrom(r12, r13); r13 = hi.selectFrom(r12, r13); r12 = t;
        t = lo.selectFrom(r14, r15); r15 = hi.selectFrom(r14, r15); r14 = t;
        r0.intoArray(dst, d0); r1.intoArray(dst, d0 + ldd); r2.intoArray(dst, d0 + 2 * ldd); r3.intoArray(dst, d0 + 3 * ldd);
        r4.intoArray(dst, d0 + 4 * ldd); r5.intoArray(dst, d0 + 5 * ldd); r6.intoArray(dst, d0 + 6 * ldd); r7.intoArray(dst, d0 + 7 * ldd);
        r8.intoArray(dst, d0 + 8 * ldd); r9.intoArray(dst, d0 + 9 * ldd); r10.intoArray(dst, d0 + 10 * ldd); r11.intoArray(dst, d0 + 11 * ldd);
        r12.intoArray(dst, d0 + 12 * ldd); r13.intoArray(dst, d0 + 13 * ldd); r14.intoArray(dst, d0 + 14 * ldd); r15.intoArray(dst, d0 + 15 * ldd);
    }

    /**
     * Whether row-major A is packed by {@link #transposeSliver}: with 8-row slivers and 16-float vectors (an AVX-512
     * machine, where the 8-float two-table permute is one instruction, vpermt2ps on ymm).
     */
    static final boolean SLIVER_T = TRANSPOSE && SLIVER != null && MR == 8;
    /** Per stage of transposeSliver: permute indexes for the new row i and the new row i + h (as T_LO, T_HI). */
    private static final float[][] S_LO = new float[3][8], S_HI = new float[3][8];
    static {
        for (int s = 0, h = 4; h >= 1; s++, h /= 2)
            for (int j = 0; j < 8; j++) {
                boolean up = (j & h) != 0;
                S_LO[s][j] = up ? 8 + (j ^ h) : j;
                S_HI[s][j] = up ? 8 + j : (j | h);
            }
    }

    /** dst[q*8 + i] = src[so + i*lds + q] for i, q in [0, 8): an 8 x 8 transpose in three butterfly stages. */
    static void transposeSliver(float[] src, int so, int lds, float[] dst, int d0) {
        VectorSpecies<Float> sp = SLIVER;
        FloatVector r0 = FloatVector.fromArray(sp, src, so), r1 = FloatVector.fromArray(sp, src, so + lds),
                r2 = FloatVector.fromArray(sp, src, so + 2 * lds), r3 = FloatVector.fromArray(sp, src, so + 3 * lds),
                r4 = FloatVector.fromArray(sp, src, so + 4 * lds), r5 = FloatVector.fromArray(sp, src, so + 5 * lds),
                r6 = FloatVector.fromArray(sp, src, so + 6 * lds), r7 = FloatVector.fromArray(sp, src, so + 7 * lds);
        FloatVector lo = FloatVector.fromArray(sp, S_LO[0], 0), hi = FloatVector.fromArray(sp, S_HI[0], 0), t;
        t = lo.selectFrom(r0, r4); r4 = hi.selectFrom(r0, r4); r0 = t;
        t = lo.selectFrom(r1, r5); r5 = hi.selectFrom(r1, r5); r1 = t;
        t = lo.selectFrom(r2, r6); r6 = hi.selectFrom(r2, r6); r2 = t;
        t = lo.selectFrom(r3, r7); r7 = hi.selectFrom(r3, r7); r3 = t;
        lo = FloatVector.fromArray(sp, S_LO[1], 0); hi = FloatVector.fromArray(sp, S_HI[1], 0);
        t = lo.selectFrom(r0, r2); r2 = hi.selectFrom(r0, r2); r0 = t;
        t = lo.selectFrom(r1, r3); r3 = hi.selectFrom(r1, r3); r1 = t;
        t = lo.selectFrom(r4, r6); r6 = hi.selectFrom(r4, r6); r4 = t;
        t = lo.selectFrom(r5, r7); r7 = hi.selectFrom(r5, r7); r5 = t;
        lo = FloatVector.fromArray(sp, S_LO[2], 0); hi = FloatVector.fromArray(sp, S_HI[2], 0);
        t = lo.selectFrom(r0, r1); r1 = hi.selectFrom(r0, r1); r0 = t;
        t = lo.selectFrom(r2, r3); r3 = hi.selectFrom(r2, r3); r2 = t;
        t = lo.selectFrom(r4, r5); r5 = hi.selectFrom(r4, r5); r4 = t;
        t = lo.selectFrom(r6, r7); r7 = hi.selectFrom(r6, r7); r6 = t;
        r0.intoArray(dst, d0); r1.intoArray(dst, d0 + 8); r2.intoArray(dst, d0 + 16); r3.intoArray(dst, d0 + 24);
        r4.intoArray(dst, d0 + 32); r5.intoArray(dst, d0 + 40); r6.intoArray(dst, d0 + 48); r7.intoArray(dst, d0 + 56);
    }

    /** One MR x NR tile of C: the micro-kernel in place, or on a padded copy at the matrix edges. */
    private static void tileAt(float[] ap, float[] bp, float[] c, float[] edge, int n, int k, int pc, int kc, int bBase,
                               int bStride, int p0, int cOff, int ldc, int i0, int mc, int ir, int jp) {
        int rows = Math.min(MR, mc - ir), aIdx = ((i0 + ir) / MR) * k * MR + pc * MR;
        int cRow = cOff + (i0 + ir) * ldc;
        int j0 = jp * NR, cols = Math.min(NR, n - j0);
        int bIdx = bBase + (jp - p0) * bStride;
        if (rows == MR && cols == NR) {
            kernel(ap, aIdx, bp, bIdx, kc, c, cRow + j0, ldc);
        } else if (!WIDE && cols == NR) {
            // the last sliver's rows alone, in place: a convolution with 32 output channels is 6 full 5-row slivers
            // and 2 rows, which the padded kernel computed as a seventh sliver (each element sums exactly as in the
            // full kernel: C, then one FMA per k)
            int r = 0;
            if (rows - r >= 4) { kernel4x2(ap, aIdx, bp, bIdx, kc, c, cRow + j0, ldc); r += 4; }
            if (rows - r >= 2) { kernelRows2(ap, aIdx + r, bp, bIdx, kc, c, cRow + r * ldc + j0, ldc); r += 2; }
            if (rows - r >= 1) kernelRow1(ap, aIdx + r, bp, bIdx, kc, c, cRow + r * ldc + j0);
        } else {
            // edge tile: the same kernel on a padded copy, then the valid part written back
            java.util.Arrays.fill(edge, 0f);
            for (int r = 0; r < rows; r++) System.arraycopy(c, cRow + r * ldc + j0, edge, r * NR, cols);
            kernel(ap, aIdx, bp, bIdx, kc, edge, 0, NR);
            for (int r = 0; r < rows; r++) System.arraycopy(edge, r * NR, c, cRow + r * ldc + j0, cols);
        }
    }

    /** C[4 x 2L] += rows 0-3 of a 5-row A sliver (kc x MR, starting at ai) * B panel (kc x 2L). */
    static void kernel4x2(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc) {
        final int l = L;
        int r0 = ci, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, r0), c01 = FloatVector.fromArray(S, c, r0 + l);
        FloatVector c10 = FloatVector.fromArray(S, c, r1), c11 = FloatVector.fromArray(S, c, r1 + l);
        FloatVector c20 = FloatVector.fromArray(S, c, r2), c21 = FloatVector.fromArray(S, c, r2 + l);
        FloatVector c30 = FloatVector.fromArray(S, c, r3), c31 = FloatVector.fromArray(S, c, r3 + l);
        for (int p = 0; p < kc; p++) {
            int b = bi + p * (2 * l), a = ai + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + l);
            FloatVector x = FloatVector.broadcast(S, ap[a]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[a + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[a + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[a + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + l);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + l);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + l);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + l);
    }

    /** C[2 x 2L] += two rows of an A sliver (row offset already in ai) * B panel (kc x 2L). */
    static void kernelRows2(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc) {
        final int l = L;
        int r0 = ci, r1 = r0 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, r0), c01 = FloatVector.fromArray(S, c, r0 + l);
        FloatVector c10 = FloatVector.fromArray(S, c, r1), c11 = FloatVector.fromArray(S, c, r1 + l);
        for (int p = 0; p < kc; p++) {
            int b = bi + p * (2 * l), a = ai + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + l);
            FloatVector x = FloatVector.broadcast(S, ap[a]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[a + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + l);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + l);
    }

    /** C[1 x 2L] += one row of an A sliver (row offset already in ai) * B panel (kc x 2L). */
    static void kernelRow1(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci) {
        final int l = L;
        FloatVector c00 = FloatVector.fromArray(S, c, ci), c01 = FloatVector.fromArray(S, c, ci + l);
        for (int p = 0; p < kc; p++) {
            int b = bi + p * (2 * l);
            FloatVector x = FloatVector.broadcast(S, ap[ai + p * MR]);
            c00 = x.fma(FloatVector.fromArray(S, bp, b), c00);
            c01 = x.fma(FloatVector.fromArray(S, bp, b + l), c01);
        }
        c00.intoArray(c, ci); c01.intoArray(c, ci + l);
    }

    /** Packs all of op(A) (m x k) into slivers [sliver][k][MR], zero-padding the last; parallel over slivers. */
    static void packA(int m, int k, float[] a, int aOff, int lda, boolean ta, float[] ap) {
        int slivers = (m + MR - 1) / MR;
        Parallel.forChunks(slivers, Parallel.grain((long) k * MR, 1L << 15), (s, e) -> {
            for (int si = s; si < e; si++) packSliver(m, k, a, aOff, lda, ta, ap, si);
        });
    }

    /** Sliver {@code si} of op(A): rows [si*MR, si*MR + MR) into ap[si*k*MR ..] as [k][MR], zero-padded. */
    static void packSliver(int m, int k, float[] a, int aOff, int lda, boolean ta, float[] ap, int si) {
        int i0 = si * MR, rows = Math.min(MR, m - i0), base = si * k * MR;
        if (!ta && rows == MR && SLIVER_T) {
            // 8 x 8 blocks transposed in registers: MR consecutive floats of each row become one k step's sliver row
            int p = 0, src = aOff + i0 * lda;
            for (; p + MR <= k; p += MR) transposeSliver(a, src + p, lda, ap, base + p * MR);
            for (int r = 0; r < rows; r++)
                for (int q = p; q < k; q++) ap[base + q * MR + r] = a[src + r * lda + q];
        } else if (!ta) {
            for (int r = 0; r < rows; r++) {
                int src = aOff + (i0 + r) * lda;
                for (int p = 0; p < k; p++) ap[base + p * MR + r] = a[src + p];
            }
        } else if (rows == MR && SLIVER != null) {
            // A^T rows hold MR consecutive A rows: one MR-float vector copy per k
            for (int p = 0; p < k; p++)
                FloatVector.fromArray(SLIVER, a, aOff + p * lda + i0).intoArray(ap, base + p * MR);
        } else {
            for (int p = 0; p < k; p++) {
                int src = aOff + p * lda + i0, dst = base + p * MR;
                for (int r = 0; r < rows; r++) ap[dst + r] = a[src + r];
            }
        }
        if (rows < MR)
            for (int p = 0; p < k; p++)
                for (int r = rows; r < MR; r++) ap[base + p * MR + r] = 0f;
    }

    static void kernel(float[] ap, int aIdx, float[] bp, int bIdx, int kc, float[] c, int cIdx, int ldc) {
        if (WIDE) kernel8x3(ap, aIdx, bp, bIdx, kc, c, cIdx, ldc);
        else kernel5x2(ap, aIdx, bp, bIdx, kc, c, cIdx, ldc);
    }

    /** C[8 x 3L] += A sliver (kc x 8) * B panel (kc x 3L); accumulators live in registers for the whole k loop. */
    static void kernel8x3(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc) {
        final int l = L, l2 = 2 * L;
        int r0 = ci, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, r0), c01 = FloatVector.fromArray(S, c, r0 + l), c02 = FloatVector.fromArray(S, c, r0 + l2);
        FloatVector c10 = FloatVector.fromArray(S, c, r1), c11 = FloatVector.fromArray(S, c, r1 + l), c12 = FloatVector.fromArray(S, c, r1 + l2);
        FloatVector c20 = FloatVector.fromArray(S, c, r2), c21 = FloatVector.fromArray(S, c, r2 + l), c22 = FloatVector.fromArray(S, c, r2 + l2);
        FloatVector c30 = FloatVector.fromArray(S, c, r3), c31 = FloatVector.fromArray(S, c, r3 + l), c32 = FloatVector.fromArray(S, c, r3 + l2);
        FloatVector c40 = FloatVector.fromArray(S, c, r4), c41 = FloatVector.fromArray(S, c, r4 + l), c42 = FloatVector.fromArray(S, c, r4 + l2);
        FloatVector c50 = FloatVector.fromArray(S, c, r5), c51 = FloatVector.fromArray(S, c, r5 + l), c52 = FloatVector.fromArray(S, c, r5 + l2);
        FloatVector c60 = FloatVector.fromArray(S, c, r6), c61 = FloatVector.fromArray(S, c, r6 + l), c62 = FloatVector.fromArray(S, c, r6 + l2);
        FloatVector c70 = FloatVector.fromArray(S, c, r7), c71 = FloatVector.fromArray(S, c, r7 + l), c72 = FloatVector.fromArray(S, c, r7 + l2);
        for (int p = 0; p < kc; p++) {
            int b = bi + p * (3 * l), a = ai + p * 8;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + l), b2 = FloatVector.fromArray(S, bp, b + l2);
            FloatVector x = FloatVector.broadcast(S, ap[a]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, ap[a + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, ap[a + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, ap[a + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, ap[a + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, ap[a + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, ap[a + 6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61); c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, ap[a + 7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71); c72 = x.fma(b2, c72);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + l); c02.intoArray(c, r0 + l2);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + l); c12.intoArray(c, r1 + l2);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + l); c22.intoArray(c, r2 + l2);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + l); c32.intoArray(c, r3 + l2);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + l); c42.intoArray(c, r4 + l2);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + l); c52.intoArray(c, r5 + l2);
        c60.intoArray(c, r6); c61.intoArray(c, r6 + l); c62.intoArray(c, r6 + l2);
        c70.intoArray(c, r7); c71.intoArray(c, r7 + l); c72.intoArray(c, r7 + l2);
    }

    /**
     * C[5 x 2L] += A sliver (kc x 5) * B panel (kc x 2L): the tile for 16-register machines (256- and 128-bit). Ten
     * accumulators, two B vectors and the broadcasts C2 schedules ahead fit in the 16 registers, so the k loop has no
     * stack traffic: per step 2 B loads, 5 broadcast loads, 10 FMAs and the loop counter. (The 6 x 2L tile needed
     * 12 + 2 + 1 registers and C2 spilled an accumulator; see the class comment.)
     */
    static void kernel5x2(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc) {
        final int l = L;
        int r0 = ci, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, r0), c01 = FloatVector.fromArray(S, c, r0 + l);
        FloatVector c10 = FloatVector.fromArray(S, c, r1), c11 = FloatVector.fromArray(S, c, r1 + l);
        FloatVector c20 = FloatVector.fromArray(S, c, r2), c21 = FloatVector.fromArray(S, c, r2 + l);
        FloatVector c30 = FloatVector.fromArray(S, c, r3), c31 = FloatVector.fromArray(S, c, r3 + l);
        FloatVector c40 = FloatVector.fromArray(S, c, r4), c41 = FloatVector.fromArray(S, c, r4 + l);
        for (int p = 0; p < kc; p++) {
            int b = bi + p * (2 * l), a = ai + p * 5;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + l);
            FloatVector x = FloatVector.broadcast(S, ap[a]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[a + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[a + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[a + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[a + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + l);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + l);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + l);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + l);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + l);
    }
}
