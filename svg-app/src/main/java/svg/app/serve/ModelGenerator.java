package svg.app.serve;

import svg.app.ImageOutput;
import svg.nn.flow.NoiseSource;
import svg.nn.flow.PerImageNoise;
import svg.nn.flow.SamplerOptions;
import svg.nn.pipeline.ProgressListener;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The generations of {@code svg serve}. One request runs exactly as {@code svg sample} runs it:
 * {@link SvgModel#generate} in batches of {@value #BATCH}, then {@link ImageOutput#pngs}. A group of small requests
 * with equal sampler settings ({@link JobQueue} forms it) runs as one sampler batch whose noise is the
 * concatenation of each request's own {@link PerImageNoise} streams (seed, 0..n-1): the steps of
 * {@code SvgModel.generate} for one batch, with the rows of several requests. A row's numbers do not depend on the
 * other rows of its batch, so each request gets the bytes it gets alone (ServeBatchingTest checks it against
 * {@code svg sample}).
 */
final class ModelGenerator implements JobQueue.Generator {
    /** Images per sampler batch: svg sample's default --batch (which never changes the images). */
    static final int BATCH = 4;

    private final SvgModel model;

    ModelGenerator(SvgModel model) { this.model = model; }

    @Override
    public List<List<byte[]>> generate(List<GenerateRequest> group, ProgressListener progress) {
        if (group.size() == 1) {
            GenerateRequest r = group.getFirst();
            return List.of(ImageOutput.pngs(model.generate(r.classIds(model), r.options(), r.seed(), BATCH, progress), 1));
        }
        SamplerOptions o = group.getFirst().options();
        List<PerImageNoise> parts = new ArrayList<>();
        int[] counts = new int[group.size()];
        List<Integer> ids = new ArrayList<>();
        for (int k = 0; k < group.size(); k++) {
            GenerateRequest r = group.get(k);
            if (!r.options().equals(o)) throw new IllegalArgumentException("a batched group needs equal sampler settings");
            counts[k] = r.n();
            parts.add(new PerImageNoise(r.seed(), 0, r.n()));
            for (int id : r.classIds(model)) ids.add(id);
        }
        int count = ids.size();
        NoiseSource noise = shape -> {
            List<Tensor> ts = new ArrayList<>(parts.size());
            for (int k = 0; k < parts.size(); k++) {
                int[] s = shape.clone();
                s[0] = counts[k];
                ts.add(parts.get(k).normal(s));
            }
            return Tensor.cat(0, ts);
        };
        int total = o.steps() + 1;
        int[] done = {0};
        Tensor z0 = noise.normal(count, model.numTokens(), model.latentChannels());
        int[] y = ids.stream().mapToInt(Integer::intValue).toArray();
        Tensor tokens = model.sampleTokens(z0, y, o, noise, (s, steps, t, z) -> progress.onProgress("sample", ++done[0], total));
        Tensor images = model.decode(model.tokensToLatent(tokens));
        progress.onProgress("decode", ++done[0], total);
        List<byte[]> all = ImageOutput.pngs(images, 1);
        List<List<byte[]>> out = new ArrayList<>(group.size());
        int first = 0;
        for (int c : counts) {
            out.add(List.copyOf(all.subList(first, first + c)));
            first += c;
        }
        return out;
    }
}
