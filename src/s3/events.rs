//! What the engine reports when objects come and go or their tags change, for event
//! notifications (`super::notify` delivers them to SQS, SNS and Lambda). The engine calls
//! [`ObjectEvents::object_event`] after the change is visible, outside its locks.

/// The kind of change (S3's event names without the `s3:` prefix and category).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `ObjectCreated:Put`
    Put,
    /// `ObjectCreated:Post`
    Post,
    /// `ObjectCreated:Copy`
    Copy,
    /// `ObjectCreated:CompleteMultipartUpload`
    CompleteMultipartUpload,
    /// `ObjectRemoved:Delete`
    Delete,
    /// `ObjectRemoved:DeleteMarkerCreated`
    DeleteMarkerCreated,
    /// `ObjectTagging:Put` (PutObjectTagging)
    TaggingPut,
    /// `ObjectTagging:Delete` (DeleteObjectTagging)
    TaggingDelete,
}

impl EventKind {
    /// The event name as S3 writes it in a record, e.g. `ObjectCreated:Put`.
    pub fn event_name(self) -> &'static str {
        match self {
            EventKind::Put => "ObjectCreated:Put",
            EventKind::Post => "ObjectCreated:Post",
            EventKind::Copy => "ObjectCreated:Copy",
            EventKind::CompleteMultipartUpload => "ObjectCreated:CompleteMultipartUpload",
            EventKind::Delete => "ObjectRemoved:Delete",
            EventKind::DeleteMarkerCreated => "ObjectRemoved:DeleteMarkerCreated",
            EventKind::TaggingPut => "ObjectTagging:Put",
            EventKind::TaggingDelete => "ObjectTagging:Delete",
        }
    }

    /// The record's `eventVersion`: S3 writes 2.3 for object tagging events, 2.1 otherwise.
    pub fn event_version(self) -> &'static str {
        match self {
            EventKind::TaggingPut | EventKind::TaggingDelete => "2.3",
            _ => "2.1",
        }
    }
}

/// One object created or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEvent {
    pub kind: EventKind,
    pub bucket: String,
    /// The bucket owner's account.
    pub account: String,
    /// The bucket's region.
    pub region: String,
    pub key: String,
    pub size: u64,
    /// Unquoted ETag (empty for delete markers).
    pub etag: String,
    /// The version id, when the bucket is versioned.
    pub version_id: Option<String>,
    /// Increasing per engine (hex), as S3's `sequencer`.
    pub sequencer: String,
}

/// Receives object events.
pub trait ObjectEvents: Send + Sync {
    fn object_event(&self, event: ObjectEvent);

    /// The destination ARNs of a notification configuration that do not exist (S3 refuses
    /// the configuration naming them).
    fn missing_destinations(&self, _arns: &[String]) -> Vec<String> {
        Vec::new()
    }

    /// A configuration was stored: S3 sends its `s3:TestEvent` to the SQS destinations.
    fn configured(&self, _bucket: &str, _queue_arns: &[String]) {}
}
