// fogbank's Java runtime client: a minimal keep-alive HTTP/1.1 client for the Lambda Runtime
// API over one socket (HttpURLConnection and java.net.http cost tens of milliseconds of class
// loading at every cold start).
package fogbank.lambda;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

final class Api {
    static final String BASE = "/2018-06-01/runtime";

    /** One answer of the Runtime API. */
    static final class Reply {
        int status;
        final Map<String, String> headers = new HashMap<String, String>();
        byte[] body;

        String header(String name) {
            return headers.get(name);
        }
    }

    private final String hostPort;
    private final String host;
    private final int port;
    private SocketChannel socket;
    private InputStream in;
    private OutputStream out;

    Api(String hostPort) {
        this.hostPort = hostPort;
        int colon = hostPort.lastIndexOf(':');
        this.host = hostPort.substring(0, colon);
        this.port = Integer.parseInt(hostPort.substring(colon + 1));
    }

    Reply next() throws IOException {
        return request("GET", "/invocation/next", null, null);
    }

    void respond(String requestId, byte[] body) throws IOException {
        request("POST", "/invocation/" + requestId + "/response", body, null);
    }

    void error(String requestId, byte[] body, String errorType) throws IOException {
        request("POST", "/invocation/" + requestId + "/error", body, errorType);
    }

    void initError(byte[] body, String errorType) throws IOException {
        request("POST", "/init/error", body, errorType);
    }

    private void connect() throws IOException {
        // A SocketChannel rather than a Socket: no proxy selector and no SOCKS layer to load
        // (tens of classes and two lambda forms at every cold start).
        socket = SocketChannel.open(new InetSocketAddress(host, port));
        socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
        in = new BufferedInputStream(Channels.newInputStream(socket), 65536);
        out = new BufferedOutputStream(Channels.newOutputStream(socket), 65536);
    }

    private void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        socket = null;
    }

    Reply request(String method, String path, byte[] body, String errorType) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                if (socket == null) {
                    connect();
                }
                return exchange(method, path, body, errorType);
            } catch (IOException e) {
                close();
                if (attempt > 0) {
                    throw e;
                }
            }
        }
    }

    private Reply exchange(String method, String path, byte[] body, String errorType)
            throws IOException {
        StringBuilder head = new StringBuilder(256);
        head.append(method).append(' ').append(BASE).append(path).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(hostPort).append("\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\n");
        }
        if (errorType != null) {
            head.append("Lambda-Runtime-Function-Error-Type: ").append(errorType).append("\r\n");
        }
        head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();

        Reply reply = new Reply();
        String status = line();
        int sp = status.indexOf(' ');
        if (sp < 0) {
            throw new IOException("bad status line: " + status);
        }
        int end = status.indexOf(' ', sp + 1);
        reply.status = Integer.parseInt(status.substring(sp + 1, end < 0 ? status.length() : end));
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                reply.headers.put(
                        h.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                        h.substring(colon + 1).trim());
            }
        }
        String length = reply.header("content-length");
        if (length != null) {
            reply.body = exact(Integer.parseInt(length));
        } else if ("chunked".equalsIgnoreCase(reply.header("transfer-encoding"))) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            while (true) {
                String size = line();
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                all.write(exact(n));
                line();
            }
            reply.body = all.toByteArray();
        } else {
            reply.body = new byte[0];
        }
        return reply;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("runtime API closed the connection");
            }
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
    }

    private byte[] exact(int n) throws IOException {
        byte[] buf = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(buf, off, n - off);
            if (r < 0) {
                throw new IOException("runtime API closed the connection");
            }
            off += r;
        }
        return buf;
    }
}
