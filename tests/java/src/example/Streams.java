package example;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.*;
public class Streams implements RequestStreamHandler {
    public void handleRequest(InputStream in, OutputStream out, Context c) throws IOException {
        int n = 0;
        while (in.read() >= 0) n++;
        out.write(("{\"length\":" + n + ",\"version\":\"" + c.getFunctionVersion() + "\"}").getBytes("UTF-8"));
    }
}
