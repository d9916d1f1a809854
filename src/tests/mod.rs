//! Generative tests that need the engine's internals: the storage seam, the
//! crash model, pure recovery on images. One concern per file.

mod close_sequence;
mod dead_compaction;
mod faults;
mod io_errors;
mod open_sequence;
mod power_loss;
mod repair;
pub(crate) mod sim;
mod stream_writes;
mod sync_mode;
mod zero_trailer;

/// Serializes the in-crate tests that start child processes with the ones
/// that reopen stores for writing: between fork and exec a child holds
/// copies of every descriptor of this process, a store's lock file among
/// them, so a reopen at that moment would find the store locked.
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// An empty scratch directory for one test, `tag` naming it (unique among
/// the in-crate tests).
pub(crate) fn scratch(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rdrive-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
