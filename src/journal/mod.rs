//! The journal: a durable, tamper-evident record of a run, and everything read back from it.
//!
//! A run is a fold over its journal (DESIGN.md §3): [`Journal`] appends hash-chained JSON lines
//! with `sync_data` (over preallocated NUL padding, see [`padding`]), [`replay`] folds them into a
//! [`RunState`], [`export`] turns that into a handoff report, [`runs`] finds run folders,
//! [`writer`] keeps appends off the UI task, and [`resume`] takes an unfinished run up again.
//! See docs/JOURNAL.md.

mod appender;
pub mod event;
pub mod export;
pub mod file;
pub mod padding;
pub mod replay;
pub mod runs;
pub mod secrets;
pub mod supervised;
pub mod writer;

use std::fs;
use std::path::Path;

use chrono::{DateTime, Utc};

pub use event::{Event, EventKind};
pub use file::{Journal, JournalError, VerifyError, read_events, verify};
pub use replay::{ReplayError, RunState, StepState, StepStatus, replay};
pub use runs::{find_resumable, resolve};
pub use writer::JournalWriter;

use crate::runbook::{self, Runbook};

/// Who is at the keyboard: `$FLIGHTDECK_OPERATOR`, else `$USER`, else `operator`.
pub fn default_operator() -> String {
    ["FLIGHTDECK_OPERATOR", "USER", "USERNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "operator".into())
}

/// A run taken up again: the journal (locked), the runbook as it is now, and the replayed state.
#[derive(Debug)]
pub struct Resumed {
    pub journal: Journal,
    pub runbook: Runbook,
    pub events: Vec<Event>,
    pub state: RunState,
    /// What to tell the user once: a torn-tail repair, a runbook change.
    pub messages: Vec<String>,
}

/// Why a run could not be resumed.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Load(#[from] runbook::LoadError),
    #[error("{0}; run `flightdeck journal verify` on the run")]
    Replay(#[from] ReplayError),
}

/// Resumes the run in `run_dir` with the runbook at `runbook_path` as it is now.
///
/// Opens the journal (lock, torn-tail repair, interrupted steps: see [`Journal::open`]). When the
/// runbook's sha256 differs from the copy in the run folder, steps are matched by id: the ids
/// that vanished and those added are recorded in a `runbook_changed` event, the old copy is kept
/// as `runbook.<old-sha-prefix>.md` and `runbook.md` becomes the new text. Then `run_resumed`.
pub fn resume(run_dir: &Path, runbook_path: &Path, operator: &str) -> Result<Resumed, ResumeError> {
    resume_at(run_dir, runbook_path, operator, Utc::now())
}

/// [`resume`] with the time of the events it appends given.
pub fn resume_at(
    run_dir: &Path,
    runbook_path: &Path,
    operator: &str,
    ts: DateTime<Utc>,
) -> Result<Resumed, ResumeError> {
    let text = runbook::source::read_source(runbook_path)?.text;
    let mut runbook = runbook::parse(&text, &runbook_path.display().to_string());
    let (mut journal, mut events, repair) = Journal::open_at(run_dir, operator, ts)?;
    let mut messages: Vec<String> = repair.into_iter().collect();
    let copy_path = run_dir.join(file::RUNBOOK_FILE);
    let old_text = fs::read_to_string(&copy_path).map_err(file::io_err(&copy_path))?;
    let old_sha = event::sha256_hex(old_text.as_bytes());
    let new_sha = event::sha256_hex(text.as_bytes());
    if old_sha != new_sha {
        let old = runbook::parse(&old_text, "runbook.md");
        let ids = |rb: &Runbook| rb.steps().map(|(_, s)| s.id.clone()).collect::<Vec<_>>();
        let (old_ids, new_ids) = (ids(&old), ids(&runbook));
        let vanished: Vec<String> = old_ids
            .iter()
            .filter(|id| !new_ids.contains(id))
            .cloned()
            .collect();
        let added: Vec<String> = new_ids
            .iter()
            .filter(|id| !old_ids.contains(id))
            .cloned()
            .collect();
        let archive = run_dir.join(format!("runbook.{}.md", &old_sha[..12]));
        file::write_synced(&archive, old_text.as_bytes())?;
        file::write_synced(&copy_path, text.as_bytes())?;
        messages.push(format!(
            "the runbook changed since the run started: {} step(s) vanished, {} new (pending); steps are matched by id",
            vanished.len(),
            added.len()
        ));
        events.push(journal.append_at(
            EventKind::RunbookChanged {
                old_sha256: old_sha,
                new_sha256: new_sha,
                vanished,
                added,
            },
            None,
            ts,
        )?);
    }
    events.push(journal.append_at(
        EventKind::RunResumed {
            host: file::host_name(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        None,
        ts,
    )?);
    if let Some(EventKind::RunStarted { runbook_path, .. }) = events.first().map(|e| &e.kind) {
        runbook.source.clone_from(runbook_path);
    }
    runbook.add_adhoc_steps(&events);
    let state = replay(&runbook, &events)?;
    Ok(Resumed {
        journal,
        runbook,
        events,
        state,
        messages,
    })
}
