package svg.nn.train.eval;

import svg.nn.data.Batch;
import svg.nn.train.StepOutput;
import svg.nn.train.TrainTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.Map;

/** Trains {@link PixelClassifier} with cross-entropy (the trainer adds AdamW, schedule, checkpoints). */
public final class ClassifierTask implements TrainTask {
    private final PixelClassifier net;

    public ClassifierTask(PixelClassifier net) { this.net = net; }

    @Override public String name() { return "classifier"; }

    @Override public Map<String, Tensor> parameters() { return net.parameters(); }

    @Override
    public StepOutput forward(Batch batch, Rng rng, long step) {
        return new StepOutput(net.loss(batch.images(), batch.labels()));
    }

    @Override public Map<String, String> metadata() { return Map.of("classes", Integer.toString(net.numClasses())); }
}
