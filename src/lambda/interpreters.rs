//! Finding the interpreter behind a name (`python3.12`, `node`, `ruby`) without slowing the
//! first cold start of a fresh server.
//!
//! A name on the PATH that is (a symlink to) a native executable is used as found: no process
//! is started to ask. A script in its place is a version manager's shim (pyenv, rbenv, asdf):
//! running it costs its own start-up at every cold start, and it needs the user's environment,
//! so the interpreter is asked for its real executable once (or whether it runs at all: pyenv
//! has shims for versions it will not run). That answer is kept in the
//! per-user cache; a later fogbank uses it at once and asks again in the background, switching
//! its later environments if the answer changed (e.g. `pyenv global` picked another version).

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Mutex, OnceLock};

use super::cache;
use super::runtime::lock;

/// How long after a kept answer was used it is checked again.
const RECHECK_AFTER: std::time::Duration = std::time::Duration::from_secs(3);

fn memo() -> &'static Mutex<HashMap<String, Option<String>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<String>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The executable to run for `name`, or `None` if it cannot be started. `probe` makes the
/// interpreter print its own executable's path.
pub fn resolve(name: &str, probe: &[&str]) -> Option<String> {
    if let Some(hit) = lock(memo()).get(name) {
        return hit.clone();
    }
    let found = find(name, probe);
    lock(memo()).insert(name.to_string(), found.clone());
    found
}

/// The first executable file called `name` on the PATH (or `name` itself if it has a slash).
fn on_path(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether `p` (after symlinks) is a native executable rather than a script.
fn is_native(p: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|_| &magic == b"\x7fELF" || magic == [0xcf, 0xfa, 0xed, 0xfe])
}

fn ask(program: &str, probe: &[&str]) -> Option<String> {
    std::process::Command::new(program)
        .args(probe)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Where the answer for a shim is kept: keyed by the name, the shim's path and the PATH.
fn remembered_at(name: &str, shim: &Path) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dir = cache::keyed_dir(
        "interpreters",
        &[
            name.as_bytes(),
            shim.as_os_str().as_encoded_bytes(),
            path.as_encoded_bytes(),
        ],
    )?;
    Some(dir.join("executable"))
}

fn find(name: &str, probe: &[&str]) -> Option<String> {
    let Some(hit) = on_path(name) else {
        // Not a file on the PATH: let the interpreter say (a name the shell resolves otherwise
        // is rare; this costs one failed spawn when it is simply not installed).
        return ask(name, probe);
    };
    if is_native(&hit) {
        return Some(hit.to_string_lossy().into_owned());
    }
    let file = remembered_at(name, &hit);
    // The kept answer: a path, or "" for a shim that said it cannot run (pyenv's shim for a
    // version not selected): then the caller's fallback is used at once.
    let kept: Option<Option<String>> = file
        .as_deref()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .map(|s| Some(s.trim().to_string()).filter(|s| !s.is_empty()))
        .filter(|k| k.as_deref().is_none_or(|s| is_executable(Path::new(s))));
    if let Some(kept) = kept {
        let (name, probe) = (
            name.to_string(),
            probe.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        );
        let answer = kept.clone();
        std::thread::spawn(move || {
            // Later: not while the cold start that asked competes for the CPU.
            std::thread::sleep(RECHECK_AFTER);
            let now = ask(&name, &probe.iter().map(String::as_str).collect::<Vec<_>>());
            if now != answer {
                tracing::info!(interpreter = %name, was = ?answer, now = ?now, "interpreter changed since the last run; new environments use the new one");
                if let Some(file) = &file {
                    let _ = cache::write_if_changed(file, now.as_deref().unwrap_or("").as_bytes());
                }
                lock(memo()).insert(name, now);
            }
        });
        return kept;
    }
    let real = ask(hit.to_str().unwrap_or(name), probe);
    if let Some(f) = &file {
        let _ = cache::write_if_changed(f, real.as_deref().unwrap_or("").as_bytes());
    }
    real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_executables_are_used_as_found() {
        let sh = on_path("sh").expect("sh on the PATH");
        assert!(is_executable(&sh));
        // /bin/sh is a native executable (or a symlink to one) on every supported host.
        assert!(is_native(&sh));
        assert_eq!(
            find("sh", &["-c", "exit 1"]),
            Some(sh.to_string_lossy().into_owned())
        );
    }

    #[test]
    fn scripts_are_asked_and_missing_names_are_none() {
        let dir = std::env::temp_dir().join(format!("fogbank-interp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let shim = dir.join("fakeinterp");
        std::fs::write(&shim, "#!/bin/sh\necho /bin/sh\n").expect("write");
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert!(!is_native(&shim));
        let shim_name = shim.to_string_lossy().into_owned();
        assert_eq!(find(&shim_name, &[]), Some("/bin/sh".to_string()));
        // remembered: a second lookup answers from the cache (and re-asks in the background)
        assert_eq!(find(&shim_name, &[]), Some("/bin/sh".to_string()));
        assert_eq!(find("fogbank-no-such-interpreter", &["-c", "0"]), None);
        // a shim that cannot run (pyenv's for a version not selected) is remembered as such
        let failing = dir.join("failinginterp");
        std::fs::write(&failing, "#!/bin/sh\nexit 127\n").expect("write");
        std::fs::set_permissions(&failing, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let failing = failing.to_string_lossy().into_owned();
        assert_eq!(find(&failing, &[]), None);
        assert_eq!(find(&failing, &[]), None);
        for (name, file) in [(&shim_name, &shim), (&failing, &PathBuf::from(&failing))] {
            if let Some(d) =
                remembered_at(name, file).and_then(|f| f.parent().map(Path::to_path_buf))
            {
                let _ = std::fs::remove_dir_all(d);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
