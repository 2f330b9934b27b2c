//! Shell steps, seen from the cockpit: each runs under its own supervisor process
//! ([`crate::exec::supervisor`]) that owns its process group, output file and exit status; the
//! cockpit reads the output file as the supervisor reports it grows (or, for a step it
//! re-attached to, as it finds it grown), and cancels by escalating signals to the step's
//! process group.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{mpsc, oneshot};

use crate::exec::supervisor::frame;
use crate::journal::secrets::Masker;
use crate::journal::supervised::{self, Probe, StepEnd, StepValues};

/// How long each cancel stage waits before the next, harder signal.
pub const CANCEL_STAGE: Duration = Duration::from_secs(5);
/// How often a cancel asked for before the step's process group is known looks for it again.
const PGID_RETRY: Duration = Duration::from_millis(100);
/// How often a re-attached step's file and status are looked at while it runs (no pipe tells
/// this cockpit when it grows).
const FOLLOW: Duration = Duration::from_millis(150);
/// What a re-attached step's pane shows of the output written before: the last 4 MiB.
const BACKLOG: u64 = 4 * 1024 * 1024;
/// Read size from the output file: a flood is a few hundred messages, not millions.
const CHUNK: usize = 256 * 1024;

/// What to run.
#[derive(Debug, Clone)]
pub struct ShellJob {
    pub step_id: String,
    pub attempt: u32,
    pub script: String,
    /// Added to the inherited environment (run inputs).
    pub env: Vec<(String, String)>,
    pub workdir: PathBuf,
    pub output_path: PathBuf,
    /// Secrets to mask in the output file (the screen masks its own lines).
    pub masker: Masker,
    /// Record the variables the script sets ([`crate::exec::capture`]).
    pub capture_vars: bool,
    /// The flightdeck binary that supervises the step (`flightdeck supervise`): this very
    /// binary in the cockpit, the built one in tests and benchmarks.
    pub program: PathBuf,
}

/// What a running step reports back to the task that owns the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecEvent {
    Output {
        step_id: String,
        attempt: u32,
        chunk: Vec<u8>,
        stderr: bool,
    },
    /// What a long step is doing now (an index build's phase, a retry countdown); `None`
    /// clears it.
    Progress {
        step_id: String,
        attempt: u32,
        text: Option<String>,
    },
    /// A cancel stage was reached: `SIGINT`, `SIGTERM` or `SIGKILL`.
    Signalled {
        step_id: String,
        attempt: u32,
        signal: &'static str,
    },
    Finished {
        step_id: String,
        attempt: u32,
        outcome: Outcome,
    },
    /// The step's supervisor went away without recording how the step ended: interrupted.
    Lost { step_id: String, attempt: u32 },
}

/// How a step's process ended.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Outcome {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: u64,
    pub bytes: u64,
    pub output_sha256: String,
    /// Set when the process could not be started or waited for.
    pub error: Option<String>,
    /// Variables the script set or changed (bash only), for later steps.
    pub vars: Vec<(String, String)>,
    /// The last non-empty line the step wrote to stdout (for `capture=NAME`).
    pub last_stdout_line: Option<String>,
    /// Set when the step had ended before this cockpit attached (no cockpit was open): when
    /// it really ended, for `step_finished`'s `ended_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && self.error.is_none()
    }

    /// What a supervisor's status file and values file say of the attempt writing `output`:
    /// the same outcome its END frame carried. `unobserved`: it had ended before this
    /// cockpit looked, so its real end time goes with it.
    fn ended(end: StepEnd, output: &std::path::Path, unobserved: bool) -> Outcome {
        let values = StepValues::read(&supervised::values_path(output)).unwrap_or_default();
        Outcome {
            exit_code: end.exit_code,
            signal: end.signal,
            duration_ms: end.duration_ms,
            bytes: end.bytes,
            output_sha256: end.output_sha256,
            error: end.error,
            vars: values.vars,
            last_stdout_line: values.last_stdout_line,
            ended_at: unobserved.then_some(end.ended_at),
        }
    }
}

/// A handle on a running step; dropping it does not stop the step.
#[derive(Debug, Clone)]
pub struct Running {
    cancel: mpsc::Sender<()>,
    /// The step's process group, 0 until known (and for steps that are not processes).
    pgid: Arc<AtomicI32>,
    /// A shell step under its supervisor: it runs on when the cockpit goes.
    pub outlives: bool,
}

impl Running {
    /// A handle on a step that is not a process, whose cancel requests arrive on the other
    /// end of `cancel`.
    pub fn new(cancel: mpsc::Sender<()>) -> Self {
        Running {
            cancel,
            pgid: Arc::default(),
            outlives: false,
        }
    }

    /// The step's process group (0 while its supervisor has not said it yet).
    pub fn pgid(&self) -> i32 {
        self.pgid.load(Ordering::Relaxed)
    }

    /// Starts the cancel escalation (SIGINT, then SIGTERM and SIGKILL after [`CANCEL_STAGE`]);
    /// for steps that are not processes, their own cancel (PostgreSQL's cancel request, an
    /// HTTP poll stopped).
    pub fn cancel(&self) {
        let _ = self.cancel.try_send(());
    }
}

/// Starts the job under its supervisor and returns at once; events arrive on `events` until
/// `Finished` (or `Lost`, when the supervisor died without a word).
pub fn spawn(job: ShellJob, events: mpsc::Sender<ExecEvent>) -> Result<Running, String> {
    let mut child = crate::exec::supervisor::start(&job)
        .map_err(|e| format!("cannot start the step's supervisor: {e}"))?;
    let Some(stdout) = child.stdout.take() else {
        return Err("the step's supervisor has no output pipe".into());
    };
    let (cancel_tx, cancel_rx) = mpsc::channel(1);
    let handle = Running {
        cancel: cancel_tx,
        pgid: Arc::default(),
        outlives: true,
    };
    let step = StepRef {
        step_id: job.step_id,
        attempt: job.attempt,
        output_path: job.output_path,
    };
    let pgid = handle.pgid.clone();
    tokio::spawn(async move {
        let (end_tx, end_rx) = oneshot::channel();
        tokio::spawn(relay(
            stdout,
            step.clone(),
            events.clone(),
            pgid.clone(),
            end_tx,
        ));
        let end = step
            .watch_over(
                &pgid,
                cancel_rx,
                async { end_rx.await.ok().flatten() },
                &events,
            )
            .await;
        let _ = child.wait().await;
        step.report(end, &events).await;
    });
    Ok(handle)
}

/// Takes up a step whose supervisor still runs (a resume, or a second cockpit after a crash):
/// its pane follows the output file, `c` signals its process group `pgid`, and its real end
/// arrives as `Finished` once the supervisor has recorded it.
pub fn attach(
    step_id: String,
    attempt: u32,
    output_path: PathBuf,
    pgid: i32,
    events: mpsc::Sender<ExecEvent>,
) -> Running {
    let (cancel_tx, cancel_rx) = mpsc::channel(1);
    let handle = Running {
        cancel: cancel_tx,
        pgid: Arc::new(AtomicI32::new(pgid)),
        outlives: true,
    };
    let step = StepRef {
        step_id,
        attempt,
        output_path,
    };
    let pgid = handle.pgid.clone();
    tokio::spawn(async move {
        let end = step
            .watch_over(&pgid, cancel_rx, step.follow(&events), &events)
            .await;
        step.report(end, &events).await;
    });
    handle
}

/// Which attempt of which step, and its output file (beside which its supervisor keeps its
/// lock and status).
#[derive(Debug, Clone)]
struct StepRef {
    step_id: String,
    attempt: u32,
    output_path: PathBuf,
}

impl StepRef {
    /// Waits for `end`, escalating signals to the process group when asked to cancel.
    async fn watch_over<T>(
        &self,
        pgid: &AtomicI32,
        mut cancel: mpsc::Receiver<()>,
        end: impl std::future::Future<Output = T>,
        events: &mpsc::Sender<ExecEvent>,
    ) -> T {
        let stages = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGKILL];
        let mut stage = 0usize;
        let mut deadline: Option<tokio::time::Instant> = None;
        // Asked to cancel before the process group was known: SIGINT goes once it is.
        let mut wanted = false;
        tokio::pin!(end);
        loop {
            let next_stage = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                // An end already seen wins over a cancel request that came with it.
                biased;
                out = &mut end => {
                    // A cancelled step goes entirely: background jobs of the shell ignore SIGINT.
                    if stage > 0 {
                        signal_group(pgid.load(Ordering::Relaxed), Signal::SIGKILL);
                    }
                    return out;
                }
                Some(()) = cancel.recv(), if stage == 0 && !wanted => {
                    wanted = true;
                    deadline = Some(tokio::time::Instant::now());
                }
                () = next_stage, if wanted && stage < stages.len() => {
                    let sent = self.signal(pgid, stages[stage], events).await;
                    let now = tokio::time::Instant::now();
                    if stage == 0 && !sent {
                        // No group to signal yet: the escalation starts once there is one.
                        deadline = Some(now + PGID_RETRY);
                    } else {
                        stage += 1;
                        deadline = (stage < stages.len()).then(|| now + CANCEL_STAGE);
                    }
                }
            }
        }
    }

    /// Signals the step's process group and says so on `events`; whether it was sent. A
    /// group not known yet is looked up in the supervisor's lock file first (a step attached
    /// before its supervisor had noted it); an unknown or gone group is not signalled, and
    /// nothing claims it was.
    async fn signal(
        &self,
        pgid: &AtomicI32,
        sig: Signal,
        events: &mpsc::Sender<ExecEvent>,
    ) -> bool {
        let id = known_pgid(pgid, &self.output_path);
        if !signal_group(id, sig) {
            return false;
        }
        let name = match sig {
            Signal::SIGINT => "SIGINT",
            Signal::SIGTERM => "SIGTERM",
            _ => "SIGKILL",
        };
        let _ = events
            .send(ExecEvent::Signalled {
                step_id: self.step_id.clone(),
                attempt: self.attempt,
                signal: name,
            })
            .await;
        true
    }

    /// Sends the end: the outcome the supervisor gave, else what its status file says, else
    /// the step is lost (its supervisor died without recording the end).
    async fn report(self, end: Option<Outcome>, events: &mpsc::Sender<ExecEvent>) {
        let end = end.or_else(|| match supervised::probe(&self.output_path) {
            Probe::Ended(end) => Some(Outcome::ended(end, &self.output_path, false)),
            Probe::Running { .. } | Probe::Gone => None,
        });
        let ev = match end {
            Some(outcome) => ExecEvent::Finished {
                step_id: self.step_id,
                attempt: self.attempt,
                outcome,
            },
            None => ExecEvent::Lost {
                step_id: self.step_id,
                attempt: self.attempt,
            },
        };
        let _ = events.send(ev).await;
        // Handed to this cockpit, which journals them (secrets masked) with the end.
        let _ = std::fs::remove_file(supervised::values_path(&self.output_path));
    }

    /// Follows the output file of a step this cockpit did not start until its supervisor
    /// records the end (`Some`) or is gone without a word (`None`). Looks every [`FOLLOW`]
    /// while the step runs; reads on without waiting while there is more.
    async fn follow(&self, events: &mpsc::Sender<ExecEvent>) -> Option<Outcome> {
        let mut tail = FileTail::default();
        let len = || std::fs::metadata(&self.output_path).map_or(0, |m| m.len());
        tail.start_near(&self.output_path, len().saturating_sub(BACKLOG));
        let mut first = true;
        loop {
            // The probe before the read: output written before the status is then read too.
            let probe = supervised::probe(&self.output_path);
            let to = len();
            while let Some(chunk) = tail.read_to(&self.output_path, to) {
                let _ = events
                    .send(ExecEvent::Output {
                        step_id: self.step_id.clone(),
                        attempt: self.attempt,
                        chunk,
                        stderr: false,
                    })
                    .await;
            }
            match probe {
                Probe::Running { .. } => tokio::time::sleep(FOLLOW).await,
                Probe::Ended(end) => return Some(Outcome::ended(end, &self.output_path, first)),
                Probe::Gone => return None,
            }
            first = false;
        }
    }
}

/// The step's process group: the one noted, else the one its supervisor wrote in the lock
/// file since (kept for next time); 0 while neither knows it.
fn known_pgid(pgid: &AtomicI32, output: &std::path::Path) -> i32 {
    let noted = pgid.load(Ordering::Relaxed);
    if noted > 0 {
        return noted;
    }
    match supervised::probe(output) {
        Probe::Running { pgid: found } if found > 0 => {
            pgid.store(found, Ordering::Relaxed);
            found
        }
        _ => 0,
    }
}

/// Sends `sig` to the process group; whether it was delivered (an unknown group is not).
fn signal_group(pgid: i32, sig: Signal) -> bool {
    pgid > 0 && killpg(Pid::from_raw(pgid), sig).is_ok()
}

/// Reads the supervisor's frames: the output file's new bytes (or the chunk itself, when the
/// file could not be written) go on to the screen, a slot in the UI's queue waited for each;
/// the process group is noted, and the outcome handed to `end`. A slow screen never slows the
/// step: the supervisor does not wait for this pipe, and while it is full it keeps only the
/// latest offset of each stream, sent once there is room, so the screen catches up on the
/// file (a chunk sent whole, when the file could not be written, is dropped instead). A
/// closed UI must not stop the reading: the outcome frame would wait in a full pipe.
async fn relay(
    stdout: impl AsyncRead + Unpin,
    step: StepRef,
    events: mpsc::Sender<ExecEvent>,
    pgid: Arc<AtomicI32>,
    end: oneshot::Sender<Option<Outcome>>,
) {
    let mut stdout = tokio::io::BufReader::with_capacity(64 * 1024, stdout);
    let mut file = FileTail::default();
    let mut outcome = None;
    loop {
        let mut head = [0u8; 5];
        if stdout.read_exact(&mut head).await.is_err() {
            break;
        }
        let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut payload = Vec::with_capacity(len);
        if (&mut stdout)
            .take(len as u64)
            .read_to_end(&mut payload)
            .await
            .is_err()
            || payload.len() != len
        {
            break;
        }
        let output = |chunk, stderr| ExecEvent::Output {
            step_id: step.step_id.clone(),
            attempt: step.attempt,
            chunk,
            stderr,
        };
        match head[0] {
            kind @ (frame::STDOUT_TO | frame::STDERR_TO) => {
                let to = payload
                    .get(..8)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, u64::from_le_bytes);
                while let Some(chunk) = file.read_to(&step.output_path, to) {
                    let _ = events.send(output(chunk, kind == frame::STDERR_TO)).await;
                }
            }
            kind @ (frame::STDOUT | frame::STDERR) => {
                let _ = events.send(output(payload, kind == frame::STDERR)).await;
            }
            frame::PGID => {
                let id = std::str::from_utf8(&payload)
                    .ok()
                    .and_then(|t| t.parse().ok());
                pgid.store(id.unwrap_or(0), Ordering::Relaxed);
            }
            frame::END => outcome = serde_json::from_slice(&payload).ok(),
            _ => {}
        }
    }
    let _ = end.send(outcome);
}

/// The cockpit's read position in a step's output file. Reads are plain blocking reads from
/// the page cache, the file having just been written: cheaper than a trip through tokio's
/// blocking pool.
#[derive(Default)]
struct FileTail {
    file: Option<std::fs::File>,
    at: u64,
}

impl FileTail {
    /// Starts at the first line that begins at or after `from` (the cut line is not shown).
    fn start_near(&mut self, path: &std::path::Path, from: u64) {
        use std::io::{Read, Seek, SeekFrom};
        if from == 0 {
            return;
        }
        let Ok(mut file) = std::fs::File::open(path) else {
            return;
        };
        let mut buf = vec![0u8; 64 * 1024];
        let n = file
            .seek(SeekFrom::Start(from - 1))
            .and_then(|_| file.read(&mut buf))
            .unwrap_or(0);
        let skip = memchr::memchr(b'\n', &buf[..n]).map_or(n, |i| i + 1);
        self.at = from - 1 + skip as u64;
        self.file = file.seek(SeekFrom::Start(self.at)).ok().map(|_| file);
    }

    /// The next piece (at most [`CHUNK`]) of the bytes before `to` not read yet; `None` when
    /// there are none (or the file cannot be read: the screen then misses them, the file not).
    fn read_to(&mut self, path: &std::path::Path, to: u64) -> Option<Vec<u8>> {
        use std::io::Read;
        if self.at >= to {
            return None;
        }
        if self.file.is_none() {
            self.file = std::fs::File::open(path).ok();
        }
        let want = (to - self.at).min(CHUNK as u64) as usize;
        let mut buf = Vec::with_capacity(want);
        let n = self
            .file
            .as_mut()?
            .take(want as u64)
            .read_to_end(&mut buf)
            .ok()?;
        if n == 0 {
            return None;
        }
        self.at += n as u64;
        Some(buf)
    }
}

/// A 1 MiB pipe absorbs scheduling gaps of the reader, so a fast producer is not stalled
/// every 64 KiB (Linux only; elsewhere the default stays).
pub(crate) fn widen_pipe(pipe: &impl std::os::fd::AsFd) {
    #[cfg(target_os = "linux")]
    {
        let _ = nix::fcntl::fcntl(pipe, nix::fcntl::FcntlArg::F_SETPIPE_SZ(1 << 20));
    }
    #[cfg(not(target_os = "linux"))]
    let _ = pipe;
}
