//! Generative tests that need the engine's internals: the storage seam, the
//! crash model, pure recovery on images. One concern per file.

mod dead_compaction;
mod faults;
mod io_errors;
mod power_loss;
mod repair;
pub(crate) mod sim;
