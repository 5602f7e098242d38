package svg.nn.pipeline;

import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * Per-channel latent statistics (the official {@code dinov3_sp_stats.pt}: {@code dinov3_sp_mean} and
 * {@code dinov3_sp_std}, shape (1, 1, C)). With feature normalisation on, tokens (B, T, C) are standardised
 * (x - mean[c]) / std[c] before diffusion (training and sampling) and de-standardised x * std[c] + mean[c] after
 * sampling, before decoding. Only the first {@code channels} entries are used (the official scripts slice
 * [:, :, :z_channels]).
 */
public record LatentStats(Tensor mean, Tensor std) {
    public static final String MEAN_KEY = "dinov3_sp_mean", STD_KEY = "dinov3_sp_std";

    public LatentStats {
        mean = as111C(mean, "mean");
        std = as111C(std, "std");
        if (mean.size(2) != std.size(2))
            throw new IllegalArgumentException("latent stats mean has " + mean.size(2) + " channels but std has " + std.size(2));
        for (float s : std.toArray())
            if (!(s > 0) || !Float.isFinite(s)) throw new IllegalArgumentException("latent std must be positive and finite, found " + s);
    }

    private static Tensor as111C(Tensor t, String what) {
        if (t == null) throw new IllegalArgumentException("latent stats " + what + " is missing");
        int[] s = t.shape();
        int c = s.length == 0 ? 1 : s[s.length - 1];
        if (t.numel() != c) throw new IllegalArgumentException("latent stats " + what + " must be (1, 1, C), got " + Arrays.toString(s));
        return Tensor.of(t.toArray(), 1, 1, c);
    }

    /** Identity statistics (mean 0, std 1): feature normalisation off. */
    public static LatentStats identity(int channels) {
        return new LatentStats(Tensor.zeros(1, 1, channels), Tensor.ones(1, 1, channels));
    }

    public int channels() { return mean.size(2); }

    /** The first {@code c} channels (z_channels slice). */
    public LatentStats slice(int c) {
        if (c > channels()) throw new IllegalArgumentException("latent stats have " + channels() + " channels, the model needs " + c);
        if (c == channels()) return this;
        return new LatentStats(mean.narrow(2, 0, c).contiguous(), std.narrow(2, 0, c).contiguous());
    }

    private void check(Tensor tokens) {
        if (tokens.dim() != 3 || tokens.size(2) != channels())
            throw new IllegalArgumentException("tokens must be [B, T, " + channels() + "], got " + Arrays.toString(tokens.shape()));
    }

    /** (x - mean) / std over the last axis. */
    public Tensor normalize(Tensor tokens) {
        check(tokens);
        return tokens.sub(mean).div(std);
    }

    /** x * std + mean over the last axis. */
    public Tensor denormalize(Tensor tokens) {
        check(tokens);
        return tokens.mul(std).add(mean);
    }
}
