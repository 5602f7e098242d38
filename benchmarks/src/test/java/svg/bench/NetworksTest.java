package svg.bench;

import org.junit.jupiter.api.Test;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dit.DiTConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The analytic FLOP counts behind the GFLOP/s columns, against the per-network figures quoted in issue 3. */
class NetworksTest {
    @Test
    void flopCountsMatchTheIssueFigures() {
        assertEquals(16.2e9, Networks.dinoFlops(DinoV3Config.VITS16PLUS, 256), 0.05e9);
        assertEquals(237.9e9, Networks.ditFlops(DiTConfig.XL), 0.05e9);
        assertEquals(253e9, Networks.decoderFlops(DecoderConfig.SVG, 16), 0.5e9);
    }
}
