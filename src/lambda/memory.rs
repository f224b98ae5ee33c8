//! Memory of an execution environment: the resident set of all its processes (runtime and
//! every descendant, found by [`super::contain::tree`]), sampled from `/proc` while an
//! invocation runs, so that `MemorySize` is enforced as AWS enforces it (the environment is
//! killed, `Runtime.OutOfMemory`) and REPORT shows a real `Max Memory Used`.
//!
//! Sampling starts only once an invocation has run for [`FIRST_SAMPLE`], so a warm invoke of a
//! quick handler never reads `/proc` on its way; the runtime's own peak (`VmHWM`) is read once
//! at the end of each invocation, for the REPORT line, and catches what ran between samples.
//! Linux only: elsewhere nothing is sampled or enforced.

use std::time::Duration;

/// How long an invocation runs before its memory is first sampled.
pub const FIRST_SAMPLE: Duration = Duration::from_millis(10);
/// Time between samples.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(15);
/// Whether memory is measured and enforced on this OS.
pub const ENFORCED: bool = cfg!(target_os = "linux");

fn page_kb() -> u64 {
    static PAGE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf has no preconditions.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if size > 0 { size as u64 / 1024 } else { 4 }
    })
}

/// Resident memory of one process in KiB (0 once it is gone).
pub fn rss_kb(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map(|pages| pages * page_kb())
        .unwrap_or(0)
}

/// Resident memory of all the given processes, in KiB.
pub fn total_rss_kb(pids: &[i32]) -> u64 {
    pids.iter().map(|&p| rss_kb(p)).sum()
}

/// The peak resident memory of one process over its life (`VmHWM`), in KiB.
pub fn peak_kb(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .unwrap_or(0)
}

/// KiB to the whole MB (MiB) REPORT shows, rounded up.
pub fn report_mb(kb: u64) -> u64 {
    kb.div_ceil(1024)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_resident_memory() {
        let me = std::process::id() as i32;
        let rss = rss_kb(me);
        assert!(rss > 0);
        assert!(peak_kb(me) >= rss / 2);
        assert!(total_rss_kb(&[me, me]) >= rss);
        assert_eq!(report_mb(1), 1);
        assert_eq!(report_mb(2048), 2);
    }
}
