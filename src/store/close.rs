//! Closing a store: sync, record a clean close, leave an index cache,
//! release the writer lock.

use super::cache::{self, Binding};
use super::{Store, Writer};
use crate::error::{Error, Result};
use crate::format::METADATA_SIZE;

impl Store {
    /// Syncs, records a clean close and closes the store, reporting any
    /// error (dropping the store does the same but cannot report). The
    /// writer lock is released when this returns, whatever entries from
    /// the store are still alive. A poisoned handle reports
    /// [`Error::Poisoned`] (nothing is synced: reopen to recover).
    pub fn close(mut self) -> Result<()> {
        self.close_inner()
    }

    pub(crate) fn close_inner(&mut self) -> Result<()> {
        let Some(mutex) = self.writer.take() else {
            return Ok(());
        };
        let mut w = mutex.into_inner().map_err(|_| Error::Poisoned {
            reason: "a write panicked while holding the writer".into(),
        })?;
        if let Some(reason) = &w.poisoned {
            return Err(Error::Poisoned {
                reason: reason.clone(),
            });
        }
        if w.synced < w.tail {
            w.io.sync_data(&w.file)
                .map_err(|e| Error::io(format!("{}: sync", self.path.display()), e))?;
            w.synced = w.tail;
        }
        // With shared handles, only the last one out leaves a clean mark
        // and a cache (others may still be writing).
        let last = !self.shared || !w.coord.others_hold_the_store();
        self.mark(&mut w, last);
        if last {
            self.save_index_cache(&w);
        }
        // Dropping `w` closes the lock file: the lock is gone now.
        Ok(())
    }

    /// Writes the index cache at a clean close (best effort: it is only a
    /// cache), or removes a cache the store no longer earns.
    fn save_index_cache(&self, w: &Writer) {
        let Some((path, min_keys)) = &self.cache else {
            return;
        };
        let state = self.state.load();
        if state.index.len() < *min_keys as u64 || w.synced != w.tail || w.watermark != w.tail {
            cache::remove(w.io.as_ref(), path);
            return;
        }
        let trailer = match w.tail {
            0 => Some([0; METADATA_SIZE]),
            t => state
                .map
                .mapping()
                .get(t - METADATA_SIZE as u64..t)
                .and_then(|b| b.try_into().ok()),
        };
        if let Some(trailer) = trailer {
            let binding = Binding {
                tail: w.tail,
                trailer,
                store_id: w.store_id,
                generation: w.generation,
            };
            let _ = cache::save(w.io.as_ref(), path, &state.index, &binding);
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = self.close_inner();
    }
}
