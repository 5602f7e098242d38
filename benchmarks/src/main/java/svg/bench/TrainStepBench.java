package svg.bench;

import svg.nn.decoder.Decoder;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.optim.Adam;
import svg.nn.optim.Params;
import svg.nn.train.dit.DitTask;
import svg.nn.flow.RectifiedFlowLoss;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.parallel.Parallel;

import java.util.Locale;

/**
 * Training-step timing of the default model's DiT and decoder (forward + backward + AdamW update), to compare
 * with the same architectures in PyTorch (benchmarks/train_step_torch.py). Args: [warmup] [iterations].
 * Prints the median seconds per step.
 */
public final class TrainStepBench {
    public static void main(String[] args) {
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 3, iters = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Rng rng = new Rng(0);
        System.out.printf(Locale.ROOT, "threads %d%n", Parallel.threads());

        DiTConfig dc = new DiTConfig(4, 1, 72, 128, 4, 4, 4.0, 0.1, 10, true, 0, true);
        DiT dit = new DiT(dc, rng);
        dit.train();
        Adam ditOpt = Adam.adamW(dit.namedParameters(), 0);
        Tensor x1 = Tensor.randn(rng, 64, 16, 72);
        int[] y = new int[64];
        for (int i = 0; i < 64; i++) y[i] = i % 10;
        report("DiT step (hidden 128, depth 4, 16 tokens x 72 ch, batch 64)", warm, iters, () -> {
            Params.zeroGrad(dit.namedParameters());
            RectifiedFlowLoss.compute(DitTask.velocity(dit), x1, y, 0.4, rng).loss().backward();
            ditOpt.step(1e-4, 1);
        });

        DecoderConfig dec = new DecoderConfig(32, 3, new int[]{1, 1, 1, 2}, 0, new int[0], 0.0, 32, 72, 3, true);
        Decoder d = new Decoder(dec, rng);
        Adam decOpt = Adam.adamW(d.namedParameters(), 0);
        Tensor z = Tensor.randn(rng, 32, 72, 4, 4), target = Tensor.rand(rng, -1, 1, 32, 3, 32, 32);
        report("decoder step (ch 32, mult 1,1,1,2, 4x4x72 -> 32x32, batch 32, L1)", warm, iters, () -> {
            Params.zeroGrad(d.namedParameters());
            d.forward(z).sub(target).abs().mean().backward();
            decOpt.step(1e-4, 1);
        });
    }

    static void report(String what, int warm, int iters, Runnable step) {
        for (int i = 0; i < warm; i++) step.run();
        double[] t = new double[iters];
        for (int i = 0; i < iters; i++) {
            long s = System.nanoTime();
            step.run();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        java.util.Arrays.sort(t);
        System.out.printf(Locale.ROOT, "%s: median %.4f s/step (min %.4f, max %.4f)%n", what, t[iters / 2], t[0], t[iters - 1]);
    }
}
