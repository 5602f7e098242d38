package svg.tornado;

import svg.tensor.backend.Backend;
import svg.tensor.backend.BackendProvider;

/**
 * Registers the "tornado" backend with svg-tensor's {@link java.util.ServiceLoader} lookup. This class touches no
 * TornadoVM type itself, so loading it never fails; {@link #probe()} does the checking and turns every failure
 * (missing jars, missing JVM flags, no OpenCL platform, a kernel that does not compile) into a sentence.
 */
public final class TornadoProvider implements BackendProvider {
    static {
        TornadoBackend.configure();
    }

    private static volatile String probed;
    private static volatile boolean done;

    @Override
    public String name() { return "tornado"; }

    /** Below the CPU backend (10): TornadoVM is used only when asked for by name. */
    @Override
    public int rank() { return 5; }

    @Override
    public String description() { return "GPU (or another OpenCL/PTX device) through TornadoVM"; }

    @Override
    public String probe() {
        if (!done) {
            synchronized (TornadoProvider.class) {
                if (!done) {
                    probed = TornadoProbe.run();
                    done = true;
                }
            }
        }
        return probed;
    }

    /** "B.N: name" for each TornadoVM device, the default one marked; empty when TornadoVM is not usable. */
    @Override
    public java.util.List<String> devices() {
        return probe() == null ? TornadoProbe.devices() : java.util.List.of();
    }

    /** An NVIDIA OpenCL driver the ICD loader does not list ({@link OpenClVendors}); checked without TornadoVM. */
    @Override
    public java.util.List<String> notes() {
        String hint = OpenClVendors.unregisteredNvidiaHint();
        return hint == null ? java.util.List.of() : java.util.List.of(hint);
    }

    @Override
    public Backend create(String option) {
        String why = probe();
        if (why != null) throw new IllegalStateException("tornado backend is not usable: " + why);
        return TornadoProbe.create(option);
    }
}
