//! `aws-chunked` request bodies (`Content-Encoding: aws-chunked`, `x-amz-content-sha256:
//! STREAMING-*`): `<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;...]\r\n`, then
//! optional trailers (`x-amz-checksum-crc32:<b64>\r\n`, `x-amz-trailer-signature:...`) and a
//! closing `\r\n`. Decoded as the body streams; the trailers land in a [`Trailers`] slot once
//! the last chunk has been read. Chunk signatures are not checked here (fogbank accepts any
//! credentials unless strict mode, where s3s checks them).

use std::sync::{Arc, Mutex};

use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};

/// Longest chunk header or trailer line accepted.
const MAX_LINE: usize = 4096;
/// Most trailer bytes accepted.
const MAX_TRAILERS: usize = 16 * 1024;

/// Trailing headers of an `aws-chunked` body, filled when the body has been read to its end.
#[derive(Debug, Clone, Default)]
pub struct Trailers(Arc<Mutex<Option<HeaderList>>>);

/// Header names (lower case) and values.
pub type HeaderList = Vec<(String, String)>;

impl Trailers {
    /// The trailers (lower-case names), `None` until the body has been read to its end.
    pub fn get(&self) -> Option<HeaderList> {
        self.0.lock().ok().and_then(|g| g.clone())
    }

    fn set(&self, v: HeaderList) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(v);
        }
    }
}

/// The body is not valid `aws-chunked` framing.
#[derive(Debug)]
pub struct ChunkError(pub &'static str);

impl std::fmt::Display for ChunkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ChunkError {}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

enum State {
    Header,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
}

struct Decoder<S> {
    inner: S,
    buf: BytesMut,
    state: State,
    trailers: Vec<(String, String)>,
    trailer_bytes: usize,
    slot: Trailers,
    ended: bool,
}

/// Decode an `aws-chunked` stream into the payload's bytes.
pub fn decode<S, E>(
    inner: S,
    slot: Trailers,
) -> impl Stream<Item = Result<Bytes, BoxError>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
    E: Into<BoxError>,
{
    let d = Decoder {
        inner,
        buf: BytesMut::new(),
        state: State::Header,
        trailers: Vec::new(),
        trailer_bytes: 0,
        slot,
        ended: false,
    };
    futures::stream::unfold(d, |mut d| async move {
        if matches!(d.state, State::Done) {
            return None;
        }
        match d.next().await {
            Ok(Some(b)) => Some((Ok(b), d)),
            Ok(None) => None,
            Err(e) => {
                d.state = State::Done;
                Some((Err(e), d))
            }
        }
    })
}

impl<S, E> Decoder<S>
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
    E: Into<BoxError>,
{
    /// Pull more input; false at the end of the input.
    async fn fill(&mut self) -> Result<bool, BoxError> {
        if self.ended {
            return Ok(false);
        }
        match self.inner.next().await {
            Some(Ok(b)) => {
                self.buf.extend_from_slice(&b);
                Ok(true)
            }
            Some(Err(e)) => Err(e.into()),
            None => {
                self.ended = true;
                Ok(false)
            }
        }
    }

    /// Take one CRLF-terminated line (without the CRLF).
    async fn line(&mut self) -> Result<BytesMut, BoxError> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf.split_to(i);
                self.buf.advance(2);
                return Ok(line);
            }
            if self.buf.len() > MAX_LINE {
                return Err(Box::new(ChunkError("chunk header line too long")));
            }
            if !self.fill().await? {
                return Err(Box::new(ChunkError("body ended inside a chunk header")));
            }
        }
    }

    async fn next(&mut self) -> Result<Option<Bytes>, BoxError> {
        loop {
            match self.state {
                State::Header => {
                    let line = self.line().await?;
                    let text = std::str::from_utf8(&line)
                        .map_err(|_| ChunkError("chunk header is not text"))?;
                    let size = text.split(';').next().unwrap_or("").trim();
                    let size = u64::from_str_radix(size, 16)
                        .map_err(|_| ChunkError("chunk size is not hex"))?;
                    self.state = if size == 0 {
                        State::Trailers
                    } else {
                        State::Data(size)
                    };
                }
                State::Data(left) => {
                    if self.buf.is_empty() && !self.fill().await? {
                        return Err(Box::new(ChunkError("body ended inside a chunk")));
                    }
                    let take = (self.buf.len() as u64).min(left) as usize;
                    let out = self.buf.split_to(take).freeze();
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                    if !out.is_empty() {
                        return Ok(Some(out));
                    }
                }
                State::DataEnd => {
                    let line = self.line().await?;
                    if !line.is_empty() {
                        return Err(Box::new(ChunkError("chunk data longer than its size")));
                    }
                    self.state = State::Header;
                }
                State::Trailers => {
                    if self.buf.is_empty() && !self.fill().await? {
                        // `0\r\n` and nothing after: tolerated (no trailers, no closing line).
                        self.finish();
                        return Ok(None);
                    }
                    let line = self.line().await?;
                    if line.is_empty() {
                        self.finish();
                        return Ok(None);
                    }
                    self.trailer_bytes += line.len();
                    if self.trailer_bytes > MAX_TRAILERS {
                        return Err(Box::new(ChunkError("trailers too long")));
                    }
                    let text = std::str::from_utf8(&line)
                        .map_err(|_| ChunkError("trailer is not text"))?;
                    let Some((k, v)) = text.split_once(':') else {
                        return Err(Box::new(ChunkError("malformed trailer")));
                    };
                    self.trailers
                        .push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
                State::Done => return Ok(None),
            }
        }
    }

    fn finish(&mut self) {
        self.state = State::Done;
        self.slot.set(std::mem::take(&mut self.trailers));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run(parts: Vec<&'static [u8]>) -> (Result<Vec<u8>, String>, Trailers) {
        let slot = Trailers::default();
        let input = futures::stream::iter(
            parts
                .into_iter()
                .map(|p| Ok::<_, std::io::Error>(Bytes::from_static(p))),
        );
        let mut out = Vec::new();
        let mut s = Box::pin(decode(input, slot.clone()));
        while let Some(b) = s.next().await {
            match b {
                Ok(b) => out.extend_from_slice(&b),
                Err(e) => return (Err(e.to_string()), slot),
            }
        }
        (Ok(out), slot)
    }

    #[tokio::test]
    async fn unsigned_with_trailer_split_anywhere() {
        let (out, slot) = run(vec![
            b"5\r\nhel",
            b"lo\r\n6\r",
            b"\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
        ])
        .await;
        assert_eq!(out.unwrap(), b"hello world");
        assert_eq!(
            slot.get().unwrap(),
            vec![("x-amz-checksum-crc32".to_string(), "DUoRhQ==".to_string())]
        );
    }

    #[tokio::test]
    async fn signed_chunks() {
        let (out, slot) = run(vec![
            b"3;chunk-signature=abc\r\nabc\r\n0;chunk-signature=def\r\n\r\n",
        ])
        .await;
        assert_eq!(out.unwrap(), b"abc");
        assert_eq!(slot.get().unwrap(), vec![]);
    }

    #[tokio::test]
    async fn truncated_and_malformed_are_errors() {
        assert!(run(vec![b"5\r\nhel"]).await.0.is_err());
        assert!(run(vec![b"zz\r\nhello\r\n"]).await.0.is_err());
        assert!(run(vec![b"2\r\nhello\r\n0\r\n\r\n"]).await.0.is_err());
    }
}
