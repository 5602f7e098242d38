package svg.nn.pipeline;

import svg.nn.module.ConfigDefault;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts configuration records to and from the JSON object model of {@code svg.tensor.io.Json} (maps, lists,
 * numbers, strings, booleans, null), using the record component names as keys. Config records use the official
 * constructor-argument names, so model.json reads like the official configs. Reading fails with a message naming the
 * record and the key when a key is missing or has the wrong type; unknown keys are errors too (a typo must not
 * silently fall back to a default). The exception: a component marked {@link ConfigDefault} may be absent (it then
 * takes that value), and is left out when written with that value.
 */
public final class RecordJson {
    private RecordJson() {}

    /** A record (nested records, lists, arrays, enums and primitives allowed) as an ordered JSON map. */
    public static Map<String, Object> toMap(Record r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                Object v = c.getAccessor().invoke(r);
                ConfigDefault d = c.getAnnotation(ConfigDefault.class);
                if (d != null && v instanceof Number n && n.doubleValue() == d.value()) continue;
                m.put(c.getName(), toJson(v));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + r.getClass().getSimpleName() + "." + c.getName(), e);
            }
        }
        return m;
    }

    private static Object toJson(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean) return v;
        if (v instanceof Double || v instanceof Float) return ((Number) v).doubleValue();
        if (v instanceof Number n) return n.longValue();
        if (v instanceof Enum<?> e) return e.name();
        if (v instanceof Record r) return toMap(r);
        if (v instanceof List<?> l) { List<Object> o = new ArrayList<>(); for (Object x : l) o.add(toJson(x)); return o; }
        if (v.getClass().isArray()) {
            List<Object> o = new ArrayList<>();
            for (int i = 0; i < Array.getLength(v); i++) o.add(toJson(Array.get(v, i)));
            return o;
        }
        throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " to JSON");
    }

    /** Builds a record of type {@code cls} from a JSON map (its canonical constructor validates the values). */
    public static <R extends Record> R fromMap(Class<R> cls, Object json) {
        if (!(json instanceof Map<?, ?> m))
            throw new IllegalArgumentException(cls.getSimpleName() + ": expected a JSON object, got " + describe(json));
        RecordComponent[] comps = cls.getRecordComponents();
        Object[] args = new Object[comps.length];
        Class<?>[] types = new Class<?>[comps.length];
        for (Object k : m.keySet()) {
            boolean known = false;
            for (RecordComponent c : comps) known |= c.getName().equals(k);
            if (!known) throw new IllegalArgumentException(cls.getSimpleName() + ": unknown key '" + k + "'");
        }
        for (int i = 0; i < comps.length; i++) {
            RecordComponent c = comps[i];
            types[i] = c.getType();
            if (!m.containsKey(c.getName())) {
                ConfigDefault d = c.getAnnotation(ConfigDefault.class);
                if (d == null) throw new IllegalArgumentException(cls.getSimpleName() + ": missing key '" + c.getName() + "'");
                args[i] = fromJson(c.getGenericType(), d.value(), cls.getSimpleName() + "." + c.getName());
                continue;
            }
            args[i] = fromJson(c.getGenericType(), m.get(c.getName()), cls.getSimpleName() + "." + c.getName());
        }
        try {
            Constructor<R> k = cls.getDeclaredConstructor(types);
            k.setAccessible(true);
            return k.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) throw re;
            throw new IllegalArgumentException(cls.getSimpleName() + ": " + cause, cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + cls.getName(), e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object fromJson(Type type, Object v, String where) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw == int.class || raw == Integer.class) return intValue(v, where);
        if (raw == long.class || raw == Long.class) return integral(v, where);
        if (raw == double.class || raw == Double.class) return number(v, where).doubleValue();
        if (raw == float.class || raw == Float.class) return number(v, where).floatValue();
        if (raw == boolean.class || raw == Boolean.class) {
            if (v instanceof Boolean b) return b;
            throw new IllegalArgumentException(where + ": expected true/false, got " + describe(v));
        }
        if (v == null) {
            if (raw.isPrimitive()) throw new IllegalArgumentException(where + ": must not be null");
            return null;
        }
        if (raw == String.class) {
            if (v instanceof String s) return s;
            throw new IllegalArgumentException(where + ": expected a string, got " + describe(v));
        }
        if (raw.isEnum()) {
            if (!(v instanceof String s)) throw new IllegalArgumentException(where + ": expected a name, got " + describe(v));
            try { return Enum.valueOf((Class<Enum>) raw, s); }
            catch (IllegalArgumentException e) { throw new IllegalArgumentException(where + ": unknown value '" + s + "'"); }
        }
        if (raw.isRecord()) return fromMap((Class<Record>) raw, v);
        if (!(v instanceof List<?> l)) throw new IllegalArgumentException(where + ": expected a list, got " + describe(v));
        if (raw.isArray()) {
            Class<?> el = raw.getComponentType();
            Object arr = Array.newInstance(el, l.size());
            for (int i = 0; i < l.size(); i++) Array.set(arr, i, fromJson(el, l.get(i), where + "[" + i + "]"));
            return arr;
        }
        if (raw == List.class) {
            Type el = type instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : Object.class;
            List<Object> o = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                Object x = el == Object.class ? l.get(i) : fromJson(el, l.get(i), where + "[" + i + "]");
                if (x == null) throw new IllegalArgumentException(where + "[" + i + "]: must not be null");
                o.add(x);
            }
            return List.copyOf(o);
        }
        throw new IllegalArgumentException(where + ": unsupported type " + type);
    }

    private static Number number(Object v, String where) {
        if (v instanceof Number n) return n;
        throw new IllegalArgumentException(where + ": expected a number, got " + describe(v));
    }

    /** An integer, exactly: fractions and numbers beyond a long (which Json reads as doubles) are refused, not rounded. */
    static long integral(Object v, String where) {
        Number n = number(v, where);
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) return n.longValue();
        double d = n.doubleValue();
        if (d != Math.rint(d)) throw new IllegalArgumentException(where + ": expected an integer, got " + d);
        if (!(d >= -0x1p63 && d < 0x1p63)) throw new IllegalArgumentException(where + ": " + d + " is out of range for an integer");
        return n.longValue();
    }

    /** {@link #integral} within int range. */
    public static int intValue(Object v, String where) {
        long x = integral(v, where);
        if (x != (int) x) throw new IllegalArgumentException(where + ": " + x + " is out of range for an int");
        return (int) x;
    }

    private static String describe(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName() + " " + v;
    }
}
