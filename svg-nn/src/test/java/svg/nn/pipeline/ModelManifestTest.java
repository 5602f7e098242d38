package svg.nn.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.flow.GuidanceMode;
import svg.nn.flow.SamplerKind;
import svg.nn.flow.SamplerOptions;
import svg.tensor.io.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ModelManifestTest {

    static ModelManifest sample() {
        Map<String, Object> dit = new LinkedHashMap<>(Map.of("hidden_size", 96L));
        Map<String, Object> ae = new LinkedHashMap<>(Map.of("embed_dim", 32L));
        SamplerOptions s = SamplerOptions.defaults().withSteps(7).withCfg(2.5).withShift(0.3).withSampler(SamplerKind.HEUN)
                .withMode(GuidanceMode.parse("cfg_star-1-0")).withInterval(0.1, 0.9).withSdeNoise(0.5);
        return new ModelManifest(ModelManifest.FORMAT, dit, ae, List.of("cat", "dog"), 64, true, s);
    }

    @Test
    void roundTripsThroughTheFile(@TempDir Path dir) throws Exception {
        ModelManifest m = sample();
        Path f = dir.resolve("model.json");
        m.write(f);
        ModelManifest back = ModelManifest.read(f);
        assertEquals(List.of("cat", "dog"), back.classes());
        assertEquals(64, back.imageSize());
        assertTrue(back.featureNorm());
        assertEquals(96L, back.dit().get("hidden_size"));
        SamplerOptions s = back.sampling();
        assertEquals(7, s.steps());
        assertEquals(2.5, s.cfg());
        assertEquals(0.3, s.shift());
        assertEquals(SamplerKind.HEUN, s.sampler());
        assertEquals(new GuidanceMode.CfgStar(1, 0), s.mode());
        assertEquals(0.1, s.intervalLo());
        assertEquals(0.9, s.intervalHi());
        assertEquals(0.5, s.sdeNoise());
        assertTrue(Files.readString(f).contains("\"format\": \"svg-jvm-model/1\""));
    }

    @Test
    void samplingKeysAreOptionalAndDefaultToTheOfficialSettings() {
        SamplerOptions s = ModelManifest.parseSampling(Json.parse("{\"steps\": 50}"));
        assertEquals(50, s.steps());
        assertEquals(4.0, s.cfg());
        assertEquals(0.15, s.shift());
        assertEquals(SamplerKind.EULER, s.sampler());
    }

    @Test
    void badManifestsAreRejectedWithTheReason() {
        var e = assertThrows(IllegalArgumentException.class, () -> ModelManifest.fromJson(Json.parse(
                "{\"format\": \"svg-jvm-model/2\", \"dit\": {}, \"autoencoder\": {}, \"image_size\": 256}")));
        assertTrue(e.getMessage().contains("format"));
        e = assertThrows(IllegalArgumentException.class, () -> ModelManifest.fromJson(Json.parse(
                "{\"format\": \"svg-jvm-model/1\", \"dit\": {}, \"autoencoder\": {}, \"image_size\": 0}")));
        assertTrue(e.getMessage().contains("image_size must be positive"));
        e = assertThrows(IllegalArgumentException.class, () -> ModelManifest.fromJson(Json.parse(
                "{\"format\": \"svg-jvm-model/1\", \"dit\": {}, \"autoencoder\": {}, \"image_size\": 256, \"sampling\": {\"stpes\": 3}}")));
        assertTrue(e.getMessage().contains("stpes"));
        e = assertThrows(IllegalArgumentException.class, () -> ModelManifest.fromJson(Json.parse(
                "{\"format\": \"svg-jvm-model/1\", \"autoencoder\": {}, \"image_size\": 256}")));
        assertTrue(e.getMessage().contains("dit"));
        e = assertThrows(IllegalArgumentException.class, () -> ModelManifest.fromJson(Json.parse(
                "{\"format\": \"svg-jvm-model/1\", \"dit\": {}, \"autoencoder\": {}, \"image_size\": 256, \"sampling\": {\"sampler\": \"ddim\"}}")));
        assertTrue(e.getMessage().contains("ddim"));
    }
}
