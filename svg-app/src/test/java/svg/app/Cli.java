package svg.app;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the svg command in-process, the way main does, capturing stdout, stderr and the exit code. */
record Cli(int exit, String out, String err) {
    static Cli run(String... args) {
        CommandLine cl = SvgCommand.newCommandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    @Override
    public String toString() { return "exit " + exit + "\n--- out:\n" + out + "\n--- err:\n" + err; }
}
