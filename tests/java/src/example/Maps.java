package example;
import com.amazonaws.services.lambda.runtime.Context;
import java.util.*;
public class Maps {
    private static int count;
    public Map<String, Object> handle(Map<String, Object> in, Context c) {
        count++;
        Map<String, Object> out = new LinkedHashMap<String, Object>();
        out.put("keys", new ArrayList<String>(in.keySet()));
        out.put("nested", in.get("nested"));
        out.put("count", count);
        out.put("big", 12345678901L);
        out.put("nothing", null);
        return out;
    }
    public String handle() { return "the no-argument overload loses"; }
}
