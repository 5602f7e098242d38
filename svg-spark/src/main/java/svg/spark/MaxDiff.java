package svg.spark;

import svg.tensor.Tensor;
import svg.tensor.io.Safetensors;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code MaxDiff A.safetensors B.safetensors [PREFIX]}: the largest |a - b| over the tensors (of names starting with
 * PREFIX) that both files hold, e.g. the weights of one process against those of data-parallel replicas
 * (benchmarks/spark-standalone.sh). Prints the number alone; fails when the files hold different names or shapes.
 */
public final class MaxDiff {
    private MaxDiff() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: MaxDiff A.safetensors B.safetensors [PREFIX]");
            System.exit(2);
        }
        String prefix = args.length > 2 ? args[2] : "";
        Map<String, Tensor> a = Safetensors.load(Path.of(args[0])), b = Safetensors.load(Path.of(args[1]));
        double max = 0;
        int n = 0;
        for (var e : a.entrySet()) {
            if (!e.getKey().startsWith(prefix)) continue;
            Tensor t = b.get(e.getKey());
            if (t == null || t.numel() != e.getValue().numel()) throw new IllegalStateException(args[1] + " lacks " + e.getKey() + " or has another shape");
            float[] x = e.getValue().toArray(), y = t.toArray();
            for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
            n++;
        }
        if (n == 0) throw new IllegalStateException("no tensors named " + prefix + "* in " + args[0]);
        System.out.println(String.format(Locale.ROOT, "%.3g", max));
    }
}
