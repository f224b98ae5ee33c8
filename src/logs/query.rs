//! Reads for fogbank's own views (the web console): the log lines of one Lambda invocation.

use super::engine::{LogsEngine, group_key, lock};

/// Most lines [`LogsEngine::request_lines`] answers.
pub const MAX_REQUEST_LINES: usize = 1000;

/// Whether `message` is the platform's `kind` line (`START`/`REPORT` text, or the JSON
/// format's `platform.start`/`platform.report` record) of invocation `request_id`.
fn platform_line(message: &str, text: &str, json: &str, request_id: &str) -> bool {
    match message.strip_prefix(text) {
        Some(rest) => rest
            .strip_prefix(request_id)
            .is_some_and(|after| after.is_empty() || after.starts_with(char::is_whitespace)),
        None => {
            message.starts_with('{')
                && message.contains(json)
                && message.contains(&format!("\"requestId\":\"{request_id}\""))
        }
    }
}

impl LogsEngine {
    /// The events of `stream` in `group` from invocation `request_id`'s `START` line through
    /// its `REPORT` line (or to the stream's end while it has none), at most
    /// [`MAX_REQUEST_LINES`], as (timestamp in ms, message). Empty when the group, the stream
    /// or the `START` line is not there (the cap may have dropped it).
    pub fn request_lines(
        &self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
        request_id: &str,
    ) -> Vec<(i64, String)> {
        if request_id.is_empty() {
            return Vec::new();
        }
        let Some(g) = self
            .groups
            .get(&group_key(account, region, group))
            .map(|g| g.clone())
        else {
            return Vec::new();
        };
        let state = lock(&g.state);
        let Some(s) = state.streams.get(stream) else {
            return Vec::new();
        };
        // The invocation is most likely recent: look for its START from the end.
        let Some(start) = s.events.iter().rposition(|e| {
            platform_line(
                &e.message,
                "START RequestId: ",
                "\"platform.start\"",
                request_id,
            )
        }) else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        for e in s.events.iter().skip(start).take(MAX_REQUEST_LINES) {
            lines.push((e.ts, e.message.to_string()));
            if platform_line(
                &e.message,
                "REPORT RequestId: ",
                "\"platform.report\"",
                request_id,
            ) {
                break;
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::ManualClock;
    use crate::context::RequestContext;
    use crate::logs::model::{
        CreateLogGroupRequest, CreateLogStreamRequest, InputLogEvent, PutLogEventsRequest,
    };

    #[test]
    fn platform_lines_name_their_request_exactly() {
        let start = "START RequestId: abc Version: $LATEST\n";
        assert!(platform_line(
            start,
            "START RequestId: ",
            "\"platform.start\"",
            "abc"
        ));
        assert!(!platform_line(
            start,
            "START RequestId: ",
            "\"platform.start\"",
            "ab"
        ));
        let json = r#"{"time":"t","type":"platform.start","record":{"requestId":"abc","version":"$LATEST"}}"#;
        assert!(platform_line(
            json,
            "START RequestId: ",
            "\"platform.start\"",
            "abc"
        ));
        assert!(!platform_line(
            json,
            "REPORT RequestId: ",
            "\"platform.report\"",
            "abc"
        ));
    }

    #[test]
    fn an_invocations_lines_run_from_start_to_report() {
        let clock = ManualClock::starting_2026();
        let now = 1_767_225_600_000_i64;
        let logs = LogsEngine::new(Arc::new(clock));
        let ctx = RequestContext::new("000000000000", "us-east-1", "localhost");
        logs.create_log_group(
            &ctx,
            CreateLogGroupRequest {
                log_group_name: Some("/aws/lambda/f".into()),
                ..Default::default()
            },
        )
        .expect("group");
        logs.create_log_stream(
            &ctx,
            CreateLogStreamRequest {
                log_group_name: Some("/aws/lambda/f".into()),
                log_stream_name: Some("s".into()),
            },
        )
        .expect("stream");
        let lines = [
            "START RequestId: r1 Version: $LATEST\n",
            "one\n",
            "END RequestId: r1\n",
            "REPORT RequestId: r1\tDuration: 1.00 ms\n",
            "START RequestId: r2 Version: $LATEST\n",
            "two\n",
        ];
        logs.put_log_events(
            &ctx,
            PutLogEventsRequest {
                log_group_name: Some("/aws/lambda/f".into()),
                log_stream_name: Some("s".into()),
                log_events: Some(
                    lines
                        .iter()
                        .enumerate()
                        .map(|(i, m)| InputLogEvent {
                            timestamp: Some(now + i as i64),
                            message: Some(m.to_string()),
                        })
                        .collect(),
                ),
                ..Default::default()
            },
        )
        .expect("put");
        let r1 = logs.request_lines("000000000000", "us-east-1", "/aws/lambda/f", "s", "r1");
        let texts: Vec<&str> = r1.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(texts, lines[..4].to_vec());
        assert_eq!(r1[0].0, now);
        let r2 = logs.request_lines("000000000000", "us-east-1", "/aws/lambda/f", "s", "r2");
        assert_eq!(r2.len(), 2);
        assert!(
            logs.request_lines("000000000000", "us-east-1", "/aws/lambda/f", "s", "r3")
                .is_empty()
        );
        assert!(
            logs.request_lines("000000000000", "us-east-1", "/aws/lambda/g", "s", "r1")
                .is_empty()
        );
    }
}
