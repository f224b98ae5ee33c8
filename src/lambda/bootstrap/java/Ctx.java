// fogbank's Java runtime client: the Context, LambdaLogger, ClientContext, Client and
// CognitoIdentity objects a handler gets, as dynamic proxies over the user's own interfaces
// (aws-lambda-java-core comes from their jar).
package fogbank.lambda;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

final class Ctx implements InvocationHandler {
    static final String FUNCTION_NAME = System.getenv("AWS_LAMBDA_FUNCTION_NAME");
    static final String FUNCTION_VERSION = System.getenv("AWS_LAMBDA_FUNCTION_VERSION");
    static final String LOG_GROUP = System.getenv("AWS_LAMBDA_LOG_GROUP_NAME");
    static final String LOG_STREAM = System.getenv("AWS_LAMBDA_LOG_STREAM_NAME");
    static final int MEMORY = parseInt(System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"));

    private final ClassLoader loader;
    private Object logger;

    String requestId;
    String arn;
    String traceId;
    String tenantId;
    long deadlineMs;
    Map<?, ?> clientContext;
    Map<?, ?> identity;

    Ctx(ClassLoader loader) {
        this.loader = loader;
    }

    static int parseInt(String s) {
        try {
            return Integer.parseInt(s == null ? "" : s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A proxy implementing `iface` (from the user's class loader), or null without one. */
    Object proxy(Class<?> iface, InvocationHandler h) {
        if (iface == null || !iface.isInterface()) {
            return null;
        }
        return Proxy.newProxyInstance(loader, new Class<?>[] {iface}, h);
    }

    Object logger(Class<?> iface) {
        if (logger == null) {
            logger = proxy(iface, new Logger());
        }
        return logger;
    }

    static Object object(Object proxy, Method m, Object[] args, String label) {
        String n = m.getName();
        if (n.equals("hashCode")) {
            return System.identityHashCode(proxy);
        }
        if (n.equals("equals")) {
            return args != null && args.length == 1 && args[0] == proxy;
        }
        if (n.equals("toString")) {
            return label;
        }
        return null;
    }

    static Object none(Method m) {
        Class<?> r = m.getReturnType();
        if (r == int.class) {
            return 0;
        }
        if (r == long.class) {
            return 0L;
        }
        if (r == double.class) {
            return 0.0;
        }
        if (r == float.class) {
            return 0f;
        }
        if (r == short.class) {
            return (short) 0;
        }
        if (r == byte.class) {
            return (byte) 0;
        }
        if (r == char.class) {
            return '\0';
        }
        if (r == boolean.class) {
            return Boolean.FALSE;
        }
        return null;
    }

    public Object invoke(Object proxy, Method m, Object[] args) {
        Object o = object(proxy, m, args, "LambdaContext{" + requestId + "}");
        if (o != null) {
            return o;
        }
        String n = m.getName();
        if (n.equals("getAwsRequestId")) {
            return requestId;
        }
        if (n.equals("getLogGroupName")) {
            return LOG_GROUP;
        }
        if (n.equals("getLogStreamName")) {
            return LOG_STREAM;
        }
        if (n.equals("getFunctionName")) {
            return FUNCTION_NAME;
        }
        if (n.equals("getFunctionVersion")) {
            return FUNCTION_VERSION;
        }
        if (n.equals("getInvokedFunctionArn")) {
            return arn;
        }
        if (n.equals("getRemainingTimeInMillis")) {
            return (int) Math.max(0, deadlineMs - System.currentTimeMillis());
        }
        if (n.equals("getMemoryLimitInMB")) {
            return MEMORY;
        }
        if (n.equals("getLogger")) {
            return logger(m.getReturnType());
        }
        if (n.equals("getXrayTraceId")) {
            return traceId;
        }
        if (n.equals("getTenantId")) {
            return tenantId;
        }
        if (n.equals("getIdentity")) {
            return identity == null ? null : proxy(m.getReturnType(), new View(identity, "CognitoIdentity"));
        }
        if (n.equals("getClientContext")) {
            return clientContext == null ? null
                    : proxy(m.getReturnType(), new View(clientContext, "ClientContext"));
        }
        return none(m);
    }

    /** ClientContext, Client and CognitoIdentity: getters over the JSON the invoke carried. */
    final class View implements InvocationHandler {
        private final Map<?, ?> data;
        private final String label;

        View(Map<?, ?> data, String label) {
            this.data = data;
            this.label = label;
        }

        public Object invoke(Object proxy, Method m, Object[] args) {
            Object o = object(proxy, m, args, label + data);
            if (o != null) {
                return o;
            }
            String n = m.getName();
            String key;
            if (n.equals("getClient")) {
                Object c = data.get("client");
                return c instanceof Map ? proxy(m.getReturnType(), new View((Map<?, ?>) c, "Client")) : null;
            } else if (n.equals("getCustom")) {
                return strings(data.get("custom"));
            } else if (n.equals("getEnvironment")) {
                return strings(data.get("env"));
            } else if (n.equals("getIdentityId")) {
                key = "cognitoIdentityId";
            } else if (n.equals("getIdentityPoolId")) {
                key = "cognitoIdentityPoolId";
            } else if (n.startsWith("get") && n.length() > 3) {
                // Client: getInstallationId -> installation_id, getAppTitle -> app_title, ...
                StringBuilder sb = new StringBuilder();
                for (char c : n.substring(3).toCharArray()) {
                    if (Character.isUpperCase(c) && sb.length() > 0) {
                        sb.append('_');
                    }
                    sb.append(Character.toLowerCase(c));
                }
                key = sb.toString();
            } else {
                return none(m);
            }
            Object v = data.get(key);
            return v == null ? null : v.toString();
        }
    }

    static Map<String, String> strings(Object o) {
        if (!(o instanceof Map)) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<String, String>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
            out.put(String.valueOf(e.getKey()), e.getValue() == null ? null : e.getValue().toString());
        }
        return out;
    }

    /** LambdaLogger: each message to stdout as it is (AWS adds no newline either). */
    static final class Logger implements InvocationHandler {
        public Object invoke(Object proxy, Method m, Object[] args) {
            Object o = object(proxy, m, args, "LambdaLogger");
            if (o != null) {
                return o;
            }
            if (m.getName().equals("log") && args != null) {
                for (Object a : args) {
                    if (a instanceof String) {
                        Main.log(((String) a).getBytes(StandardCharsets.UTF_8));
                        break;
                    }
                    if (a instanceof byte[]) {
                        Main.log((byte[]) a);
                        break;
                    }
                }
            }
            return none(m);
        }
    }
}
