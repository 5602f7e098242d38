package svg.tornado;

import svg.tensor.Storage;
import svg.tensor.Tensor;

import java.lang.ref.WeakReference;
import java.util.List;

/**
 * A queued launch's output: svg-tensor's deferred storage ({@link Storage.Deferred}). Until the block runs it is only
 * a promise; then the values are in the block plan's device buffer (copied to the host when read), or, if the block
 * ran op by op, in a host array. It also answers the two view operations a block needs on the device (a compact copy
 * of a strided view, a concatenation) by queueing kernels, so that the host never touches a float[] inside a block.
 */
final class DeferredOutput implements Storage.Deferred {
    final BlockQueue queue;
    private final Blocks blocks;
    final int index, length;
    WeakReference<Storage> storage;
    float[] host;
    BlockPlan plan;
    long epoch;
    /** Leaves the block (kept readable when the plan runs again); else an intermediate. */
    boolean result;
    /** An intermediate whose plan ran again before anything read it: its values are gone. */
    boolean expired;
    /** An intermediate whose device buffer a later launch of the same run overwrote (buffer reuse). */
    boolean reused;
    /** An intermediate of a nested block that has returned (not read again; see {@link Blocks#seal}). */
    boolean inner;
    /** A chained plan's result whose kept copy its block instance overwrote when it ran again ({@link BlockPlan}). */
    boolean overwritten;

    DeferredOutput(BlockQueue queue, Blocks blocks, int index, int length) {
        this.queue = queue;
        this.blocks = blocks;
        this.index = index;
        this.length = length;
    }

    @Override
    public void copyTo(float[] dst) {
        synchronized (blocks.backend) {
            if (expired)
                throw new IllegalStateException("a tensor computed inside block '" + queue.name + "' (not its result) "
                        + "was read after that block ran again; a TornadoVM block plan keeps a block's result, not its "
                        + "intermediates (run with -Dsvg.tornado.blockPlans=false to keep everything)");
            if (reused)
                throw new IllegalStateException("a tensor computed inside block '" + queue.name + "' (not its result) "
                        + "was read after the block returned; its device buffer was reused by a later launch of the "
                        + "block's TornadoVM plan (-Dsvg.tornado.blockBufferReuse=false keeps intermediates until the "
                        + "block runs again, -Dsvg.tornado.blockPlans=false keeps everything)");
            if (overwritten)
                throw new IllegalStateException("the result of a '" + queue.name + "' block was read after that block "
                        + "ran again (the next forward); a chained TornadoVM block plan keeps each block's result on the "
                        + "device until then, not longer (-Dsvg.tornado.chainBlocks=false copies every result to the host)");
            if (host == null && plan == null) blocks.flush(queue);
            if (host != null) System.arraycopy(host, 0, dst, 0, length);
            else plan.fetch(index, epoch, dst);
        }
    }

    @Override
    public Tensor copy(Tensor view) {
        synchronized (blocks.backend) {
            // inside a block: a strided-copy kernel (binary COPY) queued like any op; else the host copies
            if (!blocks.queueing()) return null;
            for (int s : view.strides()) if (s < 0) return null;
            if (view.dim() > ElementwiseKernels.MAXDIM) return null;
            return blocks.backend.strided(ElementwiseKernels.COPY, view, null);
        }
    }

    @Override
    public Tensor cat(int axis, List<Tensor> parts) {
        synchronized (blocks.backend) {
            // inside a block: pairwise concatenation kernels (cat2) queued like any op; else the host does it
            if (!blocks.queueing()) return null;
            Tensor acc = null;
            for (Tensor p : parts) {
                if (p.dim() > ElementwiseKernels.MAXDIM) return null;
                for (int s : p.strides()) if (s < 0) return null;
                if (p.numel() == 0) continue;
                acc = acc == null ? p : blocks.backend.cat2(acc, p, axis);
            }
            if (acc == null || !acc.isContiguous() || acc.offset() != 0 || acc.storage().length() != acc.numel())
                return null; // nothing to concatenate on the device (empty parts, a single part)
            return acc;
        }
    }
}
