package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code svg train ...}: the parent of the training subcommands. The training code adds its subcommands by
 * listing their classes in {@code subcommands} below (one class per subcommand, e.g. TrainDecoderCommand,
 * TrainDitCommand), using {@link ComputeOptions} as a mixin like the other compute commands.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train SVG parts (residual encoder, decoder, DiT).",
        subcommands = {svg.app.train.TrainSslCommand.class, svg.app.train.TrainAutoencoderCommand.class, svg.app.train.TrainDitCommand.class, svg.app.train.TrainVaeCommand.class, svg.app.train.TrainClassifierCommand.class})
final class TrainCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        if (spec.subcommands().isEmpty())
            throw new CliException("no training subcommands are available in this build yet");
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
