package example;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.amazonaws.services.lambda.runtime.RequestHandler;
public class Orders implements RequestHandler<Order, Receipt> {
    public Receipt handleRequest(Order o, Context c) {
        System.out.println("stdout line for " + o.getItem());
        System.err.println("stderr line");
        c.getLogger().log("logger line\n");
        LambdaRuntime.getLogger().log("runtime logger line\n");
        Receipt r = new Receipt();
        r.setItem(o.getItem());
        r.setCity(o.getAddress() == null ? null : o.getAddress().getCity());
        r.setTotal(o.getQuantity() * o.getPrice());
        r.setGift(o.getTags() != null && o.getTags().contains("gift"));
        r.setRequestId(c.getAwsRequestId());
        r.setFunctionName(c.getFunctionName());
        r.setArn(c.getInvokedFunctionArn());
        r.setLogGroup(c.getLogGroupName());
        r.setMemory(c.getMemoryLimitInMB());
        r.setRemaining(c.getRemainingTimeInMillis());
        r.setCustom(System.getenv("CUSTOM"));
        r.setProperty(System.getProperty("fogbank.test"));
        ClientContext cc = c.getClientContext();
        if (cc != null) {
            r.setClientCustom(cc.getCustom().get("k"));
            r.setAppTitle(cc.getClient() == null ? null : cc.getClient().getAppTitle());
        }
        return r;
    }
}
