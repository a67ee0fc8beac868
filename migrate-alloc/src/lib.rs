//! The `migration` binary's global allocator: mimalloc, set to give the memory it frees
//! back to the OS at once.
//!
//! A prove or a check is dominated by allocating and freeing many small JSON nodes, which
//! mimalloc does several times faster than the system allocator. mimalloc 3 keeps freed
//! memory mapped for a second before giving it back (its `purge_delay`), so that it can be
//! reused; a prove goes through several trees of a large document one after the other,
//! and the memory each frees was then still counted while the next was built: the peak
//! RSS of proving an 86 MB run-state was 250-280 MB with the delay and about 240 MB
//! without it, for the same time (docs/performance.md). [`give_back_at_once`] sets that
//! delay to zero.
//!
//! This is the workspace's only `unsafe` code: one call that sets an integer option of the
//! C allocator, which `libmimalloc-sys` exposes only as a raw binding.

pub use mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay`: its position in mimalloc 3's `mi_option_e`
/// (`include/mimalloc.h`), which `libmimalloc-sys` does not name. The tests check that it
/// reads mimalloc 3's default for that option.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc to give freed memory back to the OS at once. Call it first thing in
/// `main`, before any thread is started.
pub fn give_back_at_once() {
    // SAFETY: `mi_option_set` takes two integers and no pointer; mimalloc documents it as
    // not thread safe, and this runs before the program starts any thread.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(unsafe_code)]
    fn the_option_set_is_the_purge_delay() {
        // SAFETY: reads and sets integer options; this test is the only code in its
        // process that touches mimalloc's options.
        unsafe {
            // mimalloc 3's default purge delay is 1000 ms; no other option defaults to it
            // (unless the environment sets it for mimalloc to read).
            if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
                assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), 1000);
            }
            give_back_at_once();
            assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), 0);
        }
    }
}
