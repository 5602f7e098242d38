package svg.tornado;

/**
 * What every FP32 device kernel shares: the launch geometry (work-group sizes) that both the kernels and the plans
 * (grids) use. The kernels themselves are in one class per op family: {@link ElementwiseKernels}, {@link GemmKernels},
 * {@link NormKernels}, {@link AttentionKernels}, {@link ConvKernels} (bfloat16 widening: {@link Bf16}).
 *
 * <p>TornadoVM compiles these Java methods to OpenCL C (or PTX) at the first execution of a
 * plan. Every kernel has the same signature (context, int params, float params, four inputs, one output) so that one
 * plan class serves them all; unused inputs are one-element dummies. Sizes arrive in {@code ip} at run time rather
 * than as compile-time constants, so one compiled kernel serves every shape that fits its buffers.
 *
 * <p>Kernel-side restrictions (TornadoVM): no allocation except local arrays of constant size, no exceptions, no
 * enums; helpers are static and get inlined. Work-group barriers are never skipped by some items of a group: bounds
 * are checked around loads and stores, never with an early return before a barrier.
 */
public final class Kernels {
    private Kernels() {}

    /** GEMM tile edge: a 16x16 work-group computes a 16x16 output tile from 16x16 tiles of A and B in local memory. */
    public static final int TS = 16;
    /** Work-group size of the row-reduction kernels (softmax, norms). */
    public static final int RS = 64;
    /** Work-group size of the one-item-per-element kernels. */
    public static final int ES = 64;

    /**
     * {@code ip[WOFF + slot]}: where the values of input {@code slot} start in its buffer, for the slots that hold
     * weights (1 and 2 of the GEMM, the norms and conv2d). 0 except in a block plan shared by blocks with the same
     * shapes ({@link BlockPlan}): there each weight slot's buffer stacks the weights of every block, and a run sets
     * the offset of its block (GPULlama3's layer-offset pattern), so one compiled graph serves all of them. The last
     * four of the {@link KernelPlan#IP} parameters, which no kernel uses otherwise.
     */
    public static final int WOFF = 60;
}
