package svg.bench;

import svg.nn.dit.DiTConfig;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backends;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Where a DiT-XL block's time goes on a backend, kernel by kernel: each op of the block at DiT-XL's shapes (batch 2,
 * 256 tokens, hidden 1152, 16 heads) repeated inside one {@link Tensor#block}, so that on a device backend the
 * repeats are one task graph whose inputs go up once and whose last result alone comes back. The time of one launch
 * is (T(R repeats) - T(1 repeat)) / (R - 1), each T the median of {@code --runs} runs, so the graph's fixed cost
 * (launch, transfers, the host read) cancels; T(1) is printed as well. The table ends with the sum over a DiT-XL
 * forward (count per block x 28) to set against the forward that {@link DeviceSvgXl} measures: what the sum does not
 * explain is the host round trips between blocks and the ops outside them.
 *
 * <p>Usage: {@code DeviceKernels [--repeats R] [--runs N]} with {@code -Dsvg.backend=tornado} (benchmarks/gpu-tornado.sh
 * {@code --kernels}) or on the CPU. Lines start with {@code KERNEL}.
 */
public final class DeviceKernels {
    private DeviceKernels() {}

    /** One op as a DiT block runs it: {@code perBlock} launches of it per block, {@code gflop} per launch. */
    private record Op(String name, int perBlock, double gflop, Supplier<Tensor> run) {}

    public static void main(String[] args) {
        int repeats = 8, runs = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--repeats R, --runs N)");
            }
        }
        if (repeats < 2) throw new IllegalArgumentException("--repeats must be >= 2");
        DiTConfig c = DiTConfig.XL;
        int b = 2, t = c.numTokens(), d = c.hidden_size(), heads = c.num_heads(), hd = d / heads;
        int rows = b * t, mlp = (int) (d * c.mlp_ratio());
        Rng r = new Rng(3);
        Tensor x = Tensor.randn(r, rows, d), h = Tensor.randn(r, rows, mlp), cond = Tensor.randn(r, b, d);
        Tensor x3 = x.reshape(b, t, d), mod = Tensor.randn(r, b, 1, d);
        Tensor wQkv = Tensor.randn(r, 3 * d, d).mul(0.02f), bQkv = Tensor.randn(r, 3 * d);
        Tensor wProj = Tensor.randn(r, d, d).mul(0.02f), bProj = Tensor.randn(r, d);
        Tensor wFc1 = Tensor.randn(r, mlp, d).mul(0.02f), bFc1 = Tensor.randn(r, mlp);
        Tensor wFc2 = Tensor.randn(r, d, mlp).mul(0.02f), bFc2 = Tensor.randn(r, d);
        Tensor wAda = Tensor.randn(r, 6 * d, d).mul(0.02f), bAda = Tensor.randn(r, 6 * d);
        Tensor q = Tensor.randn(r, b, heads, t, hd), k = Tensor.randn(r, b, heads, t, hd), v = Tensor.randn(r, b, heads, t, hd);
        Tensor qkv5 = Tensor.randn(r, b, t, 3, heads, hd);
        Tensor nW = Tensor.randn(r, hd), nB = Tensor.randn(r, hd);
        double lin = 2e-9 * rows * d;
        List<Op> ops = List.of(
                new Op("linear qkv 512x1152 -> 3456", 1, lin * 3 * d, () -> x.linear(wQkv, bQkv)),
                new Op("linear proj 512x1152 -> 1152", 1, lin * d, () -> x.linear(wProj, bProj)),
                new Op("linear fc1 512x1152 -> 4608", 1, lin * mlp, () -> x.linear(wFc1, bFc1)),
                new Op("linear fc2 512x4608 -> 1152", 1, 2e-9 * rows * mlp * d, () -> h.linear(wFc2, bFc2)),
                new Op("linear adaLN 2x1152 -> 6912", 1, 2e-9 * b * d * 6 * d, () -> cond.linear(wAda, bAda)),
                new Op("attention 2x16x256x72", 1, 4e-9 * b * heads * t * t * hd, () -> Tensor.attention(q, k, v, null, (float) (1 / Math.sqrt(hd)))),
                new Op("layerNorm 512x1152", 2, 0, () -> x.layerNorm(null, null, 1e-6f)),
                new Op("qk layerNorm 8192x72", 2, 0, () -> q.layerNorm(nW, nB, 1e-5f)),
                // the copies start from a device result, as in a block (a host tensor's view is copied on the host):
                // each is timed with the scalar multiply that makes it, 2x256x3456 and 2x16x256x72 values
                new Op("x*1 2x256x3456 + q copy from it (strided)", 3, 0, () -> qkv5.mul(1f).select(2, 0).transpose(1, 2).contiguous()),
                new Op("x*1 2x16x256x72 + attention out copy (strided)", 1, 0, () -> q.mul(1f).transpose(1, 2).contiguous()),
                new Op("binary add 512x1152", 2, 0, () -> x.add(x)),
                new Op("binary broadcast mul/add 2x256x1152 by 2x1x1152", 6, 0, () -> x3.mul(mod)),
                new Op("geluTanh 512x4608", 1, 0, h::geluTanh),
                new Op("silu 2x1152", 1, 0, cond::silu));
        System.out.printf(Locale.ROOT, "# backend %s; DiT-XL block shapes, batch %d; per-launch time = (T(%d) - T(1)) / %d, T = median of %d runs%n",
                Backends.current().getClass().getSimpleName(), b, repeats, repeats - 1, runs);
        double perBlockMs = 0;
        try (var g = GradMode.noGrad()) {
            for (Op op : ops) {
                double t1 = median(op, 1, runs), tr = median(op, repeats, runs);
                double each = Math.max(0, (tr - t1) / (repeats - 1));
                perBlockMs += op.perBlock * each;
                String rate = op.gflop > 0 && each > 0 ? String.format(Locale.ROOT, "%8.1f GFLOP/s", op.gflop / (each / 1e3)) : "";
                System.out.printf(Locale.ROOT, "KERNEL %-48s %8.3f ms per launch (T(1) %8.2f ms) x%d per block %s%n",
                        op.name, each, t1, op.perBlock, rate);
            }
        }
        System.out.printf(Locale.ROOT, "KERNEL sum per DiT block %.2f ms; x %d blocks = %.1f ms per DiT-XL forward (kernels of the blocks only)%n",
                perBlockMs, c.depth(), perBlockMs * c.depth());
    }

    /** Median wall time of {@code runs} runs of the op repeated {@code n} times in one block; one warm-up run first. */
    private static double median(Op op, int n, int runs) {
        Supplier<Tensor> block = () -> Tensor.block("bench." + n + "." + op.name, () -> {
            Tensor y = null;
            for (int i = 0; i < n; i++) y = op.run.get();
            return y;
        });
        block.get().toArray(); // compiles the block's plan (device) or warms the JIT (CPU)
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            block.get().toArray();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }
}
