//! GetFunction's `Code.Location`: a presigned-looking URL on fogbank's own port that downloads
//! the deployment package (the zip as uploaded), as AWS answers a presigned S3 URL.
//!
//! The path names the account, the function and the zip's SHA-256 (hex); `X-Amz-Signature`
//! is a MAC of that path under a key drawn once per process, so a URL works only as handed
//! out (by this process) and a zip cannot be fetched by guessing its hash. `X-Amz-Expires`
//! is shown as AWS shows it (600) but not enforced.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::*;

/// Where the packages are served (a GET under fogbank's own `/_fogbank/` prefix).
pub const CODE_PATH: &str = "/_fogbank/lambda/code/snapshots";

fn key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut k = [0u8; 32];
        k[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        k[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        k
    })
}

/// Hex MAC of a package path (`<account>/<name>-<hex>`).
fn mac(path: &str) -> String {
    let mut inner = Sha256::new();
    inner.update(key());
    inner.update(path.as_bytes());
    let mut outer = Sha256::new();
    outer.update(key());
    outer.update(inner.finalize());
    outer
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a refused download answers (S3's wording for a bad presigned URL).
#[derive(Debug, PartialEq, Eq)]
pub enum DownloadError {
    Forbidden,
    NotFound,
}

impl LambdaEngine {
    /// The URL of a version's package, on the host the request reached; `None` for a
    /// directory run in place (which has no package).
    pub(super) fn code_location(
        &self,
        host: &str,
        account: &str,
        function_name: &str,
        code: &Code,
    ) -> Option<String> {
        if code.hot_reload {
            return None;
        }
        let hex = code::hex_of(&code.dir)?;
        let rel = format!("{account}/{function_name}-{hex}");
        let date = crate::sns::engine::iso8601(now_ms())
            .replace(['-', ':'], "")
            .split('.')
            .next()
            .unwrap_or_default()
            .to_string();
        Some(format!(
            "http://{host}{CODE_PATH}/{rel}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}Z&X-Amz-SignedHeaders=host&X-Amz-Expires=600&X-Amz-Credential={account}%2F{}%2Flambda%2Faws4_request&X-Amz-Signature={}",
            &date[..8.min(date.len())],
            mac(&rel)
        ))
    }

    /// The zip a package URL names: `rel` is the path after [`CODE_PATH`], `query` the URL's
    /// query string.
    pub fn code_download(&self, rel: &str, query: &str) -> Result<Vec<u8>, DownloadError> {
        let rel = rel.trim_start_matches('/');
        let signature = form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "X-Amz-Signature")
            .map(|(_, v)| v.into_owned())
            .ok_or(DownloadError::Forbidden)?;
        if signature != mac(rel) {
            return Err(DownloadError::Forbidden);
        }
        let hex = rel
            .rsplit_once('-')
            .map(|(_, h)| h)
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or(DownloadError::NotFound)?;
        std::fs::read(self.data_dir.join("zips").join(format!("{hex}.zip")))
            .map_err(|_| DownloadError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::mac;

    #[test]
    fn the_mac_depends_on_the_path() {
        assert_eq!(mac("1/a-b"), mac("1/a-b"));
        assert_ne!(mac("1/a-b"), mac("1/a-c"));
        assert_eq!(mac("x").len(), 64);
    }
}
