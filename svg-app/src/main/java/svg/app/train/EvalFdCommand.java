package svg.app.train;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import svg.app.CliException;
import svg.app.ComputeOptions;
import svg.app.SamplingOptions;
import svg.app.Progress;
import svg.nn.data.Dataset;
import svg.nn.data.IdxDataset;
import svg.nn.data.Image;
import svg.nn.data.Transform;
import svg.nn.data.Transforms;
import svg.nn.flow.SamplerOptions;
import svg.nn.image.ImageIo;
import svg.nn.inception.FidInceptionV3;
import svg.nn.inception.InceptionWeights;
import svg.nn.metrics.FrechetDistance;
import svg.nn.pipeline.ImageGenerator;
import svg.nn.train.CheckpointFile;
import svg.nn.train.eval.PixelClassifier;
import svg.nn.train.vae.KlVae;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@code svg eval fd}: Frechet distance between a set of images (a model's samples, its autoencoder's reconstructions,
 * or a folder of PNGs) and the real Fashion-MNIST test set, in the feature space of the project's pixel classifier
 * ("FD-FMNIST": its 128-d penultimate layer) and, with {@code --inception}, of the standard FID InceptionV3.
 *
 * <p>The real test images (first {@code --real-limit}) are shuffled with {@code --seed} and split in two disjoint
 * parts: the first M images (M = the size of the scored set) are the <em>floor set</em>, the rest the
 * <em>reference</em>. The scored set and the floor set are each compared with the same reference, so the floor is
 * what a perfect generator with M samples would score (estimation noise of the Gaussian fit, nothing else), and
 * score / floor tells how far above that noise the scored set is. {@code --reconstruct} scores the reconstructions
 * of exactly the floor-set images, so reconstruction FD and floor differ only by the autoencoder.
 */
@Command(name = "fd", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Frechet distance of a model's samples (--model), its reconstructions (--model --reconstruct), an autoencoder's or a KL-VAE's "
                + "reconstructions (--autoencoder, --vae) or a folder of PNGs (--images) to the real Fashion-MNIST test set: FD-FMNIST (features of the project's Fashion-MNIST "
                + "classifier; not ImageNet FID) and, with --inception, standard FID (pytorch-fid InceptionV3 weights).",
                "Also prints the real-vs-real floor: the FD of M other real test images (M = the scored count) to the same reference."})
public final class EvalFdCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ComputeOptions compute;

    @Option(names = "--model", paramLabel = "DIR", description = "Model directory (svg-jvm-model/1, or a VAE baseline's svg-jvm-vae-model/1 from `svg train dit --vae`): its samples are scored, or its reconstructions with --reconstruct.")
    Path modelDir;
    @Option(names = "--autoencoder", paramLabel = "DIR", description = "An `svg train autoencoder` output: score its reconstructions (implies --reconstruct; n x 10 images).")
    Path autoencoderDir;
    @Option(names = "--vae", paramLabel = "DIR", description = "An `svg train vae` output: score its reconstructions from the posterior mean (implies --reconstruct; n x 10 images).")
    Path vaeDir;
    @Option(names = "--reconstruct", description = "Score the model's autoencoder reconstructions of real test images (the floor-set images) and print their PSNR.")
    boolean reconstruct;
    @Option(names = "--images", paramLabel = "DIR", description = "Score the PNG files in this folder (RGB or grey, all the same square size >= 28).")
    Path imagesDir;
    @Option(names = "--classifier", paramLabel = "FILE", description = "classifier.safetensors of `svg train classifier` (default: MODEL/eval/classifier.safetensors when present).")
    Path classifierFile;
    @Option(names = "--inception", paramLabel = "FILE", description = "pytorch-fid InceptionV3 weights (pt_inception-2015-12-05-6726825d.pth): also report standard FID. Slow on a CPU (0.4-0.6 s per image with 2 threads, measured on a shared 2-core machine; every real and scored image goes through it): pair with --real-limit.")
    Path inceptionFile;
    @Option(names = "--n", defaultValue = "100", description = "Samples per class with --model (default: ${DEFAULT-VALUE}); with --reconstruct, n x classes real images are reconstructed.")
    int n;
    @Option(names = "--seed", defaultValue = "1", description = "Sampling seed and seed of the real-set split (default: ${DEFAULT-VALUE}).")
    long seed;
    @Mixin SamplingOptions sampling;
    @Option(names = "--batch", defaultValue = "32", description = "Images per generation / reconstruction batch (default: ${DEFAULT-VALUE}; results do not depend on it for samples).")
    int batch;
    @Option(names = "--real-limit", paramLabel = "N", description = "Use only the first N real test images (default: all 10,000).")
    Integer realLimit;
    @Option(names = "--no-progress", description = "No progress bar while sampling (for logs).")
    boolean noProgress;

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX folder with the t10k-images/labels files (default: /usr/share/datasets/fashion-mnist).")
    Path data;

    /** One feature space: a name for the report and the extractor [N, 3, S, S] in [0, 1] -> [N, d]. */
    private record Space(String name, String description, Function<Tensor, Tensor> features) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (var scope = compute.apply()) {
            validate();
            ImageGenerator model = modelDir == null ? null : loadModel();
            svg.nn.autoencoder.SvgAutoencoder ae = null;
            if (autoencoderDir != null) {
                if (!Files.isDirectory(autoencoderDir)) throw new CliException("autoencoder directory not found: " + autoencoderDir);
                ae = StageFiles.loadAutoencoder(autoencoderDir);
                ae.eval();
                reconstruct = true;
            }
            KlVae vae = null;
            if (vaeDir != null) {
                vae = StageFiles.loadVae(vaeDir);
                reconstruct = true;
            }
            List<Space> spaces = spaces(model);

            // the scored count m and image size first, so that a missing data set fails before any sampling
            Tensor scored = null;
            int m, size;
            if (imagesDir != null) {
                scored = loadImages(imagesDir);
                m = scored.size(0);
                size = scored.size(2);
            } else if (ae != null) {
                m = n * 10;
                size = ae.config.extra_vit().image_size();
            } else if (vae != null) {
                m = n * 10;
                size = vae.config.image_size();
            } else {
                m = n * model.numClasses();
                size = reconstruct ? model.imageSize() : model.outputSize();
            }
            if (size < PixelClassifier.SIZE && spaces.stream().anyMatch(sp -> sp.name().equals("FD-FMNIST")))
                throw new CliException("the images are " + size + "x" + size + " px; FD-FMNIST needs at least " + PixelClassifier.SIZE + "x" + PixelClassifier.SIZE);

            // the real test set, split into the floor set (first m of a seeded permutation) and the reference (the rest)
            Tensor[] real = realSplit(size, m);
            Tensor floorSet = real[0], reference = real[1];
            out.printf(Locale.ROOT, "real Fashion-MNIST test images (%s): %d shuffled with seed %d -> floor set %d, reference %d (%dx%d RGB, padded as the trainers do)%n",
                    dataDir(), floorSet.size(0) + reference.size(0), seed, floorSet.size(0), reference.size(0), size, size);

            String what;
            double psnr = Double.NaN;
            long t0 = System.nanoTime();
            if (imagesDir != null) {
                what = m + " images from " + imagesDir;
            } else if (reconstruct) {
                scored = ae != null ? reconstruct(ae, floorSet) : vae != null ? reconstruct(vae, floorSet) : reconstruct(model, floorSet);
                psnr = meanPsnr(scored, floorSet);
                what = m + " reconstructions of the floor-set images";
                out.printf(Locale.ROOT, "reconstructed %d images in %.1f s%n", m, secs(t0));
            } else {
                SamplerOptions o = samplerOptions(model);
                int[] ids = new int[m];
                for (int i = 0; i < m; i++) ids[i] = i / n;
                try (Progress bar = new Progress("fd", noProgress)) {
                    scored = model.generate(ids, o, seed, batch, bar);
                }
                what = String.format(Locale.ROOT, "%d samples (%d per class, %s, seed %d)", m, n, describe(o), seed);
                out.printf(Locale.ROOT, "generated %s in %.1f s%n", what, secs(t0));
            }

            for (Space s : spaces) {
                long t2 = System.nanoTime();
                Tensor fr = s.features().apply(reference);
                FrechetDistance.Result score = fd(s.features().apply(scored), fr);
                FrechetDistance.Result floor = fd(s.features().apply(floorSet), fr);
                out.printf(Locale.ROOT, "%s (%s), %.1f s:%n", s.name(), s.description(), secs(t2));
                out.printf(Locale.ROOT, "  scored: %-60s FD %10.4f  (mean term %.4f, covariance term %.4f)%n", what, score.total(), score.meanTerm(), score.traceTerm());
                out.printf(Locale.ROOT, "  floor:  %-60s FD %10.4f  (mean term %.4f, covariance term %.4f)%n",
                        floorSet.size(0) + " real test images (floor set) vs the same reference", floor.total(), floor.meanTerm(), floor.traceTerm());
                out.printf(Locale.ROOT, "  ratio scored / floor: %.2f%n", score.total() / floor.total());
            }
            if (reconstruct)
                out.printf(Locale.ROOT, "reconstruction PSNR: %.2f dB (mean over %d images of 10 log10(1 / MSE), %dx%d RGB pixels in [0, 1])%n", psnr, m, size, size);
        }
        return 0;
    }

    private void validate() {
        if (modelDir == null && imagesDir == null && autoencoderDir == null && vaeDir == null)
            throw new CliException("nothing to score: give --model DIR (its samples, or with --reconstruct its reconstructions), --autoencoder DIR, --vae DIR or --images DIR");
        if (autoencoderDir != null && (modelDir != null || imagesDir != null || vaeDir != null))
            throw new CliException("--autoencoder scores an autoencoder's reconstructions on its own; it cannot be combined with --model, --vae or --images");
        if (vaeDir != null && (modelDir != null || imagesDir != null))
            throw new CliException("--vae scores a VAE's reconstructions on its own; it cannot be combined with --model or --images");
        if (imagesDir != null && (modelDir != null || reconstruct))
            throw new CliException("--images scores a folder of PNGs on its own; it cannot be combined with --model or --reconstruct");
        if (n < 2) throw new CliException("--n must be >= 2 (images per class), got " + n);
        if (batch < 1) throw new CliException("--batch must be >= 1, got " + batch);
        if (realLimit != null && realLimit < 4) throw new CliException("--real-limit must be >= 4, got " + realLimit);
    }

    private ImageGenerator loadModel() throws IOException {
        return StageFiles.loadModel(modelDir);
    }

    private List<Space> spaces(ImageGenerator model) throws IOException {
        List<Space> out = new ArrayList<>();
        Path clf = classifierFile;
        if (clf == null && modelDir != null && Files.isRegularFile(modelDir.resolve("eval").resolve("classifier.safetensors")))
            clf = modelDir.resolve("eval").resolve("classifier.safetensors");
        if (clf != null) {
            PixelClassifier c = loadClassifier(clf);
            out.add(new Space("FD-FMNIST", "128-d penultimate layer of the Fashion-MNIST classifier " + clf + "; not ImageNet FID", c::features));
        } else if (inceptionFile == null) {
            throw new CliException("no classifier for FD-FMNIST: pass --classifier FILE (classifier.safetensors of `svg train classifier`)"
                    + (modelDir != null ? "; " + modelDir.resolve("eval").resolve("classifier.safetensors") + " does not exist" : "")
                    + ", or --inception FILE for standard FID");
        }
        if (inceptionFile != null) {
            FidInceptionV3 net;
            try {
                net = InceptionWeights.load(inceptionFile);
            } catch (IllegalArgumentException e) {
                throw new CliException("cannot use --inception " + inceptionFile + ": " + e.getMessage(), e);
            }
            out.add(new Space("FID", "2048-d pool3 of the pytorch-fid InceptionV3 " + inceptionFile + ", images resized to 299x299", net::features));
        }
        return out;
    }

    static PixelClassifier loadClassifier(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new CliException("classifier not found: " + file);
        CheckpointFile cf = CheckpointFile.read(file);
        Tensor fc2 = cf.tensors().get("fc2.weight");
        if (fc2 == null || fc2.dim() != 2)
            throw new CliException(file + " is not a pixel classifier from `svg train classifier` (no fc2.weight)");
        PixelClassifier c = new PixelClassifier(fc2.size(0), new Rng(0));
        try {
            c.load(cf.tensors());
        } catch (IllegalArgumentException e) {
            throw new CliException(file + " is not a pixel classifier from `svg train classifier`: " + e.getMessage(), e);
        }
        return c;
    }

    private SamplerOptions samplerOptions(ImageGenerator model) { return sampling.apply(model.sampling()); }

    private static String describe(SamplerOptions o) {
        return SamplingOptions.describe(o);
    }

    private Path dataDir() { return data != null ? data : IdxDataset.FASHION_DEFAULT_DIR; }

    /**
     * The real test images as [floor set (m), reference (rest)], each [k, 3, size, size]: grey 28x28 replicated to RGB
     * and centred on a black size x size canvas (Transforms.toRgb then fitTo, as the trainers prepare them).
     */
    private Tensor[] realSplit(int size, int m) {
        Dataset test;
        try {
            test = IdxDataset.fashionMnist(dataDir(), false);
        } catch (IOException e) {
            throw new CliException("cannot read the Fashion-MNIST test set: " + e.getMessage()
                    + " (Debian package dataset-fashion-mnist, or --data DIR with t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz])", e);
        }
        int total = realLimit == null ? test.size() : Math.min(realLimit, test.size());
        if (total - m < m)
            throw new CliException("the real set is too small for " + m + " scored images: it needs " + m + " floor-set images plus a reference at least as large, "
                    + "i.e. " + 2 * m + " real test images, but " + total + " are used" + (realLimit != null ? " (--real-limit)" : "") + "; lower --n or raise --real-limit");
        int[] perm = permutation(total, seed);
        Transform prep = Transforms.toRgb().then(Transforms.fitTo(size, 0f));
        return new Tensor[]{images(test, perm, 0, m, prep, size), images(test, perm, m, total, prep, size)};
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates with {@link Rng}). */
    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Rng r = new Rng(seed).fork(0x46445F53504C4954L); // "FD_SPLIT": independent of the sampling noise streams
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static Tensor images(Dataset d, int[] perm, int from, int to, Transform prep, int size) {
        int per = 3 * size * size;
        float[] buf = new float[(to - from) * per];
        Rng unused = new Rng(0); // toRgb and fitTo draw no random numbers
        for (int i = from; i < to; i++) {
            Image img = prep.apply(d.get(perm[i]).image(), unused);
            System.arraycopy(img.data(), 0, buf, (i - from) * per, per);
        }
        return Tensor.of(buf, to - from, 3, size, size);
    }

    private static Tensor loadImages(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new CliException("image folder not found: " + dir);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")).sorted().toList();
        }
        if (files.size() < 2) throw new CliException("need at least 2 PNG files in " + dir + ", found " + files.size());
        List<Tensor> imgs = new ArrayList<>();
        int[] first = null;
        for (Path f : files) {
            Tensor t = ImageIo.read(f); // [3, H, W]
            if (first == null) {
                first = t.shape();
                if (first[1] != first[2]) throw new CliException(f + " is " + first[2] + "x" + first[1] + " px; the images must be square");
            } else if (!Arrays.equals(first, t.shape())) {
                throw new CliException(f + " is " + t.size(2) + "x" + t.size(1) + " px but " + files.get(0) + " is " + first[2] + "x" + first[1] + "; all images must have one size");
            }
            imgs.add(t.unsqueeze(0));
        }
        return Tensor.cat(0, imgs);
    }

    /** decode(encode(x)) in batches of --batch (the residual channels are matched per batch, as in the official code). */
    private Tensor reconstruct(ImageGenerator model, Tensor x) {
        if (model.outputSize() != model.imageSize())
            throw new CliException("the model decodes " + model.imageSize() + " px inputs to " + model.outputSize() + " px images; reconstruction FD/PSNR need the same size");
        List<Tensor> parts = new ArrayList<>();
        for (int s = 0; s < x.size(0); s += batch) parts.add(model.reconstruct(x.narrow(0, s, Math.min(batch, x.size(0) - s)).contiguous()));
        return parts.size() == 1 ? parts.get(0) : Tensor.cat(0, parts);
    }

    /** decode(encode(x)) of an `svg train autoencoder` output, mapped to [0, 1] as SvgModel.decode does. */
    private Tensor reconstruct(svg.nn.autoencoder.SvgAutoencoder ae, Tensor x) {
        List<Tensor> parts = new ArrayList<>();
        try (var g = svg.tensor.autograd.GradMode.noGrad()) {
            for (int s = 0; s < x.size(0); s += batch) {
                Tensor xb = x.narrow(0, s, Math.min(batch, x.size(0) - s)).contiguous();
                float[] d = ae.forward(svg.nn.autoencoder.SvgAutoencoder.imagenetNormalize(xb)).toArray();
                for (int i = 0; i < d.length; i++) d[i] = (Math.max(-1f, Math.min(1f, d[i])) + 1f) * 0.5f;
                parts.add(Tensor.of(d, xb.size(0), 3, xb.size(2), xb.size(3)));
            }
        }
        return parts.size() == 1 ? parts.get(0) : Tensor.cat(0, parts);
    }

    /** decode(posterior mean(x)) of an `svg train vae` output, mapped to [0, 1] as SvgModel.decode does. */
    private Tensor reconstruct(KlVae vae, Tensor x) {
        List<Tensor> parts = new ArrayList<>();
        try (var g = svg.tensor.autograd.GradMode.noGrad()) {
            for (int s = 0; s < x.size(0); s += batch) {
                Tensor xb = x.narrow(0, s, Math.min(batch, x.size(0) - s)).contiguous();
                Tensor out = vae.decode(vae.encodeMean01(xb));
                float[] d = out.toArray();
                for (int i = 0; i < d.length; i++) d[i] = (Math.max(-1f, Math.min(1f, d[i])) + 1f) * 0.5f;
                parts.add(Tensor.of(d, out.shape()));
            }
        }
        return parts.size() == 1 ? parts.get(0) : Tensor.cat(0, parts);
    }

    /** Mean over images of 10 log10(1 / MSE) (peak 1); an exact reconstruction counts as 100 dB. */
    static double meanPsnr(Tensor rec, Tensor ref) {
        float[] a = rec.toArray(), b = ref.toArray();
        int k = rec.size(0), per = a.length / k;
        double sum = 0;
        for (int i = 0; i < k; i++) {
            double se = 0;
            for (int j = i * per; j < (i + 1) * per; j++) {
                double d = a[j] - b[j];
                se += d * d;
            }
            double mse = se / per;
            sum += mse == 0 ? 100 : Math.min(100, 10 * Math.log10(1 / mse));
        }
        return sum / k;
    }

    private static FrechetDistance.Result fd(Tensor a, Tensor b) {
        return FrechetDistance.terms(a.toArray(), a.size(0), b.toArray(), b.size(0), a.size(1));
    }

    private static double secs(long t0) { return (System.nanoTime() - t0) / 1e9; }
}
