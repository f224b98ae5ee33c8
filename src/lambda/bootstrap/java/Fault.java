// fogbank's Java runtime client: a problem with the user's handler (not found, not loadable,
// constructor threw) in the shape AWS's Java runtime reports it: a message, the exception
// class (or none) and the printed trace. Fatal faults fail init; the others fail every invoke.
package fogbank.lambda;

import java.io.PrintWriter;
import java.io.StringWriter;

final class Fault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final String msg;
    final String exception;
    final String trace;
    final boolean fatal;

    Fault(String msg, String exception, String trace, boolean fatal) {
        super(msg, null, false, false);
        this.msg = msg;
        this.exception = exception;
        this.trace = trace;
        this.fatal = fatal;
    }

    static Fault of(String msg) {
        return new Fault(msg, null, null, false);
    }

    static Fault of(Throwable t, boolean fatal) {
        String m = t.getLocalizedMessage() == null ? t.getClass().getName() : t.getLocalizedMessage();
        return new Fault(m, t.getClass().getName(), trace(t), fatal);
    }

    static String trace(Throwable t) {
        Main.filter(t);
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }

    /** The error body: message and type, no stack trace (as AWS's runtime sends it). */
    byte[] body() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"errorMessage\":");
        Json.quote(sb, msg);
        if (exception != null) {
            sb.append(",\"errorType\":");
            Json.quote(sb, exception);
        }
        sb.append('}');
        return sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** What goes to the function's log. */
    String reportable() {
        if (exception != null || trace != null) {
            return msg + ": " + (exception == null ? "" : exception) + "\n"
                    + (trace == null ? "" : trace) + "\n";
        }
        return msg + "\n";
    }
}
