package svg.app.train;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import svg.app.CliException;
import svg.app.ComputeOptions;
import svg.nn.data.Dataset;
import svg.nn.data.Loader;
import svg.nn.data.Transforms;
import svg.nn.data.Views;
import svg.nn.decoder.DecoderConfig;
import svg.nn.image.ImageGrid;
import svg.nn.image.ImageIo;
import svg.nn.train.TrainConfig;
import svg.nn.train.Trainer;
import svg.nn.train.vae.KlVae;
import svg.nn.train.vae.VaeTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.io.Safetensors;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code svg train vae}: the KL-VAE baseline with the same decoder (writes OUT/vae.safetensors, OUT/reconstructions.png). */
@Command(name = "vae", mixinStandardHelpOptions = true, description = "Train the KL-VAE baseline (ViT encoder + the same LDM decoder).")
public final class TrainVaeCommand implements Callable<Integer> {
    @Mixin TrainOptions opts;
    @Mixin ComputeOptions compute;

    @Option(names = "--image-size", defaultValue = "32") int size;
    @Option(names = "--patch", defaultValue = "8") int patch;
    @Option(names = "--z-channels", defaultValue = "8", description = "Latent channels (default: ${DEFAULT-VALUE}).") int z;
    @Option(names = "--hidden", defaultValue = "64") int hidden;
    @Option(names = "--depth", defaultValue = "2") int depth;
    @Option(names = "--heads", defaultValue = "2") int heads;
    @Option(names = "--decoder-ch", defaultValue = "32") int decCh;
    @Option(names = "--kl-weight", defaultValue = "1e-6", description = "KL weight (default: ${DEFAULT-VALUE}, as LDM).") double klWeight;

    @Override
    public Integer call() throws Exception {
        try (var scope = compute.apply()) {
            if (Integer.bitCount(patch) != 1) throw new CliException("--patch must be a power of 2");
            TrainConfig cfg = opts.config(600, 32, 1e-3, 0.0);
            int levels = Integer.numberOfTrailingZeros(patch) + 1;
            int[] mult = new int[levels];
            for (int i = 0; i < levels; i++) mult[i] = i < levels - 1 || levels == 1 ? 1 : 2;
            DecoderConfig dec = new DecoderConfig(decCh, 3, mult, 0, new int[0], 0.0, size, z, 3, true);
            KlVae vae = new KlVae(size, patch, hidden, depth, heads, z, dec, new Rng(cfg.seed()));
            Dataset data = Datasets.open(opts, true);
            Views views = Views.single(Transforms.toRgb().then(Transforms.fitTo(size, 0f)).then(Transforms.randomFlip(0.5)));
            Trainer.Result r;
            try (Loader loader = new Loader(data, cfg.batchSize(), cfg.seed(), views, cfg.workers(), 4)) {
                r = new Trainer(cfg, new VaeTask(vae, klWeight), loader, System.out).run();
            }
            Safetensors.save(cfg.out().resolve("vae.safetensors"), vae.stateDict(), Map.of("model", "kl-vae-baseline"));
            Dataset test = Datasets.open(opts, false);
            int n = 16;
            var prep = Transforms.toRgb().then(Transforms.fitTo(size, 0f));
            float[] buf = new float[n * 3 * size * size];
            for (int i = 0; i < n; i++) {
                float[] d = prep.apply(test.get(i * 37 % test.size()).image(), new Rng(0)).data();
                System.arraycopy(d, 0, buf, i * d.length, d.length);
            }
            Tensor x = Tensor.of(buf, n, 3, size, size);
            float[] rv;
            try (var g = GradMode.noGrad()) {
                vae.eval();
                rv = vae.decode(vae.encode(x.mul(2f).sub(1f)).mean()).add(1f).mul(0.5f).toArray();
            }
            double l1 = 0;
            for (int i = 0; i < rv.length; i++) { rv[i] = Math.max(0f, Math.min(1f, rv[i])); l1 += Math.abs(rv[i] - buf[i]); }
            ImageIo.writePng(ImageGrid.grid(Tensor.cat(0, x, Tensor.of(rv, n, 3, size, size)), n, 2, 1f), cfg.out().resolve("reconstructions.png"));
            System.out.printf(Locale.ROOT, "vae: %d steps in %.1f s, final loss %.4f; test reconstruction mean |error| %.4f%n",
                    r.steps(), r.seconds(), r.lastLogs().getOrDefault("loss", Double.NaN), l1 / rv.length);
        }
        return 0;
    }
}
