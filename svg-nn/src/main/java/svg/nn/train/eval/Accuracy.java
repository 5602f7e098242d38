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
        int n = Math.min(limit, data.size()), correct = 0;
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
            for (int i = 0; i < len; i++) if (pred[i] == labels[i]) correct++;
        }
        return (double) correct / n;
    }

    /** Fraction of {@code predictions} equal to {@code want}. */
    public static double fractionEqual(int[] predictions, int want) {
        int c = 0;
        for (int p : predictions) if (p == want) c++;
        return predictions.length == 0 ? 0 : (double) c / predictions.length;
    }
}
