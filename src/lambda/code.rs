//! Function code on disk: inline zips unpacked once per CodeSha256 (mode bits kept, zip-slip
//! refused, AWS's size limits enforced on the bytes actually written), and hot-reload
//! directories used in place and fingerprinted to notice edits.

use std::io::{Read, Write};
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

/// AWS's limit on a function's code and its layers, unzipped together (250 MB).
pub const MAX_UNZIPPED: u64 = 262_144_000;

/// AWS's limit on a zip uploaded directly (`ZipFile`), after base64 decoding (50 MB).
pub const MAX_ZIPPED: usize = 52_428_800;

/// The most entries fogbank unpacks from one zip (AWS states no such limit; this bounds the
/// number of files a 50 MB zip of empty entries could create).
pub const MAX_ENTRIES: usize = 100_000;

/// The longest entry path fogbank unpacks, in bytes, and the longest single name in it (the
/// usual file system limit).
pub const MAX_PATH: usize = 2048;
pub const MAX_NAME: usize = 255;

/// Inside every unpacked directory: marks it complete and records its unzipped size.
const COMPLETE: &str = ".fogbank-complete";

/// AWS's refusal of code (with its layers) that unzips to `limit` bytes or more.
pub fn too_big(limit: u64) -> LambdaError {
    LambdaError::invalid(format!("Unzipped size must be smaller than {limit} bytes"))
}

/// Decode an inline `ZipFile`; AWS refuses one of more than 50 MB with 413.
pub fn decode_zip(b64: &str) -> LambdaResult<Vec<u8>> {
    let bytes = STANDARD
        .decode(b64.trim())
        .map_err(|_| LambdaError::invalid(UNZIP_FAILED))?;
    if bytes.len() > MAX_ZIPPED {
        return Err(LambdaError::new(
            413,
            "RequestEntityTooLargeException",
            format!("Zipped size must be smaller than {MAX_ZIPPED} bytes"),
        ));
    }
    Ok(bytes)
}

/// The unzipped bytes an unpacked code directory holds (0 for hot reload, which has no limit).
pub fn unzipped_size(code: &Code) -> u64 {
    if code.hot_reload {
        return 0;
    }
    recorded_size(&code.dir)
}

fn recorded_size(dir: &Path) -> u64 {
    std::fs::read_to_string(dir.join(COMPLETE))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn layers_size(layer_dirs: &[PathBuf]) -> u64 {
    layer_dirs
        .iter()
        .map(|d| recorded_size(d))
        .fold(0, u64::saturating_add)
}

/// What is left of the 262,144,000 bytes for a function's own code once its layers (their
/// unpacked directories) are counted.
pub fn budget_beside(layer_dirs: &[PathBuf]) -> u64 {
    MAX_UNZIPPED.saturating_sub(layers_size(layer_dirs))
}

/// Unpack a function's zip beside its layers (CreateFunction, UpdateFunctionCode): the code
/// must be smaller than what the layers leave, and AWS's message names that number. Layers
/// that fill the limit by themselves get the combined check's answer.
pub fn unpack_function(root: &Path, zip: &[u8], layer_dirs: &[PathBuf]) -> LambdaResult<Code> {
    let budget = budget_beside(layer_dirs);
    if budget == 0 {
        let code = unpack_zip(root, zip, MAX_UNZIPPED)?;
        check_combined(&code, layer_dirs)?;
        return Ok(code);
    }
    unpack_zip(root, zip, budget)
}

/// UpdateFunctionConfiguration's check when the layers change: code plus layers may not
/// exceed the limit.
pub fn check_combined(code: &Code, layer_dirs: &[PathBuf]) -> LambdaResult<()> {
    let total = unzipped_size(code).saturating_add(layers_size(layer_dirs));
    if total > MAX_UNZIPPED {
        return Err(LambdaError::invalid(format!(
            "Function code combined with layers exceeds the maximum allowed size of {MAX_UNZIPPED} bytes. The actual size is {total} bytes."
        )));
    }
    Ok(())
}

/// Why copying one entry stopped before its end.
#[derive(Debug)]
enum Stop {
    /// The entry produced more bytes than its header declares: the archive lies.
    Declared,
    /// The bytes written so far reached the unzipped limit.
    Limit,
    Read(std::io::Error),
    Write(std::io::Error),
}

/// Copy one entry through a 64 KiB buffer, counting the bytes actually produced: never more
/// than `declared` (what the archive claims) nor `allowed` (what is left of the limit) reach
/// `out`; one byte past either stops the copy.
fn copy_entry(
    entry: &mut dyn Read,
    out: &mut dyn Write,
    declared: u64,
    allowed: u64,
    buf: &mut [u8],
) -> Result<u64, Stop> {
    let cap = declared.min(allowed);
    let mut limited = entry.take(cap.saturating_add(1));
    let mut copied = 0u64;
    loop {
        let n = match limited.read(buf) {
            Ok(0) => return Ok(copied),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Read(e)),
        };
        copied += n as u64;
        if copied > cap {
            return Err(if copied > allowed {
                Stop::Limit
            } else {
                Stop::Declared
            });
        }
        out.write_all(&buf[..n]).map_err(Stop::Write)?;
    }
}

/// A staging directory removed on drop, so a refused or failed unpack leaves nothing behind.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        if self.0.exists() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A file system error while unpacking: the disk's fault is fogbank's (500), anything else
/// (a name that clashes with a directory, a duplicate made read-only...) is the archive's.
fn fs_error(e: std::io::Error) -> LambdaError {
    use std::io::ErrorKind::{OutOfMemory, QuotaExceeded, StorageFull};
    if matches!(e.kind(), StorageFull | QuotaExceeded | OutOfMemory) {
        return LambdaError::new(500, "ServiceException", e.to_string());
    }
    unzip_failed(&e)
}

/// AWS's message, word for word; the reason goes to fogbank's log.
fn unzip_failed(reason: &dyn std::fmt::Display) -> LambdaError {
    tracing::info!(service = "lambda", "refused a zip: {reason}");
    LambdaError::invalid(UNZIP_FAILED)
}

/// An entry's path inside the code directory, or why it may not be unpacked.
fn entry_path(name: &str, enclosed: Option<PathBuf>) -> LambdaResult<PathBuf> {
    let Some(rel) = enclosed else {
        return Err(unzip_failed(&format!("entry {name:?} leaves the archive")));
    };
    let longest = rel
        .components()
        .map(|c| c.as_os_str().len())
        .max()
        .unwrap_or(0);
    if name.len() > MAX_PATH || longest > MAX_NAME {
        return Err(LambdaError::invalid(format!(
            "Could not unzip uploaded file: entry paths may be at most {MAX_PATH} bytes, with names of at most {MAX_NAME} bytes (fogbank's limits); {:?} is not.",
            name.chars().take(80).collect::<String>()
        )));
    }
    Ok(rel)
}

/// Unpack `zip` under `root/<hex sha256>/` unless it is already there, refusing it when it
/// unzips to `limit` bytes or more (262,144,000 less the function's layers).
///
/// The sizes the archive declares are summed first, so an archive that claims too much is
/// refused before anything is written; each entry is then streamed to its file and counted as
/// it is produced, and one that produces more than it declares is refused as corrupt. Nothing
/// is sized from the archive's claims, and a refused or failed unpack is removed.
pub fn unpack_zip(root: &Path, zip: &[u8], limit: u64) -> LambdaResult<Code> {
    let digest = Sha256::digest(zip);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let dir = root.join(&hex);
    let code = Code {
        dir: dir.clone(),
        sha256: STANDARD.encode(digest),
        size: zip.len() as u64,
        hot_reload: false,
    };
    if dir.join(COMPLETE).exists() {
        if recorded_size(&dir) >= limit {
            return Err(too_big(limit));
        }
        return Ok(code);
    }
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|e| unzip_failed(&e))?;
    if archive.len() > MAX_ENTRIES {
        return Err(LambdaError::invalid(format!(
            "Could not unzip uploaded file: it has {} entries, more than fogbank unpacks ({MAX_ENTRIES}).",
            archive.len()
        )));
    }
    // What the archive claims, before writing anything: AWS refuses on these sizes too.
    let mut claimed = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| unzip_failed(&e))?;
        entry_path(entry.name(), entry.enclosed_name())?;
        claimed = claimed.saturating_add(entry.size());
    }
    if claimed >= limit {
        return Err(too_big(limit));
    }
    std::fs::create_dir_all(root)
        .map_err(|e| LambdaError::new(500, "ServiceException", e.to_string()))?;
    let staging = Staging(root.join(format!("{hex}.tmp-{}", uuid::Uuid::new_v4().simple())));
    std::fs::create_dir(&staging.0)
        .map_err(|e| LambdaError::new(500, "ServiceException", e.to_string()))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| unzip_failed(&e))?;
        let out = staging
            .0
            .join(entry_path(entry.name(), entry.enclosed_name())?);
        if entry.is_dir() {
            std::fs::create_dir_all(&out).map_err(fs_error)?;
            continue;
        }
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(fs_error)?;
        }
        let mut file = std::fs::File::create(&out).map_err(fs_error)?;
        let declared = entry.size();
        // `claimed < limit` so this is at least 1: one more byte than that reaches the limit.
        let allowed = (limit - 1).saturating_sub(written);
        written += match copy_entry(&mut entry, &mut file, declared, allowed, &mut buf) {
            Ok(n) => n,
            Err(Stop::Limit) => return Err(too_big(limit)),
            Err(Stop::Declared) => {
                return Err(unzip_failed(&format!(
                    "entry {:?} holds more than the {declared} bytes it declares",
                    entry.name()
                )));
            }
            Err(Stop::Read(e)) => return Err(unzip_failed(&e)),
            Err(Stop::Write(e)) => return Err(fs_error(e)),
        };
        drop(file);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = entry.unix_mode().unwrap_or(0o644) & 0o777;
            // Keep executables executable; make every file readable by its owner.
            let mode = if mode == 0 { 0o644 } else { mode | 0o400 };
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(mode))
                .map_err(fs_error)?;
        }
    }
    let io = |e: std::io::Error| LambdaError::new(500, "ServiceException", e.to_string());
    std::fs::write(staging.0.join(COMPLETE), written.to_string()).map_err(io)?;
    match std::fs::rename(&staging.0, &dir) {
        Ok(()) => {}
        // Another upload of the same zip won the race: use its copy (staging is dropped).
        Err(_) if dir.join(COMPLETE).exists() => {}
        Err(e) => return Err(io(e)),
    }
    Ok(code)
}

/// The hex SHA-256 naming unpacked code (its directory's name).
pub fn hex_of(dir: &Path) -> Option<String> {
    dir.file_name()
        .and_then(|n| n.to_str())
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

/// Write `zip` to `path` unless it is there already (the original zip of unpacked code, kept
/// so that it can be exported and stored).
pub fn keep_zip(path: &Path, zip: &[u8]) -> LambdaResult<()> {
    if path.exists() {
        return Ok(());
    }
    let io = |e: std::io::Error| LambdaError::new(500, "ServiceException", e.to_string());
    let tmp = path.with_extension(format!("zip.tmp-{}", uuid::Uuid::new_v4().simple()));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(&tmp, zip).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
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

    fn temp_root(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("fogbank-{tag}-{}", uuid::Uuid::new_v4()))
    }

    /// The names under a directory (none when it does not exist).
    fn listing(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A one-entry stored zip written by hand, declaring `declared` uncompressed bytes (with a
    /// zip64 extra field in both headers when that does not fit 32 bits).
    fn stored_zip_declaring(name: &str, data: &[u8], declared: u64) -> Vec<u8> {
        let zip64 = declared >= u32::MAX as u64;
        let size32 = |v: u64| if zip64 { u32::MAX } else { v as u32 };
        let mut extra = Vec::new();
        if zip64 {
            extra.extend_from_slice(&1u16.to_le_bytes());
            extra.extend_from_slice(&16u16.to_le_bytes());
            extra.extend_from_slice(&declared.to_le_bytes());
            extra.extend_from_slice(&(data.len() as u64).to_le_bytes());
        }
        let mut z = Vec::new();
        z.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        z.extend_from_slice(&45u16.to_le_bytes()); // version needed
        z.extend_from_slice(&[0; 4]); // flags, method (stored)
        z.extend_from_slice(&[0; 4]); // time, date
        z.extend_from_slice(&0u32.to_le_bytes()); // crc (never reached)
        z.extend_from_slice(&size32(data.len() as u64).to_le_bytes());
        z.extend_from_slice(&size32(declared).to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        z.extend_from_slice(name.as_bytes());
        z.extend_from_slice(&extra);
        z.extend_from_slice(data);
        let cd = z.len();
        z.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        z.extend_from_slice(&((3u16 << 8) | 45).to_le_bytes()); // made by unix
        z.extend_from_slice(&45u16.to_le_bytes());
        z.extend_from_slice(&[0; 8]); // flags, method, time, date
        z.extend_from_slice(&0u32.to_le_bytes());
        z.extend_from_slice(&size32(data.len() as u64).to_le_bytes());
        z.extend_from_slice(&size32(declared).to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        z.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        z.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
        z.extend_from_slice(&0u32.to_le_bytes()); // local header at 0
        z.extend_from_slice(name.as_bytes());
        z.extend_from_slice(&extra);
        let cd_len = z.len() - cd;
        z.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        z.extend_from_slice(&[0; 4]);
        z.extend_from_slice(&1u16.to_le_bytes());
        z.extend_from_slice(&1u16.to_le_bytes());
        z.extend_from_slice(&(cd_len as u32).to_le_bytes());
        z.extend_from_slice(&(cd as u32).to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z
    }

    #[test]
    fn unpacks_once_and_keeps_the_executable_bit() {
        let root = temp_root("code");
        let zip = zip_of(&[
            ("bootstrap", "#!/bin/sh\n", 0o755),
            ("lib/a.txt", "a", 0o644),
        ]);
        let code = unpack_zip(&root, &zip, MAX_UNZIPPED).expect("unpack");
        assert_eq!(code.sha256, sha256_b64(&zip));
        assert_eq!(code.size, zip.len() as u64);
        assert_eq!(unzipped_size(&code), 11);
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
        let again = unpack_zip(&root, &zip, MAX_UNZIPPED).expect("unpack again");
        assert_eq!(again, code);
        // only the unpacked directory: no staging left over
        assert_eq!(listing(&root).len(), 1);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn refuses_garbage_and_escaping_entries() {
        let root = temp_root("code");
        let err = unpack_zip(&root, b"not a zip", MAX_UNZIPPED).expect_err("garbage");
        assert_eq!(err.code, "InvalidParameterValueException");
        assert_eq!(err.message, UNZIP_FAILED);
        let zip = zip_of(&[("ok.txt", "fine", 0o644), ("../evil", "x", 0o644)]);
        let err = unpack_zip(&root, &zip, MAX_UNZIPPED).expect_err("zip slip");
        assert_eq!(err.code, "InvalidParameterValueException");
        assert_eq!(err.message, UNZIP_FAILED);
        assert!(!root.join("..").join("evil").exists() || root.parent().is_none());
        // refused while reading the names: nothing was written
        assert!(listing(&root).is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_limit_is_exclusive_and_counts_every_entry() {
        let root = temp_root("code");
        let zip = zip_of(&[
            ("a", &"x".repeat(60), 0o644),
            ("b/c", &"y".repeat(39), 0o644),
        ]);
        let err = unpack_zip(&root, &zip, 99).expect_err("99 bytes is not smaller than 99");
        assert_eq!(err.code, "InvalidParameterValueException");
        assert_eq!(err.message, "Unzipped size must be smaller than 99 bytes");
        assert!(listing(&root).is_empty());
        let code = unpack_zip(&root, &zip, 100).expect("99 < 100");
        assert_eq!(unzipped_size(&code), 99);
        // the same zip again, now beside layers that leave less room: refused from the record
        let err = unpack_zip(&root, &zip, 50).expect_err("cached but too big");
        assert_eq!(err.message, "Unzipped size must be smaller than 50 bytes");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_claim_of_two_to_the_62_bytes_is_refused_without_allocating_or_writing() {
        let root = temp_root("code");
        let zip = stored_zip_declaring("app.py", b"print('hi')\n", 1 << 62);
        let err = unpack_zip(&root, &zip, MAX_UNZIPPED).expect_err("claims too much");
        assert_eq!(err.code, "InvalidParameterValueException");
        assert_eq!(
            err.message,
            "Unzipped size must be smaller than 262144000 bytes"
        );
        assert!(listing(&root).is_empty());
    }

    #[test]
    fn an_entry_producing_more_than_it_declares_is_refused_as_corrupt() {
        let root = temp_root("code");
        // stored: 4 bytes declared, 4096 present
        let zip = stored_zip_declaring("app.py", &[b'#'; 4096], 4);
        let err = unpack_zip(&root, &zip, MAX_UNZIPPED).expect_err("stored lie");
        assert_eq!(err.message, UNZIP_FAILED);
        assert!(listing(&root).is_empty(), "staging removed");
        // deflated: 8 MiB of zeros declaring 10 bytes (patched in both headers)
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file("zeros", opts).expect("start");
            w.write_all(&vec![0u8; 8 << 20]).expect("write");
            w.finish().expect("finish");
        }
        let mut zip = buf.into_inner();
        let eocd = zip.len() - 22;
        let cd = u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into().expect("4")) as usize;
        zip[22..26].copy_from_slice(&10u32.to_le_bytes());
        zip[cd + 24..cd + 28].copy_from_slice(&10u32.to_le_bytes());
        let err = unpack_zip(&root, &zip, MAX_UNZIPPED).expect_err("deflated lie");
        assert_eq!(err.message, UNZIP_FAILED);
        assert!(listing(&root).is_empty(), "staging removed");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_limiter_counts_what_is_produced() {
        let mut buf = [0u8; 7];
        let data = [1u8; 100];
        // within both bounds: everything copied, in buffer-sized steps
        let mut out = Vec::new();
        let n = copy_entry(&mut &data[..], &mut out, 100, 100, &mut buf).expect("fits");
        assert_eq!((n, out.len()), (100, 100));
        // more than declared: stopped, and nothing past the declaration was written
        let mut out = Vec::new();
        let stop = copy_entry(&mut &data[..], &mut out, 40, 1000, &mut buf).expect_err("lie");
        assert!(matches!(stop, Stop::Declared), "{stop:?}");
        assert!(out.len() <= 40);
        // more than the limit allows (even if the claim is bigger): stopped at the limit
        let mut out = Vec::new();
        let stop = copy_entry(&mut &data[..], &mut out, u64::MAX, 30, &mut buf).expect_err("limit");
        assert!(matches!(stop, Stop::Limit), "{stop:?}");
        assert!(out.len() <= 30);
        // an endless reader is read no further than one byte past the limit
        let mut endless = std::io::repeat(0);
        let mut out = Vec::new();
        let stop = copy_entry(&mut endless, &mut out, u64::MAX, 1 << 20, &mut [0u8; 4096])
            .expect_err("endless");
        assert!(matches!(stop, Stop::Limit));
        assert_eq!(out.len(), 1 << 20);
        // the reader's and the writer's errors are told apart
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("crc"))
            }
        }
        let stop = copy_entry(&mut Broken, &mut Vec::new(), 10, 10, &mut buf).expect_err("read");
        assert!(matches!(stop, Stop::Read(_)));
        let mut full = [0u8; 3];
        let stop =
            copy_entry(&mut &data[..], &mut &mut full[..], 100, 100, &mut buf).expect_err("write");
        assert!(matches!(stop, Stop::Write(_)));
    }

    #[test]
    fn long_paths_and_too_many_entries_are_refused() {
        let root = temp_root("code");
        let long = format!("{}/app.py", "d".repeat(MAX_NAME + 1));
        let zip = zip_of(&[(long.as_str(), "x", 0o644)]);
        let err = unpack_zip(&root, &zip, MAX_UNZIPPED).expect_err("long name");
        assert_eq!(err.code, "InvalidParameterValueException");
        assert!(err.message.contains("255 bytes"), "{}", err.message);
        let deep = "d/".repeat(MAX_PATH / 2 + 1) + "app.py";
        let zip = zip_of(&[(deep.as_str(), "x", 0o644)]);
        let err = unpack_zip(&root, &zip, MAX_UNZIPPED).expect_err("long path");
        assert!(err.message.contains("2048 bytes"), "{}", err.message);
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for i in 0..=MAX_ENTRIES {
                w.start_file(format!("{i:x}"), opts).expect("start");
            }
            w.finish().expect("finish");
        }
        let err = unpack_zip(&root, &buf.into_inner(), MAX_UNZIPPED).expect_err("entries");
        assert!(err.message.contains("100001 entries"), "{}", err.message);
        assert!(listing(&root).is_empty());
    }

    #[test]
    fn layers_count_against_the_function() {
        let root = temp_root("code");
        let layer = unpack_zip(
            &root,
            &zip_of(&[("python/l.py", &"l".repeat(70), 0o644)]),
            MAX_UNZIPPED,
        )
        .expect("layer");
        let layers = vec![layer.dir.clone()];
        assert_eq!(budget_beside(&layers), MAX_UNZIPPED - 70);
        let function =
            unpack_zip(&root, &zip_of(&[("app.py", "f", 0o644)]), MAX_UNZIPPED).expect("function");
        check_combined(&function, &layers).expect("71 bytes");
        let hot = hot_reload(root.to_str().expect("utf-8")).expect("hot reload");
        assert_eq!(unzipped_size(&hot), 0);
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
