package svg.tornado;

/**
 * Device memory that block plans hold, in bytes (each buffer's capacity; TornadoVM adds a small header per buffer,
 * not counted). TornadoVM also keeps a host-side, off-heap copy of every buffer of the same size.
 *
 * @param plans                 how many block plans
 * @param weights               resident weights, the norms' affine vectors and other constant inputs
 * @param intermediates         the buffers the launches write (results and intermediates)
 * @param intermediatesUnshared what {@code intermediates} would be with one buffer per launch (no reuse)
 * @param inputs                the block's host inputs (copied in on every run)
 * @param params                the launches' parameter arrays
 */
public record DeviceMemory(int plans, long weights, long intermediates, long intermediatesUnshared, long inputs,
                           long params) {
    public static final DeviceMemory ZERO = new DeviceMemory(0, 0, 0, 0, 0, 0);

    /** All bytes the plans hold on the device. */
    public long total() { return weights + intermediates + inputs + params; }

    public DeviceMemory plus(DeviceMemory o) {
        return new DeviceMemory(plans + o.plans, weights + o.weights, intermediates + o.intermediates,
                intermediatesUnshared + o.intermediatesUnshared, inputs + o.inputs, params + o.params);
    }

    @Override
    public String toString() {
        return String.format("%d plans, %.2f MiB on the device: weights %.2f MiB, intermediates %.2f MiB (%.2f MiB with "
                        + "one buffer per launch), inputs %.2f MiB, parameters %.1f KiB", plans, total() / MIB, weights / MIB,
                intermediates / MIB, intermediatesUnshared / MIB, inputs / MIB, params / 1024.0);
    }

    private static final double MIB = 1024.0 * 1024.0;
}
