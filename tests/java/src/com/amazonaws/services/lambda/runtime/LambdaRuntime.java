package com.amazonaws.services.lambda.runtime;
public final class LambdaRuntime {
    private static volatile LambdaLogger logger = new LambdaLogger() {
        public void log(String m) { System.out.print("[default] " + m); }
        public void log(byte[] m) { log(new String(m)); }
    };
    public static LambdaLogger getLogger() { return logger; }
}
