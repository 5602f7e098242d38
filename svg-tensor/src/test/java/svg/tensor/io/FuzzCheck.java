package svg.tensor.io;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The property every reader must hold on any input: it loads, or it throws its clear exception type (IOException
 * naming the file, IllegalArgumentException for JSON text) and nothing else: no IndexOutOfBounds, NegativeArraySize,
 * ClassCast, ArithmeticException, StackOverflowError or OutOfMemoryError, no more than {@link #allocationBudget}
 * bytes allocated, and no more than a few seconds spent. An input that breaks it is written to
 * {@code target/fuzz-crashes/<target>/} so that it can be kept as a regression case (see {@link #REGRESSION_DIR}).
 *
 * <p>Runs are sized by system properties: {@code svg.fuzz.iterations} (inputs per reader; default 400) and
 * {@code svg.fuzz.seconds} (a time cap per reader; default 2), which scripts/fuzz.sh raises.
 */
final class FuzzCheck {
    /** Kept crash inputs and seeds, replayed on every test run: {@code <test resources>/fuzz/<target>/}. */
    static final String REGRESSION_DIR = "fuzz";

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Reads one file; returns normally when it loads. */
    interface Reader {
        void read(Path file) throws Exception;
    }

    /** Makes one input from a random stream. */
    interface Generator {
        byte[] next(Random rnd) throws Exception;
    }

    private FuzzCheck() {}

    static int iterations() { return Integer.getInteger("svg.fuzz.iterations", 400); }

    static double seconds() { return Double.parseDouble(System.getProperty("svg.fuzz.seconds", "2")); }

    /**
     * A reader may allocate a few times the file (a U8 file becomes float32: 4x) plus a fixed allowance
     * (tensors that share storages may hold 8x their storages plus 16M elements).
     */
    static long allocationBudget(long fileBytes) { return (256L << 20) + 16 * fileBytes; }

    /** Counts of outcomes, for the report line. */
    record Tally(String target, int loaded, int refused, double seconds) {
        @Override
        public String toString() {
            return String.format("fuzz %-14s %6d inputs in %.1f s: %d loaded, %d refused", target, loaded + refused, seconds, loaded, refused);
        }
    }

    /**
     * Feeds generated inputs to {@code reader} until {@link #iterations()} or {@link #seconds()} is reached; the seed
     * is fixed per target unless {@code svg.fuzz.seed} is set (scripts/fuzz.sh sets a new one each run).
     */
    static Tally run(String target, Path work, String fileName, Class<? extends Exception> allowed, Generator gen, Reader reader)
            throws Exception {
        long seed = Long.getLong("svg.fuzz.seed", (long) target.hashCode());
        Random rnd = new Random(seed);
        Path file = work.resolve(fileName);
        long t0 = System.nanoTime(), stop = t0 + (long) (seconds() * 1e9);
        int loaded = 0, refused = 0;
        for (int i = 0; i < iterations() && System.nanoTime() < stop; i++) {
            byte[] input = gen.next(rnd);
            if (check(target, "seed " + seed + " input " + i, input, file, allowed, reader)) loaded++;
            else refused++;
        }
        Tally t = new Tally(target, loaded, refused, (System.nanoTime() - t0) / 1e9);
        System.out.println(t);
        return t;
    }

    /** Replays every kept input of {@code target} (test resources fuzz/<target>/*). */
    static int replay(String target, Path work, String fileName, Class<? extends Exception> allowed, Reader reader) throws Exception {
        var url = FuzzCheck.class.getResource("/" + REGRESSION_DIR + "/" + target);
        if (url == null) return 0;
        List<Path> inputs;
        try (Stream<Path> s = Files.list(Path.of(url.toURI()))) {
            inputs = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path p : inputs) check(target, "kept input " + p.getFileName(), Files.readAllBytes(p), work.resolve(fileName), allowed, reader);
        return inputs.size();
    }

    /** True when the input loaded, false when it was refused as it should be; an AssertionError otherwise. */
    static boolean check(String target, String what, byte[] input, Path file, Class<? extends Exception> allowed, Reader reader)
            throws IOException {
        return check(target, what, input, file, allowed, reader,
                "copy it to src/test/resources/" + REGRESSION_DIR + "/" + target + "/ to keep it as a regression case");
    }

    /** {@link #check} with the advice on keeping a failing input, which differs for Jazzer targets. */
    static boolean check(String target, String what, byte[] input, Path file, Class<? extends Exception> allowed, Reader reader,
            String keepAdvice) throws IOException {
        Files.write(file, input);
        long tid = Thread.currentThread().threadId();
        long a0 = THREADS.getThreadAllocatedBytes(tid), t0 = System.nanoTime();
        Throwable bad = null;
        boolean loaded = false;
        try {
            reader.read(file);
            loaded = true;
        } catch (Exception e) {
            if (!allowed.isInstance(e)) bad = e;
            else if (e.getMessage() == null || e.getMessage().isBlank()) bad = new AssertionError("refused without a message", e);
            else if (e instanceof IOException && !e.getMessage().contains(file.toString()) && !e.getMessage().contains(file.getFileName().toString()))
                bad = new AssertionError("refusal does not name the file: " + e.getMessage(), e);
        } catch (StackOverflowError | OutOfMemoryError e) {
            bad = e;
        }
        long allocated = THREADS.getThreadAllocatedBytes(tid) - a0;
        double secs = (System.nanoTime() - t0) / 1e9;
        if (bad == null && allocated > allocationBudget(input.length))
            bad = new AssertionError("allocated " + allocated + " bytes for a " + input.length + "-byte file");
        if (bad == null && secs > 10) bad = new AssertionError("took " + secs + " s for a " + input.length + "-byte file");
        if (bad == null) return loaded;
        Path kept = keep(target, input);
        throw new AssertionError(target + " " + what + ": " + bad + "\n  input saved as " + kept + " (" + keepAdvice + ")", bad);
    }

    private static Path keep(String target, byte[] input) throws IOException {
        Path dir = Path.of("target", "fuzz-crashes", target);
        Files.createDirectories(dir);
        try {
            String h = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(input)).substring(0, 16);
            return Files.write(dir.resolve("crash-" + h), input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ Jazzer inputs

    /**
     * Run before a class of Jazzer targets ({@code @BeforeAll}); an explicit setting always wins. Replaying the corpus
     * (no {@code JAZZER_FUZZ}) checks FuzzCheck's contract and needs none of Jazzer's hooks: its bug detectors
     * (injection, path traversal, reflective calls) take about ten seconds to install, so {@code jazzer.hooks} is
     * false. While fuzzing, the hooks stay on with the coverage instrumentation, which then also covers the classes
     * matching {@code alsoInstrument} (globs such as {@code com.sun.imageio.**}: JDK code that Jazzer leaves out by
     * default, where a reader's work is done).
     */
    static void jazzerSetup(String... alsoInstrument) {
        boolean fuzzing = isTrue(System.getenv("JAZZER_FUZZ")) || isTrue(System.getProperty("JAZZER_FUZZ"));
        if (!fuzzing) {
            if (System.getProperty("jazzer.hooks") == null && System.getenv("JAZZER_HOOKS") == null)
                System.setProperty("jazzer.hooks", "false");
        } else if (alsoInstrument.length > 0 && System.getProperty("jazzer.instrument") == null
                && System.getenv("JAZZER_INSTRUMENT") == null) {
            System.setProperty("jazzer.instrument", "svg.**," + String.join(",", alsoInstrument));
        }
    }

    /** Jazzer's reading of a boolean setting. */
    private static boolean isTrue(String v) {
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes"));
    }

    /**
     * The file a Jazzer target reads, from the fuzzer's bytes. The last byte chooses: even, the other bytes are the
     * file itself (so a seed or kept crash file plus a zero byte is a corpus entry, and libFuzzer mutates real files);
     * odd, they are the choices of the structure-aware generator {@code gen} (a {@link FuzzedRandom}), so that
     * coverage steers which sizes, strides, offsets and damage the generator picks.
     */
    static byte[] jazzerInput(FuzzedDataProvider data, Generator gen) throws Exception {
        return data.consumeBoolean() ? gen.next(new FuzzedRandom(data)) : data.consumeRemainingAsBytes();
    }

    /**
     * A Random whose every choice is read from the fuzzer's bytes (one byte for up to 8 bits, two for 16, four
     * beyond). When the bytes run out it goes on with a fixed SplitMix64 stream, never with zeros, so that the
     * generator's rejection loops (nextGaussian) end, and the same bytes always give the same file.
     */
    static final class FuzzedRandom extends Random {
        private final transient FuzzedDataProvider data;
        private long state;

        FuzzedRandom(FuzzedDataProvider data) {
            super(0);
            this.data = data;
        }

        @Override
        protected int next(int bits) {
            int need = bits <= 8 ? 1 : bits <= 16 ? 2 : 4;
            int v;
            if (data.remainingBytes() < need) v = (int) (splitMix() >>> 32);
            else if (need == 1) v = data.consumeByte() << 24;
            else if (need == 2) v = data.consumeShort() << 16;
            else v = data.consumeInt();
            return v >>> (32 - bits);
        }

        private long splitMix() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    // ------------------------------------------------------------------ mutation helpers

    /** Values that break size arithmetic: zero, one, signs, powers of two at int/long edges. */
    static final long[] INTERESTING = {0, 1, 2, 3, -1, -2, 7, 255, 256, 65535, 65536, (1L << 31) - 17, Integer.MAX_VALUE,
            1L << 31, Integer.MIN_VALUE, 1L << 32, (1L << 32) + 1, 1L << 40, 1L << 61, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};

    static long interesting(Random r) {
        long v = INTERESTING[r.nextInt(INTERESTING.length)];
        return r.nextInt(4) == 0 ? v + r.nextInt(5) - 2 : v;
    }

    /** One of: a few random byte overwrites, bit flips, a truncation, an insertion, a deletion, appended garbage. */
    static byte[] mutateBytes(byte[] in, Random r) {
        byte[] b = in.clone();
        if (b.length == 0) return new byte[]{(byte) r.nextInt(256)};
        switch (r.nextInt(7)) {
            case 0 -> { for (int k = 0, n = 1 + r.nextInt(4); k < n; k++) b[r.nextInt(b.length)] = (byte) r.nextInt(256); }
            case 1 -> { for (int k = 0, n = 1 + r.nextInt(4); k < n; k++) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8)); }
            case 2 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            case 3 -> {
                int at = r.nextInt(b.length + 1);
                byte[] ins = new byte[1 + r.nextInt(16)];
                r.nextBytes(ins);
                byte[] o = new byte[b.length + ins.length];
                System.arraycopy(b, 0, o, 0, at);
                System.arraycopy(ins, 0, o, at, ins.length);
                System.arraycopy(b, at, o, at + ins.length, b.length - at);
                b = o;
            }
            case 4 -> {
                int at = r.nextInt(b.length), n = Math.min(b.length - at, 1 + r.nextInt(16));
                byte[] o = new byte[b.length - n];
                System.arraycopy(b, 0, o, 0, at);
                System.arraycopy(b, at + n, o, at, b.length - at - n);
                b = o;
            }
            case 5 -> {
                byte[] g = new byte[1 + r.nextInt(64)];
                r.nextBytes(g);
                byte[] o = java.util.Arrays.copyOf(b, b.length + g.length);
                System.arraycopy(g, 0, o, b.length, g.length);
                b = o;
            }
            default -> { // an 8-byte little-endian interesting value somewhere (a length, a count, an offset)
                if (b.length >= 8) {
                    int at = r.nextInt(b.length - 7);
                    java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(at, interesting(r));
                }
            }
        }
        return b;
    }

    static <T> T pick(Random r, List<T> xs) { return xs.get(r.nextInt(xs.size())); }

    static List<Object> listOf(Object... xs) { return new ArrayList<>(List.of(xs)); }
}
