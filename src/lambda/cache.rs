//! fogbank's per-user cache directory: what is worth keeping across server runs (compiled
//! runtime clients, Python bytecode) but never needed for correctness, so it may be deleted at
//! any time.
//!
//! Chosen once per process: `FOGBANK_CACHE_DIR`, else `$XDG_CACHE_HOME/fogbank`, else
//! `~/.cache/fogbank`, else `fogbank-cache-<uid>` in the temp dir. Created mode 0700 (it holds
//! code that handlers run). Every entry under it must be keyed so that a changed input is never
//! served stale (a content hash, an interpreter version).

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The cache root, created if missing. `None` only when no candidate can be created (the
/// callers then fall back to per-server scratch space).
pub fn dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| candidates().into_iter().find(|d| ensure(d)))
        .as_deref()
}

/// A subdirectory of the cache, created if missing.
pub fn subdir(name: &str) -> Option<PathBuf> {
    let d = dir()?.join(name);
    ensure(&d).then_some(d)
}

/// A directory named by a hash of `parts` under `kind` (e.g. the bootstraps of one fogbank
/// build), created if missing.
pub fn keyed_dir(kind: &str, parts: &[&[u8]]) -> Option<PathBuf> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let hex: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let d = dir()?.join(kind).join(hex);
    ensure(&d).then_some(d)
}

/// Write `bytes` to `path` unless it already holds exactly them; through a temporary file and a
/// rename, so a reader (another fogbank's runtime) never sees a partial file.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Where Python writes bytecode (`PYTHONPYCACHEPREFIX`): one tree for every environment of
/// every fogbank run, so the standard library and unchanged code are compiled once. Python
/// mirrors each source's absolute path under it and checks each `.pyc` against its source's
/// modification time and size, so an edited file is compiled again.
pub fn pycache() -> Option<&'static Path> {
    static D: OnceLock<Option<PathBuf>> = OnceLock::new();
    D.get_or_init(|| subdir("pycache")).as_deref()
}

/// Node's compile cache (`NODE_COMPILE_CACHE`, Node 22 and later; keyed by the source's hash).
pub fn node_compile_cache() -> Option<&'static Path> {
    static D: OnceLock<Option<PathBuf>> = OnceLock::new();
    D.get_or_init(|| subdir("node-compile-cache")).as_deref()
}

/// Remove the bytecode Python wrote under [`pycache`] for sources under `dir` (a scratch
/// directory being removed: its code is never run again).
pub fn forget_bytecode_of(scratch: &Path) {
    let Some(root) = pycache() else {
        return;
    };
    let Ok(rel) = scratch.strip_prefix("/") else {
        return;
    };
    let mirror = root.join(rel);
    if mirror.starts_with(root) && mirror != root {
        let _ = std::fs::remove_dir_all(mirror);
    }
}

fn candidates() -> Vec<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    let mut out = Vec::new();
    if let Some(d) = var("FOGBANK_CACHE_DIR") {
        out.push(PathBuf::from(d));
    }
    if let Some(d) = var("XDG_CACHE_HOME") {
        out.push(PathBuf::from(d).join("fogbank"));
    }
    if let Some(h) = var("HOME").filter(|h| h != "/") {
        out.push(PathBuf::from(h).join(".cache/fogbank"));
    }
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    out.push(std::env::temp_dir().join(format!("fogbank-cache-{uid}")));
    out
}

fn ensure(d: &Path) -> bool {
    if d.is_dir() {
        return true;
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(d)
        .is_ok()
        && d.is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_dirs_differ_by_content_and_writes_are_skipped_when_equal() {
        let a = keyed_dir("selftest-keyed", &[b"one"]).expect("dir");
        let b = keyed_dir("selftest-keyed", &[b"two"]).expect("dir");
        assert_ne!(a, b);
        assert_eq!(a, keyed_dir("selftest-keyed", &[b"one"]).expect("dir"));
        let f = a.join("f.txt");
        write_if_changed(&f, b"hello").expect("write");
        write_if_changed(&f, b"hello").expect("same");
        write_if_changed(&f, b"bye").expect("changed");
        assert_eq!(std::fs::read(&f).expect("read"), b"bye");
        let _ = std::fs::remove_dir_all(dir().expect("root").join("selftest-keyed"));
    }

    #[test]
    fn forgetting_bytecode_removes_only_the_mirror() {
        let root = pycache().expect("pycache");
        let scratch = std::env::temp_dir().join(format!("fogbank-mirror-{}", uuid::Uuid::new_v4()));
        let mirror = root.join(scratch.strip_prefix("/").expect("absolute"));
        std::fs::create_dir_all(mirror.join("code")).expect("mkdir");
        forget_bytecode_of(&scratch);
        assert!(!mirror.exists());
        assert!(root.is_dir());
    }

    #[test]
    fn subdirs_are_created_under_the_root() {
        let root = dir().expect("the temp dir is always a candidate");
        let sub = subdir("selftest").expect("subdir under an existing root");
        assert!(sub.starts_with(root) && sub.is_dir());
    }
}
