package svg.tensor;

import svg.tensor.autograd.GradMode;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Reverse-mode differentiation over the recorded {@link Node} graph. */
public final class Autograd {
    private Autograd() {}

    /**
     * Back-propagates {@code grad} (same shape as {@code root}) and accumulates into {@code .grad()} of every leaf
     * that requires gradients.
     */
    public static void backward(Tensor root, Tensor grad) {
        if (!root.requiresGrad()) throw new IllegalStateException("backward() on a tensor that does not require grad");
        if (!java.util.Arrays.equals(grad.shape(), root.shape()))
            throw new IllegalStateException("backward: gradient shape " + java.util.Arrays.toString(grad.shape())
                    + " != output shape " + java.util.Arrays.toString(root.shape()));
        List<Tensor> order = topo(root);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, grad);
        try (var s = GradMode.noGrad()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor g = grads.remove(t);
                if (g == null) continue;
                Node n = t.node();
                if (n == null) {
                    t.accumulateGrad(g);
                    continue;
                }
                Tensor[] gin = n.backward().apply(g);
                for (int k = 0; k < n.inputs().length; k++) {
                    Tensor in = n.inputs()[k];
                    if (in == null || !in.requiresGrad() || gin[k] == null) continue;
                    Tensor gk = gin[k];
                    if (!java.util.Arrays.equals(gk.shape(), in.shape()))
                        throw new IllegalStateException("gradient shape " + java.util.Arrays.toString(gk.shape())
                                + " != input shape " + java.util.Arrays.toString(in.shape()) + " in op " + n.op());
                    Tensor prev = grads.get(in);
                    grads.put(in, prev == null ? gk : prev.add(gk));
                }
            }
        }
    }

    private static List<Tensor> topo(Tensor root) {
        List<Tensor> out = new ArrayList<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        // iterative DFS: deep graphs (28 DiT blocks x many ops) would overflow a recursive one
        ArrayList<Object[]> stack = new ArrayList<>();
        stack.add(new Object[]{root, 0});
        seen.put(root, true);
        while (!stack.isEmpty()) {
            Object[] top = stack.get(stack.size() - 1);
            Tensor t = (Tensor) top[0];
            int idx = (Integer) top[1];
            Node n = t.node();
            Tensor[] ins = n == null ? new Tensor[0] : n.inputs();
            if (idx < ins.length) {
                top[1] = idx + 1;
                Tensor c = ins[idx];
                if (c != null && c.requiresGrad() && !seen.containsKey(c)) {
                    seen.put(c, true);
                    stack.add(new Object[]{c, 0});
                }
            } else {
                stack.remove(stack.size() - 1);
                out.add(t);
            }
        }
        return out;
    }
}
