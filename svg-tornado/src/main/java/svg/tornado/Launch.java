package svg.tornado;

import svg.tensor.Storage;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.common.TornadoFunctions.Task8;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * One kernel launch as the op methods describe it: the kernel (name and code), its four input slots, which of them
 * are weights ({@code resident}) or bfloat16 bits ({@code bits}), the output length, the parameters and the grid. The
 * same description is run at once ({@link OpPlans#run}) or queued in a block ({@link BlockQueue#add}); keeping it a
 * value is what lets a block replay its launches op by op when it cannot run as a plan.
 */
record Launch(String kernel, Task8<?, ?, ?, ?, ?, ?, ?, ?> code, In[] ins, boolean[] resident, boolean[] bits,
              int outLen, int[] ints, float[] floats, int dims, long gx, long gy, long gz) {

    /** The common kernel signature: context, int and float parameters, four float inputs, the output. */
    interface Code extends Task8<KernelContext, IntArray, FloatArray, FloatArray, FloatArray, FloatArray,
            FloatArray, FloatArray> {}

    /** The bfloat16-weight kernels: slot 1 is a ShortArray. */
    interface Bf16Code extends Task8<KernelContext, IntArray, FloatArray, FloatArray, ShortArray, FloatArray,
            FloatArray, FloatArray> {}

    /** True when slot i goes to the device as bfloat16 bits. */
    boolean shorts(int i) { return bits[i] && ins[i] != null && ins[i].storage() != null && ins[i].storage().isBf16(); }

    /** The same launch with other inputs and parameters (a block replayed op by op reads host copies). */
    Launch with(In[] newIns, int[] newInts) {
        return new Launch(kernel, code, newIns, resident, bits, outLen, newInts, floats, dims, gx, gy, gz);
    }

    /**
     * Input slot: {@code length} values from {@code offset} of a tensor's storage, or of a host array (an output of
     * a block that was run op by op after all), or unused (null). The storage is read ({@link Storage#host()}) only
     * when the op runs on its own; a block plan takes its device-held values directly.
     */
    record In(Storage storage, float[] array, int offset, int length) {
        static In of(svg.tensor.Tensor t) { return t == null ? null : new In(t.storage(), null, t.offset(), t.numel()); }

        float[] data() { return array != null ? array : storage.read(); } // read: no write to the storage's version

        /** The values as a kernel slot takes them: bfloat16 bits (short[]) when {@code bits} and so stored, else floats. */
        Object values(boolean bits) { return bits && array == null && storage.isBf16() ? storage.bf16() : data(); }
    }

    /** A weight tensor identified by its storage (identity), offset and length. */
    record Weight(Storage storage, int offset, int length) {
        @Override public boolean equals(Object o) {
            return o instanceof Weight w && w.storage == storage && w.offset == offset && w.length == length;
        }
        @Override public int hashCode() { return System.identityHashCode(storage) * 31 + offset; }
    }
}
