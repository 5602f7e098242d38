package svg.app.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import svg.app.SvgCommand;
import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.train.CheckpointFile;
import svg.nn.train.Trainer;
import svg.tensor.Rng;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code svg train autoencoder --dropout/--attention-dropout/--decoder-dropout}: defaults, what is recorded, bad values. */
class TrainAutoencoderDropoutTest {
    private static int run(StringWriter err, String... args) {
        CommandLine cl = SvgCommand.newCommandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void dropoutOptionsReachTheSavedConfigsAndBadValuesAreRefused(@TempDir Path tmp) throws Exception {
        Path data = TrainResumeKillTest.bars(tmp.resolve("data")), ssl = tmp.resolve("ssl");
        DinoV3Config vit = TrainSslCommand.vitConfig(16, 8, 16, 1, 1, 2);
        StageFiles.saveEncoder(ssl, new DinoVisionTransformer(vit, new Rng(1)), vit);
        String[] common = {"--ssl", ssl.toString(), "--data", data.toString(), "--steps", "1", "--batch", "2", "--no-progress",
                "--threads", "1", "--residual-dim", "16", "--residual-depth", "1", "--residual-heads", "1"};
        StringWriter err = new StringWriter();

        Path def = tmp.resolve("default");
        assertEquals(0, run(err, cat(new String[]{"train", "autoencoder", "--out", def.toString()}, common)), err::toString);
        SvgAutoencoder ae = StageFiles.loadAutoencoder(def);
        assertEquals(0.1, ae.config.extra_vit().dropout(), "SVG's create_small_vit_s: dropout 0.1");
        assertEquals(0.1, ae.config.extra_vit().attention_dropout(), "SVG's create_small_vit_s: attention_dropout 0.1");
        assertEquals(0.0, ae.config.ddconfig().dropout(), "SVG's ddconfig: dropout 0.0");
        assertEquals("extra_vit dropout=0.1 attention_dropout=0.1, ddconfig dropout=0.0",
                CheckpointFile.read(def.resolve(Trainer.CHECKPOINT)).metadata().get("dropout"));

        Path set = tmp.resolve("set");
        assertEquals(0, run(err, cat(new String[]{"train", "autoencoder", "--out", set.toString(), "--dropout", "0",
                "--attention-dropout", "0.2", "--decoder-dropout", "0.3"}, common)), err::toString);
        var extraVit = (java.util.Map<?, ?>) ((java.util.Map<?, ?>) svg.tensor.io.Json.parse(Files.readString(set.resolve(StageFiles.AE_CONFIG)))).get("extra_vit");
        assertFalse(extraVit.containsKey("dropout"), "a zero dropout is left out, as in files written before it existed: " + extraVit);
        assertEquals(0.2, extraVit.get("attention_dropout"));
        ae = StageFiles.loadAutoencoder(set);
        assertEquals(0.0, ae.config.extra_vit().dropout());
        assertEquals(0.2, ae.config.extra_vit().attention_dropout());
        assertEquals(0.3, ae.config.ddconfig().dropout());

        for (String opt : new String[]{"--dropout", "--attention-dropout", "--decoder-dropout"}) {
            err.getBuffer().setLength(0);
            assertEquals(1, run(err, cat(new String[]{"train", "autoencoder", "--out", tmp.resolve("bad").toString(), opt, "1"}, common)));
            assertTrue(err.toString().contains(opt + " must be in [0, 1), got 1.0"), err.toString());
        }
    }

    private static String[] cat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
