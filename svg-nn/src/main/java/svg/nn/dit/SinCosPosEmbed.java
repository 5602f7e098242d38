package svg.nn.dit;

import svg.tensor.Tensor;

/**
 * The fixed 2-D sin-cos table of MAE/DiT ({@code get_2d_sincos_pos_embed}), computed in float64 and stored as float32.
 * Token t = r * grid + c (row-major). The first half of the channels encodes the column c, the second the row r;
 * each half is [sin(p * w_k), cos(p * w_k)] with w_k = 10000^(-k / (D/4)).
 */
public final class SinCosPosEmbed {
    private SinCosPosEmbed() {}

    /** [1, grid*grid, dim]. */
    public static Tensor table(int dim, int grid) {
        if (dim % 4 != 0) throw new IllegalArgumentException("sin-cos pos embed needs dim % 4 == 0, got " + dim);
        int half = dim / 2, quarter = dim / 4;
        float[] d = new float[grid * grid * dim];
        for (int r = 0; r < grid; r++) {
            for (int c = 0; c < grid; c++) {
                int base = (r * grid + c) * dim;
                // the official meshgrid puts w first: grid[0] (the first half) holds the column index
                fill1d(d, base, quarter, c);
                fill1d(d, base + half, quarter, r);
            }
        }
        return Tensor.of(d, 1, grid * grid, dim);
    }

    private static void fill1d(float[] d, int at, int quarter, double pos) {
        for (int k = 0; k < quarter; k++) {
            double omega = 1.0 / Math.pow(10000.0, k / (double) quarter);
            d[at + k] = (float) Math.sin(pos * omega);
            d[at + quarter + k] = (float) Math.cos(pos * omega);
        }
    }
}
