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
    fn subdirs_are_created_under_the_root() {
        let root = dir().expect("the temp dir is always a candidate");
        let sub = subdir("selftest").expect("subdir under an existing root");
        assert!(sub.starts_with(root) && sub.is_dir());
    }
}
