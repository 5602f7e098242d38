package svg.app;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DevicesCommandTest {
    @Test
    void listsAndProbesBuiltInBackends() {
        Cli r = Cli.run("devices", "--size", "32");
        assertEquals(0, r.exit(), r::toString);
        // both built-in backends must be probed against the reference and agree with it
        long probes = r.out().lines().filter(l -> l.contains("probe: ok: matmul 32x32")).count();
        assertEquals(2, probes, r::toString);
    }

    @Test
    void badSizeIsAnError() {
        Cli r = Cli.run("devices", "--size", "0");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().startsWith("error: --size"), r::toString);
    }

    @Test
    void unknownDeviceIsAClearError() {
        // a compute option that names a backend nobody provides
        ComputeOptions o = new ComputeOptions();
        o.device = "warp-drive";
        CliException e = assertThrows(CliException.class, o::apply);
        assertTrue(e.getMessage().contains("warp-drive") && e.getMessage().contains("reference"), e.getMessage());
    }

    @Test
    void tornadoWithoutItsModuleSaysWhy() {
        org.junit.jupiter.api.Assumptions.assumeTrue(svg.tensor.backend.Backends.providers().stream().noneMatch(p -> p.name().equals("tornado")),
                "svg-tornado is on the class path here");
        ComputeOptions o = new ComputeOptions();
        o.device = "tornado:1";
        CliException e = assertThrows(CliException.class, o::apply);
        assertTrue(e.getMessage().contains("svg-tornado is not on the class path"), e.getMessage());
    }
}
