//! Resident memory of fogbank's own code.
//!
//! Start-up runs a lot of code once (argument parsing, router construction, the SNS signing
//! key, opening and checking the SQLite store, restoring state) and then never again. On
//! kernels that cache files in large folios, every page fault in the binary maps a whole
//! folio, so that once-only code stays in the process's resident set for its whole life.
//! Once the server is up, [`release_startup_code`] drops the process's mappings of the
//! binary's read-only file pages (`MADV_DONTNEED`). The pages stay in the page cache: code that
//! runs again is mapped back by a minor fault, without reading the disk (a Lambda launcher,
//! which re-executes this binary, finds them there too).
//!
//! Only mappings that hold no anonymous pages are dropped: a read-only mapping can hold
//! private copies (the RELRO segment, written by the dynamic loader's relocations before it
//! was made read-only), and dropping those would lose the relocations. Writable and anonymous
//! memory (the state) is never touched.

/// `MADV_DONTNEED` on every read-only mapping of the running binary that holds only file
/// pages. Best effort: any failure leaves memory as it was.
pub fn release_startup_code() {
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
        return;
    };
    let Some(exe) = exe.to_str().map(str::to_owned) else {
        return;
    };
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return;
    };
    for (start, len) in droppable(&smaps, &exe) {
        // SAFETY: the range is one of this process's own read-only mappings of the binary,
        // holding only clean file pages (checked in `droppable`): after MADV_DONTNEED they
        // are mapped again from the page cache, with the same contents, on their next use.
        unsafe {
            libc::madvise(start as *mut libc::c_void, len, libc::MADV_DONTNEED);
        }
    }
}

/// The read-only mappings of `path` in `smaps` whose `Anonymous:` count is 0.
fn droppable(smaps: &str, path: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // The mapping being read, while it is a candidate.
    let mut current: Option<(usize, usize)> = None;
    for line in smaps.lines() {
        if let Some(range) = read_only_mapping_of(line, path) {
            current = Some(range);
        } else if is_header(line) {
            current = None;
        } else if let Some(kb) = line.strip_prefix("Anonymous:")
            && let Some(range) = current.take()
            && kb.trim().trim_end_matches("kB").trim() == "0"
        {
            out.push(range);
        }
    }
    out
}

/// A mapping's first line (`start-end perms offset dev inode [path]`), not a field line.
fn is_header(line: &str) -> bool {
    line.split_whitespace()
        .next()
        .and_then(|range| range.split_once('-'))
        .is_some_and(|(a, b)| {
            !a.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_hexdigit())
        })
}

/// `(start, length)` of a mapping header line that maps `path` read-only.
fn read_only_mapping_of(line: &str, path: &str) -> Option<(usize, usize)> {
    if !is_header(line) {
        return None;
    }
    let mut fields = line.split_whitespace();
    let range = fields.next()?;
    let perms = fields.next()?;
    let _offset = fields.next()?;
    let _dev = fields.next()?;
    let _inode = fields.next()?;
    let mapped = fields.collect::<Vec<_>>().join(" ");
    if mapped != path || perms.as_bytes().get(1) != Some(&b'-') {
        return None;
    }
    let (a, b) = range.split_once('-')?;
    let start = usize::from_str_radix(a, 16).ok()?;
    let end = usize::from_str_radix(b, 16).ok()?;
    (end > start).then_some((start, end - start))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d0a000-55d0c000 r--p 00000000 fe:00 6727939   /usr/bin/fogbank
Size:                  8 kB
Rss:                   8 kB
Anonymous:             0 kB
VmFlags: rd mr mw me
55d0c000-55d0d000 r-xp 00001000 fe:00 6727939   /usr/bin/fogbank
Size:                  4 kB
Anonymous:             0 kB
55d0d000-55d0e000 r--p 00002000 fe:00 6727939   /usr/bin/fogbank
Size:                  4 kB
Anonymous:             4 kB
55d0e000-55d0f000 rw-p 00003000 fe:00 6727939   /usr/bin/fogbank
Anonymous:             0 kB
7f00-8000 r-xp 00000000 fe:00 12   /usr/lib/libc.so.6
Anonymous:             0 kB
";

    #[test]
    fn only_the_binarys_clean_read_only_mappings_are_dropped() {
        assert_eq!(
            droppable(SMAPS, "/usr/bin/fogbank"),
            [(0x55d0a000, 0x2000), (0x55d0c000, 0x1000)],
            "not the relocated (anonymous) RELRO pages, the writable data or libc"
        );
    }

    #[test]
    fn paths_with_spaces_are_matched_whole() {
        let line = "1000-3000 r--p 00000000 fe:00 7   /opt/my tools/fogbank";
        assert_eq!(
            read_only_mapping_of(line, "/opt/my tools/fogbank"),
            Some((0x1000, 0x2000))
        );
        assert_eq!(read_only_mapping_of(line, "/opt/my"), None);
        assert!(!is_header("Anonymous:             0 kB"));
        assert!(!is_header("VmFlags: rd mr"));
    }
}
