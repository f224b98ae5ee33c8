package example;
public class BadInit {
    public BadInit() { throw new IllegalStateException("bad config"); }
    public String handle(String s) { return s; }
}
