package svg.tornado;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hint for an NVIDIA OpenCL driver that no ICD file names (the H200 of docs/performance.md had one). */
class OpenClVendorsTest {

    @Test
    void driverWithoutIcdFileGetsTheCommandsToRegisterIt(@TempDir Path tmp) throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("nvidia/lib64"));
        Files.writeString(lib.resolve(OpenClVendors.NVIDIA_LIB), "");
        Path vendors = Files.createDirectories(tmp.resolve("vendors"));
        Files.writeString(vendors.resolve("pocl.icd"), "libpocl.so.2\n");
        String hint = OpenClVendors.unregisteredNvidiaHint(List.of(tmp.resolve("none"), lib), vendors);
        assertNotNull(hint);
        assertTrue(hint.contains(lib.resolve(OpenClVendors.NVIDIA_LIB).toString()), hint);
        assertTrue(hint.contains("OCL_ICD_VENDORS"), hint);
    }

    @Test
    void registeredDriverOrNoDriverSaysNothing(@TempDir Path tmp) throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        Path vendors = Files.createDirectories(tmp.resolve("vendors"));
        assertNull(OpenClVendors.unregisteredNvidiaHint(List.of(lib), vendors), "no driver installed");
        Files.writeString(lib.resolve(OpenClVendors.NVIDIA_LIB), "");
        Files.writeString(vendors.resolve("nvidia.icd"), "libnvidia-opencl.so.1\n");
        assertNull(OpenClVendors.unregisteredNvidiaHint(List.of(lib), vendors), "registered in the folder");
        Path single = Files.writeString(tmp.resolve("one.icd"), lib.resolve(OpenClVendors.NVIDIA_LIB) + "\n");
        assertNull(OpenClVendors.unregisteredNvidiaHint(List.of(lib), single), "OCL_ICD_VENDORS naming one file");
        Files.delete(vendors.resolve("nvidia.icd"));
        Files.writeString(vendors.resolve("nvidia.txt"), "libnvidia-opencl.so.1\n");
        assertNotNull(OpenClVendors.unregisteredNvidiaHint(List.of(lib), vendors), "only *.icd files count");
    }
}
