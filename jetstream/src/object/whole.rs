//! The buffer an object is read into whole ([`ObjectReader::read_all`]).
//!
//! Fresh memory comes from the kernel a page at a time: a 64 MiB object read
//! into 4 KiB pages takes 16,384 page faults, each zeroing its page. On Linux
//! the buffer asks for transparent huge pages (`madvise(MADV_HUGEPAGE)`), so
//! the same object faults in 32 pages of 2 MiB; with the system's default
//! `madvise` mode that is the only way a program gets them. The README's
//! object store section has what this does to reading a 64 MiB object.
//!
//! [`ObjectReader::read_all`]: super::ObjectReader::read_all

use bytes::BytesMut;

/// A buffer of `capacity` bytes to read an object into.
pub(crate) fn whole_object_buffer(capacity: usize) -> BytesMut {
    let mut buf = BytesMut::with_capacity(capacity);
    advise_huge_pages(&mut buf);
    buf
}

/// The size of a transparent huge page on x86-64 and on arm64 with 4 KiB
/// pages, and a multiple of every base page size Linux uses, so the advised
/// range starts on a page as `madvise` requires.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// Advises the whole 2 MiB extents inside `buf`'s spare capacity to be
/// backed by huge pages. Memory next to the buffer that belongs to another
/// allocation is left alone, and a kernel without transparent huge pages
/// refuses the advice, which changes nothing.
#[cfg(target_os = "linux")]
fn advise_huge_pages(buf: &mut BytesMut) {
    let spare = buf.spare_capacity_mut();
    if let Some((start, len)) = whole_extents(spare.as_mut_ptr() as usize, spare.len()) {
        // SAFETY: the range lies within the allocation `buf` owns, whose
        // bytes nothing has written or read yet. MADV_HUGEPAGE changes how
        // the kernel backs these pages, never what they hold, so no Rust
        // reference to the memory is affected.
        unsafe {
            libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
    }
}

/// The start and length of the whole [`HUGE_PAGE`] extents within the `len`
/// bytes at `at`, if there is one.
#[cfg(target_os = "linux")]
fn whole_extents(at: usize, len: usize) -> Option<(usize, usize)> {
    let start = at.checked_next_multiple_of(HUGE_PAGE)?;
    let end = at.checked_add(len)?;
    let end = end - end % HUGE_PAGE;
    (end > start).then(|| (start, end - start))
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_: &mut BytesMut) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The `VmFlags` of the mapping in `/proc/self/smaps` that holds `addr`.
    fn vm_flags(addr: usize) -> String {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        for line in smaps.lines() {
            let range = line.split_whitespace().next().unwrap_or("");
            if let Some((lo, hi)) = range.split_once('-') {
                if let (Ok(lo), Ok(hi)) =
                    (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
                {
                    inside = (lo..hi).contains(&addr);
                    continue;
                }
            }
            if inside {
                if let Some(flags) = line.strip_prefix("VmFlags:") {
                    return flags.trim().to_string();
                }
            }
        }
        panic!("no mapping holds {addr:#x}");
    }

    /// Whether the mapping that holds `addr` is advised to huge pages.
    fn advised(addr: usize) -> bool {
        vm_flags(addr).split(' ').any(|flag| flag == "hg")
    }

    #[test]
    fn a_large_buffer_is_advised_to_huge_pages() {
        if !std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
            .is_ok_and(|modes| !modes.contains("[never]"))
        {
            // The kernel refuses the advice; nothing to check.
            return;
        }
        let mut buf = whole_object_buffer(16 << 20);
        assert_eq!(buf.capacity(), 16 << 20);
        let at = buf.as_mut_ptr() as usize;
        let inner = at.next_multiple_of(HUGE_PAGE);
        assert!(advised(inner), "{}", vm_flags(inner));
        buf.extend_from_slice(&[7; 4096]);
        assert_eq!(&buf[..2], &[7, 7]);
    }

    #[test]
    fn only_whole_extents_inside_the_buffer_are_advised() {
        const H: usize = HUGE_PAGE;
        // Less than an extent, or one that straddles a boundary: none.
        assert_eq!(whole_extents(H + 64, 64 << 10), None);
        assert_eq!(whole_extents(H - 4096, H), None);
        // Aligned at both ends: all of it.
        assert_eq!(whole_extents(4 * H, 3 * H), Some((4 * H, 3 * H)));
        // Unaligned: rounded inwards at both ends.
        assert_eq!(whole_extents(H + 16, 3 * H), Some((2 * H, 2 * H)));
        assert_eq!(whole_extents(H + 16, 2 * H), Some((2 * H, H)));
        // At the top of the address space: no overflow.
        assert_eq!(whole_extents(usize::MAX - 100, 50), None);
        assert_eq!(whole_extents(usize::MAX - H, H), None);
    }
}
