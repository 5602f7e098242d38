package svg.nn.train.ssl;

import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.data.Batch;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.optim.Ema;
import svg.nn.optim.Params;
import svg.nn.train.StepOutput;
import svg.nn.train.TrainTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DINO self-distillation of a small DINOv3 ViT: the student (ViT + head) sees all crops, the teacher (an EMA of the
 * student) sees the global crops; the loss is the cross-entropy between the teacher's centred, sharpened
 * distribution and the student's, over all (teacher view, other student view) pairs. The centre is an EMA of the
 * teacher's batch-mean logits. The CLS token feeds the head (as in DINO).
 *
 * <p>Input views come from the loader in [0, 1] and are ImageNet-normalised here, the convention of the SVG
 * encoders.
 */
public final class SslTask implements TrainTask {
    private final SslConfig cfg;
    private final long totalSteps;
    public final DinoVisionTransformer student, teacher;
    private final DinoHead studentHead, teacherHead;
    private final Map<String, Tensor> params = new LinkedHashMap<>(), teacherParams = new LinkedHashMap<>();
    private final Tensor center;
    private final Ema teacherEma;
    private Tensor lastTeacherMean;

    public SslTask(DinoV3Config vit, SslConfig cfg, long totalSteps, Rng rng) {
        this.cfg = cfg;
        this.totalSteps = totalSteps;
        student = new DinoVisionTransformer(vit, rng);
        studentHead = new DinoHead(vit.embed_dim(), cfg.headHidden(), cfg.bottleneck(), cfg.prototypes(), rng);
        teacher = new DinoVisionTransformer(vit, null);
        teacher.loadStateDict(student.stateDict());
        teacher.freeze();
        teacher.eval();
        teacherHead = studentHead.frozenCopy();
        student.namedParameters().forEach((k, v) -> params.put("backbone." + k, v));
        studentHead.parameters().forEach((k, v) -> params.put("head." + k, v));
        teacher.namedParameters().forEach((k, v) -> teacherParams.put("backbone." + k, v));
        teacherHead.parameters().forEach((k, v) -> teacherParams.put("head." + k, v));
        teacherParams.values().forEach(t -> t.requiresGrad(false));
        teacherEma = new Ema(params, teacherParams);
        center = Tensor.zeros(1, cfg.prototypes());
    }

    @Override public String name() { return "ssl"; }

    @Override public Map<String, Tensor> parameters() { return params; }

    @Override
    public boolean decays(String name) {
        // no decay on tokens, norms, biases, layer-scale gammas
        return name.endsWith(".weight") && !name.contains("norm") && !name.contains("patch_embed") && !name.contains("ls");
    }

    private static Tensor normalise(Tensor x01) { return SvgAutoencoder.imagenetNormalize(x01); }

    @Override
    public StepOutput forward(Batch batch, Rng rng, long step) {
        Tensor[] views = batch.views();
        int g = cfg.globalCrops();
        if (views.length != g + cfg.localCrops())
            throw new IllegalStateException("expected " + (g + cfg.localCrops()) + " views, loader gave " + views.length);
        // teacher targets: softmax((t - c) / tau_t) on global crops
        List<Tensor> targets = new ArrayList<>();
        Tensor meanAcc = null;
        try (var ng = GradMode.noGrad()) {
            for (int i = 0; i < g; i++) {
                Tensor logits = teacherHead.forward(teacher.forwardFeatures(normalise(views[i])).x_norm_clstoken());
                meanAcc = meanAcc == null ? logits.mean(0, true) : meanAcc.add(logits.mean(0, true));
                targets.add(logits.sub(center).mul((float) (1 / cfg.teacherTemp())).softmax(-1));
            }
        }
        lastTeacherMean = meanAcc.div(g);
        // student: global crops batched together, local crops batched together (one forward per resolution)
        List<Tensor> studentLogp = new ArrayList<>();
        int b = batch.size();
        Tensor globals = Tensor.cat(0, List.of(views).subList(0, g));
        Tensor sg = studentHead.forward(student.forwardFeatures(normalise(globals)).x_norm_clstoken());
        for (int i = 0; i < g; i++) studentLogp.add(sg.narrow(0, i * b, b).mul((float) (1 / cfg.studentTemp())).logSoftmax(-1));
        if (cfg.localCrops() > 0) {
            Tensor locals = Tensor.cat(0, List.of(views).subList(g, views.length));
            Tensor sl = studentHead.forward(student.forwardFeatures(normalise(locals)).x_norm_clstoken());
            for (int i = 0; i < cfg.localCrops(); i++) studentLogp.add(sl.narrow(0, i * b, b).mul((float) (1 / cfg.studentTemp())).logSoftmax(-1));
        }
        Tensor total = null;
        int pairs = 0;
        for (int t = 0; t < g; t++)
            for (int s = 0; s < studentLogp.size(); s++) {
                if (s == t) continue;
                Tensor ce = targets.get(t).mul(studentLogp.get(s)).sum(-1, false).mean().neg();
                total = total == null ? ce : total.add(ce);
                pairs++;
            }
        Tensor loss = total.div(pairs);
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("teacher_entropy", entropy(targets.get(0)));
        return new StepOutput(loss, logs);
    }

    private static double entropy(Tensor p) {
        float[] v = p.toArray();
        int k = p.size(-1), n = v.length / k;
        double h = 0;
        for (float x : v) if (x > 0) h -= x * Math.log(x);
        return h / n;
    }

    @Override
    public void afterUpdate(Batch lastBatch, Rng rng, long step) {
        teacherEma.update(Ema.cosineMomentum(cfg.teacherMomentum(), step, totalSteps));
        float m = (float) cfg.centerMomentum();
        float[] c = center.data(), t = lastTeacherMean.toArray();
        for (int i = 0; i < c.length; i++) c[i] = m * c[i] + (1 - m) * t[i];
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        teacherParams.forEach((k, v) -> s.put("teacher." + k, v));
        s.put("center", center);
        return s;
    }

    /** The teacher backbone: the SSL encoder handed to the autoencoder (DINO keeps the teacher). */
    public DinoVisionTransformer encoder() { return teacher; }

    @Override
    public Map<String, String> metadata() { return Map.of("ssl_config", cfg.toString()); }
}
