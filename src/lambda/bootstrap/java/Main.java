// fogbank's Java runtime client: the Lambda Runtime API loop, JDK classes only. Started as
// `java ... fogbank.lambda.Main <customer classpath>` with `_HANDLER` and
// `AWS_LAMBDA_RUNTIME_API` in the environment; loads the user's code in its own class loader
// (task root, its lib/*.jar, the layers' java/lib/*.jar, as AWS builds it) and answers each
// invocation as AWS's aws-lambda-java-runtime-interface-client does.
package fogbank.lambda;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOError;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

public final class Main {
    private static final String PREFIX = "fogbank.lambda.";
    private static final String TRACE_PROPERTY = "com.amazonaws.xray.traceHeader";
    private static PrintStream stdout = System.out;

    private Main() {}

    static synchronized void log(byte[] b) {
        stdout.write(b, 0, b.length);
        stdout.flush();
    }

    static void log(String s) {
        log(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void flush() {
        System.out.flush();
        System.err.flush();
        stdout.flush();
    }

    /** Removes this runtime's frames (and the reflection that called the handler) from a
     *  throwable, its causes and suppressed ones, as AWS's runtime filters its own. */
    static <T extends Throwable> T filter(T t) {
        filter(t, new IdentityHashMap<Throwable, Boolean>());
        return t;
    }

    private static void filter(Throwable t, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return;
        }
        StackTraceElement[] trace = t.getStackTrace();
        for (int k = 0; k < trace.length; k++) {
            if (trace[k].getClassName().startsWith(PREFIX)) {
                int end = k;
                while (end > 0 && reflection(trace[end - 1].getClassName())) {
                    end--;
                }
                StackTraceElement[] cut = new StackTraceElement[end];
                System.arraycopy(trace, 0, cut, 0, end);
                t.setStackTrace(cut);
                break;
            }
        }
        filter(t.getCause(), seen);
        for (Throwable s : t.getSuppressed()) {
            filter(s, seen);
        }
    }

    private static boolean reflection(String c) {
        return c.startsWith("java.lang.reflect.") || c.startsWith("jdk.internal.reflect.")
                || c.startsWith("sun.reflect.") || c.startsWith("java.lang.invoke.");
    }

    /** AWS's error body for an exception the handler threw. */
    static byte[] errorBody(Throwable t) {
        StringBuilder sb = new StringBuilder(512);
        String message = t.getLocalizedMessage() == null ? t.getClass().getName() : t.getLocalizedMessage();
        sb.append("{\"errorMessage\":");
        Json.quote(sb, message);
        sb.append(",\"errorType\":");
        Json.quote(sb, t.getClass().getName());
        sb.append(",\"stackTrace\":[");
        StackTraceElement[] trace = t.getStackTrace();
        for (int k = 0; k < trace.length; k++) {
            if (k > 0) {
                sb.append(',');
            }
            Json.quote(sb, trace[k].toString());
        }
        sb.append("]}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static ClassLoader customerLoader(String classpath) throws Exception {
        List<URL> urls = new ArrayList<URL>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                urls.add(new File(entry).toURI().toURL());
            }
        }
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getSystemClassLoader());
    }

    /** LambdaRuntime.getLogger() answers with the same logger as Context.getLogger(). */
    private static void setRuntimeLogger(ClassLoader loader, Ctx ctx) {
        Class<?> runtime = Handlers.core(loader, "LambdaRuntime");
        Class<?> logger = Handlers.core(loader, "LambdaLogger");
        if (runtime == null || logger == null) {
            return;
        }
        try {
            Field f = runtime.getDeclaredField("logger");
            f.setAccessible(true);
            f.set(null, ctx.logger(logger));
        } catch (Throwable ignored) {
            // an aws-lambda-java-core without that field: its own logger prints to stdout
        }
    }

    private static Map<?, ?> jsonHeader(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            Object v = Json.parse(value);
            return v instanceof Map ? (Map<?, ?>) v : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    public static void main(String[] args) throws Exception {
        stdout = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 8192),
                true, "UTF-8");
        System.setOut(stdout);
        System.setErr(new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.err), 8192),
                true, "UTF-8"));
        String handler = System.getProperty("fogbank.handler", System.getenv("_HANDLER"));
        Api api = new Api(System.getProperty("fogbank.api", System.getenv("AWS_LAMBDA_RUNTIME_API")));
        ClassLoader loader = customerLoader(args.length > 0 ? args[0] : "");
        Thread.currentThread().setContextClassLoader(loader);
        Ctx ctx = new Ctx(loader);
        setRuntimeLogger(loader, ctx);

        Handlers.Call call;
        try {
            call = Handlers.load(handler == null ? "" : handler, loader);
        } catch (Fault f) {
            log(f.reportable());
            flush();
            api.initError(f.body(), "Runtime.BadFunctionCode");
            System.exit(1);
            return;
        }
        Object context = ctx.proxy(Handlers.core(loader, "Context"), ctx);

        while (true) {
            Api.Reply next = api.next();
            if (next.status != 200) {
                System.exit(1);
            }
            String id = next.header("lambda-runtime-aws-request-id");
            ctx.requestId = id;
            ctx.arn = next.header("lambda-runtime-invoked-function-arn");
            ctx.traceId = next.header("lambda-runtime-trace-id");
            ctx.tenantId = next.header("lambda-runtime-aws-tenant-id");
            String deadline = next.header("lambda-runtime-deadline-ms");
            try {
                ctx.deadlineMs = deadline == null ? 0 : Long.parseLong(deadline.trim());
            } catch (NumberFormatException e) {
                ctx.deadlineMs = 0;
            }
            ctx.clientContext = jsonHeader(next.header("lambda-runtime-client-context"));
            ctx.identity = jsonHeader(next.header("lambda-runtime-cognito-identity"));
            if (ctx.traceId != null) {
                System.setProperty(TRACE_PROPERTY, ctx.traceId);
            } else {
                System.clearProperty(TRACE_PROPERTY);
            }
            boolean exit = false;
            try {
                byte[] out = call.call(next.body, context);
                flush();
                api.respond(id, out);
                Thread.interrupted();
            } catch (Fault f) {
                log(f.reportable());
                flush();
                api.error(id, f.body(), "Runtime.BadFunctionCode");
                exit = f.fatal;
            } catch (Throwable t) {
                filter(t);
                log(Fault.of(t, false).reportable());
                flush();
                api.error(id, errorBody(t), "Runtime.UserException");
                exit = t instanceof VirtualMachineError || t instanceof IOError;
            }
            if (exit) {
                System.exit(1);
            }
        }
    }
}
