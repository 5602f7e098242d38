package svg.nn.autoencoder;

import svg.tensor.Tensor;

/**
 * The official {@code match_distribution(h, h_vit)}: rescale the residual features to the DINO features' global
 * statistics. Per-channel mean and unbiased std over (batch, tokens), averaged over channels to one mean and one std
 * per tensor (detached), then {@code (h_vit - m_vit) / (s_vit + eps) * s_dino + m_dino}. Uses batch statistics, so a
 * latent depends on the other images of its batch.
 */
public final class MatchDistribution {
    public static final float EPS = 1e-6f;

    private MatchDistribution() {}

    /** h [B, D1, N], hVit [B, D2, N] -> [B, D2, N]. */
    public static Tensor apply(Tensor h, Tensor hVit) {
        Tensor[] sh = stats(h), sv = stats(hVit);
        return hVit.sub(sv[0]).div(sv[1].add(EPS)).mul(sh[1]).add(sh[0]);
    }

    /** {mean, std} scalars of x [B, C, N] as described above (no gradient). */
    public static Tensor[] stats(Tensor x) {
        if (x.dim() != 3) throw new IllegalArgumentException("match_distribution expects [B, C, N], got " + java.util.Arrays.toString(x.shape()));
        if (x.size(0) * x.size(2) < 2) throw new IllegalArgumentException("unbiased std needs at least 2 values per channel (batch * tokens)");
        Tensor d = x.detach();
        int[] dims = {0, 2};
        Tensor mean = d.mean(dims, true).mean();
        Tensor std = d.var(dims, true, true).sqrt().mean();
        return new Tensor[]{mean, std};
    }
}
