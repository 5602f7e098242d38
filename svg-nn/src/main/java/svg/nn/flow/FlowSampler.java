package svg.nn.flow;

import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rectified-flow sampling, integrating dz/dt = v(z, t, y) from t = 0 (noise) to t = 1 (data) on the official
 * {@link TimeGrid}, with the official classifier-free-guidance schedules ({@link GuidanceMode}).
 *
 * <p><b>Integrators.</b> Euler: z += dt v(z, t_i). Heun (official): z += dt/2 (v(z, t_i) + v(z + dt v(z, t_i), t_{i+1})),
 * on every step including the last (which evaluates the model at t = 1). SDE: Euler-Maruyama for
 * dz = [v + (g^2/2) score] dt + g dW, which has the same marginals as the flow ODE. For the linear path
 * z_t = t x1 + (1 - t) x0 the score is -(z - t v)/(1 - t); we choose the diffusion coefficient
 * g(t)^2 = 2 eta (1 - t), which cancels the 1/(1 - t) and gives the drift v - eta (z - t v) and a noise that vanishes
 * at the data end (at t = 0 it is the N(0, I)-preserving Ornstein-Uhlenbeck process). The last step is a plain Euler
 * (probability-flow) step so that no fresh noise is left in the sample; eta = 0 is exactly Euler.
 *
 * <p><b>Guidance.</b> The official sampler calls the model twice per evaluation (conditional labels, then null
 * labels); we run both in one forward pass of batch 2B ([cond; uncond]) and split the output. With no null labels
 * there is no guidance (official {@code null_cond=None}). Outside the guidance interval, and for constant guidance with
 * scale 1, only the conditional pass runs (same result, half the work).
 */
public final class FlowSampler {

    /** The final sample and, when requested, z at every grid time t_0..t_steps (z_0 = the initial noise). */
    public record Result(Tensor sample, List<Tensor> trajectory, TimeGrid grid) {}

    private FlowSampler() {}

    /**
     * Samples from initial noise {@code z} [B, T, C] with labels {@code y} [B]; {@code yNull} [B] (the null class,
     * normally num_classes) enables guidance, null disables it. {@code noise} feeds the SDE sampler (may be null for
     * Euler/Heun). Runs without gradients.
     */
    public static Result sample(VelocityModel model, Tensor z, int[] y, int[] yNull, SamplerOptions o,
                                NoiseSource noise, StepListener listener) {
        if (z.dim() != 3) throw new IllegalArgumentException("initial noise must be [B, T, C], got " + Arrays.toString(z.shape()));
        int b = z.size(0);
        if (y == null || y.length != b) throw new IllegalArgumentException("need " + b + " labels, got " + (y == null ? "null" : y.length));
        if (yNull != null && yNull.length != b) throw new IllegalArgumentException("need " + b + " null labels, got " + yNull.length);
        if (o.sampler() == SamplerKind.SDE && o.sdeNoise() > 0 && noise == null)
            throw new IllegalArgumentException("the SDE sampler needs a noise source");
        StepListener l = listener == null ? StepListener.NONE : listener;
        TimeGrid grid = TimeGrid.of(o.steps(), o.shift());
        Guided v = new Guided(model, y, yNull, o);
        List<Tensor> traj = o.recordTrajectory() ? new ArrayList<>() : null;
        try (var g = GradMode.noGrad()) {
            Tensor cur = z.detach();
            if (traj != null) traj.add(cur);
            int n = grid.steps();
            for (int i = 0; i < n; i++) {
                float t = grid.t()[i], tn = grid.t()[i + 1], dt = grid.dt()[i];
                cur = switch (o.sampler()) {
                    case EULER -> cur.add(v.at(cur, t, i).mul(dt));
                    case HEUN -> {
                        Tensor v1 = v.at(cur, t, i);
                        Tensor zt = cur.add(v1.mul(dt));
                        Tensor v2 = v.at(zt, tn, i);
                        // official: z + 0.5 * dt * (vc + vc_next), with 0.5 * dt rounded first
                        yield cur.add(v1.add(v2).mul(0.5f * dt));
                    }
                    case SDE -> sdeStep(cur, v.at(cur, t, i), t, dt, o.sdeNoise(), i == n - 1, noise);
                };
                if (traj != null) traj.add(cur);
                l.onStep(i, n, tn, cur);
            }
            return new Result(cur, traj == null ? List.of() : List.copyOf(traj), grid);
        }
    }

    /** One Euler-Maruyama step of dz = [v - eta (z - t v)] dt + sqrt(2 eta (1 - t)) dW; the last step is pure Euler. */
    static Tensor sdeStep(Tensor z, Tensor vel, float t, float dt, double eta, boolean last, NoiseSource noise) {
        if (last || eta == 0) return z.add(vel.mul(dt));
        Tensor drift = vel.sub(z.sub(vel.mul(t)).mul((float) eta));
        double sd = Math.sqrt(2 * eta * Math.max(0, 1 - t) * dt);
        Tensor w = noise.normal(z.shape());
        return z.add(drift.mul(dt)).add(w.mul((float) sd));
    }

    /** The guided velocity of the official {@code fn_v}, with cond and uncond batched into one forward pass. */
    static final class Guided {
        private final VelocityModel model;
        private final int[] y, yNull, both;
        private final SamplerOptions o;

        Guided(VelocityModel model, int[] y, int[] yNull, SamplerOptions o) {
            this.model = model;
            this.y = y.clone();
            this.yNull = yNull == null ? null : yNull.clone();
            this.o = o;
            if (yNull == null) both = null;
            else {
                both = Arrays.copyOf(y, 2 * y.length);
                System.arraycopy(yNull, 0, both, y.length, y.length);
            }
        }

        private Tensor call(Tensor z, float t, int[] labels) {
            Tensor out = model.velocity(z, Tensor.full(t, z.size(0)), labels);
            if (!Arrays.equals(out.shape(), z.shape()))
                throw new IllegalStateException("velocity model returned " + Arrays.toString(out.shape()) + " for input " + Arrays.toString(z.shape()));
            return out;
        }

        /** v at (z, t) during sampler step {@code step}. */
        Tensor at(Tensor z, float t, int step) {
            if (yNull == null || !needsUncond(t)) return call(z, t, y);
            int b = z.size(0);
            Tensor out = call(Tensor.cat(0, z, z), t, both);
            if (out.size(0) != 2 * b) throw new IllegalStateException("velocity model changed the batch size");
            Tensor vc = out.narrow(0, 0, b), vu = out.narrow(0, b, b);
            return combine(vc, vu, t, step);
        }

        private boolean needsUncond(float t) {
            if (!o.intervalIsFull() && (t < o.intervalLo() || t > o.intervalHi())) return false;
            return !(o.mode() instanceof GuidanceMode.Constant && o.cfg() == 1.0);
        }

        /** The official combinations; Python-float scales are rounded to float32 as torch does. */
        Tensor combine(Tensor vc, Tensor vu, float t, int step) {
            double cfg = o.cfg();
            double progress = (double) (step + 1) / o.steps();
            if (o.mode() instanceof GuidanceMode.CfgStar s) {
                if (step < s.skipSteps()) return vu.neg().mul((float) s.ratio());
                return vu.mul((float) (1 - cfg)).add(vc.mul((float) cfg));
            }
            double scale = switch (o.mode()) {
                case GuidanceMode.CfgStar s -> throw new AssertionError("handled above");
                case GuidanceMode.Constant c -> cfg;
                case GuidanceMode.Late l -> progress > 0.5 ? cfg : 1.0;
                case GuidanceMode.Early e -> (double) t > e.threshold() ? cfg : 1.0;
                case GuidanceMode.Linear l -> 1.0 + (cfg - 1.0) * progress;
            };
            return vu.add(vc.sub(vu).mul((float) scale));
        }
    }
}
