package svg.tornado;

/**
 * Device memory of the op-by-op plans that keep a weight resident (one plan per weight-bearing layer: {@code linear},
 * {@code conv2d}), in bytes (each buffer's capacity, as {@link DeviceMemory}).
 *
 * @param plans             how many such plans are held
 * @param weights           their resident weights (and biases)
 * @param all               all their buffers: weights, activation inputs, output, parameters
 * @param plansTwice        those of them whose weights a block plan also holds
 * @param weightsTwice      the weight bytes of those plans: resident on the device twice
 */
public record OpPlanMemory(int plans, long weights, long all, int plansTwice, long weightsTwice) {
    @Override
    public String toString() {
        return String.format("%d op-by-op weight plans, %.2f MiB on the device (weights %.2f MiB); %d of them with "
                + "weights a block plan also holds: %.2f MiB resident twice", plans, all / MIB, weights / MIB,
                plansTwice, weightsTwice / MIB);
    }

    private static final double MIB = 1024.0 * 1024.0;
}
