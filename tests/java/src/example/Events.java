package example;
import com.amazonaws.services.lambda.runtime.events.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
public class Events {
    private static void append(String line) throws Exception {
        Files.write(Paths.get(System.getenv("OUT")), (line + "\n").getBytes(StandardCharsets.UTF_8),
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
    public String sqs(SQSEvent e) throws Exception {
        for (SQSEvent.SQSMessage m : e.getRecords()) {
            append("sqs|" + m.getBody() + "|" + m.getEventSourceArn() + "|" + m.getEventSource()
                + "|" + m.getMessageAttributes().get("k").getStringValue()
                + "|" + m.getAttributes().get("ApproximateReceiveCount")
                + "|" + (m.getMd5OfBody() != null && m.getMd5OfBody().length() == 32));
        }
        return "ok";
    }
    public String sns(SNSEvent e) throws Exception {
        for (SNSEvent.SNSRecord r : e.getRecords()) {
            SNSEvent.SNS s = r.getSNS();
            append("sns|" + r.getEventSource() + "|" + s.getMessage() + "|" + s.getSubject()
                + "|" + s.getTopicArn() + "|" + s.getTimestamp()
                + "|" + s.getMessageAttributes().get("color").getValue()
                + "|" + s.getMessageAttributes().get("color").getType());
        }
        return "ok";
    }
    public ScheduledEvent scheduled(ScheduledEvent e) { return e; }
}
