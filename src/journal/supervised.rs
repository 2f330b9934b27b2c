//! What a shell step's supervisor leaves in the run folder, beside the step's output file, so
//! that any cockpit (the one that started the step, or one opened after it went away) can tell
//! whether the step still runs and how it ended:
//!
//! - `output/<step>.<n>.lock`: locked (`flock`) for as long as the supervisor lives, from
//!   before it is started; it holds the step's process group id once the step runs;
//! - `output/<step>.<n>.status.json`: written (whole, by rename) when the step has ended and
//!   its output file is complete, before the lock is released.
//!
//! - `output/<step>.<n>.values.json` (0600): what the step hands on (the variables it set, its
//!   working folder, its last stdout line), written before the status file for a cockpit that
//!   finishes the step after the fact; they may be secrets, so never in the status file nor
//!   the journal unmasked; the cockpit that journals the end deletes it;
//! - `output/<step>.<n>.supervisor.log`: the supervisor's own errors (its stderr), so that a
//!   supervisor that failed to start or died is explainable; removed when it stays empty.
//!
//! A lock nobody holds and no status file: the supervisor is gone without knowing the end, and
//! the step is interrupted.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// The lock file the supervisor holds while the attempt writing `output` runs.
pub fn lock_path(output: &Path) -> PathBuf {
    output.with_extension("lock")
}

/// The status file the supervisor writes when the attempt writing `output` has ended.
pub fn status_path(output: &Path) -> PathBuf {
    output.with_extension("status.json")
}

/// The private file of what the attempt writing `output` hands on ([`StepValues`]).
pub fn values_path(output: &Path) -> PathBuf {
    output.with_extension("values.json")
}

/// What a supervised step hands to the steps after it, as its supervisor collected it: the
/// part of the outcome the status file does not hold (it may hold secrets).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepValues {
    /// Variables the script set or changed, its final folder among them
    /// ([`crate::exec::capture::CWD`]).
    pub vars: Vec<(String, String)>,
    pub last_stdout_line: Option<String>,
}

impl StepValues {
    /// Writes the file whole and private (0600, a fresh temporary file renamed over it).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let tmp = path.with_extension("tmp-values");
        let _ = std::fs::remove_file(&tmp);
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&json)?;
        drop(f);
        std::fs::rename(&tmp, path)
    }

    /// The values file, when there is a readable one (none: the step handed nothing on).
    pub fn read(path: &Path) -> Option<StepValues> {
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// Where the supervisor of the attempt writing `output` writes its own errors.
pub fn log_path(output: &Path) -> PathBuf {
    output.with_extension("supervisor.log")
}

/// How a supervised step ended, as its supervisor saw it: what `step_finished` needs when no
/// cockpit was there to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepEnd {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    /// When the process group's shell exited and its output was complete, UTC, milliseconds.
    pub ended_at: DateTime<Utc>,
    pub duration_ms: u64,
    pub bytes: u64,
    pub output_sha256: String,
    /// Set when the step could not be waited for or its output not written in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StepEnd {
    /// Writes the status file whole (a temporary file renamed over it): a reader never sees
    /// half of it.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("tmp");
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, path)
    }

    /// The status file, when there is a readable one.
    pub fn read(path: &Path) -> Option<StepEnd> {
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Now, cut to the journal's milliseconds.
    pub fn now() -> DateTime<Utc> {
        Utc::now().trunc_subsecs(3)
    }
}

/// Where a supervised step stands, seen from outside its supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The supervisor still runs; `pgid` is the step's process group (0 while it starts).
    Running { pgid: i32 },
    /// The step ended; the status says how.
    Ended(StepEnd),
    /// No supervisor and no status: the step is interrupted.
    Gone,
}

/// Looks at the step's lock and status files. The lock is tried first: a supervisor writes
/// the status before it lets go of the lock, so a free lock and no status means it is gone.
pub fn probe(output: &Path) -> Probe {
    if let Some(pgid) = held_by_supervisor(&lock_path(output)) {
        return Probe::Running { pgid };
    }
    match StepEnd::read(&status_path(output)) {
        Some(end) => Probe::Ended(end),
        None => Probe::Gone,
    }
}

/// The process group written in a lock file that someone holds; `None` when it is free or
/// missing.
fn held_by_supervisor(path: &Path) -> Option<i32> {
    let mut file = File::open(path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            Some(text.trim().parse().unwrap_or(0))
        }
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

/// Creates and locks the lock file of a step about to start: the caller hands this open file
/// to the supervisor, which keeps the lock for as long as it lives. It is emptied only once
/// locked: a take that fails on a held lock leaves the live supervisor's pgid readable.
pub fn take_lock(output: &Path) -> std::io::Result<File> {
    let path = lock_path(output);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        // Emptied once locked, not before: see above.
        .truncate(false)
        .open(&path)?;
    file.try_lock().map_err(|e| match e {
        std::fs::TryLockError::WouldBlock => {
            std::io::Error::other(format!("{} is held by another supervisor", path.display()))
        }
        std::fs::TryLockError::Error(e) => e,
    })?;
    file.set_len(0)?;
    Ok(file)
}

/// Records the step's process group in the lock file the supervisor holds, for a cockpit
/// that re-attaches and must be able to cancel it.
pub fn note_pgid(lock: &mut File, pgid: i32) -> std::io::Result<()> {
    lock.set_len(0)?;
    lock.seek(SeekFrom::Start(0))?;
    lock.write_all(pgid.to_string().as_bytes())
}

/// The last `n` non-empty lines of an output file (read from its last 64 KiB): the last lines
/// `step_finished` carries when no screen saw the step end.
pub fn last_lines_of(path: &Path, n: usize) -> Vec<String> {
    const TAIL: u64 = 64 * 1024;
    let Ok(mut file) = File::open(path) else {
        return Vec::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    let from = len.saturating_sub(TAIL);
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(from)).is_err() || file.read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<String> = text
        .lines()
        .skip(usize::from(from > 0))
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let keep = lines.len().saturating_sub(n);
    lines.drain(..keep);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_tells_running_ended_and_gone_apart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (s, t) = (dir.path().join("s.1.log"), dir.path().join("t.1.log"));
        assert_eq!(probe(&s), Probe::Gone);
        let mut lock = take_lock(&s).expect("lock");
        note_pgid(&mut lock, 4242).expect("pgid");
        assert_eq!(probe(&s), Probe::Running { pgid: 4242 });
        let end = StepEnd {
            exit_code: Some(0),
            signal: None,
            ended_at: StepEnd::now(),
            duration_ms: 5,
            bytes: 3,
            output_sha256: "x".into(),
            error: None,
        };
        end.write(&status_path(&s)).expect("status");
        assert_eq!(probe(&s), Probe::Running { pgid: 4242 });
        drop(lock);
        assert_eq!(probe(&s), Probe::Ended(end));
        drop(take_lock(&t).expect("lock"));
        assert_eq!(probe(&t), Probe::Gone);
    }

    #[test]
    fn a_failed_take_leaves_the_holders_pgid() {
        let dir = tempfile::tempdir().expect("temp dir");
        let s = dir.path().join("s.1.log");
        let mut lock = take_lock(&s).expect("lock");
        note_pgid(&mut lock, 4242).expect("pgid");
        let err = take_lock(&s).expect_err("the lock is held");
        assert!(
            err.to_string().contains("held by another supervisor"),
            "{err}"
        );
        assert_eq!(probe(&s), Probe::Running { pgid: 4242 });
        assert_eq!(
            std::fs::read_to_string(lock_path(&s)).expect("lock file"),
            "4242"
        );
        // Once free, a new take starts from an empty file.
        drop(lock);
        drop(take_lock(&s).expect("lock"));
        assert_eq!(
            std::fs::read_to_string(lock_path(&s)).expect("lock file"),
            ""
        );
    }

    #[test]
    fn last_lines_skip_blank_lines_and_a_cut_first_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.log");
        std::fs::write(&path, "a\nb\n\nc\n").expect("write");
        assert_eq!(last_lines_of(&path, 2), ["b", "c"]);
        assert!(last_lines_of(&dir.path().join("missing"), 2).is_empty());
    }
}
