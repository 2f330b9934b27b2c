//! Shell steps: `bash -c` (or `sh`) in a process group of its own, output streamed to the step's
//! output file in full and to the UI in chunks, cancel by escalating signals.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, watch};

use crate::exec::capture::VarCapture;
use crate::exec::output::OutputSink;
use crate::journal::secrets::Masker;

/// How long each cancel stage waits before the next, harder signal.
pub const CANCEL_STAGE: Duration = Duration::from_secs(5);
/// Read size: a flood is a few hundred messages, not millions; and with the UI channel's 64
/// slots, at most 16 MiB wait for the screen however fast a step prints.
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
}

/// How a step's process ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && self.error.is_none()
    }
}

/// A handle on a running step; dropping it does not stop the process.
#[derive(Debug, Clone)]
pub struct Running {
    cancel: mpsc::Sender<()>,
    /// Asks the step to carry on without the cockpit; the reply says whether it could.
    leave: Option<mpsc::Sender<oneshot::Sender<Result<(), String>>>>,
    pub pgid: i32,
}

impl Running {
    /// A handle whose cancel requests arrive on the other end of `cancel`; `pgid` 0 for steps
    /// that are not processes.
    pub fn new(cancel: mpsc::Sender<()>, pgid: i32) -> Self {
        Running {
            cancel,
            leave: None,
            pgid,
        }
    }

    /// Lets the step run on after the cockpit exits: its output keeps going to its output file
    /// through a detached relay ([`crate::exec::leave`]). Resolves once the handover is done;
    /// an error (or a step that is not a process) means it will stop with the cockpit.
    pub async fn leave(&self) -> Result<(), String> {
        let Some(leave) = &self.leave else {
            return Err("only shell steps can run on without the cockpit".into());
        };
        let (tx, rx) = oneshot::channel();
        leave
            .send(tx)
            .await
            .map_err(|_| "the step has already ended".to_string())?;
        rx.await
            .map_err(|_| "the step ended during the handover".to_string())?
    }

    /// Stops the step when the cockpit exits under it: SIGTERM to a process group at once; a
    /// cancel (PostgreSQL's cancel request, an HTTP poll stopped) for other steps.
    pub fn terminate(&self) {
        if self.pgid > 0 {
            let _ = killpg(Pid::from_raw(self.pgid), Signal::SIGTERM);
        } else {
            let _ = self.cancel.try_send(());
        }
    }

    /// Starts the cancel escalation (SIGINT, then SIGTERM and SIGKILL after [`CANCEL_STAGE`]).
    pub fn cancel(&self) {
        let _ = self.cancel.try_send(());
    }
}

/// Starts the job and returns at once; events arrive on `events` until `Finished`.
pub fn spawn(job: ShellJob, events: mpsc::Sender<ExecEvent>) -> Result<Running, String> {
    let capture = if job.capture_vars {
        match VarCapture::new(&job.step_id) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!("variables of {} will not be captured: {e}", job.step_id);
                None
            }
        }
    } else {
        None
    };
    let (capture, capture_env) = capture.map_or((None, Vec::new()), |(c, env)| (Some(c), env));
    let mut child =
        start(&job, &capture_env).map_err(|e| format!("cannot start the shell: {e}"))?;
    let pgid = child.id().map_or(0, |p| p as i32);
    let (cancel_tx, cancel_rx) = mpsc::channel(1);
    let (leave_tx, leave_rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let started = Instant::now();
        let sink = Arc::new(Mutex::new(Sink {
            file: OutputSink::create(&job.output_path, &job.masker),
            last: LastLine::default(),
        }));
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut readers = Vec::new();
        let pipes = [
            child.stdout.take().map(|p| (p.into_owned_fd(), false)),
            child.stderr.take().map(|p| (p.into_owned_fd(), true)),
        ];
        for (pipe, stderr) in pipes.into_iter().flatten() {
            let pipe = match pipe.and_then(pipe::Receiver::from_owned_fd) {
                Ok(p) => p,
                Err(e) => {
                    let which = if stderr { "stderr" } else { "stdout" };
                    lock(&sink)
                        .file
                        .fail(format!("cannot read the step's {which}: {e}"));
                    continue;
                }
            };
            widen_pipe(&pipe);
            let reader = Reader {
                sink: sink.clone(),
                events: events.clone(),
                step_id: job.step_id.clone(),
                attempt: job.attempt,
                stderr,
            };
            readers.push(tokio::spawn(reader.run(pipe, stop_rx.clone())));
        }
        let status = match supervise(&mut child, pgid, cancel_rx, leave_rx, &job, &events).await {
            Ended::Exited(status) => status,
            Ended::Leave(reply) => {
                // Stop reading, let the file catch up, then give the pipes to relays.
                let _ = stop_tx.send(true);
                let mut pipes = Vec::new();
                for r in readers {
                    if let Ok(Some(p)) = r.await {
                        pipes.extend(p.into_blocking_fd().ok());
                    }
                }
                let _ = lock(&sink).finish();
                let result = crate::exec::leave::hand_over(pipes, &job.output_path, &job.masker);
                tracing::info!(step = %job.step_id, ok = result.is_ok(), "step left running");
                // The variable dumps stay with the process; they are deleted when this drops.
                drop(capture);
                let _ = reply.send(result);
                return;
            }
        };
        // Grandchildren may hold the pipes open after the shell exits: give them a moment,
        // then stop reading (the pipes close, and what they still write is lost).
        let late = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let _ = stop_tx.send(true);
        });
        for r in readers {
            let _ = r.await;
        }
        late.abort();
        let (bytes, output_sha256, write_error, last_stdout_line) = lock(&sink).finish();
        let mut outcome = Outcome {
            bytes,
            output_sha256,
            duration_ms: started.elapsed().as_millis() as u64,
            error: write_error,
            vars: capture.map(VarCapture::collect).unwrap_or_default(),
            last_stdout_line,
            ..Outcome::default()
        };
        match status {
            Ok(status) => {
                use std::os::unix::process::ExitStatusExt;
                outcome.exit_code = status.code();
                outcome.signal = status.signal();
            }
            Err(e) => outcome.error = Some(format!("cannot wait for the process: {e}")),
        }
        let _ = events
            .send(ExecEvent::Finished {
                step_id: job.step_id,
                attempt: job.attempt,
                outcome,
            })
            .await;
    });
    Ok(Running {
        cancel: cancel_tx,
        leave: Some(leave_tx),
        pgid,
    })
}

/// How supervision ended: the process exited, or the cockpit asked to leave it running.
enum Ended {
    Exited(std::io::Result<std::process::ExitStatus>),
    Leave(oneshot::Sender<Result<(), String>>),
}

fn start(job: &ShellJob, capture_env: &[(String, String)]) -> std::io::Result<Child> {
    let mut last_err = None;
    for shell in ["bash", "sh"] {
        let mut cmd = Command::new(shell);
        cmd.arg("-c")
            .arg(&job.script)
            .current_dir(&job.workdir)
            .envs(job.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(capture_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(false);
        match cmd.spawn() {
            Ok(child) => return Ok(child),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("no shell found")))
}

/// Waits for the child, escalating signals to its process group when asked to cancel.
async fn supervise(
    child: &mut Child,
    pgid: i32,
    mut cancel: mpsc::Receiver<()>,
    mut leave: mpsc::Receiver<oneshot::Sender<Result<(), String>>>,
    job: &ShellJob,
    events: &mpsc::Sender<ExecEvent>,
) -> Ended {
    let stages = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGKILL];
    let mut stage = 0usize;
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let next_stage = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            // An exit already seen wins over a leave or cancel request that came with it.
            biased;
            status = child.wait() => {
                // A cancelled step goes entirely: background jobs of the shell ignore SIGINT.
                if stage > 0 && pgid > 0 {
                    let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
                }
                return Ended::Exited(status);
            }
            Some(reply) = leave.recv(), if stage == 0 => return Ended::Leave(reply),
            Some(()) = cancel.recv(), if stage == 0 => {
                signal(pgid, stages[0], job, events).await;
                stage = 1;
                deadline = Some(tokio::time::Instant::now() + CANCEL_STAGE);
            }
            () = next_stage, if stage > 0 && stage < stages.len() => {
                signal(pgid, stages[stage], job, events).await;
                stage += 1;
                deadline = (stage < stages.len()).then(|| tokio::time::Instant::now() + CANCEL_STAGE);
            }
        }
    }
}

async fn signal(pgid: i32, sig: Signal, job: &ShellJob, events: &mpsc::Sender<ExecEvent>) {
    if pgid > 0 {
        let _ = killpg(Pid::from_raw(pgid), sig);
    }
    let name = match sig {
        Signal::SIGINT => "SIGINT",
        Signal::SIGTERM => "SIGTERM",
        _ => "SIGKILL",
    };
    let _ = events
        .send(ExecEvent::Signalled {
            step_id: job.step_id.clone(),
            attempt: job.attempt,
            signal: name,
        })
        .await;
}

/// A 1 MiB pipe absorbs scheduling gaps of the reader, so a fast producer is not stalled
/// every 64 KiB (Linux only; elsewhere the default stays).
fn widen_pipe(pipe: &impl std::os::fd::AsFd) {
    #[cfg(target_os = "linux")]
    {
        let _ = nix::fcntl::fcntl(pipe, nix::fcntl::FcntlArg::F_SETPIPE_SZ(1 << 20));
    }
    #[cfg(not(target_os = "linux"))]
    let _ = pipe;
}

/// One pipe of a step: what it reads goes to the shared [`Sink`] and on to the screen, from
/// the same task (no hop between threads per chunk).
struct Reader {
    sink: Arc<Mutex<Sink>>,
    events: mpsc::Sender<ExecEvent>,
    step_id: String,
    attempt: u32,
    stderr: bool,
}

impl Reader {
    /// Reads until end of file; when `stop` turns true, returns the pipe itself (still open)
    /// so that it can be handed over.
    async fn run(
        self,
        mut pipe: pipe::Receiver,
        mut stop: watch::Receiver<bool>,
    ) -> Option<pipe::Receiver> {
        loop {
            // Unfilled capacity: a read costs no zeroing of a buffer it mostly leaves unused.
            let mut buf = Vec::with_capacity(CHUNK);
            tokio::select! {
                biased;
                Ok(()) = stop.changed() => return Some(pipe),
                r = pipe.read_buf(&mut buf) => match r {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => {
                        if n < CHUNK / 4 {
                            // A line or two: do not keep a whole chunk's memory for it.
                            buf.shrink_to_fit();
                        }
                        // A slot in the UI's queue first, then file and queue under one
                        // lock: the screen gets the two streams in the order the file does,
                        // and nothing waits while holding the lock. The screen is best
                        // effort: a closed UI must not stop the capture.
                        let slot = self.events.reserve().await.ok();
                        let mut sink = lock(&self.sink);
                        sink.take(&buf, self.stderr);
                        if let Some(slot) = slot {
                            slot.send(ExecEvent::Output {
                                step_id: self.step_id.clone(),
                                attempt: self.attempt,
                                chunk: buf,
                                stderr: self.stderr,
                            });
                        }
                        drop(sink);
                    }
                },
            }
        }
    }
}

fn lock(sink: &Mutex<Sink>) -> std::sync::MutexGuard<'_, Sink> {
    sink.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where both pipes' chunks go, in the order they are read: the output file (masked when there
/// are secrets, counted and hashed as written) and the last stdout line. Writes are plain
/// blocking writes to the page cache: cheaper than a trip through tokio's blocking pool.
struct Sink {
    file: OutputSink,
    last: LastLine,
}

impl Sink {
    fn take(&mut self, chunk: &[u8], stderr: bool) {
        if !stderr {
            self.last.push(chunk);
        }
        self.file.write(chunk);
    }

    /// Closes the file: (bytes, sha256 of the file as written, error, last stdout line).
    fn finish(&mut self) -> (u64, String, Option<String>, Option<String>) {
        let (bytes, sha, error) = self.file.finish();
        let last = std::mem::take(&mut self.last).finish();
        (bytes, sha, error, last)
    }
}

/// The last non-empty line of a byte stream, without keeping the stream: a chunk costs one
/// backwards search for its last line, not a pass over every line (floods are millions).
#[derive(Default)]
struct LastLine {
    /// The line being written (after the last newline seen).
    current: Vec<u8>,
    last: Vec<u8>,
}

impl LastLine {
    /// Longest line kept; a longer one is not a value anyone captures.
    const MAX: usize = 64 * 1024;

    fn push(&mut self, chunk: &[u8]) {
        let Some(end) = memchr::memrchr(b'\n', chunk) else {
            self.extend_current(chunk);
            return;
        };
        // Complete lines end at `end`; walk back to the last one that is not blank.
        let mut hi = end;
        loop {
            let lo = memchr::memrchr(b'\n', &chunk[..hi]).map_or(0, |i| i + 1);
            if lo == 0 {
                // The first line of the chunk continues the one in progress.
                self.extend_current(&chunk[..hi]);
                if !self.current.trim_ascii().is_empty() {
                    std::mem::swap(&mut self.last, &mut self.current);
                }
                break;
            }
            let line = &chunk[lo..hi];
            if !line.trim_ascii().is_empty() {
                self.last.clear();
                self.last
                    .extend_from_slice(&line[..line.len().min(Self::MAX)]);
                break;
            }
            hi = lo - 1;
        }
        self.current.clear();
        self.extend_current(&chunk[end + 1..]);
    }

    fn extend_current(&mut self, bytes: &[u8]) {
        let room = Self::MAX.saturating_sub(self.current.len());
        self.current
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn finish(mut self) -> Option<String> {
        if !self.current.trim_ascii().is_empty() {
            std::mem::swap(&mut self.last, &mut self.current);
        }
        let line = String::from_utf8_lossy(self.last.trim_ascii()).into_owned();
        (!line.is_empty()).then_some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::LastLine;

    fn last(chunks: &[&str]) -> Option<String> {
        let mut l = LastLine::default();
        for c in chunks {
            l.push(c.as_bytes());
        }
        l.finish()
    }

    #[test]
    fn finds_the_last_non_empty_line_across_chunks() {
        assert_eq!(last(&["a\nb\n"]), Some("b".into()));
        assert_eq!(last(&["a\nbe", "ta\n\n  \n"]), Some("beta".into()));
        assert_eq!(last(&["one\n", "\n", "\n"]), Some("one".into()));
        assert_eq!(
            last(&["x\ntail without newline"]),
            Some("tail without newline".into())
        );
        assert_eq!(last(&["par", "tial", "\n"]), Some("partial".into()));
        assert_eq!(last(&["\n\n"]), None);
        assert_eq!(last(&[]), None);
    }
}
