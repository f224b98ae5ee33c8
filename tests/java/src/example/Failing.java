package example;
import java.util.Map;
public class Failing {
    public String fail(Map<String, Object> in) {
        throw new IllegalStateException("asked to fail");
    }
    public void sleep(Map<String, Object> in) throws Exception {
        Thread.sleep(30000);
    }
    public void exit(Map<String, Object> in) {
        System.exit(3);
    }
}
