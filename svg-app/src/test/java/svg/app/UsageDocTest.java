package svg.app;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * docs/usage.md claims every {@code svg} command: each one of picocli's command tree (subcommands of subcommands
 * included) must appear there as {@code svg <path>}, e.g. {@code svg train vae}.
 */
class UsageDocTest {

    /** docs/usage.md of this checkout: from the working directory (a module under Maven) or one of its parents. */
    static Path usageDoc() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path f = d.resolve("docs").resolve("usage.md");
            if (Files.isRegularFile(f) && Files.isDirectory(d.resolve("svg-app"))) return f;
        }
        throw new AssertionError("docs/usage.md not found from " + Path.of("").toAbsolutePath());
    }

    /** "train vae", "eval fd", ... for every command below the root. */
    static List<String> commandPaths(CommandLine cl, String prefix, List<String> into) {
        for (var e : cl.getSubcommands().entrySet()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + " " + e.getKey();
            into.add(path);
            commandPaths(e.getValue(), path, into);
        }
        return into;
    }

    @Test
    void everySubcommandIsInUsageMd() throws IOException {
        String doc = Files.readString(usageDoc());
        List<String> paths = commandPaths(SvgCommand.newCommandLine(), "", new ArrayList<>());
        assertTrue(paths.contains("train vae") && paths.contains("eval classify") && paths.contains("help"), paths.toString());
        List<String> missing = new ArrayList<>();
        for (String p : paths)
            if (!Pattern.compile("\\bsvg " + Pattern.quote(p) + "(?![\\w-])").matcher(doc).find()) missing.add("svg " + p);
        assertTrue(missing.isEmpty(), "commands not in docs/usage.md: " + missing);
    }
}
