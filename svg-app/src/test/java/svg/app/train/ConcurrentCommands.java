package svg.app.train;

import svg.app.SvgCommand;
import svg.tensor.parallel.Parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Child-process entry point of {@link TrainResumeKillTest}: runs several {@code svg} command lines at once, one thread
 * each, so one JVM (one start-up, one JIT warm-up) carries all the trainers that a single {@code kill -9} then stops.
 * Arguments: the command lines separated by {@value #SEPARATOR}; their {@code --threads N} (all equal) is applied once,
 * for the whole JVM. Exit status 0 when every command returned 0.
 */
public final class ConcurrentCommands {
    static final String SEPARATOR = "+";

    public static void main(String[] args) throws InterruptedException {
        List<String[]> commands = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= args.length; i++)
            if (i == args.length || args[i].equals(SEPARATOR)) {
                commands.add(Arrays.copyOfRange(args, from, i));
                from = i + 1;
            }
        // the thread count is JVM-wide and each command would set it on start and restore it when done, under the
        // feet of the others: set it once here instead (results do not depend on it)
        Integer kernelThreads = null;
        for (int c = 0; c < commands.size(); c++) {
            List<String> a = new ArrayList<>(List.of(commands.get(c)));
            int i = a.indexOf("--threads");
            if (i >= 0) {
                int t = Integer.parseInt(a.get(i + 1));
                if (kernelThreads != null && kernelThreads != t) throw new IllegalArgumentException("commands ask for different --threads");
                kernelThreads = t;
                a.subList(i, i + 2).clear();
            }
            commands.set(c, a.toArray(String[]::new));
        }
        if (kernelThreads != null) Parallel.setThreads(kernelThreads);
        int[] codes = new int[commands.size()];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < commands.size(); c++) {
            int k = c;
            threads.add(Thread.ofPlatform().name("svg-" + commands.get(k)[1]).start(() -> {
                try {
                    codes[k] = SvgCommand.newCommandLine().execute(commands.get(k));
                } catch (Throwable t) {
                    t.printStackTrace();
                    codes[k] = 99;
                }
            }));
        }
        for (Thread t : threads) t.join();
        System.out.println("exit codes " + Arrays.toString(codes));
        System.exit(Arrays.stream(codes).allMatch(x -> x == 0) ? 0 : 1);
    }
}
