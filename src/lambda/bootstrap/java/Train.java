// fogbank's Java runtime client: a training run for the JVM's class-data sharing archive. It
// serves itself one invocation on a loopback Runtime API (with a handler from this client) and
// then answers 410, so the loop exits and the JVM writes what it loaded (-XX:ArchiveClassesAtExit);
// later cold starts map those classes instead of loading and verifying them again.
package fogbank.lambda;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

public final class Train implements Runnable {
    private final ServerSocket server;

    private Train(ServerSocket server) {
        this.server = server;
    }

    /** The training handler: a Map in, the same Map out. */
    public static Object handle(Map<String, Object> event) {
        return event;
    }

    private static void skipRequest(InputStream in) throws Exception {
        int matched = 0;
        int length = 0;
        StringBuilder line = new StringBuilder();
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                return;
            }
            matched = (c == '\r' || c == '\n') ? matched + 1 : 0;
            if (c == '\n') {
                String l = line.toString().toLowerCase(java.util.Locale.ROOT);
                if (l.startsWith("content-length:")) {
                    length = Integer.parseInt(l.substring(15).trim());
                }
                line.setLength(0);
            } else if (c != '\r') {
                line.append((char) c);
            }
        }
        for (int k = 0; k < length; k++) {
            in.read();
        }
    }

    public void run() {
        try {
            Socket s = server.accept();
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            String event = "{\"a\":[1,2.5,\"x\",true,null],\"b\":{\"c\":\"d\\u00e9\"}}";
            skipRequest(in);
            out.write(("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: train\r\n"
                    + "Lambda-Runtime-Deadline-Ms: " + (System.currentTimeMillis() + 60000) + "\r\n"
                    + "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:train\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + event.length() + "\r\n\r\n" + event)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            skipRequest(in);
            out.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            skipRequest(in);
            out.write("HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (Exception e) {
            System.exit(2);
        }
    }

    public static void main(String[] args) throws Exception {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(new Train(server));
        t.setDaemon(true);
        t.start();
        System.setProperty("fogbank.api", "127.0.0.1:" + server.getLocalPort());
        System.setProperty("fogbank.handler", "fogbank.lambda.Train::handle");
        Main.main(new String[] {""});
    }
}
