package svg.tensor.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.Set;

/**
 * A pickle reader (protocols 0-5) that builds plain Java values and never executes anything. Python globals are
 * resolved against a fixed allow-list: the few that torch.save emits for tensors and state dicts. Any other global
 * (os.system, builtins.eval, ...) raises {@link UnsafePickleException} the moment it is named.
 *
 * <p>Results: dict -> LinkedHashMap, list -> ArrayList, tuple -> unmodifiable List, int -> Long (BigInteger when
 * larger), float -> Double, str -> String, bytes -> byte[], set -> LinkedHashSet, None -> null, bool -> Boolean,
 * torch tensors -> {@link LazyTensor} (data is not read here), torch dtypes -> {@link DType}.
 */
final class RestrictedUnpickler {
    /** An allowed Python global (a callable or class we know how to imitate). */
    record Global(String module, String name) {
        String qualified() { return module + "." + name; }
    }

    /** A torch storage named by a persistent id: element type, zip entry key, element count. */
    record StorageRef(DType dtype, String key, long numel, String location) {}

    /** A slice of a storage (legacy torch files): elements [offset, offset + numel) of root. */
    record StorageView(StorageRef root, long offset, long numel) {}

    /** A tensor view of a storage, as torch._utils._rebuild_tensor_v2 describes it; data is read later. */
    record LazyTensor(StorageRef storage, long offset, int[] size, long[] stride) {}

    /** Resolves BINPERSID/PERSID ids (torch: storages). */
    interface PersistentLoader {
        Object load(Object pid) throws IOException;
    }

    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16,
            "DoubleStorage", DType.F64, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "ShortStorage", DType.I16, "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private static final Map<String, DType> TORCH_DTYPES = Map.ofEntries(
            Map.entry("float32", DType.F32), Map.entry("float", DType.F32), Map.entry("float16", DType.F16),
            Map.entry("half", DType.F16), Map.entry("bfloat16", DType.BF16), Map.entry("float64", DType.F64),
            Map.entry("double", DType.F64), Map.entry("int64", DType.I64), Map.entry("long", DType.I64),
            Map.entry("int32", DType.I32), Map.entry("int", DType.I32), Map.entry("int16", DType.I16),
            Map.entry("short", DType.I16), Map.entry("int8", DType.I8), Map.entry("uint8", DType.U8),
            Map.entry("bool", DType.BOOL));

    private static final Set<String> FUNCTIONS = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state");

    private static final Object MARK = new Object() {
        @Override public String toString() { return "MARK"; }
    };

    private final MemorySegment b;
    private final long end;
    private final String where;
    private final PersistentLoader persistent;
    private long pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final HashMap<Long, Object> memo = new HashMap<>();

    RestrictedUnpickler(byte[] pickle, String where, PersistentLoader persistent) {
        this(MemorySegment.ofArray(pickle), 0, where, persistent);
    }

    /**
     * Reads one pickle starting at byte {@code start} of {@code data} (for files holding several pickles in a row,
     * like legacy torch.save files); {@link #position()} then tells where it ended.
     */
    RestrictedUnpickler(MemorySegment data, long start, String where, PersistentLoader persistent) {
        this.b = data;
        this.end = data.byteSize();
        this.pos = start;
        this.where = where;
        this.persistent = persistent;
    }

    /** The offset just after the STOP opcode once {@link #load} has returned. */
    long position() { return pos; }

    private byte at(long i) { return b.get(ValueLayout.JAVA_BYTE, i); }

    /** Copies the next n bytes (after checking they exist). */
    private byte[] take(long n) throws IOException {
        need(n);
        byte[] r = new byte[(int) n];
        MemorySegment.copy(b, ValueLayout.JAVA_BYTE, pos, r, 0, (int) n);
        pos += n;
        return r;
    }

    /** Resolves a global or refuses it; nothing outside the allow-list is ever looked up. */
    static Object resolveGlobal(String module, String name, String where) throws UnsafePickleException {
        String q = module + "." + name;
        if (FUNCTIONS.contains(q)) return new Global(module, name);
        if (module.equals("torch")) {
            if (STORAGE_TYPES.containsKey(name)) return new Global(module, name);
            DType d = TORCH_DTYPES.get(name);
            if (d != null) return d;
        }
        throw new UnsafePickleException(q, where);
    }

    static DType storageDType(Global g) {
        return g.module.equals("torch") ? STORAGE_TYPES.get(g.name) : null;
    }

    private IOException bad(String msg) {
        return new IOException("bad pickle in " + where + " at byte " + pos + ": " + msg);
    }

    Object load() throws IOException {
        while (true) {
            if (pos >= end) throw bad("ended without STOP");
            int op = at(pos++) & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v > 5) throw bad("unsupported pickle protocol " + v);
                }
                case 0x95 -> { need(8); pos += 8; } // FRAME: a length hint only
                case '.' -> { // STOP
                    Object v = pop();
                    if (!stack.isEmpty() || !marks.isEmpty()) throw bad("stack not empty at STOP");
                    return v;
                }
                case '(' -> { marks.add(stack.size()); }
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                // ---- constants and numbers
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) i32());
                case 'K' -> push((long) u8());
                case 'M' -> push((long) u16());
                case 0x8a -> push(longN(u8())); // LONG1
                case 0x8b -> { // LONG4
                    int n = i32();
                    if (n < 0) throw bad("negative LONG4 length");
                    push(longN(n));
                }
                case 'G' -> { // BINFLOAT: big-endian double
                    need(8);
                    long bits = 0;
                    for (int i = 0; i < 8; i++) bits = (bits << 8) | (at(pos++) & 0xFF);
                    push(Double.longBitsToDouble(bits));
                }
                case 'I' -> { // INT (text); I01/I00 are protocol-0 booleans
                    String s = line();
                    if (s.equals("01")) push(Boolean.TRUE);
                    else if (s.equals("00")) push(Boolean.FALSE);
                    else push(parseInt(s));
                }
                case 'L' -> { // LONG (text)
                    String s = line();
                    push(parseInt(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
                }
                case 'F' -> {
                    String s = line();
                    try {
                        push(Double.parseDouble(s));
                    } catch (NumberFormatException e) {
                        throw bad("bad FLOAT " + s);
                    }
                }
                // ---- strings and bytes
                case 'X' -> push(utf8(len32()));
                case 0x8c -> push(utf8(u8()));
                case 0x8d -> push(utf8(len64()));
                case 'V' -> push(rawUnicode(line()));
                case 'T' -> push(latin1(len32()));
                case 'U' -> push(latin1(u8()));
                case 'S' -> push(pyStringLiteral(line()));
                case 'B' -> push(bytes(len32()));
                case 'C' -> push(bytes(u8()));
                case 0x8e, 0x96 -> push(bytes(len64())); // BINBYTES8, BYTEARRAY8
                case 0x97, 0x98 -> throw bad("out-of-band buffers are not supported");
                // ---- containers
                case ']' -> push(new ArrayList<>());
                case '}' -> push(new LinkedHashMap<>());
                case ')' -> push(tuple(List.of()));
                case 0x8f -> push(new LinkedHashSet<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case 't' -> push(tuple(popMark()));
                case 0x85 -> push(tuple(Collections.singletonList(pop())));
                case 0x86 -> { Object y = pop(), x = pop(); push(tuple(Arrays.asList(x, y))); }
                case 0x87 -> { Object z = pop(), y = pop(), x = pop(); push(tuple(Arrays.asList(x, y, z))); }
                case 'd' -> {
                    List<Object> items = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, items);
                    push(m);
                }
                case 0x91 -> { // FROZENSET
                    List<Object> items = popMark();
                    for (Object o : items) hashable(o);
                    push(Collections.unmodifiableSet(new LinkedHashSet<>(items)));
                }
                case 'a' -> { Object v = pop(); list(peek(), "APPEND").add(v); }
                case 'e' -> { List<Object> items = popMark(); list(peek(), "APPENDS").addAll(items); }
                case 's' -> { Object v = pop(), k = pop(); map(peek(), "SETITEM").put(hashable(k), v); }
                case 'u' -> { List<Object> items = popMark(); putPairs(map(peek(), "SETITEMS"), items); }
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    if (!(peek() instanceof LinkedHashSet<?>)) throw bad("ADDITEMS on " + describe(peek()));
                    @SuppressWarnings("unchecked") Set<Object> s = (Set<Object>) peek();
                    for (Object o : items) s.add(hashable(o));
                }
                // ---- memo
                case 'q' -> memo.put((long) u8(), peek());
                case 'r' -> memo.put(u32(), peek());
                case 'p' -> memo.put(parseMemoIndex(line()), peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'h' -> push(memoGet(u8()));
                case 'j' -> push(memoGet(u32()));
                case 'g' -> push(memoGet(parseMemoIndex(line())));
                // ---- globals and objects
                case 'c' -> { String mod = line(), name = line(); push(resolveGlobal(mod, name, where)); }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), mod = pop();
                    if (!(mod instanceof String m) || !(name instanceof String n)) throw bad("STACK_GLOBAL needs two strings");
                    push(resolveGlobal(m, n, where));
                }
                case 'i' -> { // INST module\nname\n: a global plus a call
                    String mod = line(), name = line();
                    Object g = resolveGlobal(mod, name, where);
                    push(call(g, popMark()));
                }
                case 'o' -> { // OBJ
                    List<Object> items = popMark();
                    if (items.isEmpty()) throw bad("OBJ without a class");
                    push(call(items.get(0), items.subList(1, items.size())));
                }
                case 0x82, 0x83, 0x84 -> throw new UnsafePickleException("copyreg extension code", where);
                case 'R' -> { Object args = pop(), f = pop(); push(call(f, asArgs(args))); }
                case 0x81 -> { Object args = pop(), cls = pop(); push(newObj(cls, asArgs(args))); } // NEWOBJ
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop(), args = pop(), cls = pop();
                    if (kwargs instanceof Map<?, ?> km && !km.isEmpty()) throw bad("keyword arguments to " + cls + " not supported");
                    push(newObj(cls, asArgs(args)));
                }
                case 'b' -> build(pop(), peek());
                case 'Q' -> push(persistent(pop()));
                case 'P' -> push(persistent(line()));
                default -> throw bad(String.format("unknown opcode 0x%02x", op));
            }
        }
    }

    // ------------------------------------------------------------------ imitated callables

    private Object call(Object f, List<Object> args) throws IOException {
        if (!(f instanceof Global g)) throw bad("cannot call " + describe(f));
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (!args.isEmpty()) {
                    if (args.size() != 1 || !(args.get(0) instanceof Collection<?> pairs)) throw bad("OrderedDict(...) arguments");
                    for (Object pr : pairs) {
                        if (!(pr instanceof List<?> kv) || kv.size() != 2) throw bad("OrderedDict item is not a pair");
                        m.put(hashable(kv.get(0)), kv.get(1));
                    }
                }
                return m;
            }
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                if (args.size() < 4) throw bad(g.name + " needs at least 4 arguments, got " + args.size());
                StorageRef st;
                long offset = asLong(args.get(1), "storage offset");
                if (args.get(0) instanceof StorageRef r) st = r;
                else if (args.get(0) instanceof StorageView v) {
                    st = v.root();
                    if (offset < 0 || offset > Long.MAX_VALUE - v.offset()) throw bad(g.name + ": storage offset out of range");
                    offset += v.offset();
                } else throw bad(g.name + ": first argument is not a storage");
                List<?> size = asList(args.get(2), "size"), stride = asList(args.get(3), "stride");
                if (size.size() != stride.size()) throw bad("_rebuild_tensor_v2: size and stride lengths differ");
                int[] sz = new int[size.size()];
                long[] sd = new long[size.size()];
                for (int i = 0; i < sz.length; i++) {
                    long s = asLong(size.get(i), "size");
                    if (s < 0 || s > Integer.MAX_VALUE) throw bad("tensor size " + s + " out of range");
                    sz[i] = (int) s;
                    sd[i] = asLong(stride.get(i), "stride");
                }
                checkElementCount(sz);
                return new LazyTensor(st, offset, sz, sd);
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (args.isEmpty() || !(args.get(0) instanceof LazyTensor t)) throw bad(g.name + ": first argument is not a tensor");
                return t;
            }
            default -> throw bad("cannot call " + g.qualified());
        }
    }

    /** A shape whose element count overflows a long is refused here, so even {@code describe} never reports one. */
    private void checkElementCount(int[] size) throws IOException {
        for (int s : size) if (s == 0) return;
        long n = 1;
        try {
            for (int s : size) n = Math.multiplyExact(n, s);
        } catch (ArithmeticException e) {
            throw bad("tensor size " + Arrays.toString(size) + ": element count overflows");
        }
    }

    private Object newObj(Object cls, List<Object> args) throws IOException {
        if (cls instanceof Global g && g.qualified().equals("collections.OrderedDict")) return call(g, args);
        throw bad("cannot instantiate " + describe(cls));
    }

    private void build(Object state, Object target) throws IOException {
        if (state == null) return;
        // BUILD sets Python attributes, never items: an OrderedDict state_dict carries "_metadata" (module versions)
        // this way, and parameters/tensors may carry attributes (torch 2.x). None of it changes keys or data.
        if (target instanceof Map<?, ?> || target instanceof LazyTensor) return;
        throw bad("BUILD on " + describe(target));
    }

    private Object persistent(Object pid) throws IOException {
        if (persistent == null) throw bad("persistent id without a loader");
        return persistent.load(pid);
    }

    // ------------------------------------------------------------------ stack helpers

    private void push(Object o) { stack.add(o); }

    private Object pop() throws IOException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw bad("stack underflow");
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws IOException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw bad("stack underflow");
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws IOException {
        if (marks.isEmpty()) throw bad("no MARK");
        int m = marks.remove(marks.size() - 1);
        List<Object> sub = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(sub);
        sub.clear();
        return items;
    }

    private static List<Object> tuple(List<Object> items) {
        return new Tuple(items.toArray());
    }

    /** A Python tuple: an immutable List, distinguishable from a (mutable, unhashable) list. */
    static final class Tuple extends AbstractList<Object> implements RandomAccess {
        private final Object[] items;

        Tuple(Object[] items) { this.items = items; }

        @Override public Object get(int i) { return items[i]; }

        @Override public int size() { return items.length; }
    }

    /**
     * Python only lets hashable values be dict keys or set members; we insist too. Besides matching Python, this keeps
     * Java's hashCode from recursing through a self-referencing list (a stack overflow) or a hostile deep tuple.
     */
    private Object hashable(Object k) throws IOException {
        checkHashable(k, 0);
        return k;
    }

    private void checkHashable(Object k, int depth) throws IOException {
        if (depth > 64) throw bad("dict key or set member nested too deeply");
        if (k == null || k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Double
                || k instanceof Boolean || k instanceof DType || k instanceof Global) return;
        if (k instanceof Tuple t) {
            for (Object o : t.items) checkHashable(o, depth + 1);
            return;
        }
        throw bad("unhashable " + describe(k) + " used as a dict key or set member");
    }

    private Object memoGet(long i) throws IOException {
        if (!memo.containsKey(i)) throw bad("memo key " + i + " missing");
        return memo.get(i);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, String op) throws IOException {
        if (o instanceof ArrayList<?>) return (List<Object>) o;
        throw bad(op + " on " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> map(Object o, String op) throws IOException {
        if (o instanceof LinkedHashMap<?, ?>) return (Map<Object, Object>) o;
        throw bad(op + " on " + describe(o));
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) throws IOException {
        if (items.size() % 2 != 0) throw bad("odd number of items for a dict");
        for (int i = 0; i < items.size(); i += 2) m.put(hashable(items.get(i)), items.get(i + 1));
    }

    private List<Object> asArgs(Object o) throws IOException {
        if (o instanceof List<?> l) return new ArrayList<>(l);
        throw bad("call arguments are not a tuple");
    }

    private List<?> asList(Object o, String what) throws IOException {
        if (o instanceof List<?> l) return l;
        throw bad(what + " is not a tuple");
    }

    private long asLong(Object o, String what) throws IOException {
        if (o instanceof Long l) return l;
        throw bad(what + " is not an integer: " + describe(o));
    }

    private static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof Global g) return g.qualified();
        return o.getClass().getSimpleName();
    }

    // ------------------------------------------------------------------ byte readers (bounds-checked)

    private void need(long n) throws IOException {
        if (n < 0 || n > end - pos) throw bad("truncated: needs " + n + " bytes, " + (end - pos) + " left");
        if (n > Integer.MAX_VALUE - 64) throw bad("object of " + n + " bytes is too large");
    }

    private int u8() throws IOException { need(1); return at(pos++) & 0xFF; }

    private int u16() throws IOException { need(2); int v = (at(pos) & 0xFF) | (at(pos + 1) & 0xFF) << 8; pos += 2; return v; }

    private int i32() throws IOException {
        need(4);
        int v = (at(pos) & 0xFF) | (at(pos + 1) & 0xFF) << 8 | (at(pos + 2) & 0xFF) << 16 | (at(pos + 3) & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private long u32() throws IOException { return i32() & 0xFFFFFFFFL; }

    private int len32() throws IOException {
        long n = u32();
        need(n);
        return (int) n;
    }

    private int len64() throws IOException {
        need(8);
        long n = 0;
        for (int i = 7; i >= 0; i--) n = (n << 8) | (at(pos + i) & 0xFF);
        pos += 8;
        need(n); // also rejects lengths with the top bit set
        return (int) n;
    }

    private Object longN(int n) throws IOException {
        byte[] le = take(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n]; // little-endian two's complement -> big-endian for BigInteger
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String utf8(int n) throws IOException {
        byte[] raw = take(n);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            // Python allows lone surrogates ("surrogatepass"); keep going with replacement characters.
            return new String(raw, StandardCharsets.UTF_8);
        }
    }

    private String latin1(int n) throws IOException {
        return new String(take(n), StandardCharsets.ISO_8859_1);
    }

    private byte[] bytes(int n) throws IOException {
        return take(n);
    }

    private String line() throws IOException {
        long start = pos;
        while (pos < end && at(pos) != '\n') pos++;
        if (pos >= end) throw bad("unterminated text argument");
        long n = pos - start;
        pos = start;
        String s = new String(take(n), StandardCharsets.ISO_8859_1);
        pos++;
        return s;
    }

    private Object parseInt(String s) throws IOException {
        try {
            BigInteger v = new BigInteger(s.strip());
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        } catch (NumberFormatException e) {
            throw bad("bad integer '" + s + "'");
        }
    }

    private long parseMemoIndex(String s) throws IOException {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            throw bad("bad memo index '" + s + "'");
        }
    }

    /** Protocol-0 STRING argument: a quoted Python literal with backslash escapes. */
    private String pyStringLiteral(String s) throws IOException {
        if (s.length() < 2 || (s.charAt(0) != '\'' && s.charAt(0) != '"') || s.charAt(s.length() - 1) != s.charAt(0))
            throw bad("STRING argument is not quoted");
        String body = s.substring(1, s.length() - 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= body.length()) { sb.append(c); continue; }
            char e = body.charAt(++i);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '\\', '\'', '"' -> sb.append(e);
                case 'x' -> {
                    if (i + 2 >= body.length()) throw bad("bad \\x escape");
                    try {
                        sb.append((char) Integer.parseInt(body.substring(i + 1, i + 3), 16));
                    } catch (RuntimeException ex) {
                        throw bad("bad \\x escape");
                    }
                    i += 2;
                }
                default -> sb.append('\\').append(e);
            }
        }
        return sb.toString();
    }

    /** Protocol-0 UNICODE argument: raw-unicode-escape (only \\uXXXX and \\UXXXXXXXX are escapes). */
    private String rawUnicode(String s) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == 'u' || s.charAt(i + 1) == 'U')) {
                int n = s.charAt(i + 1) == 'u' ? 4 : 8;
                if (i + 2 + n > s.length()) throw bad("bad unicode escape");
                try {
                    sb.appendCodePoint(Integer.parseInt(s.substring(i + 2, i + 2 + n), 16));
                } catch (RuntimeException e) {
                    throw bad("bad unicode escape");
                }
                i += 1 + n;
            } else sb.append(c);
        }
        return sb.toString();
    }
}
