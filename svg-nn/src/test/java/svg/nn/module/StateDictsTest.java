package svg.nn.module;

import org.junit.jupiter.api.Test;
import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StateDictsTest {
    @Test
    void rekeying() {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("encoder.norm.weight", Tensor.zeros(1));
        sd.put("loss.disc.w", Tensor.zeros(1));
        sd.put("decoder.conv_in.bias", Tensor.zeros(1));
        assertEquals(List.of("norm.weight"), List.copyOf(StateDicts.subtree(sd, "encoder.").keySet()));
        assertEquals(List.of("encoder.norm.weight", "decoder.conv_in.bias"), List.copyOf(StateDicts.without(sd, "loss.").keySet()));
        assertEquals(List.of("module.x"), List.copyOf(StateDicts.withPrefix(Map.of("x", Tensor.zeros(1)), "module.").keySet()));
        assertEquals(List.of("x", "y"), List.copyOf(StateDicts.stripPrefix(new LinkedHashMap<>(Map.of("module.x", Tensor.zeros(1))) {{
            put("y", Tensor.zeros(1));
        }}, "module.").keySet()));
    }
}
