package svg.tornado;

import svg.tensor.Tensor;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether TornadoVM can run here, lists its devices and creates backends. Kept apart from
 * {@link TornadoProvider} so that a missing TornadoVM class fails inside {@link #run()}'s try block, not while the
 * provider is being loaded.
 */
final class TornadoProbe {
    private TornadoProbe() {}

    static final String HOW = "install a TornadoVM SDK (OpenCL or PTX backend), export TORNADOVM_HOME, and start the"
            + " JVM with @$TORNADOVM_HOME/tornado-argfile and svg-tornado's jar on the class path (see docs/tornado.md)";

    /** Null when TornadoVM works here (a tiny kernel compiled, ran and gave the right answer), else why not. */
    static String run() {
        try {
            Class.forName("uk.ac.manchester.tornado.api.TornadoExecutionPlan", false, TornadoProbe.class.getClassLoader());
        } catch (Throwable t) {
            return "TornadoVM is not on this JVM's module/class path; " + HOW;
        }
        if (System.getProperty("tornado.load.runtime.implementation") == null
                && System.getProperty("tornado.load.api.implementation") == null) {
            return "the JVM was not started with TornadoVM's argfile (tornado.load.* properties are missing); " + HOW;
        }
        try {
            TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
            if (rt.getNumBackends() == 0) return "TornadoVM found no backend; " + HOW;
            TornadoDevice dev = rt.getDefaultDevice();
            if (dev == null) {
                String hint = OpenClVendors.unregisteredNvidiaHint();
                return "TornadoVM found no device (is an OpenCL ICD such as pocl-opencl-icd installed?)"
                        + (hint == null ? "" : "; " + hint);
            }
        } catch (Throwable t) {
            return "TornadoVM failed to start (" + describe(t) + "); `tornado --devices` must list a device: install the"
                    + " GPU driver (CUDA for PTX, the vendor's OpenCL ICD for OpenCL) or pocl-opencl-icd for a CPU device";
        }
        try {
            // One real kernel end to end: a silent Java fallback or a broken OpenCL compiler shows up here.
            TornadoBackend b = new TornadoBackend(null);
            Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5}, 5);
            float[] got = b.binary(svg.tensor.backend.BinaryOp.ADD, x, x).data();
            b.release();
            for (int i = 0; i < 5; i++)
                if (got[i] != 2 * (i + 1)) return "TornadoVM's smoke kernel returned wrong values " + java.util.Arrays.toString(got);
        } catch (Throwable t) {
            return "TornadoVM could not compile or run a kernel on its default device (" + describe(t) + ")";
        }
        return null;
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String m = root.getMessage();
        // TornadoVM colours its messages for terminals; a reason printed by svg should be plain text
        if (m != null) m = m.replaceAll("\u001B\\[[0-9;]*m", "").strip();
        return root.getClass().getSimpleName() + (m == null || m.isEmpty() ? "" : ": " + m.lines().findFirst().orElse(""));
    }

    /** "tornado" (default device) or "tornado:N" (N-th device of the first backend) or "tornado:B.N". */
    static TornadoBackend create(String option) {
        if (option == null || option.isBlank()) return new TornadoBackend(null);
        int backend = 0, dev;
        try {
            int dot = option.indexOf('.');
            if (dot >= 0) {
                backend = Integer.parseInt(option.substring(0, dot).trim());
                dev = Integer.parseInt(option.substring(dot + 1).trim());
            } else {
                dev = Integer.parseInt(option.trim());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("tornado device must be N or B.N (backend.device index), got '" + option + "'");
        }
        List<String> all = devices();
        try {
            return new TornadoBackend(TornadoExecutionPlan.getDevice(backend, dev));
        } catch (Throwable t) {
            throw new IllegalArgumentException("no TornadoVM device " + backend + "." + dev + "; devices: " + all);
        }
    }

    /** "B.N: name" for every device TornadoVM sees; empty when TornadoVM is not usable. */
    static List<String> devices() {
        List<String> r = new ArrayList<>();
        try {
            TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
            TornadoDevice def = rt.getDefaultDevice();
            for (int b = 0; b < rt.getNumBackends(); b++) {
                var be = rt.getBackend(b);
                for (int d = 0; d < be.getNumDevices(); d++) {
                    TornadoDevice dev = be.getDevice(d);
                    String isDefault = def != null && def.getDeviceName().equals(dev.getDeviceName()) ? " (default)" : "";
                    r.add(b + "." + d + ": " + dev.getPhysicalDevice().getDeviceName() + " [" + be.getBackendType() + "]" + isDefault);
                }
            }
        } catch (Throwable t) {
            // not usable: an empty list, probe() says why
        }
        return r;
    }
}
