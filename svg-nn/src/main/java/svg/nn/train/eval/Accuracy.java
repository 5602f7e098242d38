package svg.nn.train.eval;

import svg.nn.data.Dataset;
import svg.nn.data.Example;
import svg.nn.data.Image;
import svg.tensor.Tensor;

/** Classification accuracy helpers. */
public final class Accuracy {
    private Accuracy() {}

    /** Fraction of the first {@code limit} examples of {@code data} that {@code net} labels correctly. */
    public static double onDataset(PixelClassifier net, Dataset data, int limit) {
        int[][] c = confusion(net, data, limit, 0);
        long right = 0, all = 0;
        for (int t = 0; t < c.length; t++)
            for (int p = 0; p < c[t].length; p++) { all += c[t][p]; if (t == p) right += c[t][p]; }
        return all == 0 ? 0 : (double) right / all;
    }

    /**
     * Confusion counts [true label][predicted label] over the first {@code limit} examples; the table is sized to
     * the larger of {@code numClasses} and the largest label or prediction seen.
     */
    public static int[][] confusion(PixelClassifier net, Dataset data, int limit, int numClasses) {
        int n = Math.min(limit, data.size());
        java.util.List<int[]> pairs = new java.util.ArrayList<>(n);
        int k = numClasses;
        for (int s = 0; s < n; s += 500) {
            int len = Math.min(500, n - s);
            Example first = data.get(s);
            Image im0 = first.image();
            float[] buf = new float[len * im0.data().length];
            int[] labels = new int[len];
            for (int i = 0; i < len; i++) {
                Example e = data.get(s + i);
                System.arraycopy(e.image().data(), 0, buf, i * im0.data().length, im0.data().length);
                labels[i] = e.label();
            }
            int[] pred = net.predict(Tensor.of(buf, len, im0.channels(), im0.height(), im0.width()));
            for (int i = 0; i < len; i++) {
                pairs.add(new int[]{labels[i], pred[i]});
                k = Math.max(k, Math.max(labels[i], pred[i]) + 1);
            }
        }
        int[][] c = new int[k][k];
        for (int[] tp : pairs) c[tp[0]][tp[1]]++;
        return c;
    }

    /** Fraction of {@code predictions} equal to {@code want}. */
    public static double fractionEqual(int[] predictions, int want) {
        int c = 0;
        for (int p : predictions) if (p == want) c++;
        return predictions.length == 0 ? 0 : (double) c / predictions.length;
    }

    /**
     * The Wilson score interval of a proportion, {@code successes} of {@code n}, at two-sided 95 % ({@code z} =
     * 1.96): {lo, hi}. Agreement figures of a few hundred samples move by whole points between seeds; the interval
     * says how far. Unlike p +- z sqrt(p(1-p)/n) it stays inside [0, 1] and is not empty at 0 % or 100 %.
     */
    public static double[] wilson95(int successes, int n) {
        if (n <= 0 || successes < 0 || successes > n)
            throw new IllegalArgumentException("need 0 <= successes <= n and n > 0, got " + successes + " of " + n);
        final double z = 1.959963984540054;
        double p = (double) successes / n, z2n = z * z / n, d = 1 + z2n;
        double centre = (p + z2n / 2) / d, half = z * Math.sqrt(p * (1 - p) / n + z2n / (4 * n)) / d;
        return new double[]{Math.max(0, centre - half), Math.min(1, centre + half)};
    }
}
