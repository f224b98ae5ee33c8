package example;
public class Receipt {
    private String item, city, requestId, functionName, arn, logGroup, note, custom, property;
    private String clientCustom, appTitle;
    private double total;
    private int memory, remaining;
    private boolean gift;
    public String getItem() { return item; }
    public void setItem(String v) { item = v; }
    public String getCity() { return city; }
    public void setCity(String v) { city = v; }
    public double getTotal() { return total; }
    public void setTotal(double v) { total = v; }
    public boolean isGift() { return gift; }
    public void setGift(boolean v) { gift = v; }
    public String getRequestId() { return requestId; }
    public void setRequestId(String v) { requestId = v; }
    public String getFunctionName() { return functionName; }
    public void setFunctionName(String v) { functionName = v; }
    public String getArn() { return arn; }
    public void setArn(String v) { arn = v; }
    public String getLogGroup() { return logGroup; }
    public void setLogGroup(String v) { logGroup = v; }
    public String getNote() { return note; }
    public void setNote(String v) { note = v; }
    public String getCustom() { return custom; }
    public void setCustom(String v) { custom = v; }
    public String getProperty() { return property; }
    public void setProperty(String v) { property = v; }
    public String getClientCustom() { return clientCustom; }
    public void setClientCustom(String v) { clientCustom = v; }
    public String getAppTitle() { return appTitle; }
    public void setAppTitle(String v) { appTitle = v; }
    public int getMemory() { return memory; }
    public void setMemory(int v) { memory = v; }
    public int getRemaining() { return remaining; }
    public void setRemaining(int v) { remaining = v; }
}
