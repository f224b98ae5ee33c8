//! Process containment: every process a handler starts is found and killed with its
//! environment, even one that left the runtime's process group (`setsid`, double fork).
//!
//! - fogbank becomes a child subreaper (`PR_SET_CHILD_SUBREAPER`) when it starts its first
//!   environment, so a handler's orphaned descendants reparent to fogbank, not to init.
//! - Each runtime carries a marker, `FOGBANK_ENV_ID=<fogbank pid>.<fogbank start>.<seq>`, that
//!   its descendants inherit: an orphan adopted by fogbank is attributed to its environment
//!   by reading `/proc/<pid>/environ`.
//! - An environment's processes are the tree under its runtime plus the marked orphans and
//!   their trees ([`tree`]). [`kill_tree`] stops them all (repeating the walk until it finds
//!   nothing new, so nothing forks past it), then kills them, then reaps the zombies that
//!   reparent to fogbank.
//! - Each runtime gets `PR_SET_PDEATHSIG(SIGKILL)`: if fogbank itself is killed (SIGKILL, a
//!   crash), its runtimes die with it. The signal is tied to the thread that forked: runtimes
//!   are spawned from tokio worker threads, which live as long as the runtime that runs
//!   fogbank. Their descendants do not inherit it (the kernel clears it at fork): they outlive
//!   a SIGKILLed fogbank until the next fogbank start kills every process of this user whose
//!   marker names a fogbank process that is gone ([`sweep_dead_owners`]).
//!
//!   The fogbank binary sets it in a launcher ([`launch_if_asked`]): runtimes are started as
//!   `fogbank __fogbank-launch-runtime <parent pid> <program> <args>`, which sets the signal
//!   and execs the program. So the spawn itself needs no code run between fork and exec, and
//!   the standard library starts it with `posix_spawn` (vfork) instead of a `fork` that copies
//!   fogbank's whole address space (measured: +22 ms per cold start with 320 MB of queued
//!   messages). Where there is no launcher (fogbank embedded in a test binary) the signal is
//!   set in `pre_exec` instead.
//!
//! Linux only; elsewhere environments are contained by their process group alone.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use super::runtime::lock;

/// The environment variable every runtime (and so every descendant) carries.
pub const MARKER_VAR: &str = "FOGBANK_ENV_ID";

/// Pids of the runtimes fogbank spawned and tokio waits on: never reaped here.
static RUNTIMES: Mutex<Option<HashSet<i32>>> = Mutex::new(None);

/// A new marker for one environment.
pub fn new_marker() -> String {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}.{seq}", owner())
}

/// This process as markers name it: `<pid>.<start time in clock ticks since boot>`.
fn owner() -> &'static str {
    static OWNER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OWNER.get_or_init(|| {
        let pid = std::process::id() as i32;
        let start = sys::stat(pid).map(|s| s.starttime).unwrap_or(0);
        format!("{pid}.{start}")
    })
}

/// The first argument that makes the fogbank binary a runtime launcher.
pub const LAUNCH_ARG: &str = "__fogbank-launch-runtime";

/// The binary that launches runtimes (fogbank itself), when the process is the fogbank binary.
static LAUNCHER: OnceLock<PathBuf> = OnceLock::new();

/// Called by the fogbank binary at start: runtimes are launched through `exe` (see the module
/// docs). Linux only; elsewhere there is no parent-death signal to set.
pub fn use_launcher(exe: PathBuf) {
    if cfg!(target_os = "linux") {
        let _ = LAUNCHER.set(exe);
    }
}

/// The command that starts a runtime `program` with `args`: through the launcher when there
/// is one and `program` is an absolute path to a file (a program that cannot be found then
/// still fails at spawn, as before, instead of in the launcher).
pub fn command(program: &str, args: &[String]) -> tokio::process::Command {
    match LAUNCHER.get() {
        Some(exe) if Path::new(program).is_absolute() && Path::new(program).is_file() => {
            let mut cmd = tokio::process::Command::new(exe);
            cmd.arg(LAUNCH_ARG)
                .arg(std::process::id().to_string())
                .arg(program)
                .args(args);
            cmd
        }
        _ => {
            let mut cmd = tokio::process::Command::new(program);
            cmd.args(args);
            cmd
        }
    }
}

/// In the fogbank binary, before anything else: when started as a runtime launcher, set the
/// parent-death signal, check that the parent is still the fogbank that launched it, and exec
/// the runtime. Returns only if this is not a launch (`None`) or the launch failed (the exit
/// code).
pub fn launch_if_asked() -> Option<std::process::ExitCode> {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(OsStr::new(LAUNCH_ARG)) {
        return None;
    }
    let parent: Option<i32> = args
        .next()
        .and_then(|p| p.to_str().and_then(|p| p.parse().ok()));
    let (Some(parent), Some(program)) = (parent, args.next()) else {
        eprintln!("fogbank: {LAUNCH_ARG} needs a parent pid and a program");
        return Some(std::process::ExitCode::from(2));
    };
    if let Err(e) = sys::set_own_parent_death_signal(parent) {
        eprintln!("fogbank: runtime launcher: {e}");
        return Some(std::process::ExitCode::from(1));
    }
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(&program).args(args).exec();
    eprintln!(
        "fogbank: could not start {}: {err}",
        program.to_string_lossy()
    );
    Some(std::process::ExitCode::from(127))
}

/// Spawn a runtime: registered (under the same lock the reaper takes) so that the reaper
/// never takes its exit status from tokio, with the parent-death signal set on Linux (by the
/// launcher, or else in `pre_exec`).
pub fn spawn(cmd: &mut tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    sys::enable_subreaper();
    let launched = cmd.as_std().get_args().next() == Some(OsStr::new(LAUNCH_ARG));
    if !launched {
        sys::set_parent_death_signal(cmd);
    }
    let mut runtimes = lock(&RUNTIMES);
    let child = cmd.spawn()?;
    if let Some(pid) = child.id() {
        runtimes.get_or_insert_with(HashSet::new).insert(pid as i32);
    }
    Ok(child)
}

/// tokio has reaped this runtime.
pub fn runtime_exited(pid: i32) {
    if let Some(set) = lock(&RUNTIMES).as_mut() {
        set.remove(&pid);
    }
}

fn is_runtime(pid: i32) -> bool {
    lock(&RUNTIMES).as_ref().is_some_and(|s| s.contains(&pid))
}

/// Every live process of one environment: the runtime's tree and the marked orphans' trees.
pub fn tree(runtime: i32, marker: &str) -> Vec<i32> {
    sys::tree(runtime, marker)
}

/// Kill every process of one environment (its process group included) and reap what
/// reparents to fogbank.
pub fn kill_tree(runtime: i32, marker: &str) {
    if runtime <= 0 {
        return;
    }
    let killed = sys::kill_tree(runtime, marker);
    // SAFETY: signals the runtime's own process group (its pgid is its pid); no memory use.
    unsafe {
        libc::kill(-runtime, libc::SIGKILL);
    }
    let orphans: Vec<i32> = killed.into_iter().filter(|&p| p != runtime).collect();
    if !orphans.is_empty() {
        reap_soon(orphans);
    }
}

/// Reap the given processes (env members just killed) once they are fogbank's zombies:
/// their parents die with them, so they reparent to fogbank, the subreaper.
fn reap_soon(mut pids: Vec<i32>) {
    let spawned = std::thread::Builder::new()
        .name("fogbank-reap".into())
        .spawn(move || {
            for _ in 0..200 {
                pids.retain(|&p| !sys::reap(p));
                if pids.is_empty() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        });
    if spawned.is_err() {
        tracing::debug!("could not start a thread to reap killed handler processes");
    }
}

/// Reap zombies that reparented to fogbank from handler trees (the periodic backstop).
pub fn reap_orphans() {
    sys::reap_orphans();
}

/// At start: kill this user's processes whose marker names a fogbank process that is gone
/// (handler descendants left by a fogbank that was SIGKILLed). Returns how many were killed.
pub fn sweep_dead_owners() -> usize {
    sys::sweep_dead_owners()
}

#[cfg(target_os = "linux")]
mod sys {
    use std::collections::{HashMap, HashSet};

    use super::{MARKER_VAR, RUNTIMES, is_runtime, lock, owner};

    pub struct Stat {
        pub state: char,
        pub ppid: i32,
        pub pgrp: i32,
        pub session: i32,
        pub starttime: u64,
    }

    /// `/proc/<pid>/stat`, parsed after the command name (which may hold spaces and parens).
    pub fn stat(pid: i32) -> Option<Stat> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (_, rest) = text.rsplit_once(") ")?;
        let f: Vec<&str> = rest.split_whitespace().collect();
        Some(Stat {
            state: f.first()?.chars().next()?,
            ppid: f.get(1)?.parse().ok()?,
            pgrp: f.get(2)?.parse().ok()?,
            session: f.get(3)?.parse().ok()?,
            starttime: f.get(19)?.parse().ok()?,
        })
    }

    fn children_files_work() -> bool {
        static OK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *OK.get_or_init(|| {
            let me = std::process::id();
            std::path::Path::new(&format!("/proc/{me}/task/{me}/children")).exists()
        })
    }

    /// Direct children of `pid` (of all its threads).
    fn children(pid: i32) -> Vec<i32> {
        let mut out = Vec::new();
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return out;
        };
        for t in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("children")) {
                out.extend(s.split_whitespace().filter_map(|p| p.parse::<i32>().ok()));
            }
        }
        out
    }

    fn all_pids() -> Vec<i32> {
        std::fs::read_dir("/proc")
            .map(|d| {
                d.flatten()
                    .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Parent -> children for every process (when `children` files are not available).
    fn child_map() -> HashMap<i32, Vec<i32>> {
        let mut map: HashMap<i32, Vec<i32>> = HashMap::new();
        for pid in all_pids() {
            if let Some(s) = stat(pid) {
                map.entry(s.ppid).or_default().push(pid);
            }
        }
        map
    }

    /// The value of `FOGBANK_ENV_ID` a process started with, if any.
    pub fn marker_of(pid: i32) -> Option<String> {
        let env = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
        let prefix = format!("{MARKER_VAR}=");
        env.split(|&b| b == 0)
            .find_map(|kv| kv.strip_prefix(prefix.as_bytes()))
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    pub fn tree(runtime: i32, marker: &str) -> Vec<i32> {
        let me = std::process::id() as i32;
        let map = (!children_files_work()).then(child_map);
        let kids = |pid: i32| -> Vec<i32> {
            match &map {
                Some(m) => m.get(&pid).cloned().unwrap_or_default(),
                None => children(pid),
            }
        };
        let mut roots = vec![runtime];
        // Orphans fogbank adopted as subreaper: attributed by their marker.
        for pid in kids(me) {
            if pid != runtime && !is_runtime(pid) && marker_of(pid).as_deref() == Some(marker) {
                roots.push(pid);
            }
        }
        let mut seen: HashSet<i32> = HashSet::new();
        let mut out = Vec::new();
        while let Some(pid) = roots.pop() {
            if !seen.insert(pid) || stat(pid).is_none_or(|s| s.state == 'Z') {
                continue;
            }
            out.push(pid);
            roots.extend(kids(pid));
        }
        out
    }

    pub fn kill_tree(runtime: i32, marker: &str) -> Vec<i32> {
        let mut stopped: Vec<i32> = Vec::new();
        let mut seen: HashSet<i32> = HashSet::new();
        // Stop first, walking again until nothing new appears: a stopped process cannot
        // fork, so no descendant escapes between the walk and the kill.
        for _ in 0..50 {
            let fresh: Vec<i32> = tree(runtime, marker)
                .into_iter()
                .filter(|p| seen.insert(*p))
                .collect();
            if fresh.is_empty() {
                break;
            }
            for &pid in &fresh {
                // SAFETY: sends a signal to a process of this environment; no memory use.
                unsafe {
                    libc::kill(pid, libc::SIGSTOP);
                }
            }
            stopped.extend(fresh);
        }
        for &pid in &stopped {
            // SAFETY: as above.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        stopped
    }

    /// Reap `pid` if it is a zombie child of fogbank. True when it is gone (reaped here, or
    /// no longer exists).
    pub fn reap(pid: i32) -> bool {
        if is_runtime(pid) {
            return true;
        }
        let me = std::process::id() as i32;
        match stat(pid) {
            None => true,
            Some(s) if s.ppid == me && s.state == 'Z' => {
                let mut status = 0;
                // SAFETY: waits for one specific zombie child that fogbank adopted (not one
                // tokio or std waits on: runtimes are excluded above); WNOHANG never blocks.
                let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
                r == pid || r < 0
            }
            Some(_) => false,
        }
    }

    pub fn reap_orphans() {
        let me = std::process::id() as i32;
        let Some(mine) = stat(me) else { return };
        // Hold the registry while scanning: a runtime being spawned is registered first.
        let registry = lock(&RUNTIMES);
        let runtimes: &HashSet<i32> = match registry.as_ref() {
            Some(r) => r,
            None => return,
        };
        for pid in children(me) {
            if runtimes.contains(&pid) {
                continue;
            }
            let Some(s) = stat(pid) else { continue };
            // A process fogbank started itself shares its group and session; an adopted
            // handler process is in a runtime's group or its own session.
            if s.state == 'Z' && (s.pgrp != mine.pgrp || s.session != mine.session) {
                let mut status = 0;
                // SAFETY: a zombie child fogbank adopted; WNOHANG never blocks.
                unsafe {
                    libc::waitpid(pid, &mut status, libc::WNOHANG);
                }
            }
        }
    }

    pub fn sweep_dead_owners() -> usize {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        let me = owner();
        let mut killed = 0;
        for pid in all_pids() {
            let same_user = std::fs::metadata(format!("/proc/{pid}")).is_ok_and(|m| m.uid() == uid);
            if !same_user {
                continue;
            }
            let Some(marker) = marker_of(pid) else {
                continue;
            };
            let mut parts = marker.split('.');
            let (Some(Ok(opid)), Some(Ok(ostart))) = (
                parts.next().map(str::parse::<i32>),
                parts.next().map(str::parse::<u64>),
            ) else {
                continue;
            };
            if marker.starts_with(&format!("{me}.")) {
                continue;
            }
            let owner_alive = stat(opid).is_some_and(|s| s.starttime == ostart && s.state != 'Z');
            if !owner_alive {
                // SAFETY: signals a process of this user left by a fogbank that is gone.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
                killed += 1;
            }
        }
        killed
    }

    pub fn enable_subreaper() {
        static DONE: std::sync::Once = std::sync::Once::new();
        DONE.call_once(|| {
            // SAFETY: sets a flag on this process; no pointers involved.
            let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
            if rc != 0 {
                tracing::warn!("could not become a child subreaper: handler processes that detach may outlive their environment");
            }
        });
    }

    /// In the launcher: this process dies with `parent` (the thread of it that spawned us).
    pub fn set_own_parent_death_signal(parent: i32) -> std::io::Result<()> {
        // SAFETY: prctl and getppid only set and read this process's own attributes.
        unsafe {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            // fogbank died before the signal was set: don't start orphaned.
            if libc::getppid() != parent {
                return Err(std::io::Error::other("fogbank is gone"));
            }
        }
        Ok(())
    }

    pub fn set_parent_death_signal(cmd: &mut tokio::process::Command) {
        let parent = std::process::id() as i32;
        // SAFETY: the closure runs in the forked child before exec and calls only
        // async-signal-safe functions (prctl, getppid); it allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(
                    libc::PR_SET_PDEATHSIG,
                    libc::SIGKILL as libc::c_ulong,
                    0,
                    0,
                    0,
                ) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                // fogbank died between the fork and the prctl: don't start orphaned.
                if libc::getppid() != parent {
                    return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
                }
                Ok(())
            });
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod sys {
    pub struct Stat {
        pub starttime: u64,
    }
    pub fn stat(_pid: i32) -> Option<Stat> {
        None
    }
    pub fn tree(runtime: i32, _marker: &str) -> Vec<i32> {
        vec![runtime]
    }
    pub fn kill_tree(_runtime: i32, _marker: &str) -> Vec<i32> {
        Vec::new()
    }
    pub fn reap(_pid: i32) -> bool {
        true
    }
    pub fn reap_orphans() {}
    pub fn sweep_dead_owners() -> usize {
        0
    }
    pub fn enable_subreaper() {}
    pub fn set_parent_death_signal(_cmd: &mut tokio::process::Command) {}
    pub fn set_own_parent_death_signal(_parent: i32) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn markers_name_this_process() {
        let a = new_marker();
        let b = new_marker();
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("{}.", std::process::id())));
    }

    #[test]
    fn stat_parses_this_process() {
        let s = sys::stat(std::process::id() as i32).expect("own stat");
        assert!(s.starttime > 0);
    }
}
