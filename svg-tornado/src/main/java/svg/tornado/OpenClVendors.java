package svg.tornado;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Finds an NVIDIA OpenCL driver that the OpenCL ICD loader cannot see. The loader lists the drivers named by the
 * {@code *.icd} files of {@code $OCL_ICD_VENDORS} (else {@code /etc/OpenCL/vendors}); on the H200 this backend was
 * measured on, the driver's {@code libnvidia-opencl.so.1} was installed but only PoCL had an ICD file, so TornadoVM
 * listed the CPU alone and the GPU stayed unused without a word (docs/tornado.md, "Running on an NVIDIA GPU").
 */
final class OpenClVendors {
    private OpenClVendors() {}

    static final String NVIDIA_LIB = "libnvidia-opencl.so.1";

    /** Where drivers put the library: container mounts first, then the distributions' library folders. */
    static final List<Path> LIB_DIRS = Stream.of("/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu",
            "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu").map(Path::of).toList();

    /** The hint for this machine, or null when there is nothing to say. Never throws. */
    static String unregisteredNvidiaHint() {
        try {
            String env = System.getenv("OCL_ICD_VENDORS");
            Path vendors = Path.of(env == null || env.isBlank() ? "/etc/OpenCL/vendors" : env);
            return unregisteredNvidiaHint(LIB_DIRS, vendors);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * A sentence saying how to register NVIDIA's OpenCL driver when one of {@code libDirs} holds it and no ICD file
     * under {@code vendors} (a folder of {@code *.icd} files, or one such file) names an NVIDIA library; else null.
     */
    static String unregisteredNvidiaHint(List<Path> libDirs, Path vendors) {
        Path lib = null;
        for (Path d : libDirs) {
            if (Files.exists(d.resolve(NVIDIA_LIB))) {
                lib = d.resolve(NVIDIA_LIB);
                break;
            }
        }
        if (lib == null) return null;
        for (Path icd : icdFiles(vendors)) {
            try {
                if (Files.readString(icd).toLowerCase(Locale.ROOT).contains("nvidia")) return null;
            } catch (IOException | RuntimeException e) {
                // unreadable: the loader cannot use it either
            }
        }
        return "NVIDIA's OpenCL driver " + lib + " is installed but no OpenCL ICD file names it (looked in " + vendors
                + "), so TornadoVM cannot see the GPU. Register it: mkdir -p ~/.svg-icd && echo " + lib
                + " > ~/.svg-icd/nvidia.icd && export OCL_ICD_VENDORS=~/.svg-icd (add the other drivers' .icd files"
                + " there too), or as root: echo " + lib + " > /etc/OpenCL/vendors/nvidia.icd";
    }

    private static List<Path> icdFiles(Path vendors) {
        List<Path> r = new ArrayList<>();
        if (Files.isRegularFile(vendors)) {
            r.add(vendors);
        } else if (Files.isDirectory(vendors)) {
            try (Stream<Path> s = Files.list(vendors)) {
                s.filter(p -> p.getFileName().toString().endsWith(".icd")).sorted().forEach(r::add);
            } catch (IOException e) {
                // an unreadable folder lists nothing
            }
        }
        return r;
    }
}
