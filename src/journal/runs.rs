//! Run folders: where they live, their ids, listing them, and resolving what a user typed as RUN.

use std::fs;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::journal::event::EventKind;
use crate::journal::file::{self, JOURNAL_FILE, JournalError, RUNBOOK_FILE, io_err};
use crate::journal::replay::{self, RunState, StepStatus};
use crate::journal::supervised::{self, Probe, StepEnd};
use crate::runbook::{self, Runbook};

/// The environment variable that overrides the data directory (tests, several installations).
pub const HOME_ENV: &str = "FLIGHTDECK_HOME";

/// Why a RUN could not be resolved or the data directory is unknown; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum RunsError {
    #[error("no run matches `{spec}` in {runs}; `flightdeck journal list` shows the runs")]
    NoMatch { spec: String, runs: PathBuf },
    #[error("`{spec}` matches {} runs ({}); type more of the id", .matches.len(), .matches.join(", "))]
    Ambiguous { spec: String, matches: Vec<String> },
    #[error("no data directory: set {HOME_ENV} or pass --home DIR")]
    NoHome,
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// The data directory: `--home`, else `$FLIGHTDECK_HOME`, else the platform's data dir.
pub fn home_dir(flag: Option<&Path>) -> Result<PathBuf, RunsError> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "flightdeck")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or(RunsError::NoHome)
}

/// `<home>/runs`.
pub fn runs_dir(home: &Path) -> PathBuf {
    home.join("runs")
}

/// A run's id is its folder's name.
pub fn run_id_of(run_dir: &Path) -> String {
    run_dir.file_name().map_or_else(
        || run_dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// `Go Live!.md` → `go-live`: the readable part of a run id.
pub fn slug(source: &str) -> String {
    let stem = Path::new(source)
        .file_stem()
        .map_or_else(|| source.to_string(), |s| s.to_string_lossy().into_owned());
    let mut out = String::new();
    for c in stem.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(40).collect();
    if out.is_empty() { "run".into() } else { out }
}

/// Makes a new, empty run folder named `<UTC second>-<slug>` (`-2`, `-3`, … on collision): an id
/// that reads well and says when the run started.
pub(crate) fn create_run_dir(
    home: &Path,
    source: &str,
    ts: DateTime<Utc>,
) -> Result<(String, PathBuf), JournalError> {
    let runs = runs_dir(home);
    fs::create_dir_all(&runs).map_err(io_err(&runs))?;
    let base = format!("{}-{}", ts.format("%Y-%m-%dT%H%M%SZ"), slug(source));
    for n in 1u32.. {
        let id = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let dir = runs.join(&id);
        match fs::create_dir(&dir) {
            Ok(()) => return Ok((id, dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err(&dir)(e)),
        }
    }
    unreachable!("u32 run-id suffixes exhausted")
}

/// Every run folder under `home`, the latest started first. Order comes from each journal's first
/// event, not from ids: runs started in the same second (or named by older, minute-only ids)
/// still sort by when they really began.
pub fn run_dirs(home: &Path) -> Result<Vec<PathBuf>, JournalError> {
    let runs = runs_dir(home);
    let entries = match fs::read_dir(&runs) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(&runs)(e)),
    };
    let mut dirs: Vec<(Option<DateTime<Utc>>, String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(JOURNAL_FILE).is_file())
        .map(|p| (started_at(&p), run_id_of(&p), p))
        .collect();
    dirs.sort_by(|a, b| (&b.0, &b.1).cmp(&(&a.0, &a.1)));
    Ok(dirs.into_iter().map(|(_, _, p)| p).collect())
}

/// When a run began: the `ts` of its journal's first line (`None` when unreadable).
fn started_at(run_dir: &Path) -> Option<DateTime<Utc>> {
    #[derive(serde::Deserialize)]
    struct First {
        ts: DateTime<Utc>,
    }
    let file = fs::File::open(run_dir.join(JOURNAL_FILE)).ok()?;
    let mut line = String::new();
    BufReader::new(file.take(MAX_FIRST_LINE))
        .read_line(&mut line)
        .ok()?;
    serde_json::from_str::<First>(line.trim_end())
        .ok()
        .map(|f| f.ts)
}

/// A `run_started` line is a few hundred bytes; a longer first line is not one.
const MAX_FIRST_LINE: u64 = 64 * 1024;

/// Turns RUN into a run folder: a path to one, `latest`, a run id, or a unique prefix of one.
pub fn resolve(home: &Path, spec: &str) -> Result<PathBuf, RunsError> {
    let as_path = Path::new(spec);
    if as_path.join(JOURNAL_FILE).is_file() {
        return Ok(as_path.to_path_buf());
    }
    let dirs = run_dirs(home)?;
    let no_match = || RunsError::NoMatch {
        spec: spec.to_string(),
        runs: runs_dir(home),
    };
    if spec == "latest" {
        return dirs.into_iter().next().ok_or_else(no_match);
    }
    if let Some(exact) = dirs.iter().find(|d| run_id_of(d) == spec) {
        return Ok(exact.clone());
    }
    let matches: Vec<PathBuf> = dirs
        .into_iter()
        .filter(|d| run_id_of(d).starts_with(spec))
        .collect();
    match matches.len() {
        0 => Err(no_match()),
        1 => Ok(matches.into_iter().next().ok_or_else(no_match)?),
        _ => Err(RunsError::Ambiguous {
            spec: spec.to_string(),
            matches: matches.iter().map(|d| run_id_of(d)).collect(),
        }),
    }
}

/// Whether a run is going on, over, or left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// A cockpit holds the lock.
    Active,
    /// `run_finished` was recorded.
    Finished,
    /// Neither: nobody is writing it and it never finished (resumable).
    Abandoned,
}

impl RunStatus {
    /// The word `journal list` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Active => "active",
            RunStatus::Finished => "finished",
            RunStatus::Abandoned => "abandoned",
        }
    }
}

/// A run read back from its folder: the runbook copy, the events and their replay.
#[derive(Debug, Clone)]
pub struct LoadedRun {
    pub dir: PathBuf,
    pub runbook: Runbook,
    pub events: Vec<crate::journal::Event>,
    pub state: RunState,
    pub status: RunStatus,
    /// Steps that ended while no cockpit was open, by their supervisor's status file: the
    /// journal does not say so yet (the next cockpit will); `state` already shows them ended.
    pub unjournaled: Vec<(String, StepEnd)>,
}

impl LoadedRun {
    /// An event described for a person, its step shown by title: `Health check: started …`,
    /// the title in bold when `markdown`.
    pub fn describe(&self, event: &crate::journal::Event, markdown: bool) -> String {
        let label = event.step.as_ref().map(|id| match self.runbook.step(id) {
            Some(step) if markdown => format!("**{}**", step.title),
            Some(step) => step.title.clone(),
            None => format!("`{id}` (no longer in the runbook)"),
        });
        event.describe_step_as(label)
    }
}

/// Reads a run without taking its lock, and writes nothing. When nobody holds the lock, steps
/// still running are settled as their supervisors left them ([`settle_unwritten`]): a shell
/// step whose supervisor still runs stays running, one that ended shows its real result, the
/// others are interrupted (their writer is gone).
pub fn load_run(run_dir: &Path) -> Result<LoadedRun, LoadRunError> {
    let events = file::read_events(run_dir)?;
    let copy = run_dir.join(RUNBOOK_FILE);
    let text = fs::read_to_string(&copy).map_err(io_err(&copy))?;
    let source = events
        .first()
        .and_then(|e| match &e.kind {
            EventKind::RunStarted { runbook_path, .. } => Some(runbook_path.clone()),
            _ => None,
        })
        .unwrap_or_else(|| copy.display().to_string());
    let mut runbook = runbook::parse(&text, &source);
    runbook.add_adhoc_steps(&events);
    let mut state = replay::replay(&runbook, &events)?;
    let mut unjournaled = Vec::new();
    let status = if state.finished.is_some() {
        RunStatus::Finished
    } else if file::is_locked(run_dir) {
        RunStatus::Active
    } else {
        unjournaled = settle_unwritten(run_dir, &mut state);
        RunStatus::Abandoned
    };
    Ok(LoadedRun {
        dir: run_dir.to_path_buf(),
        runbook,
        events,
        state,
        status,
        unjournaled,
    })
}

/// The steps of a run nobody writes that the journal still shows running, as their
/// supervisors left them: still running, ended (shown finished with their real result, as
/// the next cockpit will journal them), or gone (interrupted). Nothing is written.
fn settle_unwritten(run_dir: &Path, state: &mut RunState) -> Vec<(String, StepEnd)> {
    let running: Vec<(String, u32)> = state
        .steps
        .iter()
        .filter(|(_, s)| s.status == StepStatus::Running)
        .map(|(id, s)| (id.clone(), s.attempts))
        .collect();
    let mut still_running = Vec::new();
    let mut ended = Vec::new();
    for (id, attempt) in running {
        let output = file::output_path(run_dir, &id, attempt);
        match supervised::probe(&output) {
            Probe::Running { .. } => still_running.push(id),
            Probe::Ended(end) => {
                let lines = supervised::last_lines_of(&output, crate::journal::event::LAST_LINES);
                state.finish_unjournaled(&id, &end, lines);
                ended.push((id, end));
            }
            Probe::Gone => {}
        }
    }
    state.mark_interrupted(|id, _| still_running.iter().any(|r| r == id));
    ended
}

/// Why a run could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum LoadRunError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0}; the journal does not fit its runbook, run `flightdeck journal verify`")]
    Replay(#[from] replay::ReplayError),
}

/// The newest unfinished, unlocked run of the runbook at `runbook_path` (same file, by
/// canonical path): what `flightdeck run FILE` offers to resume.
pub fn find_resumable(home: &Path, runbook_path: &Path) -> Result<Option<PathBuf>, JournalError> {
    let wanted = fs::canonicalize(runbook_path).map_err(io_err(runbook_path))?;
    for dir in run_dirs(home)? {
        let Ok(events) = file::read_events(&dir) else {
            continue;
        };
        let same = matches!(events.first().map(|e| &e.kind),
            Some(EventKind::RunStarted { runbook_path, .. }) if Path::new(runbook_path) == wanted);
        let finished = events
            .iter()
            .any(|e| matches!(e.kind, EventKind::RunFinished { .. }));
        if same && !finished && !file::is_locked(&dir) {
            return Ok(Some(dir));
        }
    }
    Ok(None)
}
