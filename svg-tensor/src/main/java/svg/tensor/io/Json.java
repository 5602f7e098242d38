package svg.tensor.io;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader/writer (RFC 8259), enough for safetensors headers and golden case files.
 * Objects become {@code LinkedHashMap<String,Object>} (file order kept, duplicate keys rejected), arrays
 * {@code List<Object>}, integral numbers {@code Long} (Double when out of long range), other numbers {@code Double},
 * then String, Boolean and null. Nesting is limited so hostile input cannot overflow the stack.
 */
public final class Json {
    private static final int MAX_DEPTH = 512;

    private Json() {}

    /** Parses one JSON value; surrounding whitespace is allowed, anything else after it is an error. */
    public static Object parse(String s) {
        Reader r = new Reader(s);
        r.ws();
        Object v = r.value(0);
        r.ws();
        if (r.pos != s.length()) throw r.error("unexpected content after the JSON value");
        return v;
    }

    /** Indented JSON (2 spaces), keys in insertion order. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0, true);
        return sb.toString();
    }

    /** JSON on one line without spaces (used for safetensors headers). */
    public static String writeCompact(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0, false);
        return sb.toString();
    }

    // ------------------------------------------------------------------ reading

    private static final class Reader {
        final String s;
        int pos;

        Reader(String s) {
            if (s == null) throw new IllegalArgumentException("JSON text is null");
            this.s = s;
        }

        IllegalArgumentException error(String msg) {
            int line = 1, col = 1;
            for (int i = 0; i < Math.min(pos, s.length()); i++) {
                if (s.charAt(i) == '\n') { line++; col = 1; } else col++;
            }
            return new IllegalArgumentException("invalid JSON at line " + line + " column " + col + ": " + msg);
        }

        void ws() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
                else break;
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
            if (pos >= s.length()) throw error("unexpected end of input");
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) yield number();
                    throw error("unexpected character '" + c + "'");
                }
            };
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, pos)) throw error("expected '" + word + "'");
            pos += word.length();
            return v;
        }

        Map<String, Object> object(int depth) {
            pos++; // {
            LinkedHashMap<String, Object> m = new LinkedHashMap<>();
            ws();
            if (pos < s.length() && s.charAt(pos) == '}') { pos++; return m; }
            while (true) {
                ws();
                if (pos >= s.length() || s.charAt(pos) != '"') throw error("expected a string key");
                int keyPos = pos;
                String k = string();
                ws();
                expect(':');
                ws();
                Object v = value(depth + 1);
                if (m.containsKey(k)) { pos = keyPos; throw error("duplicate key \"" + k + "\""); }
                m.put(k, v);
                ws();
                if (pos >= s.length()) throw error("unterminated object");
                char c = s.charAt(pos++);
                if (c == '}') return m;
                if (c != ',') { pos--; throw error("expected ',' or '}'"); }
            }
        }

        List<Object> array(int depth) {
            pos++; // [
            List<Object> l = new ArrayList<>();
            ws();
            if (pos < s.length() && s.charAt(pos) == ']') { pos++; return l; }
            while (true) {
                ws();
                l.add(value(depth + 1));
                ws();
                if (pos >= s.length()) throw error("unterminated array");
                char c = s.charAt(pos++);
                if (c == ']') return l;
                if (c != ',') { pos--; throw error("expected ',' or ']'"); }
            }
        }

        void expect(char c) {
            if (pos >= s.length() || s.charAt(pos) != c) throw error("expected '" + c + "'");
            pos++;
        }

        String string() {
            pos++; // opening quote
            StringBuilder sb = null;
            int start = pos;
            while (true) {
                if (pos >= s.length()) throw error("unterminated string");
                char c = s.charAt(pos);
                if (c == '"') {
                    String out = sb == null ? s.substring(start, pos) : sb.append(s, start, pos).toString();
                    pos++;
                    return out;
                }
                if (c < 0x20) throw error("control character in string");
                if (c != '\\') { pos++; continue; }
                if (sb == null) sb = new StringBuilder();
                sb.append(s, start, pos);
                pos++;
                if (pos >= s.length()) throw error("unterminated escape");
                char e = s.charAt(pos++);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) throw error("truncated \\u escape");
                        int cp = 0;
                        for (int i = 0; i < 4; i++) {
                            int d = Character.digit(s.charAt(pos + i), 16);
                            if (d < 0) throw error("bad hex digit in \\u escape");
                            cp = cp * 16 + d;
                        }
                        pos += 4;
                        sb.append((char) cp);
                    }
                    default -> { pos--; throw error("bad escape '\\" + e + "'"); }
                }
                start = pos;
            }
        }

        Object number() {
            int start = pos;
            if (s.charAt(pos) == '-') pos++;
            if (pos >= s.length()) throw error("truncated number");
            if (s.charAt(pos) == '0') pos++;
            else if (s.charAt(pos) >= '1' && s.charAt(pos) <= '9') digits();
            else throw error("bad number");
            boolean integral = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                integral = false;
                pos++;
                if (pos >= s.length() || !Character.isDigit(s.charAt(pos))) throw error("digit expected after '.'");
                digits();
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                integral = false;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) pos++;
                if (pos >= s.length() || !Character.isDigit(s.charAt(pos))) throw error("digit expected in exponent");
                digits();
            }
            String t = s.substring(start, pos);
            if (integral) {
                try {
                    return Long.parseLong(t);
                } catch (NumberFormatException ignored) {
                    return Double.parseDouble(t); // beyond long range
                }
            }
            return Double.parseDouble(t);
        }

        void digits() {
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') pos++;
        }
    }

    // ------------------------------------------------------------------ writing

    private static void write(StringBuilder sb, Object v, int indent, boolean pretty) {
        if (v == null) sb.append("null");
        else if (v instanceof String str) quote(sb, str);
        else if (v instanceof Boolean b) sb.append(b);
        else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON cannot hold " + d);
            sb.append(v instanceof Float f ? Float.toString(f) : Double.toString(d));
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte
                || v instanceof BigInteger || v instanceof BigDecimal) sb.append(v);
        else if (v instanceof Number n) sb.append(n.doubleValue());
        else if (v instanceof Character c) quote(sb, c.toString());
        else if (v instanceof Enum<?> e) quote(sb, e.name());
        else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) { sb.append("{}"); return; }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                newline(sb, indent + 1, pretty);
                quote(sb, String.valueOf(e.getKey()));
                sb.append(pretty ? ": " : ":");
                write(sb, e.getValue(), indent + 1, pretty);
            }
            newline(sb, indent, pretty);
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            writeArray(sb, new ArrayList<>(c), indent, pretty);
        } else if (v.getClass().isArray()) {
            int n = Array.getLength(v);
            List<Object> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++) l.add(Array.get(v, i));
            writeArray(sb, l, indent, pretty);
        } else throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
    }

    private static void writeArray(StringBuilder sb, List<?> l, int indent, boolean pretty) {
        if (l.isEmpty()) { sb.append("[]"); return; }
        // Arrays of scalars (shapes, offsets) stay on one line even when pretty.
        boolean flat = l.stream().noneMatch(x -> x instanceof Map || x instanceof Collection || (x != null && x.getClass().isArray()));
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
            if (i > 0) sb.append(flat && pretty ? ", " : ",");
            if (!flat) newline(sb, indent + 1, pretty);
            write(sb, l.get(i), indent + 1, pretty);
        }
        if (!flat) newline(sb, indent, pretty);
        sb.append(']');
    }

    private static void newline(StringBuilder sb, int indent, boolean pretty) {
        if (!pretty) return;
        sb.append('\n');
        sb.repeat("  ", indent);
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
