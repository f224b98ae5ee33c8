package org.joda.time;
public class DateTime {
    private final String iso;
    private DateTime(String iso) { this.iso = iso; }
    public static DateTime parse(String iso) { return new DateTime(iso); }
    public String toString() { return iso; }
}
