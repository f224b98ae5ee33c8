//! SNS message signatures: an RSA 2048 key and a self-signed certificate generated once per
//! process, SignatureVersion 1 (SHA1withRSA) and 2 (SHA256withRSA) over AWS's string to sign.
//!
//! Key generation runs on a background thread started by the first CreateTopic, so it never
//! slows the server's start nor costs memory where SNS is unused; the first signature waits
//! for it if it has not finished yet.
//!
//! The key and certificate are made with the `rsa` and `x509-cert` crates; every signature is
//! made by AWS-LC (already linked for TLS), which signs about ten times faster than `rsa`'s
//! constant-time big integers and, unlike `aws-lc-rs`'s safe API, can sign with SHA1.

use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::PrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::sha2::Sha256;
use x509_cert::builder::{Builder, CertificateBuilder, profile};
use x509_cert::der::EncodePem;
use x509_cert::der::pem::LineEnding;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfo;
use x509_cert::time::Validity;

/// The process's signing key and the PEM certificate served at SigningCertURL.
pub struct SigningIdentity {
    signer: LcRsaKey,
    certificate_pem: String,
}

/// An AWS-LC `RSA` private key (owned; freed on drop).
struct LcRsaKey(std::ptr::NonNull<aws_lc_sys::RSA>);

// SAFETY: AWS-LC's RSA objects are safe to use for private-key operations from several threads
// at once once constructed (blinding and Montgomery caches are guarded by the key's own lock).
unsafe impl Send for LcRsaKey {}
// SAFETY: see `Send`; `sign` only takes `&self` and AWS-LC locks what it mutates.
unsafe impl Sync for LcRsaKey {}

impl LcRsaKey {
    /// From a PKCS#1 DER `RSAPrivateKey`.
    fn from_pkcs1_der(der: &[u8]) -> Result<Self, String> {
        // SAFETY: `der` is a valid slice for `der.len()` bytes; a null return means failure.
        let raw = unsafe { aws_lc_sys::RSA_private_key_from_bytes(der.as_ptr(), der.len()) };
        std::ptr::NonNull::new(raw)
            .map(LcRsaKey)
            .ok_or_else(|| "AWS-LC could not parse the RSA key".to_string())
    }

    /// The PKCS#1 v1.5 signature of a digest made with the hash `nid` (`NID_sha1`/`NID_sha256`).
    fn sign_digest(&self, nid: i32, digest: &[u8]) -> Option<Vec<u8>> {
        // SAFETY: the key is a valid RSA object for the lifetime of `self`.
        let size = unsafe { aws_lc_sys::RSA_size(self.0.as_ptr()) } as usize;
        let mut out = vec![0u8; size];
        let mut len: std::os::raw::c_uint = 0;
        // SAFETY: `digest` is readable for its length, `out` writable for RSA_size bytes (the
        // most RSA_sign writes), `len` is a valid out-pointer, and the key outlives the call.
        let ok = unsafe {
            aws_lc_sys::RSA_sign(
                nid,
                digest.as_ptr(),
                digest.len(),
                out.as_mut_ptr(),
                &mut len,
                self.0.as_ptr(),
            )
        };
        if ok != 1 {
            return None;
        }
        out.truncate(len as usize);
        Some(out)
    }
}

impl Drop for LcRsaKey {
    fn drop(&mut self) {
        // SAFETY: we own the one reference AWS-LC gave us.
        unsafe { aws_lc_sys::RSA_free(self.0.as_ptr()) }
    }
}

static IDENTITY: OnceLock<Option<SigningIdentity>> = OnceLock::new();

/// A fixed path under which fogbank also serves the certificate (for tools that look for it).
pub const CERT_PATH: &str = "/_fogbank/sns/SimpleNotificationService.pem";

/// The path of the envelopes' SigningCertURL, named as AWS names its certificates
/// (`/SimpleNotificationService-<32 hex digits>.pem`, on AWS under `sns.<region>.amazonaws.com`),
/// served by fogbank on its own host and port so that validators can fetch it. The digits
/// are chosen once per process, as the key is.
pub fn cert_file_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        format!(
            "/SimpleNotificationService-{}.pem",
            uuid::Uuid::new_v4().simple()
        )
    })
}

/// Start generating the key pair in the background (idempotent, returns at once).
pub fn warm_up() {
    static STARTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if IDENTITY.get().is_some() || STARTED.swap(true, std::sync::atomic::Ordering::AcqRel) {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("fogbank-sns-keygen".to_string())
        .spawn(|| {
            identity();
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start SNS key generation in the background");
    }
}

/// The identity, generating it on this thread if no one has started (else waiting for it).
/// `None` only if generation failed (logged once).
pub fn identity() -> Option<&'static SigningIdentity> {
    IDENTITY
        .get_or_init(|| match SigningIdentity::generate() {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!(error = %e, "SNS signing key generation failed: messages go unsigned");
                None
            }
        })
        .as_ref()
}

/// The PEM certificate, generating the identity first if needed.
pub fn certificate_pem() -> Option<&'static str> {
    identity().map(|i| i.certificate_pem.as_str())
}

impl SigningIdentity {
    fn generate() -> Result<Self, String> {
        let key = PrivateKey::new(&mut getrandom::SysRng, 2048).map_err(|e| e.to_string())?;
        let signer = SigningKey::<Sha256>::new(key.clone());
        let spki =
            SubjectPublicKeyInfo::from_key(&key.to_public_key()).map_err(|e| e.to_string())?;
        let subject =
            Name::from_str("CN=sns.amazonaws.com,O=fogbank,C=US").map_err(|e| e.to_string())?;
        let profile = profile::cabf::Root::new(false, subject).map_err(|e| e.to_string())?;
        let validity = Validity::from_now(Duration::from_secs(10 * 365 * 86_400))
            .map_err(|e| e.to_string())?;
        let serial = SerialNumber::from((uuid::Uuid::new_v4().as_u128() as u32) | 1);
        let cert = CertificateBuilder::new(profile, serial, validity, spki)
            .map_err(|e| e.to_string())?
            .build::<_, rsa::pkcs1v15::Signature>(&signer)
            .map_err(|e| e.to_string())?;
        let certificate_pem = cert.to_pem(LineEnding::LF).map_err(|e| e.to_string())?;
        let der = key.to_pkcs1_der().map_err(|e| e.to_string())?;
        let signer = LcRsaKey::from_pkcs1_der(der.as_bytes())?;
        Ok(SigningIdentity {
            signer,
            certificate_pem,
        })
    }

    /// Base64 of the RSA PKCS#1 v1.5 signature of `text`: SHA1 for version "1", SHA256 for "2".
    pub fn sign(&self, version: SignatureVersion, text: &str) -> String {
        use sha1::Digest;
        let sig = match version {
            SignatureVersion::V1 => self
                .signer
                .sign_digest(aws_lc_sys::NID_sha1, &sha1::Sha1::digest(text.as_bytes())),
            SignatureVersion::V2 => self
                .signer
                .sign_digest(aws_lc_sys::NID_sha256, &Sha256::digest(text.as_bytes())),
        };
        match sig {
            Some(s) => STANDARD.encode(s),
            None => {
                tracing::warn!("SNS message signing failed");
                String::new()
            }
        }
    }
}

/// A topic's `SignatureVersion` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// SHA1withRSA (the default).
    #[default]
    V1,
    /// SHA256withRSA.
    V2,
}

impl SignatureVersion {
    /// From the topic attribute (anything but "2" is version 1).
    pub fn from_attribute(v: Option<&str>) -> Self {
        match v {
            Some("2") => SignatureVersion::V2,
            _ => SignatureVersion::V1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SignatureVersion::V1 => "1",
            SignatureVersion::V2 => "2",
        }
    }
}

/// The base64 signature of `text` (AWS's string to sign, see `sns::envelope`) with the
/// process's key; empty when the key could not be generated.
pub fn sign(version: SignatureVersion, text: &str) -> String {
    identity()
        .map(|id| id.sign(version, text))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_with_the_certificate_key() {
        use rsa::PublicKey;
        use rsa::pkcs8::DecodePublicKey;
        use x509_cert::Certificate;
        use x509_cert::der::{DecodePem, Encode};
        let id = identity().expect("key generated");
        let cert = Certificate::from_pem(id.certificate_pem.as_bytes()).expect("pem parses");
        let spki = cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .expect("spki");
        let public = PublicKey::from_public_key_der(&spki).expect("rsa key");
        let text = "Message\nm\nMessageId\ni\nTimestamp\nt\nTopicArn\na\nType\nNotification\n";
        for v in [SignatureVersion::V1, SignatureVersion::V2] {
            let sig = STANDARD.decode(sign(v, text)).expect("base64");
            let ok = match v {
                SignatureVersion::V1 => public.pkcs1v15_verify::<sha1::Sha1>(text.as_bytes(), &sig),
                SignatureVersion::V2 => public.pkcs1v15_verify::<Sha256>(text.as_bytes(), &sig),
            };
            assert!(ok.is_ok(), "version {}", v.as_str());
        }
        let sig = STANDARD
            .decode(sign(SignatureVersion::V2, text))
            .expect("base64");
        let tampered = text.replace("Message\nm", "Message\nx");
        assert!(
            public
                .pkcs1v15_verify::<Sha256>(tampered.as_bytes(), &sig)
                .is_err()
        );
    }
}
