package svg.nn.module;

import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network component that owns named parameters, buffers and child modules, like {@code torch.nn.Module}.
 *
 * <p>Names are registered in construction order, so {@link #stateDict()} lists keys in the same order as PyTorch
 * and the dotted names equal the official {@code state_dict()} keys (e.g. {@code blocks.3.adaLN_modulation.1.weight}).
 * Loading copies values into the existing tensors, so references held by layers and optimisers stay valid.
 *
 * <p>Parameters are trainable leaves ({@code requiresGrad}); buffers are state that is saved and loaded but never
 * trained (RoPE periods, bias masks, fixed positional tables).
 */
public abstract class Module {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Set<String> nonPersistent = new LinkedHashSet<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final List<Tensor> matrixWeights = new ArrayList<>();
    private boolean training = true;

    // ------------------------------------------------------------------ registration

    /** Registers a new trainable parameter of the given shape, zero-filled (or a shape-only tensor, see {@link Meta}). */
    protected final Tensor param(String name, int... shape) {
        return registerParam(name, Meta.newTensor(shape));
    }

    /**
     * Registers a weight matrix (Linear, Conv2d): like {@link #param}, but stored as bfloat16 (and frozen) inside a
     * {@link Bf16Weights#scope()}.
     */
    protected final Tensor matrixParam(String name, int... shape) {
        Tensor t = Bf16Weights.enabled() && !Meta.enabled() ? Tensor.zerosBf16(shape) : Meta.newTensor(shape);
        matrixWeights.add(t);
        return registerParam(name, t);
    }

    /** This module's own weight matrices (registered with {@link #matrixParam}), not its children's. */
    final List<Tensor> matrixWeights() { return matrixWeights; }

    /** Registers an existing tensor as a trainable parameter (a bfloat16 tensor stays frozen). */
    protected final Tensor registerParam(String name, Tensor t) {
        checkName(name);
        if (!t.isBf16()) t.requiresGrad(true);
        params.put(name, t);
        return t;
    }

    /** Registers a buffer: saved in the state dict (unless not persistent), never trained. */
    protected final Tensor buffer(String name, Tensor t, boolean persistent) {
        checkName(name);
        buffers.put(name, t);
        if (!persistent) nonPersistent.add(name);
        return t;
    }

    protected final Tensor buffer(String name, Tensor t) { return buffer(name, t, true); }

    /** Registers a child module under {@code name}; returns it for field assignment. */
    protected final <M extends Module> M child(String name, M m) {
        checkName(name);
        if (m == null) throw new IllegalArgumentException("child '" + name + "' is null");
        children.put(name, m);
        return m;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException("bad module entry name '" + name + "' (no dots; nest modules instead)");
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException("duplicate name '" + name + "' in " + getClass().getSimpleName());
    }

    // ------------------------------------------------------------------ traversal

    /** Direct children in registration order. */
    public Map<String, Module> children() { return Collections.unmodifiableMap(children); }

    /** This module and all its descendants, depth-first in registration order. */
    public List<Module> modules() {
        List<Module> out = new ArrayList<>();
        out.add(this);
        for (Module m : children.values()) out.addAll(m.modules());
        return out;
    }

    /** All parameters (trainable or frozen) with their dotted names, in registration (PyTorch) order. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, false);
        return out;
    }

    /** All parameters, frozen ones included (as torch's {@code parameters()}). */
    public List<Tensor> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Parameters that currently require gradients (the optimiser's list; frozen ones excluded). */
    public List<Tensor> trainableParameters() {
        return namedParameters().values().stream().filter(Tensor::requiresGrad).toList();
    }

    /** All persistent buffers with dotted names. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false, true);
        return out;
    }

    /**
     * Parameters and persistent buffers, keyed exactly like the official PyTorch {@code state_dict()}. The tensors
     * are the live ones (not copies).
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, true);
        return out;
    }

    // PyTorch orders a module's own parameters, then its buffers, then children (recursively).
    private void collect(String prefix, Map<String, Tensor> out, boolean withParams, boolean withBuffers) {
        if (withParams) params.forEach((k, v) -> out.put(prefix + k, v));
        if (withBuffers) buffers.forEach((k, v) -> { if (!nonPersistent.contains(k)) out.put(prefix + k, v); });
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, withParams, withBuffers));
    }

    /** Number of parameter values, frozen ones included (buffers excluded). */
    public long numParameters() {
        long n = 0;
        for (Tensor t : namedParameters().values()) n += t.numel();
        return n;
    }

    /** Number of parameter values that require gradients. */
    public long numTrainableParameters() {
        long n = 0;
        for (Tensor t : trainableParameters()) n += t.numel();
        return n;
    }

    // ------------------------------------------------------------------ loading

    /**
     * Copies {@code source} values into this module's parameters and buffers by name.
     *
     * @param strict when true, any missing, unexpected or mis-shaped key is an error (nothing is copied);
     *               when false, matching keys are copied and the rest is reported. A shape mismatch is never
     *               copied.
     * @return which keys were missing, unexpected or mis-shaped
     */
    public LoadResult loadStateDict(Map<String, Tensor> source, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor src = source.get(e.getKey());
            if (src == null) missing.add(e.getKey());
            else if (!Arrays.equals(src.shape(), e.getValue().shape()))
                mismatched.add(e.getKey() + " (checkpoint " + Arrays.toString(src.shape()) + ", model "
                        + Arrays.toString(e.getValue().shape()) + ")");
        }
        for (String k : source.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        LoadResult r = new LoadResult(missing, unexpected, mismatched);
        if (strict && !r.isClean())
            throw new IllegalArgumentException("state dict does not match " + getClass().getSimpleName() + ": " + r);
        try (var g = GradMode.noGrad()) {
            for (var e : own.entrySet()) {
                Tensor src = source.get(e.getKey());
                if (src == null || !Arrays.equals(src.shape(), e.getValue().shape())) continue;
                copyInto(e.getValue(), src, e.getKey());
            }
        }
        return r;
    }

    /** Strict load: every key must match by name and shape. */
    public void loadStateDict(Map<String, Tensor> source) { loadStateDict(source, true); }

    private static void copyInto(Tensor dst, Tensor src, String name) {
        if (Meta.isMeta(dst))
            throw new IllegalStateException("cannot load '" + name + "' into a shape-only (meta) tensor");
        if (!dst.isContiguous() || dst.offset() != 0)
            throw new IllegalStateException("parameter '" + name + "' is not a compact tensor");
        dst.copyFrom(src.toArray()); // rounds into a bfloat16 parameter, copies into a float32 one
    }

    // ------------------------------------------------------------------ modes

    /** Training mode for this module and all children (returns this). */
    public Module train(boolean on) {
        training = on;
        for (Module m : children.values()) m.train(on);
        return this;
    }

    public Module train() { return train(true); }

    /** Inference mode (returns this). */
    public Module eval() { return train(false); }

    public boolean isTraining() { return training; }

    /** Stops gradients for every parameter (a frozen encoder); returns this. */
    public Module freeze() {
        for (Tensor t : namedParameters().values()) t.requiresGrad(false);
        return this;
    }

    /** Re-enables gradients for every parameter. */
    public Module unfreeze() {
        for (Tensor t : namedParameters().values()) t.requiresGrad(true);
        return this;
    }

    /** Clears accumulated gradients. */
    public void zeroGrad() {
        for (Tensor t : namedParameters().values()) t.zeroGrad();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + numParameters() + " parameters)";
    }
}
