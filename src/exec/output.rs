//! A step's output file: everything the step printed, secrets masked, counted and hashed as
//! written, so `step_finished` can carry the byte count and sha256 of exactly the file on disk.
//! Each chunk is written through to the page cache as it comes (no buffer in the process): a
//! crash of whoever writes it loses nothing the screen showed.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::exec::shell::{ExecEvent, Outcome, Running};
use crate::journal::secrets::{Masker, MaskingWriter};

/// A file writer that hashes and counts what reaches the file.
struct HashingWriter {
    inner: std::fs::File,
    hasher: Sha256,
    bytes: u64,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The output file, masked when the run has secrets. A shared run always has some (its share
/// URL), so what it uploads is masked, URL passwords (`postgres://u:pw@h`, `password=pw`)
/// included; a run with none writes the bytes as they come, which keeps an output flood at
/// the speed of `tee`.
pub struct OutputFile(Inner);

enum Inner {
    Plain(HashingWriter),
    Masked(MaskingWriter<HashingWriter>),
}

impl OutputFile {
    /// Creates (truncates) the file and its folder.
    pub fn create(path: &Path, masker: &Masker) -> Result<Self, String> {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let f = std::fs::File::create(path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let w = HashingWriter {
            inner: f,
            hasher: Sha256::new(),
            bytes: 0,
        };
        Ok(OutputFile(if masker.is_empty() {
            Inner::Plain(w)
        } else {
            Inner::Masked(MaskingWriter::new(w, masker.clone()))
        }))
    }

    pub fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        match &mut self.0 {
            Inner::Plain(w) => w.write_all(data),
            Inner::Masked(w) => w.write_all(data),
        }
    }

    /// Lets out a partial line held for masking once it has waited `after`
    /// ([`MaskingWriter::release_held`]); whether the file grew.
    pub fn release_held(&mut self, after: std::time::Duration) -> std::io::Result<bool> {
        match &mut self.0 {
            Inner::Plain(_) => Ok(false),
            Inner::Masked(w) => w.release_held(after),
        }
    }

    /// Whether masking holds back a partial line.
    pub fn holding(&self) -> bool {
        match &self.0 {
            Inner::Plain(_) => false,
            Inner::Masked(w) => w.holding(),
        }
    }

    /// Bytes in the file so far.
    pub fn written(&self) -> u64 {
        match &self.0 {
            Inner::Plain(w) => w.bytes,
            Inner::Masked(w) => w.get_ref().bytes,
        }
    }

    /// Flushes everything and returns (bytes in the file, sha256 of the file).
    pub fn finish(self) -> std::io::Result<(u64, String)> {
        let h = match self.0 {
            Inner::Plain(mut w) => {
                w.flush()?;
                w
            }
            Inner::Masked(w) => w.finish()?,
        };
        Ok((h.bytes, hex::encode(h.hasher.finalize())))
    }
}

/// Which attempt of which step a job is, and where its output goes: what every step that is
/// not a process (SQL, HTTP, notify) shares.
#[derive(Debug, Clone)]
pub struct StepTarget {
    pub step_id: String,
    pub attempt: u32,
    pub output_path: PathBuf,
    /// Secrets to mask in the output file.
    pub masker: Masker,
}

impl StepTarget {
    /// Takes the step's progress line off the screen once its work is over.
    pub async fn clear_progress(&self, events: &mpsc::Sender<ExecEvent>) {
        let _ = events
            .send(ExecEvent::Progress {
                step_id: self.step_id.clone(),
                attempt: self.attempt,
                text: None,
            })
            .await;
    }
}

/// Runs a step that is not a process (SQL, HTTP, notify) on its own task: `work` gets the
/// step's output and the cancel requests, and returns the output with whether the step
/// passed; the step then finishes with exit code 0 or 1, its file counted and hashed.
pub fn spawn_step<W, F>(target: &StepTarget, events: mpsc::Sender<ExecEvent>, work: W) -> Running
where
    W: FnOnce(StepOutput, mpsc::Receiver<()>) -> F + Send + 'static,
    F: std::future::Future<Output = (StepOutput, bool)> + Send + 'static,
{
    let (cancel_tx, cancel_rx) = mpsc::channel(1);
    let out = StepOutput::new(
        &target.step_id,
        target.attempt,
        &target.output_path,
        &target.masker,
        events.clone(),
    );
    let (step_id, attempt) = (target.step_id.clone(), target.attempt);
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let (out, ok) = work(out, cancel_rx).await;
        let (bytes, output_sha256, error) = out.finish();
        let outcome = Outcome {
            exit_code: Some(if ok { 0 } else { 1 }),
            duration_ms: started.elapsed().as_millis() as u64,
            bytes,
            output_sha256,
            error,
            ..Outcome::default()
        };
        let _ = events
            .send(ExecEvent::Finished {
                step_id,
                attempt,
                outcome,
            })
            .await;
    });
    Running::new(cancel_tx)
}

/// The output file as a step writes it: a file that cannot be created or written is reported
/// when the step ends, while the count goes on and the screen still gets everything.
pub struct OutputSink {
    file: Option<OutputFile>,
    error: Option<String>,
    shown: String,
    written: u64,
}

impl OutputSink {
    pub fn create(path: &Path, masker: &Masker) -> Self {
        let (file, error) = match OutputFile::create(path, masker) {
            Ok(f) => (Some(f), None),
            Err(e) => (None, Some(e)),
        };
        OutputSink {
            file,
            error,
            shown: path.display().to_string(),
            written: 0,
        }
    }

    pub fn write(&mut self, chunk: &[u8]) {
        self.written += chunk.len() as u64;
        if let Some(f) = self.file.as_mut()
            && let Err(e) = f.write_all(chunk)
        {
            self.error = Some(format!("cannot write {}: {e}", self.shown));
            self.file = None;
        }
    }

    /// Lets out a partial line held for masking once it has waited `after`; whether the file
    /// grew. A write error ends the file as [`OutputSink::write`]'s would.
    pub fn release_held(&mut self, after: std::time::Duration) -> bool {
        let Some(f) = self.file.as_mut() else {
            return false;
        };
        match f.release_held(after) {
            Ok(grew) => grew,
            Err(e) => {
                self.error = Some(format!("cannot write {}: {e}", self.shown));
                self.file = None;
                false
            }
        }
    }

    /// Bytes in the file so far; `None` when there is no file (it could not be written).
    pub fn holding(&self) -> bool {
        self.file.as_ref().is_some_and(OutputFile::holding)
    }

    pub fn in_file(&self) -> Option<u64> {
        self.file.as_ref().map(OutputFile::written)
    }

    /// Closes the file: (bytes, sha256 of the file as written, error). Without a file, the
    /// bytes are those the step produced and the hash is empty.
    pub fn finish(&mut self) -> (u64, String, Option<String>) {
        match self.file.take().map(OutputFile::finish) {
            Some(Ok((bytes, sha))) => (bytes, sha, self.error.take()),
            Some(Err(e)) => (
                self.written,
                String::new(),
                Some(format!("cannot write {}: {e}", self.shown)),
            ),
            None => (self.written, String::new(), self.error.take()),
        }
    }
}

/// Output of steps that are not processes (SQL, HTTP, notify): each line goes to the file and
/// to the screen, as a process's output would.
pub struct StepOutput {
    step_id: String,
    attempt: u32,
    sink: OutputSink,
    events: mpsc::Sender<ExecEvent>,
}

impl StepOutput {
    /// Opens the output file; a file that cannot be created is reported at the end, while the
    /// screen still gets the lines.
    pub fn new(
        step_id: &str,
        attempt: u32,
        path: &Path,
        masker: &Masker,
        events: mpsc::Sender<ExecEvent>,
    ) -> Self {
        StepOutput {
            step_id: step_id.to_string(),
            attempt,
            sink: OutputSink::create(path, masker),
            events,
        }
    }

    /// Writes one line (a newline is added); `stderr` tints it on screen.
    pub async fn line(&mut self, text: &str, stderr: bool) {
        let mut chunk = Vec::with_capacity(text.len() + 1);
        chunk.extend_from_slice(text.as_bytes());
        chunk.push(b'\n');
        self.sink.write(&chunk);
        let _ = self
            .events
            .send(ExecEvent::Output {
                step_id: self.step_id.clone(),
                attempt: self.attempt,
                chunk,
                stderr,
            })
            .await;
    }

    /// Several lines at once.
    pub async fn lines(&mut self, text: &str, stderr: bool) {
        for l in text.lines() {
            self.line(l, stderr).await;
        }
    }

    /// Closes the file: (bytes, sha256, error) for the step's outcome.
    pub fn finish(mut self) -> (u64, String, Option<String>) {
        self.sink.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shared run's masker always holds its share URL: then a URL or conninfo password a
    /// step prints never reaches the output file (the file the run uploads as it is).
    #[test]
    fn a_shared_run_masks_passwords_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.log");
        let mut masker = Masker::default();
        for secret in crate::share::url_secrets("postgres://share@127.0.0.1/db") {
            masker.add(&secret);
        }
        let mut f = OutputFile::create(&path, &masker).unwrap();
        f.write_all(b"FLIGHTDECK_SHARE=postgres://cap:CANARY-pw-1@db/x\n")
            .unwrap();
        f.write_all(b"dsn host=db password=CANARY-pw-2 dbname=x\nlast postgres://u:CANARY-pw-3@h")
            .unwrap();
        let (bytes, _) = f.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(bytes, text.len() as u64);
        assert!(!text.contains("CANARY"), "{text}");
        assert_eq!(
            text.matches(crate::journal::secrets::MASK).count(),
            3,
            "{text}"
        );
    }
}
