package svg.tornado;

/**
 * Host <-> device traffic that the backend's plans asked TornadoVM for: kernel launches, buffer copies to the device
 * and back, and their bytes. Counted from each plan's transfer modes (TornadoVM copies a whole buffer, its capacity,
 * not just the part an op uses), so it measures what the backend's design costs, independent of the device.
 *
 * <p>{@code reuploads}: inputs that are, unchanged, the output array of an earlier launch (copied to the host and now
 * sent back), with their used bytes. A backend that kept activations on the device would not copy these.
 */
public record Transfers(long launches, long toDevice, long toDeviceBytes, long toHost, long toHostBytes,
                        long reuploads, long reuploadBytes) {
    public static final Transfers ZERO = new Transfers(0, 0, 0, 0, 0, 0, 0);

    public Transfers plus(Transfers o) {
        return new Transfers(launches + o.launches, toDevice + o.toDevice, toDeviceBytes + o.toDeviceBytes,
                toHost + o.toHost, toHostBytes + o.toHostBytes, reuploads + o.reuploads, reuploadBytes + o.reuploadBytes);
    }

    public Transfers minus(Transfers o) {
        return new Transfers(launches - o.launches, toDevice - o.toDevice, toDeviceBytes - o.toDeviceBytes,
                toHost - o.toHost, toHostBytes - o.toHostBytes, reuploads - o.reuploads, reuploadBytes - o.reuploadBytes);
    }

    @Override
    public String toString() {
        return String.format("%d launches, %d copies to device (%.1f KiB), %d to host (%.1f KiB); %d inputs (%.1f KiB) "
                + "were earlier outputs sent back", launches, toDevice, toDeviceBytes / 1024.0, toHost, toHostBytes / 1024.0,
                reuploads, reuploadBytes / 1024.0);
    }
}
