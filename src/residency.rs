//! Resident memory of fogbank's own code.
//!
//! Start-up runs a lot of code once (argument parsing, router construction, the SNS signing
//! key, opening and checking the SQLite store, restoring state) and then never again. On
//! kernels that cache files in large folios, every page fault in the binary maps a whole
//! folio, so that once-only code stays in the process's resident set for its whole life.
//! Once the server is up, [`release_startup_code`] asks the kernel to reclaim the binary's
//! read-only pages (`MADV_PAGEOUT`, Linux 5.4+). Nothing is lost: the code is read back from
//! the binary, by the ordinary page-fault path, when it runs again. Writable and anonymous
//! memory (the state) is never touched.

/// `MADV_PAGEOUT` on every read-only mapping of the running binary. Best effort: an older
/// kernel or any failure leaves memory as it was.
pub fn release_startup_code() {
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
        return;
    };
    let Some(exe) = exe.to_str().map(str::to_owned) else {
        return;
    };
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    for line in maps.lines() {
        if let Some((start, len)) = read_only_mapping_of(line, &exe) {
            // SAFETY: the range is one of this process's own read-only file mappings;
            // MADV_PAGEOUT only reclaims clean pages, which are read back from the file on
            // their next use, and never changes what the memory holds.
            unsafe {
                libc::madvise(start as *mut libc::c_void, len, libc::MADV_PAGEOUT);
            }
        }
    }
}

/// `(start, length)` of a `/proc/self/maps` line that maps `path` read-only.
fn read_only_mapping_of(line: &str, path: &str) -> Option<(usize, usize)> {
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

    #[test]
    fn only_the_binarys_read_only_mappings_are_chosen() {
        let exe = "/usr/bin/fogbank";
        let code = "55d0c000-55d0d000 r-xp 00001000 fe:00 6727939   /usr/bin/fogbank";
        assert_eq!(read_only_mapping_of(code, exe), Some((0x55d0c000, 0x1000)));
        let data = "55d0e000-55d0f000 rw-p 00003000 fe:00 6727939   /usr/bin/fogbank";
        assert_eq!(read_only_mapping_of(data, exe), None);
        let libc = "7f00-8000 r-xp 00000000 fe:00 12   /usr/lib/libc.so.6";
        assert_eq!(read_only_mapping_of(libc, exe), None);
        let anon = "7f00-8000 rw-p 00000000 00:00 0 ";
        assert_eq!(read_only_mapping_of(anon, exe), None);
        let spaced = "1000-3000 r--p 00000000 fe:00 7   /opt/my tools/fogbank";
        assert_eq!(
            read_only_mapping_of(spaced, "/opt/my tools/fogbank"),
            Some((0x1000, 0x2000))
        );
    }
}
