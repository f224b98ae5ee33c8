package example;
import java.io.*;
public class Greeter {
    public String greet() throws IOException {
        InputStream in = Greeter.class.getResourceAsStream("/greeting.txt");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, "UTF-8"));
        return r.readLine();
    }
}
