package svg.tensor.io;

import svg.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file opened for reading: the header is parsed and checked completely at {@link #open}, the data
 * section is memory-mapped (FFM API), and {@link #load} copies one tensor into a float32 {@link Tensor}. So a
 * multi-gigabyte file costs no heap until tensors are asked for. All offsets are longs: files and tensors beyond
 * 2 GB are addressed correctly (a single loaded tensor is still limited to one Java float array).
 *
 * <p>Format: 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section. The JSON maps each
 * tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end)}} (relative to the data section) and may hold a
 * {@code "__metadata__"} string map.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation refuses headers over 100 MB; so do we, before allocating anything. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private record Entry(TensorInfo info, long begin, long end) {}

    private final Path path;
    private final Arena arena;
    private final MemorySegment data; // the data section only
    private final LinkedHashMap<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, LinkedHashMap<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates {@code p}; any defect gives an IOException naming the file and the problem. */
    public static SafetensorsFile open(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(p, "file is " + size + " bytes, shorter than the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, p);
            long n = lenBuf.getLong(0);
            if (n < 2) throw bad(p, "header length " + n + " is too small");
            if (n > size - 8) throw bad(p, "header length " + n + " exceeds the file size " + size + " (truncated or not a safetensors file)");
            if (n > MAX_HEADER_BYTES) throw bad(p, "header length " + n + " exceeds the 100 MB limit");
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, p);
            String header;
            try {
                header = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(hb.flip()).toString();
            } catch (CharacterCodingException e) {
                throw bad(p, "header is not valid UTF-8");
            }
            if (!header.startsWith("{")) throw bad(p, "header does not start with '{' (not a safetensors file?)");
            Object parsed;
            try {
                parsed = Json.parse(header);
            } catch (IllegalArgumentException e) {
                throw bad(p, "header is not valid JSON: " + e.getMessage());
            }
            if (!(parsed instanceof Map<?, ?> top)) throw bad(p, "header is not a JSON object");
            long dataLen = size - 8 - n;
            Map<String, String> meta = new LinkedHashMap<>();
            LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : top.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals("__metadata__")) {
                    if (e.getValue() == null) continue;
                    if (!(e.getValue() instanceof Map<?, ?> m)) throw bad(p, "__metadata__ is not an object");
                    for (Map.Entry<?, ?> me : m.entrySet()) {
                        if (!(me.getValue() instanceof String v))
                            throw bad(p, "__metadata__ value for '" + me.getKey() + "' is not a string");
                        meta.put((String) me.getKey(), v);
                    }
                    continue;
                }
                entries.put(name, parseEntry(p, name, e.getValue(), dataLen));
            }
            checkLayout(p, entries, dataLen);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                MemorySegment dataSeg = all.asSlice(8 + n, dataLen);
                return new SafetensorsFile(p, arena, dataSeg, entries, Collections.unmodifiableMap(meta));
            } catch (IOException | RuntimeException ex) {
                arena.close();
                throw ex;
            }
        }
    }

    private static Entry parseEntry(Path p, String name, Object v, long dataLen) throws IOException {
        if (!(v instanceof Map<?, ?> m)) throw bad(p, "entry '" + name + "' is not an object");
        if (!(m.get("dtype") instanceof String dts)) throw bad(p, "tensor '" + name + "' has no string \"dtype\"");
        DType dt;
        try {
            dt = DType.parse(dts);
        } catch (IllegalArgumentException ex) {
            throw bad(p, "tensor '" + name + "': " + ex.getMessage());
        }
        if (!(m.get("shape") instanceof List<?> sl)) throw bad(p, "tensor '" + name + "' has no \"shape\" array");
        int[] shape = new int[sl.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(sl.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE)
                throw bad(p, "tensor '" + name + "' has a bad shape " + sl);
            shape[i] = (int) (long) d;
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException ex) {
                throw bad(p, "tensor '" + name + "' shape " + sl + " overflows");
            }
        }
        if (!(m.get("data_offsets") instanceof List<?> ol) || ol.size() != 2
                || !(ol.get(0) instanceof Long b) || !(ol.get(1) instanceof Long en))
            throw bad(p, "tensor '" + name + "' needs \"data_offsets\": [begin, end] as integers");
        if (b < 0 || en < b) throw bad(p, "tensor '" + name + "' has bad data_offsets " + ol);
        if (en > dataLen)
            throw bad(p, "tensor '" + name + "' data_offsets " + ol + " run past the data section (" + dataLen + " bytes; file truncated?)");
        long nbytes;
        try {
            nbytes = Math.multiplyExact(numel, dt.byteSize());
        } catch (ArithmeticException ex) {
            throw bad(p, "tensor '" + name + "' is too large");
        }
        if (en - b != nbytes)
            throw bad(p, "tensor '" + name + "': " + dt + " " + Arrays.toString(shape) + " needs " + nbytes
                    + " bytes but data_offsets " + ol + " span " + (en - b));
        return new Entry(new TensorInfo(name, dt, shape), b, en);
    }

    /** Tensors must tile the data section exactly: no overlap, no gap, nothing left over. */
    private static void checkLayout(Path p, Map<String, Entry> entries, long dataLen) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long pos = 0;
        String prev = null;
        for (Entry e : sorted) {
            if (e.begin < pos)
                throw bad(p, "tensor '" + e.info.name() + "' overlaps tensor '" + prev + "'");
            if (e.begin > pos)
                throw bad(p, "gap of " + (e.begin - pos) + " bytes before tensor '" + e.info.name() + "'");
            pos = e.end;
            prev = e.info.name();
        }
        if (pos != dataLen)
            throw bad(p, "data section is " + dataLen + " bytes but the tensors cover " + pos);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at, Path p) throws IOException {
        long pos = at;
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) throw bad(p, "unexpected end of file");
            pos += r;
        }
    }

    static IOException bad(Path p, String problem) {
        return new IOException("corrupt safetensors file " + p + ": " + problem);
    }

    // ------------------------------------------------------------------ access

    public Path path() { return path; }

    /** All tensors, in file (header) order. */
    public List<TensorInfo> tensors() {
        return entries.values().stream().map(Entry::info).toList();
    }

    /** The {@code __metadata__} string map (empty when absent). */
    public Map<String, String> metadata() { return metadata; }

    public boolean contains(String name) { return entries.containsKey(name); }

    /** Info of one tensor; throws IllegalArgumentException when absent. */
    public TensorInfo info(String name) { return entry(name).info; }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null)
            throw new IllegalArgumentException("no tensor '" + name + "' in " + path + " (" + entries.size() + " tensors)");
        return e;
    }

    /** The raw bytes of one tensor, a slice of the mapping (valid until {@link #close}). */
    public MemorySegment bytes(String name) {
        Entry e = entry(name);
        return data.asSlice(e.begin, e.end - e.begin);
    }

    /** Copies one tensor into a new float32 tensor, converting from its stored dtype. */
    public Tensor load(String name) {
        Entry e = entry(name);
        long n = e.info.numel();
        if (n > Integer.MAX_VALUE - 16)
            throw new IllegalArgumentException("tensor '" + name + "' in " + path + " has " + n + " elements, more than one float array holds");
        float[] out = new float[(int) n];
        ElementConversion.toFloat(data, e.begin, e.info.dtype(), ByteOrder.LITTLE_ENDIAN, out, 0, (int) n);
        // the copy is done: drop the file pages it touched from this process (they stay in the page cache), so a
        // streaming load of a multi-GB model does not add the whole file to the resident set
        if (e.end > e.begin) data.asSlice(e.begin, e.end - e.begin).unload();
        return Tensor.of(out, e.info.shape());
    }

    /** Unmaps the file; tensors already loaded stay valid. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
