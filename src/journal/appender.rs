//! Durable appends to `journal.jsonl` that overwrite preallocated space instead of growing the file.
//!
//! On ext4, `sync_data` after a write that extends the file must also commit the new size (and
//! any new block) through the filesystem journal: a second, ordered disk write per append. So
//! the file is extended ahead of the lines, in chunks of zero bytes that are written and synced
//! once ([`CHUNK`]); an append then writes its line over zeros inside the file and `sync_data`
//! only has the data block to flush, as SQLite's recycled WAL does. Zeros are written rather
//! than `fallocate`d: ext4 turns the first write into each block of an unwritten extent into an
//! extent change that `sync_data` must commit, while written zeros need nothing more.
//!
//! The file therefore ends in NUL padding while it is open (readers stop at the first NUL, see
//! [`super::padding`]); dropping the appender trims it, and a crash leaves it, which opening
//! the run accepts silently.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The file is extended to the next multiple of this: about 800 typical events per extension
/// (a few milliseconds).
pub const CHUNK: u64 = 256 * 1024;

/// Zeros to write the padding from.
static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];

/// The open journal file, its logical end (after the last line) and how far it is allocated.
#[derive(Debug)]
pub(crate) struct Appender {
    file: File,
    /// Where the next line goes: the end of the last line written.
    end: u64,
    /// The file's length: zeros from `end` up to here.
    allocated: u64,
    /// An append failed and its bytes could not be zeroed again: appending more could leave
    /// them behind a shorter line, so every later append fails until the run is reopened.
    poisoned: bool,
}

impl Appender {
    /// Creates a new, empty journal file (it must not exist).
    pub(crate) fn create(path: &Path) -> io::Result<Appender> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        Ok(Appender {
            file,
            end: 0,
            allocated: 0,
            poisoned: false,
        })
    }

    /// Opens an existing journal whose lines end at `end`; only NUL padding may follow.
    pub(crate) fn open(path: &Path, end: u64) -> io::Result<Appender> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        let allocated = file.metadata()?.len().max(end);
        Ok(Appender {
            file,
            end,
            allocated,
            poisoned: false,
        })
    }

    /// Writes `line` (with its newline) after the last one and syncs it: durable on `Ok`.
    pub(crate) fn append(&mut self, line: &[u8]) -> io::Result<()> {
        if self.poisoned {
            return Err(io::Error::other(
                "an earlier append failed; reopen the run to repair the journal",
            ));
        }
        let new_end = self.end + line.len() as u64;
        if new_end > self.allocated {
            self.extend((new_end / CHUNK + 1) * CHUNK)?;
        }
        let written = self
            .file
            .write_all_at(line, self.end)
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.end = new_end;
                Ok(())
            }
            Err(e) => {
                // The next append starts at the same place; no byte of this one may outlive it.
                self.poisoned = self.zero(self.end, new_end).is_err();
                Err(e)
            }
        }
    }

    /// Extends the file with zeros to `to` and syncs them, so that later lines overwrite
    /// allocated, written blocks inside the file. A crash part-way leaves only zeros.
    fn extend(&mut self, to: u64) -> io::Result<()> {
        self.zero(self.allocated, to)?;
        self.file.sync_data()?;
        self.allocated = to;
        Ok(())
    }

    /// Writes zeros over `from..to`.
    fn zero(&self, mut from: u64, to: u64) -> io::Result<()> {
        while from < to {
            let n = (to - from).min(ZEROS.len() as u64);
            self.file.write_all_at(&ZEROS[..n as usize], from)?;
            from += n;
        }
        Ok(())
    }

    /// Cuts the padding off, so that a closed journal is plain JSON lines. A crash part-way
    /// leaves either length, both of which open cleanly.
    pub(crate) fn trim(&mut self) -> io::Result<()> {
        if self.file.metadata()?.len() > self.end {
            self.file.set_len(self.end)?;
            self.file.sync_data()?;
            self.allocated = self.end;
        }
        Ok(())
    }
}

impl Drop for Appender {
    fn drop(&mut self) {
        // Best effort: padding left behind is what a crash leaves, and opening accepts it.
        let _ = self.trim();
    }
}
