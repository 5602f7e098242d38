package svg.nn.golden;

import svg.nn.dit.DiT;
import svg.nn.flow.FlowSampler;
import svg.nn.flow.GuidanceMode;
import svg.nn.flow.RectifiedFlowLoss;
import svg.nn.flow.SamplerKind;
import svg.nn.flow.SamplerOptions;
import svg.nn.flow.TimeGrid;
import svg.nn.flow.VelocityModel;
import svg.nn.pipeline.DiTVelocity;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.List;
import java.util.Map;

import static svg.nn.golden.GoldenContext.d;
import static svg.nn.golden.GoldenContext.i;
import static svg.nn.golden.GoldenContext.obj;
import static svg.nn.golden.GoldenContext.s;

/**
 * Golden case {@code svg_sampler}: the official {@code RectifiedFlow.sample} (Euler/Heun with the constant, late,
 * linear, early-R and cfg_star-K-R guidance modes, and without guidance) and {@code RectifiedFlow.forward} (the
 * training loss, with its random draws given as inputs) on the small random DiT of case {@code svg_dit}. Every run
 * listed in case.json is executed; the official sampler calls the cond and null passes separately, ours batches
 * them into one forward, and the raw first call is taken from the cond half of that batch.
 */
public final class SamplerCase implements GoldenCase {

    @Override
    @SuppressWarnings("unchecked")
    public void run(GoldenContext ctx) throws Exception {
        Map<String, Object> cfg = ctx.config();
        DiT dit = ctx.load(new DiT(GoldenConfigs.dit(obj(cfg, "dit")), null), ctx.weights());
        dit.eval();

        Tensor z = ctx.input("z");
        int[] y = ctx.labels("y"), yNull = ctx.labels("y_null");
        int steps = i(cfg, "steps");
        double cfgScale = d(cfg, "cfg"), shift = d(cfg, "shift");

        TimeGrid grid = TimeGrid.of(steps, shift);
        ctx.check("t_seq", Tensor.of(grid.t().clone(), steps + 1));
        ctx.check("dt_seq", Tensor.of(grid.dt().clone(), steps, 1));

        try (var g = GradMode.noGrad()) {
            Tensor[] first = new Tensor[1];
            VelocityModel v = (x, t, labels) -> {
                Tensor raw = dit.forward(x, t, labels);
                if (first[0] == null) first[0] = raw.narrow(0, 0, z.size(0)).contiguous();
                return raw.narrow(2, 0, x.size(2));
            };
            for (Object ro : (List<Object>) cfg.get("runs")) {
                Map<String, Object> r = (Map<String, Object>) ro;
                String name = s(r, "name");
                SamplerOptions o = SamplerOptions.defaults().withSteps(steps).withCfg(cfgScale).withShift(shift)
                        .withSampler(SamplerKind.parse(s(r, "mode")))
                        .withMode(GuidanceMode.parse(s(r, "cfg_mode")))
                        .withRecordTrajectory(true);
                int[] nul = r.get("null_cond") == null ? null : yNull;
                FlowSampler.Result res = FlowSampler.sample(v, z, y, nul, o, null, null);
                ctx.check(name + "/final", res.sample());
                // official intermediate_states: z at the start of steps 1..steps-1
                if (ctx.outputs().containsKey(name + "/intermediate_states"))
                    ctx.check(name + "/intermediate_states", Tensor.stack(0, res.trajectory().subList(1, steps)));
            }
            ctx.check("first_call_output", first[0]);
        }

        // the training loss with the recorded draws, gradients on as in training
        RectifiedFlowLoss.Result l = RectifiedFlowLoss.compute(new DiTVelocity(dit), ctx.input("loss_x1"), ctx.labels("loss_y"),
                ctx.input("loss_noise_z0"), ctx.input("loss_t_raw"), d(cfg, "loss_shift"));
        ctx.check("loss/t_shifted", l.tShifted());
        ctx.check("loss/zt", l.zt());
        ctx.check("loss/target_ut", l.target());
        ctx.check("loss/v_pred", l.vPred());
        ctx.check("loss/mse", l.mse());
        ctx.check("loss/loss", l.loss().reshape(1));
        l.loss().backward();
        float gsum = 0;
        for (Tensor p : dit.parameters()) if (p.grad() != null) for (float x : p.grad().toArray()) gsum += Math.abs(x);
        if (!(gsum > 0) || !Float.isFinite(gsum)) throw new AssertionError("loss gradient w.r.t. the DiT parameters is " + gsum);
    }
}
