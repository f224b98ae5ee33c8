//! Lambda request and response shapes (REST-JSON, PascalCase field names, output members
//! named as the botocore Lambda model names them), by concern.

use serde::{Deserialize, Serialize};

mod access;
mod aliases;
mod esm;
mod functions;
mod invoke_config;
mod layers;
mod urls;

pub use access::*;
pub use aliases::*;
pub use esm::*;
pub use functions::*;
pub use invoke_config::*;
pub use layers::*;
pub use urls::*;

/// Epoch milliseconds, serialized as fractional epoch seconds (as Lambda does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochSeconds(pub u64);

impl Serialize for EpochSeconds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0 as f64 / 1000.0)
    }
}

impl<'de> Deserialize<'de> for EpochSeconds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let secs = f64::deserialize(d)?;
        if !secs.is_finite() || secs < 0.0 {
            return Err(serde::de::Error::custom("not an epoch time"));
        }
        Ok(EpochSeconds((secs * 1000.0).round() as u64))
    }
}
