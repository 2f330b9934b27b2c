//! The journal file: append with `sync_data`, the hash chain, the writer lock and torn-tail repair.
//!
//! A run folder holds `journal.jsonl`, `runbook.md` (the runbook as the run started), `output/`
//! and `lock`. Exactly one [`Journal`] writes a run at a time (an advisory lock on `lock`);
//! readers use [`read_events`] and [`verify`] without it. While a run is open (or after a crash)
//! the file ends in NUL padding ([`super::padding`]); every reader here stops at the first NUL.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::journal::appender::Appender;
use crate::journal::event::{self, Event, EventKind, GENESIS};
use crate::journal::padding::{self, Tail};
use crate::journal::runs;
use crate::journal::secrets::{MASK, Masker};
use crate::journal::supervised::{self, Probe};
use crate::runbook::Runbook;

/// The journal's file name in a run folder.
pub const JOURNAL_FILE: &str = "journal.jsonl";
/// The copy of the runbook as it was when the run started (or was last resumed with changes).
pub const RUNBOOK_FILE: &str = "runbook.md";
/// The advisory lock file; it holds a line naming the current writer.
pub const LOCK_FILE: &str = "lock";
/// Full step output, one file per attempt.
pub const OUTPUT_DIR: &str = "output";

/// Why a journal could not be created, opened or appended to; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "run {run} is being written by another cockpit ({holder}); close that one, or follow the run read-only"
    )]
    Locked { run: String, holder: String },
    #[error(
        "{path}: line {line}: {why}; the journal is damaged, run `flightdeck journal verify {run}` for details"
    )]
    Damaged {
        path: PathBuf,
        run: String,
        line: usize,
        why: String,
    },
    #[error(
        "{path}: not a run folder (no {JOURNAL_FILE}); name a run id, `latest`, or a run folder"
    )]
    NotARun { path: PathBuf },
    #[error("a `{kind}` event must name a step")]
    MissingStep { kind: &'static str },
    #[error(transparent)]
    Encode(#[from] event::EncodeError),
}

/// Why `verify` failed: the first bad line (1-based) and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{path}: line {line}: {why}")]
    BadLine {
        path: PathBuf,
        line: usize,
        why: String,
    },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The writer of one run's journal. Holds the run's lock until dropped.
#[derive(Debug)]
pub struct Journal {
    run_dir: PathBuf,
    run_id: String,
    operator: String,
    out: Appender,
    _lock: File,
    next_seq: u64,
    head: String,
    masker: Masker,
}

impl Journal {
    /// Starts a new run of `runbook`: a fresh `<home>/runs/<run-id>/` with the runbook copy,
    /// `output/`, the lock, and a durable `run_started` event.
    pub fn create(
        home: &Path,
        runbook: &Runbook,
        runbook_text: &str,
        operator: &str,
    ) -> Result<Journal, JournalError> {
        Self::create_at(home, runbook, runbook_text, operator, Utc::now())
    }

    /// [`Journal::create`] with the start time given (tests and snapshots inject the clock).
    pub fn create_at(
        home: &Path,
        runbook: &Runbook,
        runbook_text: &str,
        operator: &str,
        ts: DateTime<Utc>,
    ) -> Result<Journal, JournalError> {
        let (run_id, run_dir) = runs::create_run_dir(home, &runbook.source, ts)?;
        fs::create_dir(run_dir.join(OUTPUT_DIR)).map_err(io_err(&run_dir))?;
        let copy = run_dir.join(RUNBOOK_FILE);
        write_synced(&copy, runbook_text.as_bytes())?;
        let lock = take_lock(&run_dir, &run_id, operator)?;
        let path = run_dir.join(JOURNAL_FILE);
        let out = Appender::create(&path).map_err(io_err(&path))?;
        sync_dir(&run_dir)?;
        let mut journal = Journal {
            run_dir,
            run_id: run_id.clone(),
            operator: operator.to_string(),
            out,
            _lock: lock,
            next_seq: 1,
            head: GENESIS.to_string(),
            masker: Masker::default(),
        };
        let runbook_path = fs::canonicalize(&runbook.source)
            .map_or_else(|_| runbook.source.clone(), |p| p.display().to_string());
        journal.append_at(
            EventKind::RunStarted {
                run_id,
                runbook_path,
                runbook_title: runbook.title.clone(),
                runbook_sha256: event::sha256_hex(runbook_text.as_bytes()),
                host: host_name(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            None,
            ts,
        )?;
        Ok(journal)
    }

    /// Opens an existing run for writing: takes the lock, checks every line and the chain,
    /// repairs a torn last line, and looks at every step whose attempt was still running (its
    /// writer is gone: we hold the lock) by what its supervisor left ([`supervised::probe`]):
    /// still running or ended while no cockpit was open, it stays running in the journal (the
    /// cockpit re-attaches and journals its real end, `ended_at` set, through the same path
    /// as any end); gone without a word, `step_interrupted`.
    ///
    /// Returns the journal, every event (repair and interruption events included), and the
    /// repair message to show once, if a repair happened. Any damage other than a torn last line
    /// is refused with [`JournalError::Damaged`].
    pub fn open(
        run_dir: &Path,
        operator: &str,
    ) -> Result<(Journal, Vec<Event>, Option<String>), JournalError> {
        Self::open_at(run_dir, operator, Utc::now())
    }

    /// [`Journal::open`] with the time of the events it may append given.
    pub fn open_at(
        run_dir: &Path,
        operator: &str,
        ts: DateTime<Utc>,
    ) -> Result<(Journal, Vec<Event>, Option<String>), JournalError> {
        let path = run_dir.join(JOURNAL_FILE);
        if !path.is_file() {
            return Err(JournalError::NotARun {
                path: run_dir.to_path_buf(),
            });
        }
        let run_id = runs::run_id_of(run_dir);
        let lock = take_lock(run_dir, &run_id, operator)?;
        let bytes = fs::read(&path).map_err(io_err(&path))?;
        let (scan, torn_end) = match scan_file(&bytes) {
            Ok(found) => found,
            Err((line, why)) => {
                return Err(JournalError::Damaged {
                    path,
                    run: run_id,
                    line,
                    why,
                });
            }
        };
        let mut events = scan.events;
        let mut message = None;
        let mut torn_move = None;
        if scan.good_len < torn_end {
            let torn = &bytes[scan.good_len..torn_end];
            let moved_to = free_torn_name(run_dir);
            write_synced(&run_dir.join(&moved_to), torn)?;
            let f = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(io_err(&path))?;
            f.set_len(scan.good_len as u64).map_err(io_err(&path))?;
            f.sync_all().map_err(io_err(&path))?;
            message = Some(format!(
                "run {run_id}: the journal's last line was torn (a crash mid-write); {} bytes moved to {moved_to}, every complete event kept",
                torn.len()
            ));
            torn_move = Some((torn.len() as u64, moved_to));
        }
        let out = Appender::open(&path, scan.good_len as u64).map_err(io_err(&path))?;
        let mut journal = Journal {
            run_dir: run_dir.to_path_buf(),
            run_id,
            operator: operator.to_string(),
            out,
            _lock: lock,
            next_seq: events.last().map_or(1, |e| e.seq + 1),
            head: events
                .last()
                .map_or(GENESIS.to_string(), |e| e.hash.clone()),
            masker: Masker::default(),
        };
        if let Some((torn_bytes, moved_to)) = torn_move {
            let e = journal.append_at(
                EventKind::JournalRepaired {
                    torn_bytes,
                    moved_to,
                },
                None,
                ts,
            )?;
            events.push(e);
        }
        for (step, attempt) in running_steps(&events) {
            let output = output_path(run_dir, &step, attempt);
            // A supervisor that runs on, or that recorded the end, leaves the step to the
            // cockpit: it re-attaches and journals the end as for a step it started, values
            // handed on included. Only a step nobody can finish is settled here.
            if supervised::probe(&output) == Probe::Gone {
                let e =
                    journal.append_at(EventKind::StepInterrupted { attempt }, Some(&step), ts)?;
                events.push(e);
            }
        }
        Ok((journal, events, message))
    }

    /// Appends an event now; it is on disk (`sync_data`) when this returns.
    pub fn append(&mut self, kind: EventKind, step: Option<&str>) -> Result<Event, JournalError> {
        self.append_at(kind, step, Utc::now())
    }

    /// [`Journal::append`] at a given time. Secret input values become `••••` and every known
    /// secret is masked out of the event's text before it is written.
    pub fn append_at(
        &mut self,
        mut kind: EventKind,
        step: Option<&str>,
        ts: DateTime<Utc>,
    ) -> Result<Event, JournalError> {
        if kind.needs_step() && step.is_none() {
            return Err(JournalError::MissingStep {
                kind: kind.type_name(),
            });
        }
        if let EventKind::InputSet {
            name,
            value,
            secret,
            ..
        } = &mut kind
        {
            *secret = *secret || crate::runbook::inputs::name_looks_secret(name);
            if *secret {
                self.masker.add(value);
                *value = MASK.to_string();
            }
        }
        for text in kind.texts_mut() {
            *text = self.masker.mask(text);
        }
        let (mut line, event) =
            event::encode_line(self.next_seq, ts, &self.operator, step, kind, &self.head)?;
        line.push('\n');
        self.out
            .append(line.as_bytes())
            .map_err(|e| io_err(&self.run_dir.join(JOURNAL_FILE))(e))?;
        self.next_seq += 1;
        self.head.clone_from(&event.hash);
        Ok(event)
    }

    /// Masks `value` from now on (a secret re-entered after a resume: the journal never held it).
    pub fn add_secret(&mut self, value: &str) {
        self.masker.add(value);
    }

    /// The run's secrets, for masking step output ([`super::secrets::MaskingWriter`]).
    pub fn masker(&self) -> &Masker {
        &self.masker
    }

    /// The run folder.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// The run id (the run folder's name).
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Who appends: every event carries this operator.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// Changes who appends (after a `handoff` event).
    pub fn set_operator(&mut self, operator: &str) {
        self.operator = operator.to_string();
    }

    /// The seq of the last durable line (0 before any).
    pub fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// The hash of the last line written: the journal's head.
    pub fn head(&self) -> &str {
        &self.head
    }

    /// Where attempt `attempt` of `step_id` writes its full output.
    pub fn output_path(&self, step_id: &str, attempt: u32) -> PathBuf {
        output_path(&self.run_dir, step_id, attempt)
    }
}

/// Where attempt `attempt` of `step_id` of the run in `run_dir` writes its full output; for
/// those (the cockpit's runtime) that hold the run folder but not the journal.
pub fn output_path(run_dir: &Path, step_id: &str, attempt: u32) -> PathBuf {
    run_dir
        .join(OUTPUT_DIR)
        .join(format!("{step_id}.{attempt}.log"))
}

/// Every event of a run, read-only and without the lock (export, show, follow).
///
/// Stops at the first NUL (the writer's padding, see [`super::padding`]). A torn last line (a
/// writer mid-append, or a crash not yet repaired) is left out; any other damage is an error
/// naming the line.
pub fn read_events(run_dir: &Path) -> Result<Vec<Event>, JournalError> {
    let path = run_dir.join(JOURNAL_FILE);
    if !path.is_file() {
        return Err(JournalError::NotARun {
            path: run_dir.to_path_buf(),
        });
    }
    let bytes = fs::read(&path).map_err(io_err(&path))?;
    match scan_file(&bytes) {
        Ok((scan, _)) => Ok(scan.events),
        Err((line, why)) => Err(JournalError::Damaged {
            path,
            run: runs::run_id_of(run_dir),
            line,
            why,
        }),
    }
}

/// Recomputes every line's hash and the chain; `Ok` is the head hash.
///
/// Stricter than [`read_events`]: a last line without its newline, or part of one after the
/// NUL padding, is reported too. Padding alone (an open or crashed writer) is fine.
pub fn verify(run_dir: &Path) -> Result<String, VerifyError> {
    let path = run_dir.join(JOURNAL_FILE);
    let bytes = fs::read(&path).map_err(|source| VerifyError::Io {
        path: path.clone(),
        source,
    })?;
    let bad = |line, why| VerifyError::BadLine {
        path: path.clone(),
        line,
        why,
    };
    let (scan, torn_end) = scan_file(&bytes).map_err(|(line, why)| bad(line, why))?;
    if torn_end > padding::text_len(&bytes) {
        return Err(bad(
            scan.events.len() + 1,
            "torn: part of a line after the NUL padding (a write cut short by a crash); opening the run repairs it".into(),
        ));
    }
    if scan.good_len < torn_end {
        return Err(bad(
            scan.events.len() + 1,
            "torn: the line has no newline (a crash mid-write); opening the run repairs it".into(),
        ));
    }
    match scan.events.last() {
        Some(e) => Ok(e.hash.clone()),
        None => Err(bad(1, "the journal is empty".into())),
    }
}

struct Scan {
    events: Vec<Event>,
    /// Bytes up to the end of the last complete line that checked out.
    good_len: usize,
    /// The first bad complete line (1-based) and why.
    error: Option<(usize, String)>,
}

/// Checks a journal file's lines up to its padding, and what follows the padding. `Ok` holds the
/// scan and where the torn tail (if any: from `good_len`) ends; `Err` the first bad line and why.
fn scan_file(bytes: &[u8]) -> Result<(Scan, usize), (usize, String)> {
    let text_len = padding::text_len(bytes);
    let scan = scan(&bytes[..text_len]);
    if let Some(error) = scan.error {
        return Err(error);
    }
    match padding::tail(bytes, text_len) {
        Tail::Padding => Ok((scan, text_len)),
        Tail::Fragment { end } => Ok((scan, end)),
        Tail::Damaged => Err((
            scan.events.len() + 1,
            format!(
                "a NUL byte at offset {text_len} with more lines after it (the file was changed)"
            ),
        )),
    }
}

/// Checks every complete line and the chain; the bytes after the last newline are the torn tail.
fn scan(bytes: &[u8]) -> Scan {
    let mut spans = Vec::with_capacity(bytes.len() / 256);
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        spans.push((start, nl));
        start = nl + 1;
    }
    let mut events: Vec<Event> = Vec::with_capacity(spans.len());
    let mut prev = GENESIS;
    for (i, (decoded, &(from, _))) in decode_all(bytes, &spans)
        .into_iter()
        .zip(&spans)
        .enumerate()
    {
        let number = i + 1;
        let error = match decoded {
            Err(e) => Some(e.to_string()),
            Ok(event) if event.prev != prev => Some(format!(
                "`prev` is {} but the previous line's hash is {} (a line was removed, added or reordered)",
                event::short(&event.prev),
                event::short(prev)
            )),
            Ok(event) if event.seq != number as u64 => Some(format!(
                "`seq` is {} where {number} was expected",
                event.seq
            )),
            Ok(event) => {
                events.push(event);
                prev = events.last().map_or(GENESIS, |e| e.hash.as_str());
                None
            }
        };
        if let Some(why) = error {
            return Scan {
                events,
                good_len: from,
                error: Some((number, why)),
            };
        }
    }
    Scan {
        events,
        good_len: start,
        error: None,
    }
}

/// Decodes lines (hash check + JSON) on every core for long journals: the chain is then checked
/// in order by [`scan`]. Keeps replay of 100 000 events well under 200 ms.
fn decode_all(bytes: &[u8], spans: &[(usize, usize)]) -> Vec<Result<Event, event::LineError>> {
    let decode = |chunk: &[(usize, usize)]| -> Vec<_> {
        chunk
            .iter()
            .map(|&(a, b)| event::decode_line(&bytes[a..b]))
            .collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || spans.len() < 4096 {
        return decode(spans);
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = spans
            .chunks(spans.len().div_ceil(threads))
            .map(|chunk| scope.spawn(move || decode(chunk)))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// Steps whose last event is `step_started`: running when the journal ends.
fn running_steps(events: &[Event]) -> Vec<(String, u32)> {
    let mut running: indexmap::IndexMap<String, u32> = indexmap::IndexMap::new();
    for e in events {
        let Some(step) = &e.step else { continue };
        match &e.kind {
            EventKind::StepStarted { attempt, .. } => {
                running.insert(step.clone(), *attempt);
            }
            k if k.needs_step() => {
                running.shift_remove(step);
            }
            _ => {}
        }
    }
    running.into_iter().collect()
}

const LOCK_RETRIES: u32 = 20;

/// Takes the run's advisory lock and writes who holds it into the lock file.
fn take_lock(run_dir: &Path, run_id: &str, operator: &str) -> Result<File, JournalError> {
    let path = run_dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io_err(&path))?;
    // A lock just released can linger for a moment in a child forked by this process (the fd is
    // only closed at its exec), so a few short retries before calling the run taken.
    let mut attempt = 0;
    let locked = loop {
        match file.try_lock() {
            Err(fs::TryLockError::WouldBlock) if attempt < LOCK_RETRIES => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => break other,
        }
    };
    match locked {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&path)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "holder unknown".into());
            return Err(JournalError::Locked {
                run: run_id.to_string(),
                holder,
            });
        }
        Err(fs::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
    }
    let holder = format!(
        "{operator} on {}, pid {}, since {}",
        host_name(),
        std::process::id(),
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    file.set_len(0)
        .and_then(|()| file.write_all(holder.as_bytes()))
        .map_err(io_err(&path))?;
    Ok(file)
}

/// Whether a cockpit holds the run's lock right now (the run is active).
pub fn is_locked(run_dir: &Path) -> bool {
    let Ok(file) = File::open(run_dir.join(LOCK_FILE)) else {
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(_) => true,
    }
}

fn free_torn_name(run_dir: &Path) -> String {
    (1..)
        .map(|n| format!("{JOURNAL_FILE}.torn-{n}"))
        .find(|name| !run_dir.join(name).exists())
        .unwrap_or_else(|| format!("{JOURNAL_FILE}.torn"))
}

/// Writes a whole file and syncs it (a run folder's copies: runbook, pulled journal).
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    let mut f = File::create(path).map_err(io_err(path))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(io_err(path))
}

fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

/// This machine's name, for `run_started` and the lock holder.
pub fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::event::LineError;
    use chrono::TimeZone;

    fn fixture() -> (tempfile::TempDir, Runbook, String) {
        let text = "# Demo\n\n## Prep\n\n- [ ] check backups\n\n```bash\necho hi\n```\n";
        let rb = crate::runbook::parse(text, "demo.md");
        (tempfile::tempdir().unwrap(), rb, text.to_string())
    }

    fn at(min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 4, min, 0)
            .single()
            .unwrap()
    }

    #[test]
    fn torn_last_line_is_moved_aside_and_recorded() {
        let (home, rb, text) = fixture();
        let mut j = Journal::create_at(home.path(), &rb, &text, "alice", at(12)).unwrap();
        j.append_at(EventKind::Note { text: "one".into() }, None, at(13))
            .unwrap();
        let dir = j.run_dir().to_path_buf();
        drop(j);
        let torn = b"{\"seq\":3,\"ts\":\"2026-11-21T04:14:00.000Z\",\"oper";
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join(JOURNAL_FILE))
            .unwrap();
        f.write_all(torn).unwrap();
        drop(f);
        assert!(
            verify(&dir)
                .unwrap_err()
                .to_string()
                .contains("line 3: torn")
        );

        let (_j, events, msg) = Journal::open_at(&dir, "bob", at(20)).unwrap();
        let msg = msg.expect("repair is reported");
        assert!(
            msg.contains("46 bytes moved to journal.jsonl.torn-1"),
            "{msg}"
        );
        assert_eq!(fs::read(dir.join("journal.jsonl.torn-1")).unwrap(), torn);
        assert_eq!(events.len(), 3);
        assert_eq!(
            events[2].kind,
            EventKind::JournalRepaired {
                torn_bytes: 46,
                moved_to: "journal.jsonl.torn-1".into()
            }
        );
        assert_eq!(events[2].operator, "bob");
        drop(_j);
        assert_eq!(verify(&dir).unwrap(), events[2].hash);
        // Said once: the next open has nothing to repair.
        let (_, _, again) = Journal::open(&dir, "bob").unwrap();
        assert!(again.is_none());
    }

    #[test]
    fn long_journals_are_decoded_in_parallel_and_checked_in_order() {
        let mut bytes = Vec::new();
        let mut head = GENESIS.to_string();
        for seq in 1..=6000 {
            let kind = EventKind::Note {
                text: format!("n{seq}"),
            };
            let (line, e) = event::encode_line(seq, at(1), "a", None, kind, &head).unwrap();
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
            head = e.hash;
        }
        let scan_ok = scan(&bytes);
        assert_eq!(scan_ok.events.len(), 6000);
        assert_eq!(scan_ok.events[5999].hash, head);
        assert!(scan_ok.error.is_none());
        let at_4500 = memchr::memmem::find(&bytes, b"\"n4500\"").unwrap();
        bytes[at_4500 + 2] = b'9';
        let bad = scan(&bytes);
        assert_eq!(bad.events.len(), 4499);
        assert_eq!(bad.error, Some((4500, LineError::HashMismatch.to_string())));
    }

    #[test]
    fn second_writer_is_refused_with_holder() {
        let (home, rb, text) = fixture();
        let j = Journal::create_at(home.path(), &rb, &text, "alice", at(12)).unwrap();
        assert!(is_locked(j.run_dir()));
        let err = Journal::open(j.run_dir(), "bob").unwrap_err().to_string();
        assert!(
            err.starts_with(
                "run 2026-11-21T041200Z-demo is being written by another cockpit (alice on "
            ),
            "{err}"
        );
        let dir = j.run_dir().to_path_buf();
        drop(j);
        assert!(!is_locked(&dir));
        assert!(Journal::open(&dir, "bob").is_ok());
    }

    #[test]
    fn running_step_is_interrupted_on_open() {
        let (home, rb, text) = fixture();
        let mut j = Journal::create_at(home.path(), &rb, &text, "alice", at(12)).unwrap();
        let step = rb.steps().nth(1).unwrap().1.id.clone();
        j.append_at(
            EventKind::StepStarted {
                attempt: 2,
                command: Some("echo hi".into()),
            },
            Some(&step),
            at(13),
        )
        .unwrap();
        let dir = j.run_dir().to_path_buf();
        drop(j);
        let (_j, events, _) = Journal::open_at(&dir, "bob", at(30)).unwrap();
        let last = events.last().unwrap();
        assert_eq!(last.kind, EventKind::StepInterrupted { attempt: 2 });
        assert_eq!(last.step.as_deref(), Some(step.as_str()));
    }

    #[test]
    fn damage_mid_file_is_refused() {
        let (home, rb, text) = fixture();
        let mut j = Journal::create_at(home.path(), &rb, &text, "alice", at(12)).unwrap();
        for n in 0..3 {
            j.append_at(
                EventKind::Note {
                    text: format!("n{n}"),
                },
                None,
                at(13),
            )
            .unwrap();
        }
        let dir = j.run_dir().to_path_buf();
        drop(j);
        let path = dir.join(JOURNAL_FILE);
        let content = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = content.lines().collect();
        // Drop line 3: the chain breaks at (new) line 3.
        let cut = format!("{}\n{}\n{}\n", lines[0], lines[1], lines[3]);
        fs::write(&path, cut).unwrap();
        let err = Journal::open(&dir, "bob").unwrap_err().to_string();
        assert!(err.contains("line 3: `prev` is"), "{err}");
        assert!(
            err.contains("flightdeck journal verify 2026-11-21T041200Z-demo"),
            "{err}"
        );
    }

    #[test]
    fn secret_inputs_are_masked_in_every_later_event() {
        let (home, rb, text) = fixture();
        let mut j = Journal::create_at(home.path(), &rb, &text, "alice", at(12)).unwrap();
        let e = j
            .append_at(
                EventKind::InputSet {
                    name: "DB_PASSWORD".into(),
                    value: "CANARY-77".into(),
                    secret: false,
                    source: None,
                },
                None,
                at(13),
            )
            .unwrap();
        assert_eq!(
            e.kind,
            EventKind::InputSet {
                name: "DB_PASSWORD".into(),
                value: MASK.into(),
                secret: true,
                source: None
            }
        );
        let e = j
            .append_at(
                EventKind::Note {
                    text: "used CANARY-77 on postgres://u:pw@h".into(),
                },
                None,
                at(14),
            )
            .unwrap();
        assert_eq!(
            e.kind,
            EventKind::Note {
                text: "used •••• on postgres://u:••••@h".into()
            }
        );
    }
}
