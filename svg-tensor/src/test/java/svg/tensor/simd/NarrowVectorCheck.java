package svg.tensor.simd;

import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.UnaryOp;
import svg.tensor.parallel.Parallel;
import svg.tensor.reference.ReferenceBackend;

/**
 * Run in a child JVM by {@link SimdBackendTest} with narrower vectors (-XX:UseAVX=2 or 1) so that the 5-row GEMM
 * tiles and 8- or 4-lane paths, which an AVX-512 machine never takes by default, are checked against the reference.
 * Prints the vector width and exits 1 with a message on the first mismatch.
 */
public final class NarrowVectorCheck {
    private NarrowVectorCheck() {}

    public static void main(String[] args) {
        Parallel.setThreads(2);
        System.out.println(SimdBackend.describe());
        Backend cpu = new SimdBackend(), ref = new ReferenceBackend();
        Rng r = new Rng(5);
        // 13 and 9 rows end in 3 and 4 rows of a 5-row sliver (the remainder kernels at 256 bits)
        int[][] shapes = {{3, 40, 70}, {13, 37, 300}, {70, 100, 65}, {9, 48, 40}};
        for (int[] s : shapes)
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                Tensor a = ta ? Tensor.randn(r, 2, s[2], s[0]) : Tensor.randn(r, 2, s[0], s[2]);
                Tensor b = tb ? Tensor.randn(r, 2, s[1], s[2]) : Tensor.randn(r, 2, s[2], s[1]);
                check("matmul " + java.util.Arrays.toString(s) + " " + ta + " " + tb, cpu.matmul(a, ta, b, tb), ref.matmul(a, ta, b, tb), Math.sqrt(s[2]));
            }
        // the remainder rows sum as the full sliver does: each row of a 7-, 8- or 9-row product has the bits of the
        // same row of a 10-row one (two full slivers at 256 bits)
        Tensor tall = Tensor.randn(r, 1, 10, 300), bm = Tensor.randn(r, 1, 300, 64);
        float[] full = cpu.matmul(tall, false, bm, false).toArray();
        for (int m : new int[]{6, 7, 8, 9}) {
            float[] part = cpu.matmul(tall.narrow(1, 0, m).contiguous(), false, bm, false).toArray();
            if (!java.util.Arrays.equals(part, java.util.Arrays.copyOf(full, m * 64))) {
                System.out.println("MISMATCH matmul: " + m + " rows differ from the same rows of 10");
                System.exit(1);
            }
        }
        Tensor x = Tensor.randn(r, 2, 3, 70, 64), k = Tensor.randn(r, 2, 3, 90, 64), v = Tensor.randn(r, 2, 3, 90, 24);
        check("attention", cpu.attention(x, k, v, null, 0.125f), ref.attention(x, k, v, null, 0.125f), 1e-2);
        // P V's 5-row tiles, 2 and 1 vectors wide (head size 40 = 2 x 16 + 8 floats at 256 bits), a last query block
        // of 27 rows (not a whole number of tiles), a mask; and the same bits with 1 and 2 threads
        Tensor q2 = Tensor.randn(r, 1, 2, 67, 32), k2 = Tensor.randn(r, 1, 2, 210, 32), v2 = Tensor.randn(r, 1, 2, 210, 40);
        Tensor mask = Tensor.randn(r, 67, 210);
        Tensor two = cpu.attention(q2, k2, v2, mask, 0.2f);
        check("attention dv 40", two, ref.attention(q2, k2, v2, mask, 0.2f), 1e-2);
        Parallel.setThreads(1);
        Tensor one = cpu.attention(q2, k2, v2, mask, 0.2f);
        Parallel.setThreads(2);
        if (!java.util.Arrays.equals(one.toArray(), two.toArray())) {
            System.out.println("MISMATCH attention: 1 and 2 threads differ");
            System.exit(1);
        }
        Tensor img = Tensor.randn(r, 1, 3, 11, 57), w = Tensor.randn(r, 9, 3, 3, 3);
        check("conv2d", cpu.conv2d(img, w, null, 1, 1), ref.conv2d(img, w, null, 1, 1), 3);
        // the stride-1 weight gradient (GEMM over channel-last runs): 10 output channels, 4 input channels (runs of 4
        // floats in a panel row), 5 images of 9x7 in one group, and the same bits with 1 and 2 threads
        Tensor xs = Tensor.randn(r, 5, 4, 9, 7), gs = Tensor.randn(r, 5, 10, 9, 7);
        Tensor dw2 = cpu.conv2dBackwardWeight(gs, xs, 3, 3, 1, 1);
        check("conv2dBackwardWeight", dw2, ref.conv2dBackwardWeight(gs, xs, 3, 3, 1, 1), 10);
        Parallel.setThreads(1);
        Tensor dw1 = cpu.conv2dBackwardWeight(gs, xs, 3, 3, 1, 1);
        Parallel.setThreads(2);
        if (!java.util.Arrays.equals(dw1.toArray(), dw2.toArray())) {
            System.out.println("MISMATCH conv2dBackwardWeight: 1 and 2 threads differ");
            System.exit(1);
        }
        Tensor rows = Tensor.randn(r, 7, 203);
        check("softmax", cpu.softmax(rows), ref.softmax(rows), 1e-3);
        check("layerNorm", cpu.layerNorm(rows, null, null, 1e-5f), ref.layerNorm(rows, null, null, 1e-5f), 1e-3);
        for (UnaryOp op : new UnaryOp[]{UnaryOp.EXP, UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.SILU, UnaryOp.TANH})
            check(op.toString(), cpu.unary(op, rows), ref.unary(op, rows), 1e-3);
        System.out.println("ok");
    }

    private static void check(String what, Tensor got, Tensor want, double scale) {
        float[] g = got.toArray(), w = want.toArray();
        double worst = 0;
        for (int i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]) / (Math.abs(w[i]) + scale));
        if (!(worst < 2e-5) || g.length != w.length) {
            System.out.println("MISMATCH " + what + ": relative error " + worst);
            System.exit(1);
        }
    }
}
