//! The supervisor of a shell step: `flightdeck supervise`, a small process of its own that
//! starts the step's shell in a process group, owns its pipes, its output file and its exit
//! status, so that the step's fate never depends on the cockpit that started it (a quit, a
//! hangup, `kill -9`, a panic or an OOM kill of the cockpit).
//!
//! It writes each chunk to the output file as it arrives (page cache, no buffering), then
//! tells the cockpit over its stdout, framed, how far the file has grown (the cockpit reads
//! the new bytes from the page cache: one copy fewer than sending them through a pipe); once
//! the cockpit is gone (the pipe breaks) it keeps writing the file alone. It never waits for
//! the cockpit: its end of the pipe is non-blocking, and while the pipe is full (a cockpit
//! stopped, or stuck writing to a dead terminal) only the latest offset of each stream waits
//! to be sent ([`Cockpit`]). At the end it writes the status file
//! ([`crate::journal::supervised`]), releases the lock it held (its stdin, locked by the
//! cockpit before the start), sends the outcome frame if the cockpit takes it within
//! [`LINGER`], and exits.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::exec::capture::VarCapture;
use crate::exec::output::OutputSink;
use crate::exec::shell::{Outcome, ShellJob};
use crate::journal::secrets::Masker;
use crate::journal::supervised::{self, StepEnd};

/// Read size: a flood is a few hundred frames, not millions.
const CHUNK: usize = 256 * 1024;
/// How long the pipes may stay open after the shell exited (grandchildren holding them).
const LATE: Duration = Duration::from_secs(1);
/// The longest a partial line (a prompt, a progress bar) waits for its newline before the
/// masked output file gets it ([`crate::journal::secrets::MaskingWriter::release_held`]).
/// The variable holding the share URL: kept from steps (`env` in a step would print it).
pub const SHARE_ENV: &str = "FLIGHTDECK_SHARE";

const HOLD: Duration = Duration::from_millis(100);
/// How often what waits for room in the pipe to the cockpit is tried again (and held bytes
/// looked at).
const TICK: Duration = Duration::from_millis(20);
/// How long, once the step is recorded, the frames that still wait for a full pipe to the
/// cockpit may keep the supervisor: after that the status file alone tells the end.
const LINGER: Duration = Duration::from_secs(10);

/// Frame kinds on the supervisor's stdout: a one-byte kind, a little-endian u32 length, the
/// payload.
pub mod frame {
    /// The step wrote to stdout: the output file now holds this many bytes (u64, LE).
    pub const STDOUT_TO: u8 = b'o';
    /// The step wrote to stderr: the output file now holds this many bytes (u64, LE).
    pub const STDERR_TO: u8 = b'e';
    /// A chunk the step wrote to stdout, when the output file could not be written.
    pub const STDOUT: u8 = b'O';
    /// A chunk the step wrote to stderr, when the output file could not be written.
    pub const STDERR: u8 = b'E';
    /// The step's process group id, as decimal text.
    pub const PGID: u8 = b'P';
    /// The [`super::Outcome`] as JSON: the last frame.
    pub const END: u8 = b'F';
}

/// What the cockpit hands the supervisor: everything needed to run the step on its own. It
/// travels in a private (0600) file the supervisor reads and deletes at once: the environment
/// and the secrets must not show in a process listing.
#[derive(Debug, Serialize, Deserialize)]
struct Spec {
    step_id: String,
    script: String,
    env: Vec<(String, String)>,
    workdir: PathBuf,
    output_path: PathBuf,
    secrets: Vec<String>,
    capture_vars: bool,
}

/// Starts the supervisor of `job`: its lock is taken here, before the process exists, and
/// handed over as its stdin, so the run folder never shows a step as gone while it starts.
pub fn start(job: &ShellJob) -> std::io::Result<tokio::process::Child> {
    let lock = supervised::take_lock(&job.output_path)?;
    let spec = Spec {
        step_id: job.step_id.clone(),
        script: job.script.clone(),
        env: job.env.clone(),
        workdir: job.workdir.clone(),
        output_path: job.output_path.clone(),
        secrets: job.masker.secrets().to_vec(),
        capture_vars: job.capture_vars,
    };
    let spec_path = write_spec(&spec)?;
    // Its errors go to a file in the run folder: a supervisor that fails is explainable.
    let log = std::fs::File::create(supervised::log_path(&job.output_path))
        .map_or_else(|_| Stdio::null(), Stdio::from);
    let child = tokio::process::Command::new(&job.program)
        .arg("supervise")
        .arg("--job")
        .arg(&spec_path)
        // The share URL (with its password) is the cockpit's, never a step's.
        .env_remove(SHARE_ENV)
        .stdin(Stdio::from(lock))
        .stdout(Stdio::piped())
        .stderr(log)
        // Its own process group: the terminal's hangup and Ctrl-C do not reach it.
        .process_group(0)
        .kill_on_drop(false)
        .spawn();
    if child.is_err() {
        let _ = std::fs::remove_file(&spec_path);
    }
    child
}

/// The binary to start a supervisor from: on Linux the cockpit's own image
/// (`/proc/self/exe`), which stays runnable when the installed file is replaced or removed
/// mid-run; elsewhere the path it was started from.
pub fn this_binary() -> PathBuf {
    let own = Path::new("/proc/self/exe");
    if cfg!(target_os = "linux") && own.exists() {
        return own.to_path_buf();
    }
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("flightdeck"))
}

fn write_spec(spec: &Spec) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    static SPECS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SPECS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = crate::exec::capture::private_dir()?
        .join(format!("supervise-{}-{n}.json", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    f.write_all(&serde_json::to_vec(spec).map_err(std::io::Error::other)?)?;
    Ok(path)
}

/// The supervisor process itself (`flightdeck supervise --job FILE`): runs the step to its end
/// and records it. Errors are only those before the step could start; they are recorded in the
/// status file too when the output path is known.
pub fn supervise(spec_path: &Path) -> Result<(), String> {
    let text = std::fs::read(spec_path).map_err(|e| format!("{}: {e}", spec_path.display()));
    let _ = std::fs::remove_file(spec_path);
    let spec: Spec = serde_json::from_slice(&text?).map_err(|e| format!("bad job file: {e}"))?;
    let started = Instant::now();
    let dup = |fd: std::os::fd::BorrowedFd<'_>| fd.try_clone_to_owned().map(File::from);
    let mut lock = dup(std::io::stdin().as_fd()).map_err(|e| format!("no lock: {e}"))?;
    let cockpit = dup(std::io::stdout().as_fd()).ok();
    if let Some(c) = &cockpit {
        crate::exec::shell::widen_pipe(c);
        if let Err(e) = set_nonblocking(c) {
            eprintln!(
                "flightdeck supervise: cannot make the pipe to the cockpit non-blocking: {e}"
            );
        }
    }
    let mut masker = Masker::default();
    for s in &spec.secrets {
        masker.add(s);
    }
    let link = Arc::new(Shared {
        link: Mutex::new(Link {
            file: OutputSink::create(&spec.output_path, &masker),
            last: LastLine::default(),
            cockpit: Cockpit::new(cockpit),
            closed: false,
            last_stderr: false,
        }),
        waiting: Condvar::new(),
    });
    let capture = if spec.capture_vars {
        VarCapture::new(&spec.step_id).ok()
    } else {
        None
    };
    let (capture, capture_env) = capture.map_or((None, Vec::new()), |(c, env)| (Some(c), env));
    let mut outcome = Outcome::default();
    match start_shell(&spec, &capture_env) {
        Ok(mut child) => {
            let pgid = child.id() as i32;
            if let Err(e) = supervised::note_pgid(&mut lock, pgid) {
                eprintln!("flightdeck supervise: cannot note the process group: {e}");
            }
            locked(&link.link)
                .cockpit
                .frame(frame::PGID, pgid.to_string().as_bytes());
            let (done_tx, done_rx) = mpsc::channel();
            let mut readers = 0;
            for (pipe, kind) in [
                (
                    child.stdout.take().map(|p| File::from(OwnedFd::from(p))),
                    frame::STDOUT,
                ),
                (
                    child.stderr.take().map(|p| File::from(OwnedFd::from(p))),
                    frame::STDERR,
                ),
            ] {
                let Some(pipe) = pipe else { continue };
                crate::exec::shell::widen_pipe(&pipe);
                let (link, done) = (link.clone(), done_tx.clone());
                readers += 1;
                std::thread::spawn(move || {
                    read_pipe(pipe, kind, &link);
                    let _ = done.send(());
                });
            }
            {
                let link = link.clone();
                std::thread::spawn(move || tick(&link));
            }
            let status = child.wait();
            // Grandchildren may hold the pipes open after the shell exits: give them a
            // moment, then stop recording (what they still write is lost).
            let deadline = Instant::now() + LATE;
            for _ in 0..readers {
                let left = deadline.saturating_duration_since(Instant::now());
                if done_rx.recv_timeout(left).is_err() {
                    break;
                }
            }
            match status {
                Ok(status) => {
                    use std::os::unix::process::ExitStatusExt;
                    outcome.exit_code = status.code();
                    outcome.signal = status.signal();
                }
                Err(e) => outcome.error = Some(format!("cannot wait for the process: {e}")),
            }
        }
        Err(e) => outcome.error = Some(format!("cannot start the shell: {e}")),
    }
    let shared = link;
    let mut link = locked(&shared.link);
    link.closed = true;
    shared.waiting.notify_all();
    // Taken out: the end is sent without the lock, and nothing else sends any more.
    let mut cockpit = std::mem::replace(&mut link.cockpit, Cockpit::new(None));
    let (bytes, sha, write_error) = link.file.finish();
    outcome.duration_ms = started.elapsed().as_millis() as u64;
    outcome.bytes = bytes;
    outcome.output_sha256 = sha;
    outcome.error = outcome.error.take().or(write_error);
    outcome.last_stdout_line = std::mem::take(&mut link.last).finish();
    outcome.vars = capture.map(VarCapture::collect).unwrap_or_default();
    let end = StepEnd {
        exit_code: outcome.exit_code,
        signal: outcome.signal,
        ended_at: StepEnd::now(),
        duration_ms: outcome.duration_ms,
        bytes: outcome.bytes,
        output_sha256: outcome.output_sha256.clone(),
        error: outcome.error.clone(),
    };
    // What the step hands on, before the status: a cockpit that finishes the step after
    // the fact hands it on as this one's cockpit would.
    let values = supervised::StepValues {
        vars: outcome.vars.clone(),
        last_stdout_line: outcome.last_stdout_line.clone(),
    };
    if values != supervised::StepValues::default()
        && let Err(e) = values.write(&supervised::values_path(&spec.output_path))
    {
        eprintln!("flightdeck supervise: cannot write the values file: {e}");
    }
    // The status first: a cockpit that misses the last frame still finds the end.
    if let Err(e) = end.write(&supervised::status_path(&spec.output_path)) {
        eprintln!("flightdeck supervise: cannot write the status file: {e}");
    }
    if let Some(e) = &outcome.error {
        eprintln!("flightdeck supervise: {e}");
    }
    // Nothing went wrong that it could tell: no log left behind.
    let log = supervised::log_path(&spec.output_path);
    if std::fs::metadata(&log).is_ok_and(|m| m.len() == 0) {
        let _ = std::fs::remove_file(&log);
    }
    // Recorded: a cockpit that looks now finds the end, even while this one still waits to
    // tell its own cockpit.
    drop(link);
    let _ = lock.unlock();
    let json = serde_json::to_vec(&outcome).unwrap_or_default();
    cockpit.end(&json, Instant::now() + LINGER);
    Ok(())
}

fn start_shell(spec: &Spec, capture_env: &[(String, String)]) -> std::io::Result<Child> {
    let mut last_err = None;
    for shell in ["bash", "sh"] {
        let mut cmd = Command::new(shell);
        cmd.arg("-c")
            .arg(&spec.script)
            .current_dir(&spec.workdir)
            .env_remove(SHARE_ENV)
            .envs(spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(capture_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        match cmd.spawn() {
            Ok(child) => return Ok(child),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("no shell found")))
}

/// One pipe of the step, read until end of file: each chunk to the file, then to the cockpit.
fn read_pipe(mut pipe: File, kind: u8, shared: &Shared) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                let mut link = locked(&shared.link);
                if link.closed {
                    return;
                }
                link.take(kind == frame::STDERR, &buf[..n]);
                // Something now waits for the pipe or for its newline: wake the ticker.
                if link.waits() {
                    shared.waiting.notify_one();
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Every [`TICK`] while something waits, until the step is recorded: sends what waited for
/// room in the pipe to the cockpit, and lets out what the masked file holds of a
/// partial line once it has waited [`HOLD`], telling the cockpit. Asleep while nothing waits:
/// a quiet step costs no wake-ups.
fn tick(shared: &Shared) {
    let mut link = locked(&shared.link);
    loop {
        while !link.closed && !link.waits() {
            link = shared
                .waiting
                .wait(link)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if link.closed {
            return;
        }
        drop(link);
        std::thread::sleep(TICK);
        link = locked(&shared.link);
        if link.closed {
            return;
        }
        // Looked at every TICK: nothing waits longer than HOLD in all.
        if link.file.release_held(HOLD - TICK)
            && let Some(len) = link.file.in_file()
        {
            let stderr = link.last_stderr;
            link.cockpit.offset(stderr, len);
        } else {
            link.cockpit.flush();
        }
    }
}

/// Makes the supervisor's end of the pipe to the cockpit non-blocking: a cockpit that does
/// not read must not stop the step.
fn set_nonblocking(pipe: &File) -> nix::Result<()> {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    let flags = OFlag::from_bits_retain(fcntl(pipe, FcntlArg::F_GETFL)?);
    fcntl(pipe, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).map(drop)
}

fn locked(link: &Mutex<Link>) -> std::sync::MutexGuard<'_, Link> {
    link.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The link and what the ticker waits on: told when something starts waiting for the pipe
/// or for a newline.
struct Shared {
    link: Mutex<Link>,
    waiting: Condvar,
}

/// Where both pipes' chunks go, in the order they are read, under one lock: the output file
/// (masked, counted and hashed as written), the last stdout line, and the cockpit while it is
/// there. The file is written before the cockpit sees a chunk, so the screen never shows a
/// byte the file does not hold.
struct Link {
    file: OutputSink,
    last: LastLine,
    /// The pipe to the cockpit.
    cockpit: Cockpit,
    /// The step has been recorded: late chunks are dropped.
    closed: bool,
    /// Whether the last chunk came from stderr: what held bytes let out later are shown as.
    last_stderr: bool,
}

impl Link {
    /// Whether something waits for the ticker: offsets or a frame the pipe had no room for,
    /// or a partial line the masked file holds back.
    fn waits(&self) -> bool {
        self.cockpit.waiting() || self.file.holding()
    }

    /// A chunk of the step's output: to the file, then word of it to the cockpit.
    fn take(&mut self, stderr: bool, chunk: &[u8]) {
        self.last_stderr = stderr;
        if !stderr {
            self.last.push(chunk);
        }
        self.file.write(chunk);
        match self.file.in_file() {
            Some(len) => self.cockpit.offset(stderr, len),
            // Dropped when the pipe is full: nothing else holds it to send later.
            None if stderr => self.cockpit.frame(frame::STDERR, chunk),
            None => self.cockpit.frame(frame::STDOUT, chunk),
        }
    }
}

/// The supervisor's end of the pipe to the cockpit, non-blocking: nothing here waits for
/// the cockpit. When the pipe is full, the latest offset of each stream waits (the offsets
/// are cumulative: a later one says all an earlier one did) and goes once there is room, on
/// the next chunk or [`TICK`]. Frames are written whole: a frame the pipe took only part of
/// has its rest sent before anything else.
struct Cockpit {
    /// Dropped when the pipe breaks (the cockpit went away).
    pipe: Option<File>,
    /// The unsent rest of a frame written in part.
    rest: Vec<u8>,
    /// The latest offset of stdout and of stderr not sent yet.
    offsets: [Option<u64>; 2],
}

/// What became of a frame.
#[derive(PartialEq)]
enum Sent {
    /// Written, or begun (its rest waits in [`Cockpit::rest`]).
    Yes,
    /// The pipe is full: nothing of it was written.
    Full,
    /// No cockpit any more.
    Gone,
}

impl Cockpit {
    fn new(pipe: Option<File>) -> Self {
        Self {
            pipe,
            rest: Vec::new(),
            offsets: [None; 2],
        }
    }

    /// Whether anything waits for room in the pipe.
    fn waiting(&self) -> bool {
        self.pipe.is_some() && (!self.rest.is_empty() || self.offsets.iter().any(Option::is_some))
    }

    /// The output file now holds `len` bytes, the last of them from stdout or stderr.
    fn offset(&mut self, stderr: bool, len: u64) {
        if self.pipe.is_some() {
            self.offsets[usize::from(stderr)] = Some(len);
            self.flush();
        }
    }

    /// Sends a frame after what waits, if there is room for it now; else it is dropped.
    fn frame(&mut self, kind: u8, payload: &[u8]) {
        self.flush();
        if self.idle() {
            self.write(kind, payload);
        }
    }

    /// Nothing waits to be sent.
    fn idle(&self) -> bool {
        self.rest.is_empty() && self.offsets == [None; 2]
    }

    /// Sends what waits, as far as the pipe takes it: the rest of a frame begun, then the
    /// offsets, the smaller first (they only grow).
    fn flush(&mut self) {
        while !self.rest.is_empty() {
            let Some(pipe) = &self.pipe else { return };
            match (&*pipe).write(&self.rest) {
                Ok(0) => return,
                Ok(n) => drop(self.rest.drain(..n)),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(_) => self.gone(),
            }
        }
        loop {
            let next = match self.offsets {
                [Some(o), Some(e)] => usize::from(e < o),
                [Some(_), None] => 0,
                [None, Some(_)] => 1,
                [None, None] => return,
            };
            let Some(len) = self.offsets[next] else {
                return;
            };
            let kind = [frame::STDOUT_TO, frame::STDERR_TO][next];
            match self.write(kind, &len.to_le_bytes()) {
                Sent::Yes => self.offsets[next] = None,
                Sent::Full | Sent::Gone => return,
            }
            if !self.rest.is_empty() {
                return;
            }
        }
    }

    /// Writes one frame in one write (a pipe takes a small one whole or not at all); what
    /// it did not take of a large one waits in `rest`.
    fn write(&mut self, kind: u8, payload: &[u8]) -> Sent {
        let Some(pipe) = &self.pipe else {
            return Sent::Gone;
        };
        let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        let mut bytes = Vec::with_capacity(5 + payload.len());
        bytes.push(kind);
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(payload);
        loop {
            match (&*pipe).write(&bytes) {
                Ok(n) => {
                    self.rest = bytes.split_off(n);
                    return Sent::Yes;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Sent::Full,
                Err(_) => {
                    self.gone();
                    return Sent::Gone;
                }
            }
        }
    }

    fn gone(&mut self) {
        self.pipe = None;
        self.rest.clear();
        self.offsets = [None; 2];
    }

    /// The last frame, the outcome, after what still waits: tried until `deadline` while
    /// the pipe is full, then given up (the status file holds the end).
    fn end(&mut self, outcome: &[u8], deadline: Instant) {
        let mut end = Some(outcome);
        loop {
            self.flush();
            if self.pipe.is_none() {
                return;
            }
            if self.idle() {
                let Some(json) = end.take() else { return };
                if self.write(frame::END, json) == Sent::Full {
                    end = Some(json);
                } else {
                    continue;
                }
            }
            if Instant::now() >= deadline {
                return;
            }
            std::thread::sleep(TICK / 4);
        }
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
    use super::{Cockpit, LastLine, frame, set_nonblocking};
    use std::io::Read;
    use std::time::{Duration, Instant};

    /// A cockpit that does not read: nothing blocks, a frame the pipe took in part is
    /// finished first, the offsets that waited come coalesced (ascending, the last the
    /// latest), and the end after them once the pipe is read.
    #[test]
    fn a_full_pipe_never_blocks_and_keeps_the_frames_whole() {
        let (mut reader, writer) = std::io::pipe().expect("pipe");
        let writer = std::fs::File::from(std::os::fd::OwnedFd::from(writer));
        set_nonblocking(&writer).expect("non-blocking");
        let mut cockpit = Cockpit::new(Some(writer));
        let big = vec![b'x'; 512 * 1024];
        cockpit.frame(frame::STDOUT, &big);
        assert!(!cockpit.rest.is_empty(), "the pipe took only part of it");
        for i in 1..=100_000u64 {
            cockpit.offset(i % 3 == 0, i);
        }
        // Dropped, not waited for: the pipe is full.
        cockpit.frame(frame::PGID, b"1");
        assert!(!cockpit.idle());
        let read = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            let mut all = Vec::new();
            reader.read_to_end(&mut all).expect("read");
            all
        });
        cockpit.end(b"{}", Instant::now() + Duration::from_secs(10));
        drop(cockpit);
        let all = read.join().expect("reader");
        let mut frames = Vec::new();
        let mut at = 0;
        while at < all.len() {
            let len = u32::from_le_bytes(all[at + 1..at + 5].try_into().expect("head")) as usize;
            frames.push((all[at], all[at + 5..at + 5 + len].to_vec()));
            at += 5 + len;
        }
        assert_eq!(at, all.len());
        assert_eq!(frames[0], (frame::STDOUT, big));
        assert_eq!(frames.last(), Some(&(frame::END, b"{}".to_vec())));
        let offsets: Vec<(u8, u64)> = frames[1..frames.len() - 1]
            .iter()
            .map(|(k, p)| (*k, u64::from_le_bytes(p[..].try_into().expect("offset"))))
            .collect();
        assert!(offsets.windows(2).all(|w| w[0].1 <= w[1].1), "{offsets:?}");
        assert_eq!(offsets.last().map(|o| o.1), Some(100_000));
        assert!(offsets.len() <= 2, "coalesced: {offsets:?}");
    }

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
