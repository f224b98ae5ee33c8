//! Handler output: stdout/stderr of an execution environment read in bounded pieces, kept for
//! the invocation's `LogResult` tail, and copied to fogbank's own log as `--lambda-log` says.
//!
//! Memory stays bounded whatever a handler prints: a line without a newline is cut into
//! pieces of at most [`MAX_PIECE`] bytes, and an invocation keeps at most [`LOG_KEEP`] bytes
//! of its output (AWS's tail is the last 4 KB of the whole log).

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::io::AsyncReadExt;

use super::runtime::lock;

/// Longest piece of output handled as one line; longer lines are split.
pub const MAX_PIECE: usize = 256 * 1024;
/// How much of the current invocation's output is kept for the `LogResult` tail.
pub const LOG_KEEP: usize = 16 * 1024;
/// Longest line copied to fogbank's log at `--lambda-log info`.
pub const INFO_LINE_MAX: usize = 1024;

/// What fogbank's own log gets of handler output (`--lambda-log`, `FOGBANK_LAMBDA_LOG`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HandlerLog {
    /// Each line at info, lines over [`INFO_LINE_MAX`] bytes truncated (the default).
    #[default]
    Info,
    /// Each line (up to [`MAX_PIECE`] bytes) at debug: shown only with `--log-level debug`.
    Debug,
    /// Nothing: handler output reaches only the Invoke's `LogResult` tail.
    Off,
}

impl std::str::FromStr for HandlerLog {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(HandlerLog::Info),
            "debug" => Ok(HandlerLog::Debug),
            "off" | "none" => Ok(HandlerLog::Off),
            other => Err(format!(
                "--lambda-log must be info, debug or off, got {other}"
            )),
        }
    }
}

/// The largest prefix of `s` of at most `max` bytes that ends on a char boundary.
fn head(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The largest suffix of `s` of at most `max` bytes that starts on a char boundary.
fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// The current invocation's output, newest last, at most [`LOG_KEEP`] bytes.
#[derive(Default)]
struct LogBuffer {
    request_id: String,
    lines: VecDeque<String>,
    bytes: usize,
}

impl LogBuffer {
    fn push(&mut self, line: &str) {
        // Only the end of the log is ever shown, so a long line keeps only its end.
        let line = tail(line, LOG_KEEP).to_string();
        self.bytes += line.len() + 1;
        self.lines.push_back(line);
        while self.bytes > LOG_KEEP && self.lines.len() > 1 {
            let excess = self.bytes - LOG_KEEP;
            let Some(front) = self.lines.front_mut() else {
                break;
            };
            if front.len() > excess {
                // Keep the end of the oldest line rather than dropping all of it.
                let kept = tail(front, front.len() - excess).to_string();
                self.bytes -= front.len() - kept.len();
                *front = kept;
            } else {
                self.bytes -= front.len() + 1;
                self.lines.pop_front();
            }
        }
    }
}

/// One environment's output: the invocation's kept lines, where lines are logged, and the
/// CloudWatch Logs stream they land in.
pub(crate) struct Output {
    label: String,
    mode: HandlerLog,
    logs: Mutex<LogBuffer>,
    sink: Option<crate::logs::LogSink>,
}

impl Output {
    pub fn new(label: String, mode: HandlerLog) -> Self {
        Output {
            label,
            mode,
            logs: Mutex::new(LogBuffer::default()),
            sink: None,
        }
    }

    /// Also write every line to a CloudWatch Logs stream.
    pub fn with_sink(mut self, sink: Option<crate::logs::LogSink>) -> Self {
        self.sink = sink;
        self
    }

    /// Events written only to CloudWatch Logs (START, END, REPORT: the Tail log gets its own).
    pub fn platform_events(&self, events: &[String]) {
        if let Some(sink) = &self.sink {
            let now = super::engine::now_ms() as i64;
            let batch: Vec<(i64, &str)> = events.iter().map(|e| (now, e.as_str())).collect();
            sink.write(&batch);
        }
    }

    /// One line (without its newline) as a CloudWatch Logs event: AWS keeps the newline.
    fn to_sink(&self, line: &str) {
        if let Some(sink) = &self.sink {
            let mut message = String::with_capacity(line.len() + 1);
            message.push_str(line);
            message.push('\n');
            sink.write(&[(super::engine::now_ms() as i64, &message)]);
        }
    }

    /// Start a new invocation's buffer.
    pub fn begin(&self, request_id: &str) {
        *lock(&self.logs) = LogBuffer {
            request_id: request_id.to_string(),
            ..LogBuffer::default()
        };
    }

    /// A line fogbank itself writes into the invocation's log (timeouts, crashes).
    pub fn platform_line(&self, line: String) {
        self.log(None, "platform", &line);
        lock(&self.logs).push(&line);
        self.to_sink(&line);
    }

    /// A piece of handler output (one line, or part of an over-long one). CloudWatch Logs
    /// gets only a line's first piece: AWS truncates longer lines.
    fn handler_line(&self, stream: &'static str, line: &str, continued: bool) {
        {
            let mut logs = lock(&self.logs);
            self.log(Some(&logs.request_id), stream, line);
            logs.push(line);
        }
        if !continued {
            self.to_sink(line);
        }
    }

    fn log(&self, request_id: Option<&str>, stream: &'static str, line: &str) {
        let request_id = request_id.unwrap_or("");
        match self.mode {
            HandlerLog::Off => {}
            HandlerLog::Debug => tracing::debug!(
                target: "fogbank::lambda::logs",
                function = %self.label,
                request_id,
                stream,
                "{line}"
            ),
            HandlerLog::Info if line.len() > INFO_LINE_MAX => tracing::info!(
                target: "fogbank::lambda::logs",
                function = %self.label,
                request_id,
                stream,
                "{} [... {} bytes]",
                head(line, INFO_LINE_MAX),
                line.len()
            ),
            HandlerLog::Info => tracing::info!(
                target: "fogbank::lambda::logs",
                function = %self.label,
                request_id,
                stream,
                "{line}"
            ),
        }
    }

    /// The kept lines of the current invocation, each followed by a newline.
    pub fn text(&self) -> String {
        let logs = lock(&self.logs);
        let mut out = String::with_capacity(logs.bytes);
        for l in &logs.lines {
            out.push_str(l);
            out.push('\n');
        }
        out
    }
}

/// Splits a byte stream into lines of at most [`MAX_PIECE`] bytes.
#[derive(Default)]
pub(crate) struct Splitter {
    pending: Vec<u8>,
    /// The last piece was cut at [`MAX_PIECE`]: a newline right after it ends that line
    /// (it is not an empty line of its own).
    cut: bool,
    /// The next piece continues a line already cut at [`MAX_PIECE`].
    continuing: bool,
}

impl Splitter {
    /// Feed bytes; `emit` gets each complete line (without its newline) or over-long piece,
    /// and whether the piece continues a line cut before it.
    pub fn feed(&mut self, mut data: &[u8], emit: &mut impl FnMut(&[u8], bool)) {
        if self.cut && !data.is_empty() {
            self.cut = false;
            if data[0] == b'\n' {
                data = &data[1..];
                self.continuing = false;
            }
        }
        while !data.is_empty() {
            let room = MAX_PIECE - self.pending.len();
            let window = &data[..data.len().min(room)];
            match window.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.pending.extend_from_slice(&window[..i]);
                    emit(&self.pending, self.continuing);
                    self.continuing = false;
                    self.pending.clear();
                    data = &data[i + 1..];
                }
                None => {
                    self.pending.extend_from_slice(window);
                    data = &data[window.len()..];
                    if self.pending.len() >= MAX_PIECE {
                        emit(&self.pending, self.continuing);
                        self.continuing = true;
                        self.pending.clear();
                        if data.is_empty() {
                            self.cut = true;
                        } else if data[0] == b'\n' {
                            data = &data[1..];
                            self.continuing = false;
                        }
                    }
                }
            }
        }
    }

    /// The stream ended: whatever is left is the last line.
    pub fn finish(&mut self, emit: &mut impl FnMut(&[u8], bool)) {
        if !self.pending.is_empty() {
            emit(&self.pending, self.continuing);
            self.pending.clear();
        }
    }
}

/// Read one of the runtime's pipes to its end, in bounded pieces.
pub(crate) async fn read_output<R: tokio::io::AsyncRead + Unpin>(
    mut pipe: R,
    output: std::sync::Arc<Output>,
    stream: &'static str,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut splitter = Splitter::default();
    let mut emit = |piece: &[u8], continued: bool| {
        output.handler_line(stream, &String::from_utf8_lossy(piece), continued);
    };
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => splitter.feed(&buf[..n], &mut emit),
        }
    }
    splitter.finish(&mut emit);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut s = Splitter::default();
        for c in chunks {
            s.feed(c, &mut |p, _| out.push(p.to_vec()));
        }
        s.finish(&mut |p, _| out.push(p.to_vec()));
        out
    }

    #[test]
    fn lines_are_split_on_newlines_across_reads() {
        let out = split(&[b"ab", b"c\nde", b"f\n\ng"]);
        assert_eq!(
            out,
            vec![
                b"abc".to_vec(),
                b"def".to_vec(),
                b"".to_vec(),
                b"g".to_vec()
            ]
        );
    }

    #[test]
    fn an_over_long_line_is_cut_into_bounded_pieces() {
        let big = vec![b'x'; MAX_PIECE * 2 + 10];
        let mut chunks: Vec<&[u8]> = big.chunks(7000).collect();
        chunks.push(b"\nend\n");
        let out = split(&chunks);
        assert_eq!(out.len(), 4);
        assert_eq!(out[0].len(), MAX_PIECE);
        assert_eq!(out[1].len(), MAX_PIECE);
        assert_eq!(out[2].len(), 10);
        assert_eq!(out[3], b"end".to_vec());
    }

    #[test]
    fn pieces_after_a_cut_are_marked_as_continuations() {
        let mut flags = Vec::new();
        let mut s = Splitter::default();
        let big = vec![b'x'; MAX_PIECE * 2 + 10];
        for c in big.chunks(7000) {
            s.feed(c, &mut |_, cont| flags.push(cont));
        }
        s.feed(b"\nnext\n", &mut |_, cont| flags.push(cont));
        s.feed(&vec![b'y'; MAX_PIECE], &mut |_, cont| flags.push(cont));
        s.feed(b"\nafter\n", &mut |_, cont| flags.push(cont));
        assert_eq!(flags, [false, true, true, false, false, false]);
    }

    #[test]
    fn a_line_of_exactly_the_piece_size_is_one_line() {
        let big = vec![b'x'; MAX_PIECE];
        let out = split(&[&big, b"\nnext\n"]);
        assert_eq!(out.len(), 2);
        let mut joined = big.clone();
        joined.extend_from_slice(b"\nnext\n");
        assert_eq!(split(&[&joined]).len(), 2);
    }

    #[test]
    fn the_buffer_keeps_the_end_of_the_output() {
        let o = Output::new("f".into(), HandlerLog::Off);
        o.begin("r");
        for i in 0..10_000 {
            o.handler_line("stdout", &format!("line {i}"), false);
        }
        o.handler_line("stdout", &"y".repeat(LOG_KEEP * 3), false);
        let text = o.text();
        assert_eq!(text.len(), LOG_KEEP + 1);
        assert!(text.ends_with("yyyy\n"));
        o.handler_line("stdout", "last", false);
        assert_eq!(o.text().len(), LOG_KEEP);
        assert!(o.text().ends_with("yyyy\nlast\n"));
    }

    #[test]
    fn lambda_log_modes_parse() {
        assert_eq!("info".parse::<HandlerLog>(), Ok(HandlerLog::Info));
        assert_eq!("DEBUG".parse::<HandlerLog>(), Ok(HandlerLog::Debug));
        assert_eq!("off".parse::<HandlerLog>(), Ok(HandlerLog::Off));
        assert!("loud".parse::<HandlerLog>().is_err());
    }

    /// The lines fogbank's log gets from one long and one short handler line in `mode`,
    /// with the log filter at `level`.
    fn logged(mode: HandlerLog, level: &str) -> String {
        #[derive(Clone, Default)]
        struct Sink(std::sync::Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                lock(&self.0).extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(level))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let o = Output::new("fn".into(), mode);
            o.begin("req-1");
            o.handler_line("stdout", &"z".repeat(5000), false);
            o.handler_line("stderr", "short line", false);
        });
        String::from_utf8_lossy(&lock(&sink.0)).into_owned()
    }

    #[test]
    fn lambda_log_info_truncates_long_lines() {
        let log = logged(HandlerLog::Info, "info");
        assert!(log.contains("short line"), "{log}");
        assert!(log.contains("[... 5000 bytes]"), "{log}");
        assert!(log.contains(&"z".repeat(INFO_LINE_MAX)));
        assert!(!log.contains(&"z".repeat(INFO_LINE_MAX + 1)));
        assert!(log.contains("req-1"));
    }

    #[test]
    fn lambda_log_debug_logs_whole_lines_at_debug_only() {
        assert!(!logged(HandlerLog::Debug, "info").contains("short line"));
        let log = logged(HandlerLog::Debug, "debug");
        assert!(log.contains(&"z".repeat(5000)));
        assert!(log.contains("short line"));
    }

    #[test]
    fn lambda_log_off_logs_nothing_but_keeps_the_tail() {
        assert_eq!(logged(HandlerLog::Off, "trace"), "");
        let o = Output::new("fn".into(), HandlerLog::Off);
        o.begin("r");
        o.handler_line("stdout", "kept", false);
        assert_eq!(o.text(), "kept\n");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = "é".repeat(10);
        assert_eq!(head(&s, 5), "éé");
        assert_eq!(tail(&s, 5), "éé");
    }
}
