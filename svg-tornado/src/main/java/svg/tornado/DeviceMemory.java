package svg.tornado;

/**
 * Device memory that block plans hold, in bytes (each buffer's capacity; TornadoVM adds a small header per buffer,
 * not counted). TornadoVM also keeps a host-side, off-heap copy of every buffer of the same size.
 *
 * @param plans                 how many block plans
 * @param weights               resident weights, the norms' affine vectors and other constant inputs
 * @param intermediates         the buffers the launches write (results and intermediates)
 * @param intermediatesUnshared what {@code intermediates} would be with one buffer per launch (no reuse)
 * @param intermediatesPeak     the values live at once at the busiest launch (a launch's values live from it to
 *                              their last reader, a result to the end): the least that any reuse could hold
 * @param inputs                the block's host inputs (copied in on every run); for a chained plan also the
 *                              buffer its chained input is read from, that input's staging buffer and the results
 *                              kept on the device, one per block instance ({@link BlockPlan})
 * @param params                the launches' parameter arrays
 */
public record DeviceMemory(int plans, long weights, long intermediates, long intermediatesUnshared,
                           long intermediatesPeak, long inputs, long params) {
    public static final DeviceMemory ZERO = new DeviceMemory(0, 0, 0, 0, 0, 0, 0);

    /** All bytes the plans hold on the device. */
    public long total() { return weights + intermediates + inputs + params; }

    public DeviceMemory plus(DeviceMemory o) {
        return new DeviceMemory(plans + o.plans, weights + o.weights, intermediates + o.intermediates,
                intermediatesUnshared + o.intermediatesUnshared, intermediatesPeak + o.intermediatesPeak, inputs + o.inputs,
                params + o.params);
    }

    @Override
    public String toString() {
        return String.format("%d plans, %.2f MiB on the device: weights %.2f MiB, intermediates %.2f MiB (%.2f MiB with "
                        + "one buffer per launch, %.2f MiB live at the peak), inputs %.2f MiB, parameters %.1f KiB", plans, total() / MIB, weights / MIB,
                intermediates / MIB, intermediatesUnshared / MIB, intermediatesPeak / MIB, inputs / MIB, params / 1024.0);
    }

    private static final double MIB = 1024.0 * 1024.0;
}
