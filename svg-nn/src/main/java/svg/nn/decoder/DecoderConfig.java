package svg.nn.decoder;

import java.util.Arrays;

/**
 * The {@code ddconfig} of the LDM {@code Decoder} (official names). {@code double_z} and {@code in_channels} are
 * accepted and unused, as in the official code; {@code dropout} applies in the ResNet blocks in training only.
 */
public record DecoderConfig(
        int ch,
        int out_ch,
        int[] ch_mult,
        int num_res_blocks,
        int[] attn_resolutions,
        double dropout,
        int resolution,
        int z_channels,
        int in_channels,
        boolean double_z) {

    public DecoderConfig {
        ch_mult = ch_mult.clone();
        attn_resolutions = attn_resolutions.clone();
        if (ch_mult.length == 0) throw new IllegalArgumentException("ch_mult is empty");
        svg.nn.layer.Dropout.check(dropout, "ddconfig.dropout");
        for (int m : ch_mult)
            if ((ch * m) % 32 != 0)
                throw new IllegalArgumentException("every level width ch*mult must be a multiple of 32 (GroupNorm(32)), got " + ch * m);
    }

    /** SVG's decoder (configs/example_svg_autoencoder_vitsp.yaml): 392-channel 16x16 latent -> 256x256 RGB. */
    public static final DecoderConfig SVG = new DecoderConfig(128, 3, new int[]{1, 1, 2, 2, 4}, 2, new int[]{16}, 0.0, 256, 392, 3, true);

    public int numResolutions() { return ch_mult.length; }

    /** Side of the latent grid the config was sized for: resolution / 2^(levels-1). */
    public int latentResolution() { return resolution >> (ch_mult.length - 1); }

    /** Output upsampling factor relative to the latent: 2^(levels-1). */
    public int upsampleFactor() { return 1 << (ch_mult.length - 1); }

    public DecoderConfig withZChannels(int z) {
        return new DecoderConfig(ch, out_ch, ch_mult, num_res_blocks, attn_resolutions, dropout, resolution, z, in_channels, double_z);
    }

    @Override
    public int[] ch_mult() { return ch_mult.clone(); }

    @Override
    public int[] attn_resolutions() { return attn_resolutions.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecoderConfig d && ch == d.ch && out_ch == d.out_ch && Arrays.equals(ch_mult, d.ch_mult)
                && num_res_blocks == d.num_res_blocks && Arrays.equals(attn_resolutions, d.attn_resolutions)
                && dropout == d.dropout && resolution == d.resolution && z_channels == d.z_channels
                && in_channels == d.in_channels && double_z == d.double_z;
    }

    @Override
    public int hashCode() { return Arrays.hashCode(ch_mult) * 31 + z_channels * 17 + ch; }

    @Override
    public String toString() {
        return "DecoderConfig[ch=" + ch + ", out_ch=" + out_ch + ", ch_mult=" + Arrays.toString(ch_mult) + ", num_res_blocks="
                + num_res_blocks + ", attn_resolutions=" + Arrays.toString(attn_resolutions) + ", dropout=" + dropout + ", resolution=" + resolution
                + ", z_channels=" + z_channels + "]";
    }
}
