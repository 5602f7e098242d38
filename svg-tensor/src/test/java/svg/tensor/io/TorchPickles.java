package svg.tensor.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds torch.save files byte by byte, with any sizes, strides, offsets and storage counts (torch itself refuses to
 * build many of them): the hostile-file regression tests and the structure-aware fuzzer start from these. The
 * pickles use the opcodes torch.save emits (protocol 2, GLOBAL, BINPERSID, REDUCE).
 */
final class TorchPickles {
    private TorchPickles() {}

    /** One tensor entry of a state dict: a view (offset, size, stride) of storage {@code key}. */
    record View(String name, String key, String storageType, long storageNumel, long offset, long[] size, long[] stride) {
        /** A contiguous float32 tensor owning its own storage named {@code key}. */
        static View contiguous(String name, String key, long... size) {
            long[] stride = new long[size.length];
            long s = 1, n = 1;
            for (int i = size.length - 1; i >= 0; i--) { stride[i] = s; s *= size[i]; }
            for (long x : size) n *= x;
            return new View(name, key, "FloatStorage", n, 0, size, stride);
        }
    }

    /** A pickled {name: tensor} dict; legacy = the pre-1.6 persistent ids (6-tuples with view metadata None). */
    static byte[] stateDict(List<View> views, boolean legacy) {
        Out p = new Out();
        p.raw(0x80, 2).raw('}').raw('(');
        for (View v : views) {
            p.str(v.name());
            p.global("torch._utils", "_rebuild_tensor_v2").raw('(');
            p.raw('(').str("storage").global("torch", v.storageType()).str(v.key()).str("cpu").integer(v.storageNumel());
            if (legacy) p.raw('N');
            p.raw('t').raw('Q');
            p.integer(v.offset());
            p.raw('(');
            for (long s : v.size()) p.integer(s);
            p.raw('t').raw('(');
            for (long s : v.stride()) p.integer(s);
            p.raw('t').raw(0x89);
            p.global("collections", "OrderedDict").raw(')').raw('R');
            p.raw('t').raw('R');
        }
        p.raw('u').raw('.');
        return p.bytes();
    }

    /** A torch >= 1.6 zip archive: stem/data.pkl, stem/data/KEY for each storage, stem/version. Entries are stored. */
    static byte[] zip(String stem, byte[] pickle, Map<String, byte[]> storages) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(stem + "/data.pkl", pickle);
        for (var e : storages.entrySet()) entries.put(stem + "/data/" + e.getKey(), e.getValue());
        entries.put(stem + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zipEntries(entries);
    }

    static byte[] zipEntries(Map<String, byte[]> entries) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bo)) {
            for (var e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bo.toByteArray();
    }

    /**
     * A legacy torch.save file: magic, protocol 1001, sys_info, the object, the storage keys, then per storage its
     * 8-byte little-endian element count ({@code declared}, or the real count when absent) and its bytes.
     */
    static byte[] legacy(byte[] objectPickle, Map<String, byte[]> storages, Map<String, Long> declared) {
        Out p = new Out();
        p.raw(0x80, 2).bigInt(new BigInteger("1950a86a20f9469cfc6c", 16)).raw('.');
        p.raw(0x80, 2).integer(1001).raw('.');
        p.raw(0x80, 2).raw('}').raw('(').str("protocol_version").integer(1001).str("little_endian").raw(0x88)
                .str("type_sizes").raw('}').raw('u').raw('.');
        p.raw(objectPickle);
        p.raw(0x80, 2).raw('(');
        for (String k : storages.keySet()) p.str(k);
        p.raw('l').raw('.');
        for (var e : storages.entrySet()) {
            long n = declared != null && declared.containsKey(e.getKey()) ? declared.get(e.getKey()) : e.getValue().length / 4;
            p.raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array());
            p.raw(e.getValue());
        }
        return p.bytes();
    }

    /** {@code n} float32 values 0, 1, 2, ... as little-endian bytes. */
    static byte[] floats(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putFloat(i);
        return b.array();
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        return file;
    }

    /** Pickle opcodes, appended. */
    static final class Out {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

        Out raw(int... ops) {
            for (int o : ops) b.write(o);
            return this;
        }

        Out raw(byte[] bytes) {
            b.writeBytes(bytes);
            return this;
        }

        Out str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            raw('X');
            raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(u.length).array());
            return raw(u);
        }

        /** LONG1 with 8 bytes: any long, as torch's pickler writes large ints. */
        Out integer(long v) {
            raw(0x8a, 8);
            return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Out bigInt(BigInteger v) {
            byte[] be = v.toByteArray();
            raw(0x8a, be.length);
            for (int i = be.length - 1; i >= 0; i--) b.write(be[i]);
            return this;
        }

        Out global(String module, String name) {
            raw('c');
            return raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        byte[] bytes() { return b.toByteArray(); }

        void to(OutputStream o) throws IOException { b.writeTo(o); }
    }
}
