// fogbank's Java runtime client: finding and calling the user's handler as AWS's Java runtime
// does. `pkg.Class` implements RequestStreamHandler or RequestHandler<I, O>; `pkg.Class::method`
// is the best public overload among (I), (I, Context), (InputStream, OutputStream, Context),
// (InputStream[, OutputStream]), (OutputStream, Context), (Context) and (). The interfaces are
// the user's own (from their jar), so everything goes through reflection.
package fogbank.lambda;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

final class Handlers {
    static final String CORE = "com.amazonaws.services.lambda.runtime.";
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    /** A loaded handler: call it with the event bytes and the context proxy. */
    interface Call {
        byte[] call(byte[] event, Object context) throws Throwable;
    }

    private Handlers() {}

    static Class<?> core(ClassLoader loader, String name) {
        try {
            return Class.forName(CORE + name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** Loads `handler`; a fault that is not fatal is answered at every invoke instead. */
    static Call load(String handler, ClassLoader loader) {
        try {
            return resolve(handler, loader);
        } catch (Fault f) {
            if (f.fatal) {
                throw f;
            }
            final Fault fault = f;
            return new Call() {
                public byte[] call(byte[] event, Object context) {
                    throw fault;
                }
            };
        }
    }

    private static Call resolve(String handler, ClassLoader loader) {
        String className = handler;
        String methodName = null;
        int sep = handler.indexOf("::");
        if (sep >= 0) {
            className = handler.substring(0, sep);
            methodName = handler.substring(sep + 2);
        }
        if (className.trim().isEmpty() || (methodName != null && methodName.trim().isEmpty())) {
            throw Fault.of("Invalid handler: `" + handler + "'");
        }
        Class<?> clazz;
        try {
            clazz = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new Fault("Class not found: " + className, e.getClass().getName(),
                    Fault.trace(e), false);
        } catch (NoClassDefFoundError e) {
            throw new Fault(loadingMessage(className, e), e.getClass().getName(),
                    Fault.trace(e), false);
        } catch (Throwable t) {
            throw new Fault(loadingMessage(className, t), t.getClass().getName(),
                    Fault.trace(t), true);
        }
        Class<?> context = core(loader, "Context");
        if (methodName == null) {
            return forInterface(clazz, loader, context);
        }
        return forMethod(clazz, methodName, context);
    }

    private static String loadingMessage(String className, Throwable t) {
        return "Error loading class " + className
                + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static Object instance(Class<?> clazz) {
        Constructor<?> ctor;
        try {
            ctor = clazz.getConstructor();
        } catch (NoSuchMethodException e) {
            if (clazz.getEnclosingClass() != null && !Modifier.isStatic(clazz.getModifiers())) {
                throw Fault.of(new Exception("Class " + clazz.getName()
                        + " cannot be instantiated because it is a non-static inner class"), false);
            }
            throw Fault.of(new Exception("Class " + clazz.getName()
                    + " has no public zero-argument constructor", e), false);
        }
        try {
            return ctor.newInstance();
        } catch (InvocationTargetException e) {
            throw Fault.of(e.getCause() == null ? e : e.getCause(), true);
        } catch (ReflectiveOperationException e) {
            throw Fault.of(e, true);
        }
    }

    private static Call forInterface(Class<?> clazz, ClassLoader loader, Class<?> context) {
        Class<?> stream = core(loader, "RequestStreamHandler");
        Class<?> pojo = core(loader, "RequestHandler");
        if (stream != null && stream.isAssignableFrom(clazz)) {
            Object h = instance(clazz);
            return streamCall(h, method(stream, "handleRequest"), true, true, true);
        }
        if (pojo != null && pojo.isAssignableFrom(clazz)) {
            Type[] types = interfaceArgs(clazz, pojo);
            if (types == null) {
                throw Fault.of("Class " + clazz.getName()
                        + " does not implement RequestHandler with concrete type parameters");
            }
            Object h = instance(clazz);
            return pojoCall(h, method(pojo, "handleRequest"), types[0], types[1], true);
        }
        throw Fault.of("Class does not implement an appropriate handler interface: "
                + clazz.getName());
    }

    private static Method method(Class<?> iface, String name) {
        for (Method m : iface.getMethods()) {
            if (m.getName().equals(name) && !m.isDefault()) {
                return m;
            }
        }
        throw Fault.of("Interface " + iface.getName() + " has no method " + name);
    }

    /** The actual type arguments `clazz` gives generic interface `iface`, resolved through its
     *  superclasses and superinterfaces; null when they are not concrete. */
    static Type[] interfaceArgs(Class<?> clazz, Class<?> iface) {
        return search(clazz, iface, new HashMap<TypeVariable<?>, Type>());
    }

    private static Type[] search(Type t, Class<?> iface, Map<TypeVariable<?>, Type> bound) {
        Class<?> c = Mapper.raw(t);
        Map<TypeVariable<?>, Type> here = new HashMap<TypeVariable<?>, Type>(bound);
        if (t instanceof ParameterizedType) {
            Type[] args = ((ParameterizedType) t).getActualTypeArguments();
            TypeVariable<?>[] vars = c.getTypeParameters();
            for (int k = 0; k < vars.length && k < args.length; k++) {
                Type a = args[k];
                here.put(vars[k], a instanceof TypeVariable && bound.containsKey(a) ? bound.get(a) : a);
            }
        }
        if (c == iface) {
            TypeVariable<?>[] vars = c.getTypeParameters();
            Type[] out = new Type[vars.length];
            for (int k = 0; k < vars.length; k++) {
                Type a = here.get(vars[k]);
                if (a == null) {
                    return null;
                }
                if (a instanceof TypeVariable) {
                    Type[] bounds = ((TypeVariable<?>) a).getBounds();
                    if (bounds.length == 0 || bounds[0] == Object.class) {
                        return null;
                    }
                }
                out[k] = a;
            }
            return out;
        }
        List<Type> next = new ArrayList<Type>(Arrays.asList(c.getGenericInterfaces()));
        if (c.getGenericSuperclass() != null) {
            next.add(c.getGenericSuperclass());
        }
        for (Type n : next) {
            if (iface.isAssignableFrom(Mapper.raw(n))) {
                Type[] found = search(n, iface, here);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static boolean isContext(Class<?> p, Class<?> context) {
        return context != null && p == context;
    }

    private static Call forMethod(Class<?> clazz, String name, final Class<?> context) {
        Method[] all;
        try {
            all = clazz.getMethods();
        } catch (NoClassDefFoundError e) {
            throw new Fault("Error loading method " + name + " on class " + clazz.getName(),
                    e.getClass().getName(), Fault.trace(e), false);
        }
        List<Method> named = new ArrayList<Method>();
        for (Method m : all) {
            if (m.getName().equals(name)) {
                named.add(m);
            }
        }
        // Non-bridge first, then longer signatures (a trailing Context counts one more).
        java.util.Collections.sort(named, new Comparator<Method>() {
            public int compare(Method a, Method b) {
                if (a.isBridge() != b.isBridge()) {
                    return a.isBridge() ? 1 : -1;
                }
                return Integer.compare(weight(b, context), weight(a, context));
            }
        });
        for (Method m : named) {
            Call c = overload(clazz, m, context);
            if (c != null) {
                return c;
            }
        }
        throw Fault.of("No public method named " + name
                + " with appropriate method signature found on class " + clazz.getName());
    }

    private static int weight(Method m, Class<?> context) {
        Class<?>[] p = m.getParameterTypes();
        return p.length + (p.length > 0 && isContext(p[p.length - 1], context) ? 1 : 0);
    }

    private static Call overload(Class<?> clazz, Method m, Class<?> context) {
        Class<?>[] p = m.getParameterTypes();
        Type[] g = m.getGenericParameterTypes();
        Type ret = m.getGenericReturnType();
        boolean in0 = p.length > 0 && p[0] == InputStream.class;
        boolean out0 = p.length > 0 && p[0] == OutputStream.class;
        boolean ctx0 = p.length > 0 && isContext(p[0], context);
        switch (p.length) {
            case 0:
                return pojoCall(target(clazz, m), m, null, ret, false);
            case 1:
                if (in0 || out0) {
                    return streamCall(target(clazz, m), m, in0, out0, false);
                }
                if (ctx0) {
                    return pojoCall(target(clazz, m), m, null, ret, true);
                }
                return pojoCall(target(clazz, m), m, g[0], ret, false);
            case 2:
                if (out0) {
                    return isContext(p[1], context)
                            ? streamCall(target(clazz, m), m, false, true, true) : null;
                }
                if (ctx0) {
                    return null;
                }
                if (in0) {
                    if (p[1] == OutputStream.class) {
                        return streamCall(target(clazz, m), m, true, true, false);
                    }
                    return isContext(p[1], context)
                            ? streamCall(target(clazz, m), m, true, false, true) : null;
                }
                return isContext(p[1], context) ? pojoCall(target(clazz, m), m, g[0], ret, true) : null;
            case 3:
                return in0 && p[1] == OutputStream.class && isContext(p[2], context)
                        ? streamCall(target(clazz, m), m, true, true, true) : null;
            default:
                return null;
        }
    }

    private static Object target(Class<?> clazz, Method m) {
        return Modifier.isStatic(m.getModifiers()) ? null : instance(clazz);
    }

    private static Object invoke(Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() == null ? e : e.getCause();
        }
    }

    private static Call streamCall(final Object target, final Method m, final boolean in,
            final boolean out, final boolean ctx) {
        m.setAccessible(true);
        return new Call() {
            private final ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);

            public byte[] call(byte[] event, Object context) throws Throwable {
                buf.reset();
                Object[] args = new Object[(in ? 1 : 0) + (out ? 1 : 0) + (ctx ? 1 : 0)];
                int k = 0;
                if (in) {
                    args[k++] = new ByteArrayInputStream(event);
                }
                if (out) {
                    args[k++] = buf;
                }
                if (ctx) {
                    args[k] = context;
                }
                invoke(m, target, args);
                return buf.toByteArray();
            }
        };
    }

    private static boolean isVoid(Type t) {
        return t == void.class || t == Void.class;
    }

    private static Call pojoCall(final Object target, final Method m, final Type input,
            final Type output, final boolean ctx) {
        m.setAccessible(true);
        return new Call() {
            public byte[] call(byte[] event, Object context) throws Throwable {
                Object[] args = new Object[(input != null ? 1 : 0) + (ctx ? 1 : 0)];
                int k = 0;
                if (input != null) {
                    try {
                        args[k++] = Mapper.fromJson(Json.parse(event), input);
                    } catch (Throwable t) {
                        throw new RuntimeException("An error occurred during JSON parsing",
                                Main.filter(t));
                    }
                }
                if (ctx) {
                    args[k] = context;
                }
                Object result = invoke(m, target, args);
                if (output == null || isVoid(output)) {
                    return NULL;
                }
                try {
                    return Mapper.toJson(result);
                } catch (Throwable t) {
                    throw new RuntimeException(
                            "An error occurred during JSON serialization of response", t);
                }
            }
        };
    }
}
