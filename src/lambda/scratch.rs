//! The Lambda engine's scratch directory: `<temp dir>/fogbank-<pid>-<id>`, holding unpacked
//! code, the runtime bootstraps and the handlers' `/tmp`s. The engine removes it when it is
//! dropped; a fogbank that dies first (SIGKILL, abort) cannot, so every engine, as it starts,
//! removes the scratch directories of fogbanks that are gone.
//!
//! A directory is live while its lock file (`.fogbank-lock`) is held with `flock`, which the
//! kernel releases when the holder exits however it exits. The directory is prepared under a
//! dot-name and renamed into place only once its lock is held, so a visible directory whose
//! lock can be taken is certainly abandoned. Several engines in one process (the tests) each
//! hold their own lock: `flock` locks belong to open files, not to processes. Directories
//! without a lock file (fogbanks from before locks) are removed only when their pid is gone.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

const PREFIX: &str = "fogbank-";
const LOCK: &str = ".fogbank-lock";

/// The scratch directory of one engine, and the lock that says it is in use.
#[derive(Debug)]
pub struct DataDir {
    path: PathBuf,
    _lock: Option<File>,
}

impl DataDir {
    /// Sweep abandoned scratch directories from the system temp dir, then claim a new one.
    pub fn create() -> DataDir {
        Self::create_in(&std::env::temp_dir())
    }

    /// [`DataDir::create`] under `root`.
    pub fn create_in(root: &Path) -> DataDir {
        let removed = sweep(root);
        if removed > 0 {
            tracing::info!(
                service = "lambda",
                "removed {removed} scratch directories left by fogbanks that died"
            );
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let name = format!("{PREFIX}{}-{}", std::process::id(), &id[..8]);
        let path = root.join(&name);
        let lock = match claim(root, &name) {
            Ok(lock) => Some(lock),
            Err(e) => {
                // Still usable (created on demand), just not protected from a sweep by name.
                tracing::warn!(service = "lambda", "cannot lock {}: {e}", path.display());
                None
            }
        };
        DataDir { path, _lock: lock }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl std::ops::Deref for DataDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for DataDir {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// Create `root/name` with its lock file held: prepared under a name no sweep looks at.
fn claim(root: &Path, name: &str) -> io::Result<File> {
    let staging = root.join(format!(".{name}.new"));
    std::fs::create_dir_all(root)?;
    std::fs::create_dir(&staging)?;
    let prepared = File::create(staging.join(LOCK)).and_then(|lock| {
        lock.lock()?;
        std::fs::rename(&staging, root.join(name))?;
        Ok(lock)
    });
    if prepared.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    prepared
}

/// The pid in a scratch directory's name, `fogbank-<pid>-<8 hex>`, and whether the name is the
/// `.<name>.new` of a claim in progress.
fn owner(name: &str) -> Option<(u32, bool)> {
    let (name, staging) = match name.strip_prefix('.') {
        Some(rest) => (rest.strip_suffix(".new")?, true),
        None => (name, false),
    };
    let (pid, id) = name.strip_prefix(PREFIX)?.split_once('-')?;
    let pid_ok = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    let id_ok = id.len() == 8 && id.bytes().all(|b| b.is_ascii_hexdigit());
    if !(pid_ok && id_ok) {
        return None;
    }
    Some((pid.parse().ok()?, staging))
}

/// Whether a process exists (signal 0 checks without sending anything).
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return true; // not a process id: never treat as gone
    }
    // SAFETY: kill with signal 0 only checks that the process exists and may be signalled.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Remove the scratch directories under `root` whose fogbank is gone; returns how many.
pub fn sweep(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else {
        return 0;
    };
    let me = std::process::id();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((pid, staging)) = name.to_str().and_then(owner) else {
            continue;
        };
        let dir = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let gone = if staging {
            // a claim in progress holds no lock yet: only its owner's death says it is dead
            pid != me && !alive(pid)
        } else {
            abandoned(&dir, pid, me)
        };
        if gone && std::fs::remove_dir_all(&dir).is_ok() {
            super::cache::forget_bytecode_of(&dir);
            removed += 1;
        }
    }
    removed
}

/// Whether a visible scratch directory is abandoned: its lock can be taken (so its holder has
/// exited; no new holder can appear, as claims lock before the directory becomes visible), or
/// it has no lock file and its pid is gone.
fn abandoned(dir: &Path, pid: u32, me: u32) -> bool {
    match File::open(dir.join(LOCK)) {
        Ok(lock) => lock.try_lock().is_ok(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => pid != me && !alive(pid),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        std::env::temp_dir().join(format!("fogbank-sweep-{}", uuid::Uuid::new_v4()))
    }

    /// A pid that existed a moment ago and is gone now.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let pid = child.id();
        child.wait().expect("wait");
        pid
    }

    #[test]
    fn names_are_recognised_strictly() {
        assert_eq!(owner("fogbank-123-0a1b2c3d"), Some((123, false)));
        assert_eq!(owner(".fogbank-123-0a1b2c3d.new"), Some((123, true)));
        assert_eq!(owner("fogbank-tls-0a1b2c3d"), None);
        assert_eq!(owner("fogbank-123-0a1b2c3"), None);
        assert_eq!(owner("fogbank-code-5f0e7a39-1234"), None);
        assert_eq!(owner("fogbank-123-0a1b2c3d.new"), None);
    }

    #[test]
    fn sweeps_the_dead_and_keeps_the_live() {
        let root = root();
        let live = DataDir::create_in(&root);
        std::fs::create_dir_all(live.join("code")).expect("mkdir");
        let dead = dead_pid();
        // a dead fogbank's directory: lock file present, nobody holds it
        let unlocked = root.join(format!("fogbank-{dead}-0000000a"));
        std::fs::create_dir_all(unlocked.join("code/abc")).expect("mkdir");
        File::create(unlocked.join(LOCK)).expect("lock file");
        // an old fogbank's directory without a lock file: by its pid
        let old_dead = root.join(format!("fogbank-{dead}-0000000b"));
        std::fs::create_dir_all(&old_dead).expect("mkdir");
        let old_live = root.join(format!("fogbank-{}-0000000c", std::process::id()));
        std::fs::create_dir_all(&old_live).expect("mkdir");
        // not ours at all
        let other = root.join("fogbank-tls-0000000d");
        std::fs::create_dir_all(&other).expect("mkdir");

        let second = DataDir::create_in(&root);
        assert!(!unlocked.exists(), "abandoned (lock free) removed");
        assert!(!old_dead.exists(), "lockless with a dead pid removed");
        assert!(old_live.exists(), "lockless with a live pid kept");
        assert!(other.exists(), "other names kept");
        assert!(live.exists(), "a live engine's directory kept");
        assert!(second.exists());
        drop(live);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_dropped_lock_frees_the_directory_for_the_next_sweep() {
        let root = root();
        let dir = DataDir::create_in(&root);
        let path = dir.path().to_path_buf();
        assert_eq!(sweep(&root), 0);
        drop(dir); // like a killed process: the directory stays, its lock is released
        assert!(path.exists());
        assert_eq!(sweep(&root), 1);
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(&root);
    }
}
