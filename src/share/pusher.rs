//! The captain's pusher: a tokio task that copies the run to the shared database after the
//! local fsync, in seq order, and never makes the captain wait.
//!
//! The cockpit only tells it things through [`Share`] (a mutex held for an insert and a
//! `Notify`): "seq N is durable" from the journal writer's thread, "step X's output grew" or
//! "ended" from the event loop. The task reads the lines and bytes from the run folder itself,
//! so a flood of output costs the captain nothing but those notes, and an outage costs nothing
//! at all: the task retries with capped backoff and catches up from the server's own max seq.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::db::Db;
use crate::journal::file::{self, RUNBOOK_FILE};

use super::local::{self, LocalJournal};
use super::{ShareError, ShareStatus, channel, schema, timed};

/// Lines per transaction.
const BATCH: usize = 500;
/// Bytes per output row.
const CHUNK: usize = 256 * 1024;
/// Output rows per step per pass, so that one flooding step does not hold the others back.
const CHUNKS_PER_PASS: usize = 4;
/// A running step's output is pushed at most this often (a few updates a second).
const OUTPUT_EVERY: Duration = Duration::from_millis(300);
/// The first and the longest wait before reconnecting.
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(15);

/// What the pusher needs to know about the run.
#[derive(Debug, Clone)]
pub struct ShareConfig {
    /// A libpq URL or key/value string; `sslmode` as SQL steps read it.
    pub url: String,
    pub run_dir: PathBuf,
    pub run_id: String,
    /// Who shares it (the runs row's `captain`).
    pub captain: String,
    /// How long the lease lasts without renewal ([`super::LEASE`]; shorter in tests).
    pub lease: Duration,
    /// How often it is renewed, whatever else is pushed ([`super::LEASE_RENEW`]).
    pub renew_every: Duration,
}

impl ShareConfig {
    /// A config with the standard lease times.
    pub fn new(url: String, run_dir: PathBuf, run_id: String, captain: String) -> ShareConfig {
        ShareConfig {
            url,
            run_dir,
            run_id,
            captain,
            lease: super::LEASE,
            renew_every: super::LEASE_RENEW,
        }
    }
}

/// Who holds the lease when this cockpit pushes: the machine and the run folder. The journal's
/// lock lets one cockpit at a time write a folder, so a cockpit reopened on the same folder
/// (after a quit, a crash, another operator's resume) is the same writer; a copy of the run
/// on another machine is not.
pub fn lease_holder(run_dir: &std::path::Path) -> String {
    format!("{}:{}", file::host_name(), run_dir.display())
}

/// Called with the new status whenever it changes (forward it into the UI's channel).
pub type Report = Arc<dyn Fn(ShareStatus) + Send + Sync>;

/// The cockpit's handle: cheap to clone, never blocks beyond a short mutex.
#[derive(Clone)]
pub struct Share {
    inner: Arc<Inner>,
}

struct Inner {
    pending: Mutex<Pending>,
    wake: Notify,
}

#[derive(Default)]
struct Pending {
    durable: u64,
    /// Output to push: (step, attempt) → (generation, ended).
    outputs: BTreeMap<(String, u32), (u64, bool)>,
    generation: u64,
    closing: bool,
}

/// The running task; [`Pusher::finish`] lets it catch up for a while, then stops it.
pub struct Pusher {
    share: Share,
    task: tokio::task::JoinHandle<ShareStatus>,
}

impl Share {
    /// Starts the pusher on the current tokio runtime. Every output file already in the run
    /// folder is offered too, so attaching a share later uploads everything.
    ///
    /// Nothing is read here (this runs on the UI task): the durable seq starts at 0 and
    /// comes from [`Share::durable`] (the journal writer tells it at once), never from the
    /// file, which may hold a line written but not yet synced; the output files are listed
    /// by the task, off the runtime's workers.
    pub fn start(config: ShareConfig, report: Report) -> (Share, Pusher) {
        let share = Share {
            inner: Arc::new(Inner {
                pending: Mutex::new(Pending::default()),
                wake: Notify::new(),
            }),
        };
        let task = tokio::spawn(watched(config, share.clone(), report));
        (share.clone(), Pusher { share, task })
    }

    fn with(&self, f: impl FnOnce(&mut Pending)) {
        self.with_wake(|p| {
            f(p);
            true
        });
    }

    /// Applies `f`, and wakes the task only when `f` says the news needs it.
    fn with_wake(&self, f: impl FnOnce(&mut Pending) -> bool) {
        let wake = match self.inner.pending.lock() {
            Ok(mut p) => f(&mut p),
            Err(_) => true,
        };
        if wake {
            self.inner.wake.notify_one();
        }
    }

    /// Seq `seq` is durable in the local journal: it may be pushed.
    pub fn durable(&self, seq: u64) {
        self.with(|p| p.durable = p.durable.max(seq));
    }

    /// The output file of `step`'s attempt grew.
    pub fn output_grew(&self, step: &str, attempt: u32) {
        self.mark(step, attempt, false);
    }

    /// The attempt ended: its output file is complete; push all of it.
    pub fn output_ended(&self, step: &str, attempt: u32) {
        self.mark(step, attempt, true);
    }

    /// Notes that an output grew or ended. The task is woken only for a new entry or one
    /// that just ended: growth of one it already knows is picked up by its own cadence
    /// ([`OUTPUT_EVERY`]), not by a wake per chunk of output.
    fn mark(&self, step: &str, attempt: u32, ended: bool) {
        self.with_wake(|p| {
            p.generation += 1;
            let generation = p.generation;
            match p.outputs.get_mut(&(step.to_string(), attempt)) {
                Some(entry) => {
                    let news = ended && !entry.1;
                    *entry = (generation, entry.1 || ended);
                    news
                }
                None => {
                    p.outputs
                        .insert((step.to_string(), attempt), (generation, ended));
                    true
                }
            }
        });
    }
}

impl Pusher {
    /// Lets the pusher catch up for at most `within`, marks the shared run as left by its
    /// captain (unless finished), and stops it. Returns where the shared copy stood.
    pub async fn finish(self, within: Duration) -> Option<ShareStatus> {
        self.share.with(|p| p.closing = true);
        let mut task = self.task;
        match tokio::time::timeout(within, &mut task).await {
            Ok(Ok(status)) => Some(status),
            Ok(Err(_)) => None,
            Err(_) => {
                task.abort();
                None
            }
        }
    }
}

/// A snapshot of what is to do.
struct Todo {
    durable: u64,
    outputs: Vec<((String, u32), (u64, bool))>,
    closing: bool,
}

/// Runs [`run`] on a task of its own and watches it: a pusher that panics says so, loudly,
/// instead of leaving the last status (`share ok`) on screen.
async fn watched(config: ShareConfig, share: Share, report: Report) -> ShareStatus {
    /// Stops the inner task when the watcher is stopped ([`Pusher::finish`] aborts it).
    struct AbortOnDrop(tokio::task::JoinHandle<ShareStatus>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut inner = AbortOnDrop(tokio::spawn(run(config, share.clone(), report.clone())));
    match (&mut inner.0).await {
        Ok(status) => status,
        Err(e) => {
            let reason = if e.is_panic() {
                let payload = e.into_panic();
                payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into())
            } else {
                e.to_string()
            };
            tracing::error!(error = %reason, "share: the pusher stopped");
            let durable = share.inner.pending.lock().map_or(0, |p| p.durable);
            let message = format!(
                "the share pusher stopped ({reason}); nothing more is pushed: reopen the run to share it again (the log has the details)"
            );
            let status = ShareStatus {
                durable,
                acked: 0,
                offline: Some(message.clone()),
                fork: None,
                problem: Some(message),
                output_waiting: false,
                taken_over: None,
            };
            report(status.clone());
            status
        }
    }
}

/// The task: wait for work, push it, report; reconnect with backoff on any failure.
async fn run(config: ShareConfig, share: Share, report: Report) -> ShareStatus {
    let mut push = Push {
        journal: LocalJournal::new(&config.run_dir),
        config,
        db: None,
        acked: None,
        sent: HashMap::new(),
        last_output: HashMap::new(),
        closed_row: false,
        held: false,
        renew_at: Instant::now(),
        durable: 0,
    };
    let mut status = ShareStatus {
        durable: 0,
        acked: 0,
        offline: None,
        fork: None,
        problem: None,
        output_waiting: false,
        taken_over: None,
    };
    let mut reported: Option<ShareStatus> = None;
    let mut backoff = BACKOFF_MIN;
    let dir = push.config.run_dir.clone();
    let outputs = tokio::task::spawn_blocking(move || local::output_files(&dir))
        .await
        .unwrap_or_default();
    if let Ok(mut p) = share.inner.pending.lock() {
        for key in outputs {
            p.outputs.entry(key).or_insert((0, true));
        }
    }
    loop {
        let todo = {
            let Ok(p) = share.inner.pending.lock() else {
                return status;
            };
            Todo {
                durable: p.durable,
                outputs: p.outputs.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                closing: p.closing,
            }
        };
        status.durable = todo.durable;
        push.durable = todo.durable;
        status.output_waiting = !todo.outputs.is_empty();
        if reported.as_ref() != Some(&status) {
            report(status.clone());
            reported = Some(status.clone());
        }
        if status.fork.is_some() || status.taken_over.is_some() {
            // Pushing stopped for good: nothing is overwritten, nothing more is sent (after a
            // fork, or once another cockpit took the lease: it writes the run now).
            if todo.closing {
                return status;
            }
            share.inner.wake.notified().await;
            continue;
        }
        let now = Instant::now();
        let due: Vec<_> = todo
            .outputs
            .iter()
            .filter(|(key, (_, ended))| {
                todo.closing
                    || *ended
                    || push
                        .last_output
                        .get(key)
                        .is_none_or(|t| now.duration_since(*t) >= OUTPUT_EVERY)
            })
            .cloned()
            .collect();
        let events_due = push.acked.is_none_or(|a| a < todo.durable);
        let closing_due = todo.closing && !push.closed_row;
        // The lease on its own schedule, whatever the traffic: steady output must not let it
        // lapse (only event transactions renew it in passing).
        // Once it has held the lease, a cockpit offline or idle reconnects to renew it too.
        let renews = push.db.is_some() || push.held;
        let renew_due = renews && now >= push.renew_at;
        if !events_due && due.is_empty() && !closing_due && !renew_due {
            if todo.closing && todo.outputs.is_empty() {
                return status;
            }
            match todo
                .outputs
                .iter()
                .map(|(k, _)| push.last_output.get(k))
                .min()
            {
                // Only rate-limited output waits: until the earliest may go, or news.
                Some(Some(t)) if !todo.outputs.is_empty() => {
                    let mut at = *t + OUTPUT_EVERY;
                    if renews {
                        at = at.min(push.renew_at);
                    }
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = share.inner.wake.notified() => {}
                    }
                }
                // Idle: the lease is renewed before it can lapse.
                _ if renews => {
                    tokio::select! {
                        () = share.inner.wake.notified() => {}
                        () = tokio::time::sleep_until(push.renew_at) => {}
                    }
                }
                _ => share.inner.wake.notified().await,
            }
            continue;
        }
        let result = async {
            if renew_due {
                push.renew().await?;
            }
            if events_due {
                push.events(todo.durable, &mut status).await?;
            }
            for (key, (generation, ended)) in &due {
                if push.output(key, *ended).await? {
                    // Fully pushed: forget it unless it grew again meanwhile.
                    if let Ok(mut p) = share.inner.pending.lock()
                        && p.outputs.get(key).is_some_and(|(g, _)| g == generation)
                    {
                        p.outputs.remove(key);
                    }
                }
            }
            let (more_events, more_output) = match share.inner.pending.lock() {
                Ok(p) => (p.durable > push.acked.unwrap_or(0), !p.outputs.is_empty()),
                Err(_) => (false, false),
            };
            if todo.closing && !more_events && !more_output && !push.closed_row {
                push.close_row().await?;
            }
            Ok::<(), PushError>(())
        }
        .await;
        match result {
            Ok(()) => {
                backoff = BACKOFF_MIN;
                status.offline = None;
                status.problem = None;
            }
            Err(Fork(seq)) => {
                tracing::error!(run = %push.config.run_id, seq, "share: the shared copy holds a different line: FORK; pushing stopped, nothing overwritten");
                status.fork = Some(seq);
            }
            Err(Failed(e)) => {
                tracing::warn!(run = %push.config.run_id, error = %e, retry_in = ?backoff, "share: offline");
                push.db = None;
                push.acked = None;
                push.sent.clear();
                status.offline = Some(e.to_string());
                status.problem = e.needs_fix();
                if let (ShareError::Leased { holder, .. }, true) = (&e, push.held) {
                    status.taken_over = Some(holder.clone());
                }
                if reported.as_ref() != Some(&status) {
                    report(status.clone());
                    reported = Some(status.clone());
                }
                if todo.closing {
                    // The cockpit is closing: no retries; the next cockpit on this run
                    // catches up from the local journal.
                    return status;
                }
                // Wait before retrying, but keep the count behind current meanwhile: the
                // captain sees it grow while the database is away.
                let retry_at = Instant::now() + backoff;
                loop {
                    tokio::select! {
                        () = tokio::time::sleep_until(retry_at) => break,
                        () = share.inner.wake.notified() => {
                            let closing = match share.inner.pending.lock() {
                                Ok(p) => {
                                    status.durable = p.durable;
                                    p.closing
                                }
                                Err(_) => true,
                            };
                            if closing {
                                // One last try now, rather than after the wait.
                                break;
                            }
                            if reported.as_ref() != Some(&status) {
                                report(status.clone());
                                reported = Some(status.clone());
                            }
                        }
                    }
                }
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

use PushError::{Failed, Fork};

/// Whether an event is something a person did at the keyboard, as opposed to what the cockpit
/// journals by itself (a step ending, a metric crossing, values handed on). After `H` the
/// cockpit's operator is the named captain, so only these may take an offer back.
fn at_the_keyboard(kind: &crate::journal::EventKind) -> bool {
    use crate::journal::EventKind as K;
    matches!(
        kind,
        K::StepStarted { .. }
            | K::StepAcknowledged { .. }
            | K::StepSkipped { .. }
            | K::StepFailedManual { .. }
            | K::Note { .. }
            | K::StepAdded { .. }
            | K::Handoff { .. }
    )
}

/// What a batch of lines does to the lease: the next captain a handoff names when none of
/// their lines follows it here (offered), and who did something at this keyboard (a named
/// captain acting here takes an offer back; events the cockpit journals by itself never do).
/// A takeover journals a handoff to whoever wrote it: no offer.
fn lease_change(lines: &[local::Line]) -> (Option<String>, Vec<String>) {
    let mut offered: Option<String> = None;
    let mut writers: Vec<String> = Vec::new();
    for l in lines {
        let Ok(event) = crate::journal::event::decode_line(l.text.as_bytes()) else {
            continue;
        };
        let keyboard = at_the_keyboard(&event.kind);
        match event.kind {
            crate::journal::EventKind::Handoff { to, .. } if to != event.operator => {
                offered = Some(to);
            }
            _ if keyboard && offered.as_deref() == Some(event.operator.as_str()) => {
                offered = None;
            }
            _ => {}
        }
        if keyboard && !writers.contains(&event.operator) {
            writers.push(event.operator);
        }
    }
    (offered, writers)
}

/// Fails with [`ShareError::Leased`] unless `holder` holds the run's lease now; locks the
/// runs row for the rest of the transaction. `durable` is how far this cockpit's journal goes:
/// an offered or released lease is this cockpit's only while the shared copy holds nothing
/// past it (else another cockpit wrote the run meanwhile, then offered or released it).
async fn holds_lease(
    tx: &tokio_postgres::Transaction<'_>,
    run_id: &str,
    holder: &str,
    durable: u64,
) -> Result<(), ShareError> {
    let row = tx
        .query_one(
            "SELECT lease_holder, last_seq FROM flightdeck.runs WHERE run_id = $1 FOR UPDATE",
            &[&run_id],
        )
        .await?;
    let held_by: Option<String> = row.try_get(0)?;
    let last_seq = row.try_get::<_, i64>(1)?.max(0) as u64;
    if held_by.as_deref() != Some(holder) && last_seq > durable {
        return Err(ShareError::Leased {
            run_id: run_id.to_string(),
            holder: held_by.unwrap_or_else(|| {
                format!("another cockpit (it wrote up to seq {last_seq}, then released the lease)")
            }),
            until: String::new(),
        });
    }
    // Offered after this cockpit's handoff: it still pushes until the next captain takes it.
    match held_by {
        Some(h) if h == holder || h.starts_with(super::OFFERED) => Ok(()),
        // Released meanwhile (another session of this folder closed): free, so taken again
        // under the row lock, as a handshake would.
        None => {
            tx.execute(
                "UPDATE flightdeck.runs SET lease_holder = $2 WHERE run_id = $1",
                &[&run_id, &holder],
            )
            .await?;
            Ok(())
        }
        Some(other) => Err(ShareError::Leased {
            run_id: run_id.to_string(),
            holder: other,
            until: String::new(),
        }),
    }
}

/// Extends the lease held by `holder`.
async fn renew_in(
    tx: &tokio_postgres::Transaction<'_>,
    run_id: &str,
    holder: &str,
    lease_secs: f64,
) -> Result<(), ShareError> {
    tx.execute(
        "UPDATE flightdeck.runs SET lease_expires_at = now() + make_interval(secs => $3)
         WHERE run_id = $1 AND (lease_holder = $2 OR starts_with(lease_holder, $4))",
        &[&run_id, &holder, &lease_secs, &super::OFFERED],
    )
    .await?;
    Ok(())
}

/// On a fork, the first seq up to `upto` whose shared line differs from the local one (or is
/// missing there), so the captain is told where the copies part, not where they end.
async fn first_difference(
    tx: &tokio_postgres::Transaction<'_>,
    journal: &mut LocalJournal,
    run_id: &str,
    upto: u64,
) -> Result<Option<u64>, ShareError> {
    if upto == 0 {
        return Ok(None);
    }
    let rows = tx
        .query(
            "SELECT seq, hash, line FROM flightdeck.events
             WHERE run_id = $1 AND seq <= $2 ORDER BY seq",
            &[&run_id, &(upto as i64)],
        )
        .await?;
    let mut shared = HashMap::new();
    for r in &rows {
        shared.insert(
            r.try_get::<_, i64>(0)?.max(0) as u64,
            (r.try_get::<_, String>(1)?, r.try_get::<_, String>(2)?),
        );
    }
    let mut after = 0;
    while after < upto {
        let lines = journal.lines(after, upto, BATCH)?;
        let Some(last) = lines.last() else {
            return Ok(Some(after + 1));
        };
        after = last.seq;
        for l in &lines {
            match shared.get(&l.seq) {
                Some((h, t)) if *h == l.hash && *t == l.text => {}
                Some(_) => return Ok(Some(l.seq)),
                None => {}
            }
        }
    }
    Ok(None)
}

/// The shared copy of an output file no longer adds up to the local file.
fn diverged(run_id: &str, key: &(String, u32), at: i64) -> ShareError {
    ShareError::OutputDiverged(format!(
        "the shared output of step {} attempt {} differs from the local file near byte {at}; delete its rows (DELETE FROM flightdeck.output WHERE run_id = '{run_id}' AND step_id = '{}' AND attempt = {}) and the next push uploads it again",
        key.0, key.1, key.0, key.1
    ))
}

/// A push stops for a fork (for good) or a failure (retried).
enum PushError {
    Fork(u64),
    Failed(ShareError),
}

impl From<ShareError> for PushError {
    fn from(e: ShareError) -> Self {
        Failed(e)
    }
}

impl From<tokio_postgres::Error> for PushError {
    fn from(e: tokio_postgres::Error) -> Self {
        Failed(e.into())
    }
}

struct Push {
    config: ShareConfig,
    db: Option<Db>,
    /// The shared copy's last seq, known once connected.
    acked: Option<u64>,
    journal: LocalJournal,
    /// Per output: the next chunk number and byte offset the server expects.
    sent: HashMap<(String, u32), (i32, i64)>,
    last_output: HashMap<(String, u32), Instant>,
    closed_row: bool,
    /// This cockpit has held the lease: losing it means the run was taken over.
    held: bool,
    /// When the lease is renewed next, whatever is pushed meanwhile.
    renew_at: Instant,
    /// How far the local journal is durable (the lease checks compare the shared copy's
    /// last seq with it).
    durable: u64,
}

impl Push {
    /// The session, connected and handshaken: schema current, runs row there, the server's
    /// head compared with ours.
    async fn db(&mut self) -> Result<&mut Db, PushError> {
        if self.db.is_none() || self.db.as_ref().is_some_and(Db::is_closed) {
            self.acked = None;
            self.sent.clear();
            super::check_url_syntax(&self.config.url).map_err(|e| Failed(ShareError::BadUrl(e)))?;
            let mut db = timed(super::connect(&self.config.url)).await?;
            timed(schema::ensure(&mut db.client)).await?;
            self.acked = Some(self.handshake(&mut db).await?);
            self.held = true;
            self.renew_at = Instant::now() + self.config.renew_every;
            self.db = Some(db);
        }
        self.db
            .as_mut()
            .ok_or_else(|| Failed(ShareError::Local("no session".into())))
    }

    /// Creates or locks the runs row and finds where the shared copy stands: no hole below
    /// its max seq, and the line at that seq the same as ours; only then is the row's
    /// metadata (runbook, captain, status) updated.
    async fn handshake(&mut self, db: &mut Db) -> Result<u64, PushError> {
        let c = &self.config;
        let first = self.journal.lines(0, 1, 1)?;
        let first = first
            .first()
            .ok_or_else(|| Failed(ShareError::Local("the journal is empty".into())))?;
        let event = crate::journal::event::decode_line(first.text.as_bytes())
            .map_err(|e| Failed(ShareError::Local(e.to_string())))?;
        let title = match &event.kind {
            crate::journal::EventKind::RunStarted { runbook_title, .. } => runbook_title.clone(),
            _ => String::new(),
        };
        // Whole-file reads, off the runtime's workers.
        let run_dir = c.run_dir.clone();
        let (runbook, local_count) = tokio::task::spawn_blocking(move || {
            let runbook_path = run_dir.join(RUNBOOK_FILE);
            let runbook = std::fs::read_to_string(&runbook_path)
                .map_err(|e| ShareError::Local(format!("{}: {e}", runbook_path.display())))?;
            Ok::<_, ShareError>((runbook, local::line_count(&run_dir)?))
        })
        .await
        .map_err(|e| Failed(ShareError::Local(format!("reading the run folder: {e}"))))??;
        let sha = crate::journal::event::sha256_hex(runbook.as_bytes());
        // The runbook leaves the machine masked: a front-matter `databases:`/`share:` URL
        // with a password, or the share URL itself, is never uploaded as written.
        let mut masker = crate::journal::secrets::Masker::default();
        for secret in super::url_secrets(&c.url) {
            masker.add(&secret);
        }
        let runbook = masker.mask(&runbook);
        let run_id = c.run_id.clone();
        let captain = c.captain.clone();
        let holder = lease_holder(&c.run_dir);
        let lease_secs = c.lease.as_secs_f64();
        let started = event.ts.to_rfc3339();
        let journal = &mut self.journal;
        // One transaction: the row is created if new, else locked; its metadata is changed
        // only once the shared head matches ours, so a forking cockpit changes nothing.
        let outcome = tokio::time::timeout(super::CALL_TIMEOUT, async {
            let tx = db.client.transaction().await?;
            tx.execute(
                "INSERT INTO flightdeck.runs
                   (run_id, title, runbook_sha256, runbook, captain, status, started_at)
                 VALUES ($1, $2, $3, $4, $5, 'active', ($6::text)::timestamptz)
                 ON CONFLICT (run_id) DO NOTHING",
                &[&run_id, &title, &sha, &runbook, &captain, &started],
            )
            .await?;
            let lease = tx
                .query_one(
                    "SELECT lease_holder,
                            coalesce(lease_expires_at > now(), false),
                            coalesce(to_char(lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '')
                     FROM flightdeck.runs WHERE run_id = $1 FOR UPDATE",
                    &[&run_id],
                )
                .await?;
            let (held_by, live, expires): (Option<String>, bool, String) =
                (lease.try_get(0)?, lease.try_get(1)?, lease.try_get(2)?);
            // An offered lease (the captain handed off) is anyone's to take.
            if let Some(other) = held_by.filter(|h| *h != holder && !h.starts_with(super::OFFERED)) {
                // Taken over only through a handoff, or by a confirmed takeover once expired.
                let until = if live {
                    String::new()
                } else {
                    format!(", lease expired at {expires} UTC without a handoff")
                };
                return Err(ShareError::Leased {
                    run_id: run_id.clone(),
                    holder: other,
                    until,
                });
            }
            let row = tx
                .query_one(
                    "SELECT coalesce(max(seq), 0), count(*) FROM flightdeck.events WHERE run_id = $1",
                    &[&run_id],
                )
                .await?;
            let server_max: i64 = row.try_get(0)?;
            let server_count: i64 = row.try_get(1)?;
            let server_max = server_max.max(0) as u64;
            if server_max > local_count {
                // The shared copy holds lines this journal does not: it lost its tail, or
                // another writer appended. Either way pushing would diverge.
                let upto = local_count;
                let at = first_difference(&tx, journal, &run_id, upto).await?;
                return Ok::<_, ShareError>(Err(at.unwrap_or(local_count + 1)));
            }
            let mut resume = server_max;
            if server_count as u64 != server_max {
                // A hole in the shared copy (a row deleted there): pushing resumes below it,
                // refilling it; the rows above are compared line by line as they conflict.
                let first_missing: i64 = tx
                    .query_one(
                        "SELECT coalesce(min(s), 1) FROM generate_series(1, $2::bigint) AS s
                         WHERE NOT EXISTS (SELECT 1 FROM flightdeck.events
                                           WHERE run_id = $1 AND seq = s)",
                        &[&run_id, &(server_max as i64)],
                    )
                    .await?
                    .try_get(0)?;
                resume = (first_missing.max(1) - 1) as u64;
            }
            if resume > 0 {
                let ours = journal.lines(resume - 1, resume, 1)?;
                let theirs = tx
                    .query_one(
                        "SELECT hash, line FROM flightdeck.events WHERE run_id = $1 AND seq = $2",
                        &[&run_id, &(resume as i64)],
                    )
                    .await?;
                let (hash, line): (String, String) = (theirs.try_get(0)?, theirs.try_get(1)?);
                if !ours
                    .first()
                    .is_some_and(|l| l.hash == hash && l.text == line)
                {
                    let at = first_difference(&tx, journal, &run_id, resume).await?;
                    return Ok(Err(at.unwrap_or(resume)));
                }
            }
            // An offered lease stays offered: a reconnect is no one at the keyboard taking
            // the handoff back.
            tx.execute(
                "UPDATE flightdeck.runs SET
                   runbook_sha256 = $2, runbook = $3, captain = $4,
                   status = CASE WHEN status = 'finished' THEN 'finished' ELSE 'active' END,
                   updated_at = now(),
                   lease_holder = CASE WHEN starts_with(lease_holder, $7) THEN lease_holder
                                       ELSE $5 END,
                   lease_expires_at = now() + make_interval(secs => $6)
                 WHERE run_id = $1",
                &[&run_id, &sha, &runbook, &captain, &holder, &lease_secs, &super::OFFERED],
            )
            .await?;
            tx.commit().await?;
            Ok(Ok(resume))
        })
        .await
        .map_err(|_| Failed(ShareError::Timeout(super::CALL_TIMEOUT)))?
        .map_err(Failed)?;
        outcome.map_err(Fork)
    }

    /// Pushes every line up to `durable`, a batch per transaction.
    async fn events(&mut self, durable: u64, status: &mut ShareStatus) -> Result<(), PushError> {
        self.db().await?;
        while let Some(acked) = self.acked.filter(|a| *a < durable) {
            let lines = self.journal.lines(acked, durable, BATCH)?;
            let Some(last) = lines.last().cloned() else {
                break;
            };
            let run_id = self.config.run_id.clone();
            let db = self
                .db
                .as_mut()
                .ok_or_else(|| Failed(ShareError::Local("no session".into())))?;
            let holder = lease_holder(&self.config.run_dir);
            let lease_secs = self.config.lease.as_secs_f64();
            let outcome = tokio::time::timeout(super::CALL_TIMEOUT, async {
                let tx = db.client.transaction().await?;
                // The lease first, row locked: a cockpit that lost it appends nothing.
                holds_lease(&tx, &run_id, &holder, durable).await?;
                let seqs: Vec<i64> = lines.iter().map(|l| l.seq as i64).collect();
                let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
                let hashes: Vec<&str> = lines.iter().map(|l| l.hash.as_str()).collect();
                let inserted = tx
                    .query(
                        "INSERT INTO flightdeck.events (run_id, seq, line, hash)
                         SELECT $1, s, l, h FROM unnest($2::bigint[], $3::text[], $4::text[]) AS t(s, l, h)
                         ON CONFLICT (run_id, seq) DO NOTHING
                         RETURNING seq",
                        &[&run_id, &seqs, &texts, &hashes],
                    )
                    .await?;
                if inserted.len() < lines.len() {
                    // Rows already there: the same line (a retry) or a fork.
                    let stored = tx
                        .query(
                            "SELECT seq, hash, line FROM flightdeck.events
                             WHERE run_id = $1 AND seq = ANY($2) ORDER BY seq",
                            &[&run_id, &seqs],
                        )
                        .await?;
                    let mut by_seq: HashMap<i64, (String, String)> = HashMap::new();
                    for r in &stored {
                        by_seq.insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?));
                    }
                    // The same seq with another hash or another line is a fork: compared
                    // whole, never trusted on the hash alone.
                    if let Some(line) = lines.iter().find(|l| {
                        by_seq
                            .get(&(l.seq as i64))
                            .is_some_and(|(h, t)| *h != l.hash || *t != l.text)
                    }) {
                        tx.rollback().await?;
                        return Ok::<_, ShareError>(Some(line.seq));
                    }
                }
                let finished = lines.iter().any(|l| l.finishes);
                tx.execute(
                    "UPDATE flightdeck.runs SET last_seq = $2, head_hash = $3,
                       status = CASE WHEN $4 THEN 'finished' ELSE status END, updated_at = now()
                     WHERE run_id = $1 AND last_seq < $2",
                    &[&run_id, &(last.seq as i64), &last.hash, &finished],
                )
                .await?;
                renew_in(&tx, &run_id, &holder, lease_secs).await?;
                // A handoff offers the lease to the next captain; the named captain writing
                // here (a handoff at the same keyboard) takes it back for this cockpit.
                let (offer, writers) = lease_change(&lines);
                match offer {
                    Some(to) => {
                        tx.execute(
                            "UPDATE flightdeck.runs SET lease_holder = $3
                             WHERE run_id = $1
                               AND (lease_holder = $2 OR starts_with(lease_holder, $4))",
                            &[
                                &run_id,
                                &holder,
                                &format!("{}{to}", super::OFFERED),
                                &super::OFFERED,
                            ],
                        )
                        .await?;
                    }
                    None => {
                        let offered: Vec<String> = writers
                            .iter()
                            .map(|w| format!("{}{w}", super::OFFERED))
                            .collect();
                        tx.execute(
                            "UPDATE flightdeck.runs SET lease_holder = $2
                             WHERE run_id = $1 AND lease_holder = ANY($3)",
                            &[&run_id, &holder, &offered],
                        )
                        .await?;
                    }
                }
                tx.execute(
                    "SELECT pg_notify($1, $2)",
                    &[&channel(&run_id), &last.seq.to_string()],
                )
                .await?;
                tx.commit().await?;
                Ok(None)
            })
            .await
            .map_err(|_| Failed(ShareError::Timeout(super::CALL_TIMEOUT)))??;
            if let Some(seq) = outcome {
                return Err(Fork(seq));
            }
            self.acked = Some(last.seq);
            self.renew_at = Instant::now() + self.config.renew_every;
            status.acked = last.seq;
        }
        if let Some(a) = self.acked {
            status.acked = a;
        }
        Ok(())
    }

    /// Pushes new bytes of one output file; true when the shared copy holds all of an ended
    /// attempt's file (or everything there is, for a running one).
    async fn output(&mut self, key: &(String, u32), ended: bool) -> Result<bool, PushError> {
        self.db().await?;
        let run_id = self.config.run_id.clone();
        let holder = lease_holder(&self.config.run_dir);
        let durable = self.durable;
        let path = file::output_path(&self.config.run_dir, &key.0, key.1);
        let db = self
            .db
            .as_mut()
            .ok_or_else(|| Failed(ShareError::Local("no session".into())))?;
        let (mut chunk_no, mut offset) = match self.sent.get(key) {
            Some(at) => *at,
            None => {
                let row = timed(async {
                    Ok(db
                        .client
                        .query_one(
                            "SELECT coalesce(max(chunk_no) + 1, 0),
                                    coalesce(max(byte_offset + length(bytes)), 0)::bigint
                             FROM flightdeck.output
                             WHERE run_id = $1 AND step_id = $2 AND attempt = $3",
                            &[&run_id, &key.0, &(key.1 as i32)],
                        )
                        .await?)
                })
                .await?;
                (row.try_get(0)?, row.try_get(1)?)
            }
        };
        let mut complete = false;
        let mut file_len = 0i64;
        let first_chunk = chunk_no;
        for _ in 0..CHUNKS_PER_PASS {
            let (bytes, len) = local::read_at(&path, offset as u64, CHUNK)
                .map_err(|e| Failed(ShareError::Local(format!("{}: {e}", path.display()))))?;
            file_len = len as i64;
            if bytes.is_empty() {
                complete = offset as u64 >= len;
                break;
            }
            let stored = timed(async {
                // The lease first, row locked: a cockpit that lost it adds no output.
                let tx = db.client.transaction().await?;
                holds_lease(&tx, &run_id, &holder, durable).await?;
                let inserted = tx
                    .query(
                        "INSERT INTO flightdeck.output
                           (run_id, step_id, attempt, chunk_no, byte_offset, bytes)
                         VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT DO NOTHING
                         RETURNING byte_offset, length(bytes)::bigint",
                        &[&run_id, &key.0, &(key.1 as i32), &chunk_no, &offset, &bytes],
                    )
                    .await?;
                let row = match inserted.into_iter().next() {
                    Some(row) => row,
                    // Already there: an earlier session's insert that committed late. Where
                    // it ends is where the next chunk starts, whatever we sent.
                    None => {
                        tx.query_one(
                            "SELECT byte_offset, length(bytes)::bigint FROM flightdeck.output
                             WHERE run_id = $1 AND step_id = $2 AND attempt = $3 AND chunk_no = $4",
                            &[&run_id, &key.0, &(key.1 as i32), &chunk_no],
                        )
                        .await?
                    }
                };
                let stored = (row.try_get::<_, i64>(0)?, row.try_get::<_, i64>(1)?);
                tx.commit().await?;
                Ok(stored)
            })
            .await?;
            if stored.0 != offset {
                return Err(Failed(diverged(&run_id, key, offset)));
            }
            chunk_no += 1;
            offset += stored.1;
            self.sent.insert(key.clone(), (chunk_no, offset));
        }
        if chunk_no > first_chunk {
            // Followers wake on it and fetch the new chunks (a wake per pass, not per chunk).
            timed(async {
                db.client
                    .execute("SELECT pg_notify($1, 'output')", &[&channel(&run_id)])
                    .await?;
                Ok(())
            })
            .await?;
        }
        if complete && ended {
            // The attempt is over and its file all sent: the shared chunks must add up to
            // the file, without a hole or an overlap, else it is said loudly.
            let (sum, count, next, gaps): (i64, i64, i64, i64) = timed(async {
                let row = db
                    .client
                    .query_one(
                        "SELECT coalesce(sum(len), 0)::bigint, count(*),
                                coalesce(max(chunk_no) + 1, 0)::bigint,
                                count(*) FILTER (WHERE byte_offset <> ends - len)
                         FROM (SELECT chunk_no, byte_offset, length(bytes)::bigint AS len,
                                      sum(length(bytes)) OVER (ORDER BY chunk_no) AS ends
                               FROM flightdeck.output
                               WHERE run_id = $1 AND step_id = $2 AND attempt = $3) AS t",
                        &[&run_id, &key.0, &(key.1 as i32)],
                    )
                    .await?;
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                ))
            })
            .await?;
            if sum != file_len || count != next || gaps != 0 {
                tracing::error!(run = %run_id, step = %key.0, attempt = key.1, shared = sum, local = file_len, "share: output diverged");
                return Err(Failed(diverged(&run_id, key, sum.min(file_len))));
            }
        }
        self.sent.insert(key.clone(), (chunk_no, offset));
        self.last_output.insert(key.clone(), Instant::now());
        if complete && ended {
            self.last_output.remove(key);
        }
        Ok(complete)
    }

    /// Extends this cockpit's lease; fails with [`ShareError::Leased`], naming the holder,
    /// when another cockpit holds it now.
    async fn renew(&mut self) -> Result<(), PushError> {
        let run_id = self.config.run_id.clone();
        let holder = lease_holder(&self.config.run_dir);
        let lease_secs = self.config.lease.as_secs_f64();
        let durable = self.durable;
        let db = self.db().await?;
        timed(async {
            let tx = db.client.transaction().await?;
            holds_lease(&tx, &run_id, &holder, durable).await?;
            renew_in(&tx, &run_id, &holder, lease_secs).await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        self.renew_at = Instant::now() + self.config.renew_every;
        Ok(())
    }

    /// The captain left: the shared run is no longer active (unless it finished). Only while
    /// this cockpit holds the lease (or offered it): a cockpit taken over leaves the new
    /// captain's run as it is.
    async fn close_row(&mut self) -> Result<(), PushError> {
        let run_id = self.config.run_id.clone();
        let holder = lease_holder(&self.config.run_dir);
        let db = self.db().await?;
        timed(async {
            db.client
                .execute(
                    "UPDATE flightdeck.runs SET status = 'abandoned', updated_at = now()
                     WHERE run_id = $1 AND status = 'active'
                       AND (lease_holder = $2 OR starts_with(lease_holder, $3))",
                    &[&run_id, &holder, &super::OFFERED],
                )
                .await?;
            // The lease is released: the next captain need not wait for it to expire.
            db.client
                .execute(
                    "UPDATE flightdeck.runs SET lease_holder = NULL, lease_expires_at = NULL
                     WHERE run_id = $1 AND lease_holder = $2",
                    &[&run_id, &holder],
                )
                .await?;
            // A next captain waiting for the lease wakes on it.
            db.client
                .execute("SELECT pg_notify($1, 'lease')", &[&channel(&run_id)])
                .await?;
            Ok(())
        })
        .await?;
        self.closed_row = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::EventKind;
    use crate::journal::event::{GENESIS, encode_line};

    fn lines(events: &[(&str, EventKind)]) -> Vec<local::Line> {
        let mut prev = GENESIS.to_string();
        events
            .iter()
            .enumerate()
            .map(|(i, (who, kind))| {
                let (text, e) = encode_line(
                    i as u64 + 1,
                    chrono::Utc::now(),
                    who,
                    None,
                    kind.clone(),
                    &prev,
                )
                .expect("encode");
                prev = e.hash.clone();
                local::Line {
                    seq: e.seq,
                    text: text.trim_end().to_string(),
                    hash: e.hash,
                    finishes: false,
                }
            })
            .collect()
    }

    fn handoff(to: &str) -> EventKind {
        EventKind::Handoff {
            from: "ana".into(),
            to: to.into(),
            note: None,
        }
    }

    fn note() -> EventKind {
        EventKind::Note { text: "n".into() }
    }

    #[test]
    fn a_handoff_offers_the_lease_unless_the_named_captain_goes_on_here() {
        let (offer, writers) = lease_change(&lines(&[("ana", note()), ("ana", handoff("bob"))]));
        assert_eq!(
            (offer.as_deref(), writers),
            (Some("bob"), vec!["ana".to_string()])
        );
        let (offer, writers) = lease_change(&lines(&[("ana", handoff("bob")), ("bob", note())]));
        assert_eq!(
            (offer, writers.len()),
            (None, 2),
            "bob went on at this keyboard"
        );
        // What the cockpit journals by itself after `H` (its operator is bob now) is no one
        // at the keyboard: the offer stands.
        let breach = EventKind::MetricBreach {
            metric: "p95".into(),
            value: 900.0,
            threshold: "> 400".into(),
        };
        let (offer, writers) = lease_change(&lines(&[("ana", handoff("bob")), ("bob", breach)]));
        assert_eq!(
            (offer.as_deref(), writers),
            (Some("bob"), vec!["ana".to_string()])
        );
        // A takeover journals a handoff to its own writer: nothing offered.
        let (offer, _) = lease_change(&lines(&[("bob", handoff("bob"))]));
        assert_eq!(offer, None);
    }
}
