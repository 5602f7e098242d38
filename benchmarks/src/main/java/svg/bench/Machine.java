package svg.bench;

import svg.tensor.simd.SimdBackend;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a benchmark ran on, in one line shared by every benchmark: the CPU model, its widest vector ISA, what this JVM
 * was told about it ({@code -XX:UseAVX}, any other {@code -XX} flags), and what the CPU backend chose from that (vector
 * width and GEMM tile). {@code main} prints the line, for the scripts that time a JVM they do not start themselves.
 */
public final class Machine {
    private Machine() {}

    public static void main(String[] args) { System.out.println("# " + describe()); }

    /** E.g. {@code CPU AMD EPYC (avx512f, fma; JVM UseAVX=2); JVM flags -XX:UseAVX=2; vector 256-bit (8 floats), GEMM tile 5x16}. */
    public static String describe() {
        return "CPU " + cpuModel() + " (" + isa() + "; JVM UseAVX=" + vmOption("UseAVX") + "); JVM flags " + jvmFlags()
                + "; " + SimdBackend.describe();
    }

    /** The CPU's model name (/proc/cpuinfo), or the architecture where there is none. */
    public static String cpuModel() {
        return cpuinfo("model name").orElse(System.getProperty("os.arch"));
    }

    /** The widest x86 vector extension the CPU reports (avx512f, avx2, avx, sse4_2), and fma when present. */
    public static String isa() {
        List<String> flags = List.of(cpuinfo("flags").orElse("").split("\\s+"));
        String widest = flags.contains("avx512f") ? "avx512f" : flags.contains("avx2") ? "avx2"
                : flags.contains("avx") ? "avx" : flags.contains("sse4_2") ? "sse4_2"
                : flags.contains("asimd") ? "asimd" : "unknown ISA";
        return flags.contains("fma") ? widest + ", fma" : widest;
    }

    /** The -XX flags this JVM was started with (e.g. -XX:UseAVX=2 narrows the vectors), or "none". */
    public static String jvmFlags() {
        List<String> xx = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:")).toList();
        return xx.isEmpty() ? "none" : String.join(" ", xx);
    }

    private static String vmOption(String name) {
        try {
            return ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption(name).getValue();
        } catch (RuntimeException e) {
            return "?"; // not HotSpot, or no such option on this architecture
        }
    }

    private static java.util.Optional<String> cpuinfo(String key) {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith(key)).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst();
        } catch (java.io.IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
