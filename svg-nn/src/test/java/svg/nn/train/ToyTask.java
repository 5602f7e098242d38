package svg.nn.train;

import svg.nn.data.Batch;
import svg.nn.optim.Ema;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A two-layer MLP classifier with input noise drawn from the trainer RNG and an EMA of its weights: small, but it
 * exercises every piece of state an exact resume must restore (weights, AdamW moments, EMA, RNG, data position).
 */
final class ToyTask implements TrainTask {
    final Map<String, Tensor> params = new LinkedHashMap<>();
    final Ema ema;
    final long sleepMs;

    ToyTask(int in, int hidden, int classes, long seed, long sleepMs) {
        Rng r = new Rng(seed);
        params.put("fc1.weight", Tensor.randn(r, hidden, in).mul(0.2f).requiresGrad(true));
        params.put("fc1.bias", Tensor.zeros(hidden).requiresGrad(true));
        params.put("fc2.weight", Tensor.randn(r, classes, hidden).mul(0.2f).requiresGrad(true));
        params.put("fc2.bias", Tensor.zeros(classes).requiresGrad(true));
        params.replaceAll((k, v) -> v.requiresGrad() ? v : Tensor.of(v.toArray(), v.shape()).requiresGrad(true));
        this.ema = new Ema(params);
        this.sleepMs = sleepMs;
    }

    @Override public String name() { return "toy"; }

    @Override public Map<String, Tensor> parameters() { return params; }

    Tensor logits(Tensor x, Map<String, Tensor> p) {
        return x.linear(p.get("fc1.weight"), p.get("fc1.bias")).gelu().linear(p.get("fc2.weight"), p.get("fc2.bias"));
    }

    @Override
    public StepOutput forward(Batch batch, Rng rng, long step) {
        if (sleepMs > 0) {
            try { Thread.sleep(sleepMs); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
        }
        Tensor x = batch.images().reshape(batch.size(), -1);
        x = x.add(Tensor.randn(rng, x.shape()).mul(0.05f));
        int classes = params.get("fc2.bias").numel();
        float[] oh = new float[batch.size() * classes];
        for (int i = 0; i < batch.size(); i++) oh[i * classes + batch.labels()[i]] = 1;
        Tensor loss = logits(x, params).logSoftmax(-1).mul(Tensor.of(oh, batch.size(), classes)).sum().mul(-1f / batch.size());
        return new StepOutput(loss, Map.of());
    }

    @Override public void afterUpdate(Batch b, Rng rng, long step) { ema.update(0.9); }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        ema.weights().forEach((k, v) -> s.put("ema." + k, v));
        return s;
    }
}
