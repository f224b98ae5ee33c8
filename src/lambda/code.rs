//! Function code on disk: inline zips unpacked once per CodeSha256 (mode bits kept, zip-slip
//! refused), and hot-reload directories used in place and fingerprinted to notice edits.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use super::error::{LambdaError, LambdaResult};

/// The S3 bucket name that marks a hot-reload directory (LocalStack's convention).
pub const HOT_RELOAD_BUCKET: &str = "hot-reload";

/// Where a version's code lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The directory the runtime runs in (`LAMBDA_TASK_ROOT`).
    pub dir: PathBuf,
    /// Base64 SHA-256 of the zip (or of the directory's fingerprint for hot reload).
    pub sha256: String,
    /// Zip size in bytes (0 for hot reload).
    pub size: u64,
    /// A hot-reload directory: edits are picked up by the next invoke.
    pub hot_reload: bool,
}

/// Base64 SHA-256, as Lambda reports CodeSha256.
pub fn sha256_b64(bytes: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(bytes))
}

/// AWS's answer to a deployment package it cannot unpack.
pub const UNZIP_FAILED: &str =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

/// Unpack `zip` under `root/<hex sha256>/` unless it is already there.
pub fn unpack_zip(root: &Path, zip: &[u8]) -> LambdaResult<Code> {
    let digest = Sha256::digest(zip);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let dir = root.join(&hex);
    let code = Code {
        dir: dir.clone(),
        sha256: STANDARD.encode(digest),
        size: zip.len() as u64,
        hot_reload: false,
    };
    if dir.join(".fogbank-complete").exists() {
        return Ok(code);
    }
    // AWS's message, word for word; the reason goes to fogbank's log
    let bad = |e: &dyn std::fmt::Display| {
        tracing::info!(service = "lambda", "refused a zip: {e}");
        LambdaError::invalid(UNZIP_FAILED)
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|e| bad(&e))?;
    let staging = root.join(format!("{hex}.tmp-{}", uuid::Uuid::new_v4().simple()));
    let io = |e: std::io::Error| LambdaError::new(500, "ServiceException", e.to_string());
    std::fs::create_dir_all(&staging).map_err(io)?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| bad(&e))?;
        let Some(rel) = entry.enclosed_name() else {
            return Err(bad(&format!("entry {:?} leaves the archive", entry.name())));
        };
        let out = staging.join(rel);
        if entry.is_dir() {
            std::fs::create_dir_all(&out).map_err(io)?;
            continue;
        }
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data).map_err(|e| bad(&e))?;
        std::fs::write(&out, &data).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = entry.unix_mode().unwrap_or(0o644) & 0o777;
            // Keep executables executable; make every file readable by its owner.
            let mode = if mode == 0 { 0o644 } else { mode | 0o400 };
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(mode)).map_err(io)?;
        }
    }
    std::fs::write(staging.join(".fogbank-complete"), b"").map_err(io)?;
    match std::fs::rename(&staging, &dir) {
        Ok(()) => {}
        // Another upload of the same zip won the race: use its copy.
        Err(_) if dir.join(".fogbank-complete").exists() => {
            let _ = std::fs::remove_dir_all(&staging);
        }
        Err(e) => return Err(io(e)),
    }
    Ok(code)
}

/// A hot-reload directory: must be an absolute path to an existing directory.
pub fn hot_reload(dir: &str) -> LambdaResult<Code> {
    let path = PathBuf::from(dir);
    if !path.is_absolute() || !path.is_dir() {
        return Err(LambdaError::invalid(format!(
            "Hot reload S3Key must be an absolute path to an existing directory: {dir}"
        )));
    }
    Ok(Code {
        sha256: sha256_b64(dir.as_bytes()),
        dir: path,
        size: 0,
        hot_reload: true,
    })
}

/// A cheap fingerprint of a directory tree (paths, sizes, modification times), to notice edits.
pub fn fingerprint(dir: &Path) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut seen = 0usize;
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            seen += 1;
            if seen > 20_000 {
                return h.finish();
            }
            let Ok(meta) = e.metadata() else { continue };
            e.file_name().hash(&mut h);
            meta.len().hash(&mut h);
            if let Ok(m) = meta.modified()
                && let Ok(d) = m.duration_since(UNIX_EPOCH)
            {
                d.as_nanos().hash(&mut h);
            }
            if meta.is_dir() {
                stack.push(e.path());
            }
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &str, u32)]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            for (name, body, mode) in files {
                let opts = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
                w.start_file(*name, opts).expect("start");
                w.write_all(body.as_bytes()).expect("write");
            }
            w.finish().expect("finish");
        }
        buf.into_inner()
    }

    #[test]
    fn unpacks_once_and_keeps_the_executable_bit() {
        let root = std::env::temp_dir().join(format!("fogbank-code-{}", uuid::Uuid::new_v4()));
        let zip = zip_of(&[
            ("bootstrap", "#!/bin/sh\n", 0o755),
            ("lib/a.txt", "a", 0o644),
        ]);
        let code = unpack_zip(&root, &zip).expect("unpack");
        assert_eq!(code.sha256, sha256_b64(&zip));
        assert_eq!(code.size, zip.len() as u64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(code.dir.join("bootstrap"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111);
        }
        assert_eq!(
            std::fs::read_to_string(code.dir.join("lib/a.txt")).expect("read"),
            "a"
        );
        let again = unpack_zip(&root, &zip).expect("unpack again");
        assert_eq!(again, code);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn refuses_garbage_and_escaping_entries() {
        let root = std::env::temp_dir().join(format!("fogbank-code-{}", uuid::Uuid::new_v4()));
        let err = unpack_zip(&root, b"not a zip").expect_err("garbage");
        assert_eq!(err.code, "InvalidParameterValueException");
        let zip = zip_of(&[("../evil", "x", 0o644)]);
        let err = unpack_zip(&root, &zip).expect_err("zip slip");
        assert_eq!(err.code, "InvalidParameterValueException");
        assert!(!root.join("..").join("evil").exists() || root.parent().is_none());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn fingerprint_changes_when_a_file_changes() {
        let dir = std::env::temp_dir().join(format!("fogbank-fp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("a.py"), "x = 1\n").expect("write");
        let before = fingerprint(&dir);
        assert_eq!(before, fingerprint(&dir));
        std::fs::write(dir.join("a.py"), "x = 22\n").expect("write");
        assert_ne!(before, fingerprint(&dir));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
