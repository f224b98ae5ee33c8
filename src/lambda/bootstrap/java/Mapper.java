// fogbank's Java runtime client: JSON values to and from the handler's Java types, following
// the rules of AWS's Java runtime serializer: bean properties (standard bean naming, setters
// and public fields in, getters and public fields out, nulls left out), lenient coercions, and
// the JSON names of the aws-lambda-java-events classes (SQSEvent's "Records" and
// "eventSourceARN", SNSEvent's PascalCase names and "Sns", ScheduledEvent's "detail-type",
// Joda DateTime as an ISO-8601 string).
package fogbank.lambda;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Calendar;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

final class Mapper {
    private static final String EVENTS = "com.amazonaws.services.lambda.runtime.events.";

    private Mapper() {}

    // ---- names ----

    /** java.beans.Introspector.decapitalize, which Jackson's USE_STD_BEAN_NAMING follows. */
    static String decapitalize(String name) {
        if (name.isEmpty()) {
            return name;
        }
        if (name.length() > 1
                && Character.isUpperCase(name.charAt(0))
                && Character.isUpperCase(name.charAt(1))) {
            return name;
        }
        return Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }

    /** The JSON name of bean property `prop` of class `owner`. */
    static String jsonName(Class<?> owner, String prop) {
        String n = owner.getName();
        if (!n.startsWith(EVENTS)) {
            return prop;
        }
        n = n.substring(EVENTS.length());
        if (n.startsWith("SNSEvent")) {
            if (prop.equalsIgnoreCase("sns")) {
                return "Sns";
            }
            return Character.toUpperCase(prop.charAt(0)) + prop.substring(1);
        }
        if (n.equals("SQSEvent") && prop.equals("records")) {
            return "Records";
        }
        if (n.equals("SQSEvent$SQSMessage") && prop.equals("eventSourceArn")) {
            return "eventSourceARN";
        }
        if (n.equals("ScheduledEvent") && prop.equals("detailType")) {
            return "detail-type";
        }
        return prop;
    }

    // ---- bean introspection ----

    static final class Prop {
        final String name;
        Method getter;
        Field field;
        final List<Method> setters = new ArrayList<Method>(1);

        Prop(String name) {
            this.name = name;
        }
    }

    static final class Bean {
        final Map<String, Prop> byJson = new LinkedHashMap<String, Prop>();
    }

    private static final Map<Class<?>, Bean> BEANS = new HashMap<Class<?>, Bean>();

    private static Bean bean(Class<?> c) {
        Bean b = BEANS.get(c);
        if (b != null) {
            return b;
        }
        b = new Bean();
        // Jackson orders properties by the fields they belong to (superclass first), then the
        // rest in method order.
        Map<String, Prop> byName = new LinkedHashMap<String, Prop>();
        List<Class<?>> chain = new ArrayList<Class<?>>();
        for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
            chain.add(0, k);
        }
        for (Class<?> k : chain) {
            for (Field f : k.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (Modifier.isStatic(mod) || Modifier.isTransient(mod) || f.isSynthetic()) {
                    continue;
                }
                Prop p = prop(byName, f.getName());
                if (Modifier.isPublic(mod)) {
                    p.field = f;
                }
            }
        }
        Method[] methods = c.getMethods();
        java.util.Arrays.sort(methods, new java.util.Comparator<Method>() {
            public int compare(Method a, Method b) {
                return a.getName().compareTo(b.getName());
            }
        });
        for (Method m : methods) {
            if (Modifier.isStatic(m.getModifiers()) || m.isBridge() || m.isSynthetic()) {
                continue;
            }
            String n = m.getName();
            int params = m.getParameterTypes().length;
            Class<?> rt = m.getReturnType();
            if (params == 0 && n.startsWith("get") && n.length() > 3 && rt != void.class
                    && !n.equals("getClass")) {
                prop(byName, decapitalize(n.substring(3))).getter = m;
            } else if (params == 0 && n.startsWith("is") && n.length() > 2 && rt == boolean.class) {
                Prop p = prop(byName, decapitalize(n.substring(2)));
                if (p.getter == null) {
                    p.getter = m;
                }
            } else if (params == 1 && n.startsWith("set") && n.length() > 3) {
                prop(byName, decapitalize(n.substring(3))).setters.add(m);
            }
        }
        for (Prop p : byName.values()) {
            if (p.getter == null && p.field == null && p.setters.isEmpty()) {
                continue;
            }
            // Two bean names can meet under one JSON name (SNSRecord's getSNS and setSns).
            String json = jsonName(c, p.name);
            Prop seen = b.byJson.get(json);
            if (seen == null) {
                b.byJson.put(json, p);
            } else {
                if (seen.getter == null) {
                    seen.getter = p.getter;
                }
                if (seen.field == null) {
                    seen.field = p.field;
                }
                seen.setters.addAll(p.setters);
            }
        }
        BEANS.put(c, b);
        return b;
    }

    private static Prop prop(Map<String, Prop> m, String name) {
        Prop p = m.get(name);
        if (p == null) {
            p = new Prop(name);
            m.put(name, p);
        }
        return p;
    }

    // ---- JSON -> Java ----

    static Class<?> raw(Type t) {
        if (t instanceof Class) {
            return (Class<?>) t;
        }
        if (t instanceof ParameterizedType) {
            return raw(((ParameterizedType) t).getRawType());
        }
        if (t instanceof GenericArrayType) {
            return Array.newInstance(raw(((GenericArrayType) t).getGenericComponentType()), 0)
                    .getClass();
        }
        if (t instanceof TypeVariable) {
            Type[] b = ((TypeVariable<?>) t).getBounds();
            return b.length > 0 ? raw(b[0]) : Object.class;
        }
        if (t instanceof WildcardType) {
            Type[] b = ((WildcardType) t).getUpperBounds();
            return b.length > 0 ? raw(b[0]) : Object.class;
        }
        return Object.class;
    }

    private static Type arg(Type t, int i) {
        if (t instanceof ParameterizedType) {
            Type[] a = ((ParameterizedType) t).getActualTypeArguments();
            if (i < a.length) {
                return a[i];
            }
        }
        return Object.class;
    }

    private static IllegalArgumentException mismatch(Class<?> c, Object j) {
        String kind = j instanceof Map ? "Object value" : j instanceof List ? "Array value"
                : j instanceof String ? "String value" : j instanceof Boolean ? "Boolean value"
                : "Number value";
        return new IllegalArgumentException(
                "Cannot deserialize value of type `" + c.getName() + "` from " + kind);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object fromJson(Object j, Type t) throws Exception {
        Class<?> c = raw(t);
        if (j == null) {
            if (c.isPrimitive()) {
                return primitiveDefault(c);
            }
            if (c == Optional.class) {
                return Optional.empty();
            }
            return null;
        }
        if (c == Object.class) {
            return j;
        }
        if (c == String.class || c == CharSequence.class) {
            if (j instanceof Map || j instanceof List) {
                if (j instanceof List && ((List<?>) j).size() == 1) {
                    return fromJson(((List<?>) j).get(0), t);
                }
                throw mismatch(c, j);
            }
            return j.toString();
        }
        if (c.isPrimitive() || Number.class.isAssignableFrom(c) || c == Boolean.class
                || c == Character.class) {
            if (j instanceof List && ((List<?>) j).size() == 1) {
                return fromJson(((List<?>) j).get(0), t);
            }
            return scalar(c, j);
        }
        if (c.isEnum()) {
            if (j instanceof Number) {
                Object[] all = c.getEnumConstants();
                int k = ((Number) j).intValue();
                return k >= 0 && k < all.length ? all[k] : null;
            }
            for (Object e : c.getEnumConstants()) {
                if (((Enum<?>) e).name().equals(j.toString())) {
                    return e;
                }
            }
            return null;
        }
        if (c == byte[].class) {
            if (j instanceof String) {
                return Base64.getMimeDecoder().decode((String) j);
            }
        }
        if (c == ByteBuffer.class && j instanceof String) {
            return ByteBuffer.wrap(Base64.getMimeDecoder().decode((String) j));
        }
        if (c == Optional.class) {
            return Optional.ofNullable(fromJson(j, arg(t, 0)));
        }
        if (c.isArray()) {
            Type ct = t instanceof GenericArrayType
                    ? ((GenericArrayType) t).getGenericComponentType() : c.getComponentType();
            List<?> l = j instanceof List ? (List<?>) j : java.util.Collections.singletonList(j);
            Object arr = Array.newInstance(c.getComponentType(), l.size());
            for (int k = 0; k < l.size(); k++) {
                Array.set(arr, k, fromJson(l.get(k), ct));
            }
            return arr;
        }
        if (Collection.class.isAssignableFrom(c) || c == Iterable.class) {
            List<?> l = j instanceof List ? (List<?>) j : java.util.Collections.singletonList(j);
            Collection out = newCollection(c);
            Type et = arg(t, 0);
            for (Object e : l) {
                out.add(fromJson(e, et));
            }
            return out;
        }
        if (Map.class.isAssignableFrom(c)) {
            if (!(j instanceof Map)) {
                throw mismatch(c, j);
            }
            Map out = newMap(c);
            Type kt = arg(t, 0);
            Type vt = arg(t, 1);
            for (Map.Entry<String, Object> e : ((Map<String, Object>) j).entrySet()) {
                out.put(fromJson(e.getKey(), kt), fromJson(e.getValue(), vt));
            }
            return out;
        }
        if (c == Date.class) {
            if (j instanceof Number) {
                return new Date(((Number) j).longValue());
            }
            return Date.from(java.time.Instant.parse(j.toString()));
        }
        if (j instanceof List) {
            List<?> l = (List<?>) j;
            if (l.isEmpty()) {
                return null;
            }
            if (l.size() == 1) {
                return fromJson(l.get(0), t);
            }
            throw mismatch(c, j);
        }
        if (!(j instanceof Map)) {
            if (j instanceof String && ((String) j).isEmpty()) {
                return null;
            }
            Object v = fromScalar(c, j);
            if (v != null) {
                return v;
            }
            throw mismatch(c, j);
        }
        return fromObject(c, (Map<String, Object>) j);
    }

    private static Object fromObject(Class<?> c, Map<String, Object> j) throws Exception {
        if (c.isInterface() || Modifier.isAbstract(c.getModifiers())) {
            throw new IllegalArgumentException("Cannot construct instance of `" + c.getName()
                    + "` (abstract types need a concrete type)");
        }
        Constructor<?> ctor;
        try {
            ctor = c.getDeclaredConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("Cannot construct instance of `" + c.getName()
                    + "` (no Creators, like default constructor, exist)");
        }
        ctor.setAccessible(true);
        Object o = ctor.newInstance();
        Bean b = bean(c);
        for (Map.Entry<String, Object> e : j.entrySet()) {
            Prop p = b.byJson.get(e.getKey());
            if (p == null) {
                continue;
            }
            if (!p.setters.isEmpty()) {
                Exception last = null;
                boolean done = false;
                for (Method s : p.setters) {
                    accessible(s);
                    try {
                        s.invoke(o, fromJson(e.getValue(), s.getGenericParameterTypes()[0]));
                        done = true;
                        break;
                    } catch (IllegalArgumentException ex) {
                        last = ex;
                    }
                }
                if (!done && last != null) {
                    throw last;
                }
            } else if (p.field != null && !Modifier.isFinal(p.field.getModifiers())) {
                p.field.set(o, fromJson(e.getValue(), p.field.getGenericType()));
            }
        }
        return o;
    }

    /** A value type built from a JSON string: Joda and java.time types (`parse`), `valueOf`, or
     *  a one-string constructor. Null when the type has none of them. */
    private static Object fromScalar(Class<?> c, Object j) throws Exception {
        String s = j.toString();
        for (String name : new String[] {"parse", "valueOf", "fromString"}) {
            for (Class<?> p : new Class<?>[] {String.class, CharSequence.class, Object.class}) {
                try {
                    Method m = c.getMethod(name, p);
                    if (Modifier.isStatic(m.getModifiers()) && c.isAssignableFrom(m.getReturnType())) {
                        return m.invoke(null, s);
                    }
                } catch (NoSuchMethodException ignored) {
                    // try the next shape
                }
            }
        }
        try {
            return c.getConstructor(String.class).newInstance(s);
        } catch (NoSuchMethodException ignored) {
            return null;
        }
    }

    private static Object primitiveDefault(Class<?> c) {
        if (c == boolean.class) {
            return Boolean.FALSE;
        }
        if (c == char.class) {
            return '\0';
        }
        return scalar(c, 0);
    }

    private static Object scalar(Class<?> c, Object j) {
        if (j instanceof Map || j instanceof List) {
            throw mismatch(c, j);
        }
        if (c == boolean.class || c == Boolean.class) {
            if (j instanceof Boolean) {
                return j;
            }
            if (j instanceof Number) {
                return ((Number) j).intValue() != 0;
            }
            String s = j.toString();
            if (s.equalsIgnoreCase("true")) {
                return Boolean.TRUE;
            }
            if (s.equalsIgnoreCase("false") || s.isEmpty()) {
                return Boolean.FALSE;
            }
            throw mismatch(c, j);
        }
        if (c == char.class || c == Character.class) {
            String s = j.toString();
            if (s.length() != 1) {
                throw mismatch(c, j);
            }
            return s.charAt(0);
        }
        if (j instanceof Boolean) {
            throw mismatch(c, j);
        }
        String s = j.toString().trim();
        if (c == BigDecimal.class || c == Number.class && !(j instanceof Number)) {
            return new BigDecimal(s);
        }
        if (c == Number.class) {
            return j;
        }
        if (c == BigInteger.class) {
            return j instanceof Number && !(j instanceof Double)
                    ? new BigInteger(s) : new BigDecimal(s).toBigInteger();
        }
        boolean whole = !(j instanceof Double) && s.indexOf('.') < 0 && s.indexOf('e') < 0
                && s.indexOf('E') < 0;
        if (c == double.class || c == Double.class) {
            return Double.parseDouble(s);
        }
        if (c == float.class || c == Float.class) {
            return Float.parseFloat(s);
        }
        long v = whole ? Long.parseLong(s) : (long) Double.parseDouble(s);
        if (c == long.class || c == Long.class) {
            return v;
        }
        if (c == int.class || c == Integer.class) {
            return (int) v;
        }
        if (c == short.class || c == Short.class) {
            return (short) v;
        }
        if (c == byte.class || c == Byte.class) {
            return (byte) v;
        }
        throw mismatch(c, j);
    }

    @SuppressWarnings("rawtypes")
    private static Collection newCollection(Class<?> c) throws Exception {
        if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers())) {
            return (Collection) c.getDeclaredConstructor().newInstance();
        }
        if (SortedSet.class.isAssignableFrom(c)) {
            return new TreeSet();
        }
        if (Set.class.isAssignableFrom(c)) {
            return new LinkedHashSet();
        }
        return new ArrayList();
    }

    @SuppressWarnings("rawtypes")
    private static Map newMap(Class<?> c) throws Exception {
        if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers())) {
            return (Map) c.getDeclaredConstructor().newInstance();
        }
        if (SortedMap.class.isAssignableFrom(c)) {
            return new TreeMap();
        }
        return new LinkedHashMap();
    }

    // ---- Java -> JSON ----

    /** Public methods of non-public classes need this; JDK internals may refuse it. */
    private static void accessible(Method m) {
        try {
            m.setAccessible(true);
        } catch (RuntimeException ignored) {
            // the call below reports it if it matters
        }
    }

    static byte[] toJson(Object v) throws Exception {
        StringBuilder sb = new StringBuilder(256);
        write(sb, v, 0);
        return sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static boolean valueType(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.time.") || n.startsWith("org.joda.time.")
                || c == java.util.UUID.class || c == java.net.URI.class
                || c == java.net.URL.class || c == java.io.File.class
                || java.nio.file.Path.class.isAssignableFrom(c) || c == java.util.Locale.class
                || java.util.TimeZone.class.isAssignableFrom(c)
                || java.nio.charset.Charset.class.isAssignableFrom(c)
                || c == java.util.regex.Pattern.class || c == StringBuilder.class
                || c == StringBuffer.class;
    }

    @SuppressWarnings("rawtypes")
    static void write(StringBuilder sb, Object v, int depth) throws Exception {
        if (depth > 500) {
            throw new IllegalStateException("Direct self-reference leading to cycle");
        }
        if (v == null) {
            sb.append("null");
            return;
        }
        if (v instanceof String) {
            Json.quote(sb, (String) v);
            return;
        }
        if (v instanceof Boolean) {
            sb.append(v.toString());
            return;
        }
        if (v instanceof Number) {
            Json.number(sb, (Number) v);
            return;
        }
        if (v instanceof Character || v instanceof Enum) {
            Json.quote(sb, v instanceof Enum ? ((Enum) v).name() : v.toString());
            return;
        }
        Class<?> c = v.getClass();
        if (v instanceof byte[]) {
            Json.quote(sb, Base64.getEncoder().encodeToString((byte[]) v));
            return;
        }
        if (v instanceof ByteBuffer) {
            ByteBuffer b = ((ByteBuffer) v).duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            Json.quote(sb, Base64.getEncoder().encodeToString(bytes));
            return;
        }
        if (v instanceof Optional) {
            write(sb, ((Optional<?>) v).orElse(null), depth + 1);
            return;
        }
        if (v instanceof Date) {
            sb.append(((Date) v).getTime());
            return;
        }
        if (v instanceof Calendar) {
            sb.append(((Calendar) v).getTimeInMillis());
            return;
        }
        if (v instanceof Class) {
            Json.quote(sb, ((Class) v).getName());
            return;
        }
        if (valueType(c) || v instanceof CharSequence) {
            Json.quote(sb, v.toString());
            return;
        }
        if (v instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Object o : ((Map) v).entrySet()) {
                Map.Entry e = (Map.Entry) o;
                if (!first) {
                    sb.append(',');
                }
                first = false;
                Object k = e.getKey();
                Json.quote(sb, k == null ? "" : k instanceof Enum ? ((Enum) k).name() : k.toString());
                sb.append(':');
                write(sb, e.getValue(), depth + 1);
            }
            sb.append('}');
            return;
        }
        if (c.isArray()) {
            sb.append('[');
            int n = Array.getLength(v);
            for (int k = 0; k < n; k++) {
                if (k > 0) {
                    sb.append(',');
                }
                write(sb, Array.get(v, k), depth + 1);
            }
            sb.append(']');
            return;
        }
        if (v instanceof Iterable) {
            sb.append('[');
            boolean first = true;
            for (Iterator it = ((Iterable) v).iterator(); it.hasNext(); ) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                write(sb, it.next(), depth + 1);
            }
            sb.append(']');
            return;
        }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Prop> e : bean(c).byJson.entrySet()) {
            Prop p = e.getValue();
            Object val;
            if (p.getter != null) {
                accessible(p.getter);
                val = p.getter.invoke(v);
            } else if (p.field != null) {
                val = p.field.get(v);
            } else {
                continue;
            }
            if (val == null) {
                continue;
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            Json.quote(sb, e.getKey());
            sb.append(':');
            write(sb, val, depth + 1);
        }
        sb.append('}');
    }
}
