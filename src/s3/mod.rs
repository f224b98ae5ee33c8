//! S3 on fogbank's port: buckets, objects, multipart, streamed bodies, notifications, CORS,
//! browser form uploads and durable state.
//!
//! - [`front`]: which requests are S3, and serving them through s3s (REST-XML codec, SigV4 in
//!   strict mode) with fogbank's default "any credentials" policy.
//! - [`backend`] (+ `objects`, `listing`, `uploads`): `impl s3s::S3` over the engine.
//! - [`engine`] (+ `list`, `multipart`): buckets, versions, uploads; no HTTP.
//! - [`blob`]: bodies as files in a per-server temp dir (or the data dir), hashed while they stream
//!   ([`checksum`]); [`chunked`]: `aws-chunked` bodies decoded as they stream.
//! - [`events`]: object created/removed events for notifications ([`notify`] delivers them).
//! - [`state`]: buckets, objects and uploads as durable records (`--data-dir`, snapshots).
//! - [`cors`]: preflights and CORS headers from the bucket's CORS configuration.
//! - `post`: POST Object (browser form uploads), streamed, outside s3s.

mod backend;
pub mod blob;
pub mod checksum;
pub mod chunked;
pub mod cors;
pub mod engine;
pub mod events;
pub mod front;
mod list;
mod listing;
pub mod multipart;
pub mod notify;
mod objects;
mod post;
pub mod state;
mod uploads;

pub use engine::S3Engine;
pub use events::{EventKind, ObjectEvent, ObjectEvents};
pub use front::{S3Front, is_s3};
