//! Floe's Parquet codec: arrow-rs's `parquet` crate as a Node-API addon.
//!
//! Batches cross the boundary as their Arrow buffers in place, described by a list of numbers
//! (src/columns.rs into Rust, src/export.rs out of it), or as Arrow IPC streams where a layout
//! is not described.
//! Every call that does real work runs on the libuv thread pool (napi `AsyncTask`), so encoding
//! and decoding never block the JS thread and several files are coded at once. The addon does no
//! I/O: the JS side fetches the bytes (ranged reads through its FileIO) and hands them over.
//!
//! A panic in arrow-rs (a corrupt file can cause one) must never reach the `extern "C"` boundary,
//! where it would abort the process: every entry point runs its work under `guarded`.

mod columns;
mod export;
mod reader;
mod sparse;
mod uuid_order;
mod writer;

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::{Error, Result};

// Every batch decoded or encoded allocates tens of MB that are freed soon after: glibc's malloc
// returns such blocks to the kernel and faults them back in (a third of decode time went to
// page faults); mimalloc keeps and reuses them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs `work`, turning a panic into an error that names `what`.
pub(crate) fn guarded<T>(what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(Error::from_reason(format!("{what}: internal error in the Parquet codec: {message}")))
        }
    }
}

/// An error of the parquet or arrow crates, with what was being done.
pub(crate) fn failed(what: &str, err: impl std::fmt::Display) -> Error {
    Error::from_reason(format!("{what}: {err}"))
}

/// Checks that a panic becomes a JS error (built only with `--features panic-test`).
#[cfg(feature = "panic-test")]
mod panic_test {
    use napi::bindgen_prelude::AsyncTask;
    use napi::{Env, Result, Task};
    use napi_derive::napi;

    pub struct Panics;

    impl Task for Panics {
        type Output = u32;
        type JsValue = u32;
        fn compute(&mut self) -> Result<u32> {
            crate::guarded("panic test", || panic!("deliberate panic on a pool thread"))
        }
        fn resolve(&mut self, _env: Env, output: u32) -> Result<u32> {
            Ok(output)
        }
    }

    #[napi]
    pub fn panic_on_pool() -> AsyncTask<Panics> {
        AsyncTask::new(Panics)
    }

    #[napi]
    pub fn panic_on_js_thread() -> Result<u32> {
        crate::guarded("panic test", || panic!("deliberate panic on the JS thread"))
    }
}

/// Detaches ArrayBuffers the decoder handed out, for a reader that is done with a batch before V8
/// would collect it: V8 stops counting the memory at once (a scan no longer makes it collect
/// garbage every 64 MB decoded) and Node frees the allocation behind each buffer on its next turn.
/// Every typed view of a detached buffer reads as empty from then on.
#[napi_derive::napi]
pub fn detach_array_buffers(env: napi::Env, buffers: Vec<napi::Unknown>) -> Result<()> {
    for (i, buffer) in buffers.iter().enumerate() {
        // SAFETY: both handles are live for this call; napi checks that the value is a detachable ArrayBuffer.
        let status = unsafe { napi::sys::napi_detach_arraybuffer(env.raw(), napi::JsValue::raw(buffer)) };
        if status != napi::sys::Status::napi_ok {
            return Err(Error::from_reason(format!("detaching decoded buffer {i}: not a detachable ArrayBuffer (napi status {status})")));
        }
    }
    Ok(())
}

// mimalloc's options (mimalloc.h of mimalloc 3.3, the version Cargo.lock pins through libmimalloc-sys
// 0.1.49) and their defaults (its options.c), checked before anything is set.
const MI_OPTION_PURGE_DELAY: std::os::raw::c_int = 15; // default 1000 (ms)
const MI_OPTION_ALLOW_THP: std::os::raw::c_int = 43; // default 1 on Linux

extern "C" {
    fn mi_option_get(option: std::os::raw::c_int) -> std::os::raw::c_long;
    fn mi_option_set(option: std::os::raw::c_int, value: std::os::raw::c_long);
}

/// Stops mimalloc asking the kernel for transparent huge pages on the memory it maps from now on
/// (only its own `madvise`: the rest of the process keeps the system's setting). Each batch encoded
/// or decoded touches fresh memory, and every first touch of a huge page zeroes 2 MB: under perf,
/// page zeroing fell from 12% of a 10M-row scan's samples to 0.3%. On 2 cores the wall time moved
/// within noise (the S3 append 5-10% faster in two A/B runs, a local one unchanged). Skipped if the
/// option table is not the one expected (both defaults must read as documented), or if the
/// MIMALLOC_ALLOW_THP variable set it already.
#[napi_derive::module_init]
fn no_huge_pages_for_batches() {
    // SAFETY: plain option accessors, called once when the addon loads.
    unsafe {
        if mi_option_get(MI_OPTION_PURGE_DELAY) == 1000 && mi_option_get(MI_OPTION_ALLOW_THP) == 1 && std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
            mi_option_set(MI_OPTION_ALLOW_THP, 0);
        }
    }
}
