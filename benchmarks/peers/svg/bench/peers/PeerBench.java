package svg.bench.peers;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JVM peers of benchmarks/vs-jvm-peers.sh: one network exported by benchmarks/export_peers.py (same modules, weights
 * and inputs as benchmarks/vs_pytorch.py), run by ONNX Runtime ({@code --engine ort}, NET.onnx) or by libtorch through
 * DJL ({@code --engine djl}, NET.pt, offline: the native library comes from the pytorch-native-cpu jar). Times
 * {@code --reps} forwards after {@code --warmup} and compares the last output with PyTorch's (NET.out).
 *
 * <p>Prints details on stderr and one line on stdout:
 * {@code PEER engine net median_ms min_ms max_abs_diff max_abs_ref}.
 *
 * <p>Not part of the default build: compiled by the script against the jars of the benchmarks module's peers profile.
 */
public final class PeerBench {
    private PeerBench() {}

    record Input(String name, boolean isFloat, long[] shape, ByteBuffer data) {}

    interface Runner extends AutoCloseable {
        float[] run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String engine = null, net = null;
        Path dir = null;
        int threads = 2, warmup = 1, reps = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--engine" -> engine = args[++i];
                case "--net" -> net = args[++i];
                case "--dir" -> dir = Path.of(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (engine == null || net == null || dir == null) throw new IllegalArgumentException("--engine, --net, --dir are required");
        List<String> meta = Files.readAllLines(dir.resolve(net + ".meta"));
        List<Input> inputs = new ArrayList<>();
        long[] outShape = null;
        for (String line : meta) {
            if (line.isBlank()) continue;
            String[] f = line.trim().split(" ");
            long[] shape = Arrays.stream(f, 2, f.length).mapToLong(Long::parseLong).toArray();
            if (f[0].equals("out")) { outShape = shape; continue; }
            ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(net + "." + f[0]))).order(ByteOrder.LITTLE_ENDIAN);
            inputs.add(new Input(f[0], f[1].equals("f32"), shape, bb));
        }
        float[] ref = readFloats(dir.resolve(net + ".out"));
        try (Runner r = switch (engine) {
            case "ort" -> ort(dir.resolve(net + ".onnx"), inputs, threads);
            case "djl" -> djl(dir, net, inputs, threads);
            default -> throw new IllegalArgumentException("unknown engine " + engine + " (ort, djl)");
        }) {
            float[] out = null;
            for (int i = 0; i < warmup; i++) out = r.run();
            double[] ms = new double[reps];
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                out = r.run();
                ms[i] = (System.nanoTime() - t0) / 1e6;
                System.err.printf(Locale.ROOT, "#   %s %s rep %d: %.1f ms%n", engine, net, i + 1, ms[i]);
            }
            if (out.length != ref.length) throw new IllegalStateException("output has " + out.length + " values, PyTorch's " + ref.length
                    + " (shape " + Arrays.toString(outShape) + ")");
            double maxDiff = 0, maxRef = 0;
            for (int i = 0; i < out.length; i++) {
                if (!Float.isFinite(out[i])) throw new IllegalStateException("non-finite output");
                maxDiff = Math.max(maxDiff, Math.abs(out[i] - ref[i]));
                maxRef = Math.max(maxRef, Math.abs(ref[i]));
            }
            String dump = System.getenv("SVG_PEER_DUMP");  // debugging: the last output as raw float32
            if (dump != null) {
                ByteBuffer bb = ByteBuffer.allocate(out.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(out);
                Files.write(Path.of(dump), bb.array());
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            double median = reps % 2 == 1 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
            System.out.printf(Locale.ROOT, "PEER %s %s %.3f %.3f %.3g %.3g%n", engine, net, median, sorted[0], maxDiff, maxRef);
        }
    }

    static float[] readFloats(Path p) throws IOException {
        FloatBuffer fb = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] a = new float[fb.remaining()];
        fb.get(a);
        return a;
    }

    static Runner ort(Path onnx, List<Input> inputs, int threads) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(threads);
        opts.setInterOpNumThreads(1);
        opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        OrtSession session = env.createSession(onnx.toString(), opts);
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        for (Input in : inputs) {
            ByteBuffer d = in.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            feeds.put(in.name(), in.isFloat() ? OnnxTensor.createTensor(env, d.asFloatBuffer(), in.shape())
                    : OnnxTensor.createTensor(env, d.asLongBuffer(), in.shape()));
        }
        System.err.println("# ONNX Runtime " + env.getVersion() + ", " + threads + " intra-op threads");
        return new Runner() {
            @Override public float[] run() throws Exception {
                try (OrtSession.Result res = session.run(feeds)) {
                    FloatBuffer fb = ((OnnxTensor) res.get(0)).getFloatBuffer();
                    float[] a = new float[fb.remaining()];
                    fb.get(a);
                    return a;
                }
            }
            @Override public void close() throws Exception {
                for (OnnxTensor t : feeds.values()) t.close();
                session.close();
                opts.close();
            }
        };
    }

    static Runner djl(Path dir, String net, List<Input> inputs, int threads) throws Exception {
        // before the engine loads: threads, offline (the native library is the pytorch-native-cpu jar's)
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Model model = Model.newInstance(net, Device.cpu(), "PyTorch");
        model.load(dir, net);
        Block block = model.getBlock();
        NDManager manager = model.getNDManager();
        NDList feeds = new NDList();
        for (Input in : inputs) {
            ByteBuffer d = in.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            NDArray a = manager.create(d, new Shape(in.shape()), in.isFloat() ? DataType.FLOAT32 : DataType.INT64);
            feeds.add(a);
        }
        ParameterStore ps = new ParameterStore(manager, false);
        System.err.println("# DJL " + ai.djl.engine.Engine.getEngine("PyTorch").getVersion() + " (libtorch), " + threads + " threads");
        return new Runner() {
            @Override public float[] run() {
                try (NDManager sub = manager.newSubManager()) {
                    NDList out = block.forward(ps, feeds, false);
                    out.attach(sub);
                    return out.singletonOrThrow().toFloatArray();
                }
            }
            @Override public void close() {
                model.close();
            }
        };
    }
}
