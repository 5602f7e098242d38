package svg.tornado;

import svg.tensor.Tensor;
import svg.tornado.Launch.In;
import svg.tornado.Launch.Weight;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The launches of one block being queued, and their deferred outputs. Inside a block the op methods do not run
 * anything: each launch is added here with, for each input, where it comes from ({@link BlockPlan.Src}: an output of
 * this block, a resident weight, or a host value), and returns a tensor whose storage is a {@link DeferredOutput}.
 * When the block returns, {@link Blocks} runs the queue as one block plan (or op by op).
 */
final class BlockQueue {
    final String name;
    final List<Launch> ops = new ArrayList<>();
    /** Host inputs seen so far (storage identity, offset, length) -> their first slot, so each travels once. */
    final Map<List<Object>, Integer> hostSeen = new HashMap<>();
    final List<BlockPlan.Src[]> srcs = new ArrayList<>();
    final List<DeferredOutput> outs = new ArrayList<>();
    /** True once the queued ops ran one by one: the rest of the block runs that way too. */
    boolean eager;
    private final Blocks blocks;

    BlockQueue(String name, Blocks blocks) {
        this.name = name;
        this.blocks = blocks;
    }

    /** Queues {@code op}; null when it cannot run inside a block plan (the caller then runs the block op by op). */
    Tensor add(Launch op, int[] shape) {
        BlockPlan.Src[] src = new BlockPlan.Src[4];
        int[] ints = op.ints().clone();
        for (int i = 0; i < 4; i++) {
            In in = op.ins()[i];
            if (in == null) continue;
            if (in.storage().deferred() instanceof DeferredOutput l && l.queue == this && l.host == null) {
                // an output of this block: read from its device buffer where the view starts
                if (in.offset() != 0 && !viewKernel(op.kernel())) return null;
                if (viewKernel(op.kernel())) ints[2 + 3 * ElementwiseKernels.MAXDIM + i] = in.offset();
                src[i] = BlockPlan.Src.device(l.index, in.offset(), in.length());
            } else if (op.shorts(i) || (op.resident()[i] || blockResident(op.kernel(), i))
                    && !blocks.opPlans.mutable.contains(new Weight(in.storage(), in.offset(), in.length()))) {
                // (a bfloat16 slot is always resident: its device buffer holds shorts, host inputs floats)
                src[i] = BlockPlan.Src.weight(in.storage(), in.offset(), in.length());
            } else {
                List<Object> id = List.of(new Identity(in.storage()), in.offset(), in.length());
                Integer first = hostSeen.putIfAbsent(id, 4 * ops.size() + i);
                src[i] = BlockPlan.Src.host(in.length(), in.storage().deferred() instanceof DeferredOutput, first == null ? -1 : first);
            }
        }
        DeferredOutput out = new DeferredOutput(this, blocks, ops.size(), op.outLen());
        ops.add(op.with(op.ins(), ints));
        srcs.add(src);
        outs.add(out);
        Tensor t = Tensor.deferred(out, shape);
        out.storage = new WeakReference<>(t.storage());
        return t;
    }

    /** Kernels that read their inputs as strided views with offsets (ints[2 + 3 MAXDIM + slot]). */
    static boolean viewKernel(String kernel) { return kernel.equals("binary") || kernel.equals("cat2"); }

    /**
     * Inputs that a block plan keeps resident besides the weights of linear and conv2d: the norms' affine vectors
     * (parameters too; the op-by-op path sends them with each call only so that all norm layers share one compiled
     * plan, which a block plan does not need).
     */
    static boolean blockResident(String kernel, int slot) {
        return slot > 0 && (kernel.equals("layerNorm") || kernel.equals("rmsNorm") || kernel.equals("groupNorm"));
    }

    /**
     * The weight slots whose kernels read them at {@code ip[WOFF + slot]} ({@link Kernels#WOFF}): slot 1 (the GEMM's
     * B, the norms' and conv2d's weight) and slot 2 (their bias) of these kernels. Only these may be stacked in a
     * shared block plan; any other resident input stays part of the plan's identity.
     */
    static boolean offsetSlot(String kernel, int slot) {
        return (slot == 1 || slot == 2) && switch (kernel) {
            case "linear", "linear4x4", "linear4x4bf16", "matmul", "matmul4x4", "layerNorm", "rmsNorm", "groupNorm",
                 "conv2d", "conv2dBf16" -> true;
            default -> false;
        };
    }

    /** Identity of an object as a map key. */
    private record Identity(Object o) {
        @Override public boolean equals(Object x) { return x instanceof Identity i && i.o == o; }
        @Override public int hashCode() { return System.identityHashCode(o); }
    }
}
