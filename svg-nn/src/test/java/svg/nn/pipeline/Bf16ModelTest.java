package svg.nn.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.dit.DiT;
import svg.nn.module.Bf16Weights;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.io.HalfFloats;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * bfloat16 weight storage on whole models: the weights take half the memory and the model computes exactly what a
 * float32 model holding the same (rounded) values computes, because the kernels widen bfloat16 exactly.
 */
class Bf16ModelTest {

    /** The float32 reference: every Linear/Conv2d weight value rounded to bfloat16, stored as float32. */
    private static void roundMatrixWeightsInFloat32(Module m) {
        try (var g = GradMode.noGrad()) {
            for (Module sub : m.modules())
                for (var e : sub.namedParameters().entrySet())
                    if (e.getValue().dim() >= 2 && isMatrixWeight(sub, e.getKey())) {
                        float[] d = e.getValue().data();
                        for (int i = 0; i < d.length; i++) d[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(d[i]));
                    }
        }
    }

    private static boolean isMatrixWeight(Module owner, String name) {
        return name.equals("weight") && (owner instanceof svg.nn.layer.Linear || owner instanceof svg.nn.layer.Conv2d);
    }

    @Test
    void loadingInsideTheScopeHalvesWeightMemoryAndGivesTheSameImagesAsRoundedFloat32(@TempDir Path dir) throws Exception {
        SvgModel m = SvgModelTest.tiny();
        m.save(dir);

        SvgModel f32 = SvgModel.load(dir);
        SvgModel bf;
        try (var s = Bf16Weights.scope()) { bf = SvgModel.load(dir); }
        // matrix weights are bfloat16 and frozen; norms, biases, embeddings stay float32
        assertTrue(bf.dit().blocks.get(0).attn.qkv.weight.isBf16());
        assertFalse(bf.dit().blocks.get(0).attn.qkv.bias.isBf16());
        long full = Bf16Weights.bytes(f32.dit()) + Bf16Weights.bytes(f32.autoencoder());
        long half = Bf16Weights.bytes(bf.dit()) + Bf16Weights.bytes(bf.autoencoder());
        assertTrue(half < 0.6 * full, "bf16 model holds " + half + " bytes vs " + full);

        roundMatrixWeightsInFloat32(f32.dit());
        roundMatrixWeightsInFloat32(f32.autoencoder());
        Tensor a = f32.generate(new int[]{0, 2}, f32.sampling(), 7, 2, null);
        Tensor b = bf.generate(new int[]{0, 2}, bf.sampling(), 7, 2, null);
        assertArrayEquals(a.toArray(), b.toArray(), "bf16 storage must compute exactly what rounded float32 weights compute");
        // and the rounding changed something: the test would notice a model that ignored the bfloat16 bits
        Tensor exact = SvgModel.load(dir).generate(new int[]{0, 2}, f32.sampling(), 7, 2, null);
        assertFalse(java.util.Arrays.equals(exact.toArray(), b.toArray()));
        assertArrayEquals(exact.toArray(), b.toArray(), 0.05f, "bf16 weights stay close to float32");

        Tensor img = Tensor.rand(new Rng(3), 0f, 1f, 1, 3, 32, 32);
        assertArrayEquals(f32.reconstruct(img).toArray(), bf.reconstruct(img).toArray());
    }

    @Test
    void convertSwitchesABuiltModelInPlaceAndRandomInitFillsBf16Weights() {
        DiT ref = new DiT(SvgModelTest.DIT, new Rng(5));
        DiT bf;
        try (var s = Bf16Weights.scope()) { bf = new DiT(SvgModelTest.DIT, new Rng(5)); }
        long converted = Bf16Weights.convert(ref);
        assertTrue(converted > 0.9 * ref.numParameters(), converted + " of " + ref.numParameters());
        assertEquals(0, Bf16Weights.convert(ref), "already converted");
        for (var e : ref.stateDict().entrySet()) {
            Tensor o = bf.stateDict().get(e.getKey());
            assertEquals(e.getValue().isBf16(), o.isBf16(), e.getKey());
            assertArrayEquals(e.getValue().toArray(), o.toArray(), e.getKey());
        }
        assertTrue(ref.trainableParameters().size() < ref.parameters().size(), "bf16 weights are frozen");
        assertThrows(IllegalStateException.class, ref::unfreeze);
    }
}
