//! Codecs shared by the services: the query protocol's form decoding, XML writing, and the
//! protocol-neutral [`Reply`] every service codec produces.

pub mod node;
pub mod query;
pub mod xml;

/// A rendered response: status, content type, extra headers and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// An AWS JSON 1.0 reply.
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Reply {
            status,
            content_type: "application/x-amz-json-1.0",
            headers: Vec::new(),
            body,
        }
    }

    /// A query-protocol XML reply.
    pub fn xml(status: u16, body: String) -> Self {
        Reply {
            status,
            content_type: "text/xml",
            headers: Vec::new(),
            body: body.into_bytes(),
        }
    }
}
