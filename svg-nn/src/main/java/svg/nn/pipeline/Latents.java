package svg.nn.pipeline;

import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * Latent layouts and interpolation. The autoencoder works on NCHW latents (B, C, H, W); the DiT on tokens
 * (B, T = H*W, C) with token t = h*W + w (row-major), channels last, exactly as the official
 * {@code latent.view(B, C, H*W).permute(0, 2, 1)}.
 */
public final class Latents {
    private Latents() {}

    /** (B, C, H, W) -> (B, H*W, C). */
    public static Tensor toTokens(Tensor nchw) {
        if (nchw.dim() != 4) throw new IllegalArgumentException("latent must be [B, C, H, W], got " + Arrays.toString(nchw.shape()));
        int b = nchw.size(0), c = nchw.size(1), h = nchw.size(2), w = nchw.size(3);
        return nchw.reshape(b, c, h * w).permute(0, 2, 1).contiguous();
    }

    /** (B, H*W, C) -> (B, C, H, W). */
    public static Tensor fromTokens(Tensor tokens, int h, int w) {
        if (tokens.dim() != 3 || tokens.size(1) != h * w)
            throw new IllegalArgumentException("tokens must be [B, " + (h * w) + ", C] for a " + h + "x" + w + " grid, got " + Arrays.toString(tokens.shape()));
        int b = tokens.size(0), c = tokens.size(2);
        return tokens.permute(0, 2, 1).contiguous().reshape(b, c, h, w);
    }

    /**
     * Spherical interpolation between two latents (any equal shapes, treated as flat vectors), the usual way to
     * interpolate Gaussian noise: it keeps the norm roughly constant where a straight line would shrink it. Falls
     * back to linear interpolation when the vectors are (nearly) parallel.
     */
    public static Tensor slerp(Tensor a, Tensor b, double alpha) {
        if (!Arrays.equals(a.shape(), b.shape()))
            throw new IllegalArgumentException("slerp needs equal shapes, got " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        float[] x = a.toArray(), y = b.toArray(), out = new float[x.length];
        double dot = 0, nx = 0, ny = 0;
        for (int i = 0; i < x.length; i++) { dot += (double) x[i] * y[i]; nx += (double) x[i] * x[i]; ny += (double) y[i] * y[i]; }
        double cos = dot / Math.max(1e-30, Math.sqrt(nx * ny));
        cos = Math.max(-1, Math.min(1, cos));
        double omega = Math.acos(cos), so = Math.sin(omega);
        double wa, wb;
        if (so < 1e-6) { wa = 1 - alpha; wb = alpha; }
        else { wa = Math.sin((1 - alpha) * omega) / so; wb = Math.sin(alpha * omega) / so; }
        for (int i = 0; i < x.length; i++) out[i] = (float) (wa * x[i] + wb * y[i]);
        return Tensor.of(out, a.shape());
    }
}
