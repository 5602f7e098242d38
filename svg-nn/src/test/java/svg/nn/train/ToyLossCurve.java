package svg.nn.train;

import svg.nn.image.ImageIo;
import svg.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The toy runs' stand-in for the CLI's listener (svg-app's TrainingProgress): at every checkpoint it redraws
 * {@code loss.png} beside the log, here a bare 64-pixel-high curve of the {@code loss} column, one column per row.
 * svg-nn draws no plots of its own; this keeps the kill-and-resume test's check that the resumed run redraws it.
 */
final class ToyLossCurve implements TrainListener {
    private static final int H = 64;

    @Override
    public void checkpointed(long done, Path log) {
        try {
            double[] loss = CsvLog.read(log).get("loss");
            int w = Math.max(1, loss.length);
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (double v : loss) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            float[] px = new float[3 * H * w];
            java.util.Arrays.fill(px, 1f);
            for (int x = 0; x < loss.length; x++) {
                int y = hi > lo ? (int) Math.round((hi - loss[x]) / (hi - lo) * (H - 1)) : H / 2;
                for (int c = 0; c < 3; c++) px[c * H * w + y * w + x] = 0f;
            }
            ImageIo.writePng(Tensor.of(px, 3, H, w), log.resolveSibling("loss.png"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
