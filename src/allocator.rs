//! The process's allocator: mimalloc, not glibc's malloc, set to keep the memory it frees.
//!
//! burn's CPU backends allocate and free a buffer per tensor op, megabytes at a time. glibc's
//! malloc returns such blocks to the OS on every free, and mimalloc by default *purges* them
//! (gives the pages back) 10 ms after they fall idle; either way the next op of the next step
//! faults the same pages in again and the kernel zeroes them (`clear_page_erms` held 16–20 % of
//! a char-transformer step on flex). With purging off the freed pages are reused as they are:
//! the resident memory stays at the step's peak — which it reaches every step anyway — and the
//! page faults of a step fall from thousands to none. Shared by the `frameworm` binary and the
//! throughput bench, so both measure the same allocator.

/// mimalloc as the global allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (the same in its v2 and v3 headers).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

// The one foreign call of the binary (the workspace denies unsafe code elsewhere).
#[allow(unsafe_code)]
unsafe extern "C" {
    /// mimalloc's option setter (`mimalloc.h`), linked in with the allocator.
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Turns purging off (a delay of −1), unless `MIMALLOC_PURGE_DELAY` in the environment says
/// otherwise. Call first thing in `main`; it is read at every purge, so it takes effect from the
/// next free on.
pub fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set only stores the value in mimalloc's option table.
        #[allow(unsafe_code)]
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
}
