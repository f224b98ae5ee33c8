//! Body digests computed while a body streams: MD5 (the ETag) and the additional checksums S3
//! keeps (CRC32, CRC32C, CRC64NVME, SHA1, SHA256), each rendered base64 as S3 shows them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest as _, Md5};

/// An additional checksum algorithm (`x-amz-checksum-*`, `x-amz-sdk-checksum-algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl Algorithm {
    /// Every algorithm, in a fixed order.
    pub const ALL: [Algorithm; 5] = [
        Algorithm::Crc32,
        Algorithm::Crc32c,
        Algorithm::Crc64Nvme,
        Algorithm::Sha1,
        Algorithm::Sha256,
    ];

    /// The name S3 uses (`CRC32`, `CRC32C`, `CRC64NVME`, `SHA1`, `SHA256`), any case accepted.
    pub fn parse(name: &str) -> Option<Algorithm> {
        match name.to_ascii_uppercase().as_str() {
            "CRC32" => Some(Algorithm::Crc32),
            "CRC32C" => Some(Algorithm::Crc32c),
            "CRC64NVME" => Some(Algorithm::Crc64Nvme),
            "SHA1" => Some(Algorithm::Sha1),
            "SHA256" => Some(Algorithm::Sha256),
            _ => None,
        }
    }

    /// The upper-case name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "CRC32",
            Algorithm::Crc32c => "CRC32C",
            Algorithm::Crc64Nvme => "CRC64NVME",
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
        }
    }

    /// The trailer / header name, e.g. `x-amz-checksum-crc32`.
    pub fn header(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "x-amz-checksum-crc32",
            Algorithm::Crc32c => "x-amz-checksum-crc32c",
            Algorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Algorithm::Sha1 => "x-amz-checksum-sha1",
            Algorithm::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// Whether a (base64) value has the right decoded length for the algorithm.
    pub fn valid_value(self, b64: &str) -> bool {
        let len = match self {
            Algorithm::Crc32 | Algorithm::Crc32c => 4,
            Algorithm::Crc64Nvme => 8,
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
        };
        STANDARD.decode(b64).is_ok_and(|v| v.len() == len)
    }

    fn hasher(self) -> Hasher {
        match self {
            Algorithm::Crc32 => {
                Hasher::Crc(crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc32IsoHdlc))
            }
            Algorithm::Crc32c => {
                Hasher::Crc(crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc32Iscsi))
            }
            Algorithm::Crc64Nvme => {
                Hasher::Crc64(crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc64Nvme))
            }
            Algorithm::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
        }
    }
}

enum Hasher {
    Crc(crc_fast::Digest),
    Crc64(crc_fast::Digest),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl Hasher {
    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Crc(d) | Hasher::Crc64(d) => d.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Crc(d) => (d.finalize() as u32).to_be_bytes().to_vec(),
            Hasher::Crc64(d) => d.finalize().to_be_bytes().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// MD5 plus any number of additional checksums over one stream of bytes.
pub struct Digests {
    md5: Md5,
    extra: Vec<(Algorithm, Hasher)>,
    len: u64,
}

/// What [`Digests`] found: the MD5 (raw) and base64 checksums per algorithm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Digested {
    pub md5: [u8; 16],
    pub len: u64,
    pub checksums: Vec<(Algorithm, String)>,
}

impl Digested {
    /// The quoted hex ETag of a single-part body.
    pub fn etag(&self) -> String {
        format!("\"{}\"", hex(&self.md5))
    }

    /// The base64 checksum computed for an algorithm.
    pub fn checksum(&self, algorithm: Algorithm) -> Option<&str> {
        self.checksums
            .iter()
            .find(|(a, _)| *a == algorithm)
            .map(|(_, v)| v.as_str())
    }
}

impl Digests {
    /// Digests computing MD5 and the given algorithms (duplicates ignored).
    pub fn new(algorithms: &[Algorithm]) -> Self {
        let mut extra: Vec<(Algorithm, Hasher)> = Vec::new();
        for a in algorithms {
            if !extra.iter().any(|(b, _)| b == a) {
                extra.push((*a, a.hasher()));
            }
        }
        Digests {
            md5: Md5::new(),
            extra,
            len: 0,
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        for (_, h) in &mut self.extra {
            h.update(data);
        }
        self.len += data.len() as u64;
    }

    pub fn finish(self) -> Digested {
        Digested {
            md5: self.md5.finalize().into(),
            len: self.len,
            checksums: self
                .extra
                .into_iter()
                .map(|(a, h)| (a, STANDARD.encode(h.finish())))
                .collect(),
        }
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Base64 (standard alphabet, padded).
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decode standard base64, `None` when it is not.
pub fn unb64(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let mut d = Digests::new(&[Algorithm::Crc32, Algorithm::Crc32c, Algorithm::Sha256]);
        d.update(b"hello ");
        d.update(b"world");
        let out = d.finish();
        assert_eq!(out.etag(), "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
        // CRC32("hello world") = 0x0d4a1185, CRC32C = 0xc99465aa
        assert_eq!(out.checksum(Algorithm::Crc32), Some("DUoRhQ=="));
        assert_eq!(out.checksum(Algorithm::Crc32c), Some("yZRlqg=="));
        assert_eq!(out.len, 11);
    }
}
