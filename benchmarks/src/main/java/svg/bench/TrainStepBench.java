package svg.bench;

import svg.tensor.Rng;
import svg.tensor.parallel.Parallel;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Training-step timing (forward + backward + AdamW update) of a model's DiT and of its autoencoder's decoder, to
 * compare with the same architectures in PyTorch (benchmarks/train_step_torch.py; benchmarks/train-vs-pytorch.sh
 * runs both). The architecture is read from a model dir or config file ({@link TrainNets}).
 *
 * <p>Usage: {@code TrainStepBench [--model DIR|FILE] [--dit-hidden 128] [--dit-depth 4] [--dit-heads 4]
 * [--classes 10] [--warmup 3] [--iters 10] [--threads T] [--nets dit,decoder] [--torch-args] [--cpu-time] [--profile-ops]}. {@code --cpu-time}: the calling thread's CPU time
 * instead of wall time, for {@code --threads 1} on a shared machine (time spent descheduled is not counted). Prints the machine,
 * then per network a {@code STEP name median min max} line (seconds per step) after a readable one.
 * {@code --torch-args} prints the architecture as train_step_torch.py arguments and exits.
 */
public final class TrainStepBench {
    private TrainStepBench() {}

    public static void main(String[] args) throws Exception {
        String model = TrainNets.DEFAULT_MODEL, nets = "dit,decoder";
        int hidden = 128, depth = 4, heads = 4, classes = 10, warm = 3, iters = 10, threads = 0;
        boolean torchArgs = false;
        cpuTime = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--dit-hidden" -> hidden = Integer.parseInt(args[++i]);
                case "--dit-depth" -> depth = Integer.parseInt(args[++i]);
                case "--dit-heads" -> heads = Integer.parseInt(args[++i]);
                case "--classes" -> classes = Integer.parseInt(args[++i]);
                case "--warmup" -> warm = Integer.parseInt(args[++i]);
                case "--iters" -> iters = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--nets" -> nets = args[++i];
                case "--torch-args" -> torchArgs = true;
                case "--cpu-time" -> cpuTime = true;
                case "--profile-ops" -> profileOps = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        TrainNets n = TrainNets.load(Path.of(model), hidden, depth, heads, classes);
        if (torchArgs) {
            System.out.println(n.torchArgs());
            return;
        }
        if (threads > 0) Parallel.setThreads(threads);
        System.out.println("# " + Machine.describe() + "; threads " + Parallel.threads());
        if (profileOps) profile = OpProfile.install();
        System.out.println("# architecture from " + n.source);
        Rng rng = new Rng(0);
        for (String net : nets.split(",")) {
            switch (net) {
                case "dit" -> {
                    Runnable step = n.ditStep(rng);
                    report("dit", n.ditLabel() + ", " + n.ditParams + " params", warm, iters, step);
                }
                case "decoder" -> {
                    Runnable step = n.decoderStep(rng);
                    report("decoder", n.decoderLabel() + ", " + n.decoderParams + " params", warm, iters, step);
                }
                default -> throw new IllegalArgumentException("unknown network " + net);
            }
        }
    }

    /** Time steps by the calling thread's CPU time (meaningful with --threads 1: all work runs on that thread). */
    static boolean cpuTime;
    /** --profile-ops: wall time per backend op over the timed steps ({@link OpProfile}). */
    static boolean profileOps;
    static OpProfile profile;

    private static long now() {
        return cpuTime ? java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() : System.nanoTime();
    }

    static void report(String name, String what, int warm, int iters, Runnable step) {
        for (int i = 0; i < warm; i++) step.run();
        double[] t = new double[iters];
        if (profile != null) profile.start();
        for (int i = 0; i < iters; i++) {
            long s = now();
            step.run();
            t[i] = (now() - s) / 1e9;
        }
        if (profile != null) {
            profile.stop();
            profile.print(iters, Arrays.stream(t).sum() / iters);
        }
        Arrays.sort(t);
        System.out.printf(Locale.ROOT, "%s: median %.4f s/step (min %.4f, max %.4f)%n", what, t[iters / 2], t[0], t[iters - 1]);
        System.out.printf(Locale.ROOT, "STEP %s %.5f %.5f %.5f%n", name, t[iters / 2], t[0], t[iters - 1]);
    }
}
