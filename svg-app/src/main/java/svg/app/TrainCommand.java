package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code svg train ...}: the parent of the training subcommands, one class each in {@code svg.app.train} (listed in
 * {@code subcommands} below), with {@link ComputeOptions} and {@code TrainOptions} as mixins. Alone it prints its usage.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train SVG parts (SSL encoder, autoencoder, DiT), the KL-VAE baseline and the evaluation classifier.",
        subcommands = {svg.app.train.TrainSslCommand.class, svg.app.train.TrainAutoencoderCommand.class, svg.app.train.TrainDitCommand.class, svg.app.train.TrainVaeCommand.class, svg.app.train.TrainClassifierCommand.class})
final class TrainCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }
}
