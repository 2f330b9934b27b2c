//! Log sources: a file followed like `tail -F` (rotation by rename and truncation noticed), or a
//! command whose output is read and which is restarted with backoff when it exits.

use std::io::SeekFrom;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::monitor::sample::MonitorEvent;
use crate::monitor::sampler::Report;

/// How often a followed file is looked at (what `tail -F` does too, at 1 s).
pub const POLL: Duration = Duration::from_millis(500);
/// Longest line kept; the rest of it is cut.
pub const MAX_LINE: usize = 4096;
/// How much of an existing file is shown when following starts.
const START_BACK: u64 = 16 * 1024;
/// Most read from a file per look, so a flood is taken in slices.
const READ_SLICE: usize = 256 * 1024;
/// Backoff between restarts of a log command.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Cuts a byte stream into lines; a partial last line waits for its end.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
}

impl LineSplitter {
    /// The complete lines in `bytes` (with what was left over before).
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        for piece in bytes.split_inclusive(|b| *b == b'\n') {
            if piece.last() == Some(&b'\n') {
                self.partial.extend_from_slice(&piece[..piece.len() - 1]);
                lines.push(take_line(&mut self.partial));
            } else {
                self.partial.extend_from_slice(piece);
                if self.partial.len() > MAX_LINE {
                    lines.push(take_line(&mut self.partial));
                }
            }
        }
        lines
    }

    /// What is left when the stream ends.
    pub fn finish(&mut self) -> Option<String> {
        (!self.partial.is_empty()).then(|| take_line(&mut self.partial))
    }
}

fn take_line(buf: &mut Vec<u8>) -> String {
    let end = buf.len().min(MAX_LINE);
    let text = String::from_utf8_lossy(&buf[..end])
        .trim_end_matches('\r')
        .to_string();
    buf.clear();
    text
}

/// Follows `path` forever: new lines as they are written; a new file under the name (rotation)
/// is read from its start after the old one is drained; a shrunk file (truncation) from 0.
pub async fn follow_file(source: usize, path: PathBuf, report: Report) {
    let status = |text: String| report(MonitorEvent::LogStatus { source, text });
    let mut open: Option<(tokio::fs::File, u64, u64)> = None; // (file, inode, position)
    let mut splitter = LineSplitter::default();
    let mut first = true;
    let mut missing_said = false;
    let mut buf = vec![0u8; READ_SLICE];
    loop {
        let meta = tokio::fs::metadata(&path).await.ok();
        // Rotation: the name now points at another file; finish the old one first.
        if let (Some((file, ino, _)), Some(m)) = (open.as_mut(), meta.as_ref())
            && m.ino() != *ino
        {
            drain(file, &mut buf, &mut splitter, source, &report).await;
            open = None;
            status(format!(
                "{} rotated: following the new file",
                path.display()
            ));
        }
        if open.is_none() {
            match tokio::fs::File::open(&path).await {
                Ok(mut file) => {
                    let m = file.metadata().await.ok();
                    let len = m.as_ref().map_or(0, |m| m.len());
                    let ino = m.as_ref().map_or(0, |m| m.ino());
                    let mut pos = 0;
                    if first && len > START_BACK {
                        pos = len - START_BACK;
                        let _ = file.seek(SeekFrom::Start(pos)).await;
                        // Start at a line boundary.
                        let mut skip = Vec::new();
                        let mut one = [0u8; 1];
                        while let Ok(1) = file.read(&mut one).await {
                            pos += 1;
                            if one[0] == b'\n' || skip.len() > MAX_LINE {
                                break;
                            }
                            skip.push(one[0]);
                        }
                    }
                    first = false;
                    missing_said = false;
                    open = Some((file, ino, pos));
                }
                Err(e) => {
                    if !missing_said {
                        status(format!("waiting for {}: {e}", path.display()));
                        missing_said = true;
                    }
                    first = false;
                }
            }
        }
        if let Some((file, _, pos)) = open.as_mut() {
            let len = file.metadata().await.map_or(*pos, |m| m.len());
            if len < *pos {
                status(format!(
                    "{} truncated: reading from its start",
                    path.display()
                ));
                *pos = 0;
                let _ = file.seek(SeekFrom::Start(0)).await;
                splitter = LineSplitter::default();
            }
            if let Ok(n) = file.read(&mut buf).await
                && n > 0
            {
                *pos += n as u64;
                let lines = splitter.push(&buf[..n]);
                if !lines.is_empty() {
                    report(MonitorEvent::LogLines { source, lines });
                }
                if n == buf.len() {
                    // More is waiting: read on without sleeping.
                    tokio::task::yield_now().await;
                    continue;
                }
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Reads what is left of a file that is being replaced.
async fn drain(
    file: &mut tokio::fs::File,
    buf: &mut [u8],
    splitter: &mut LineSplitter,
    source: usize,
    report: &Report,
) {
    let mut lines = Vec::new();
    for _ in 0..64 {
        match file.read(buf).await {
            Ok(n) if n > 0 => lines.extend(splitter.push(&buf[..n])),
            _ => break,
        }
    }
    lines.extend(splitter.finish());
    if !lines.is_empty() {
        report(MonitorEvent::LogLines { source, lines });
    }
}

/// Kills a log command's process group when its follower stops.
struct GroupGuard(Option<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
    }
}

/// Runs `command` (stdout and stderr together) and restarts it with backoff when it exits.
pub async fn follow_command(source: usize, command: String, report: Report) {
    let status = |text: String| report(MonitorEvent::LogStatus { source, text });
    let mut backoff = FIRST_BACKOFF;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let started = tokio::time::Instant::now();
        let spawned = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec 2>&1\n{command}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn();
        let how = match spawned {
            Err(e) => format!("cannot start: {e}"),
            Ok(mut child) => {
                let mut guard = GroupGuard(child.id().and_then(|p| i32::try_from(p).ok()));
                let mut splitter = LineSplitter::default();
                if let Some(mut out) = child.stdout.take() {
                    while let Ok(n) = out.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        let lines = splitter.push(&buf[..n]);
                        if !lines.is_empty() {
                            report(MonitorEvent::LogLines { source, lines });
                        }
                    }
                }
                if let Some(last) = splitter.finish() {
                    report(MonitorEvent::LogLines {
                        source,
                        lines: vec![last],
                    });
                }
                let code = child.wait().await.ok().and_then(|s| s.code());
                guard.0 = None;
                match code {
                    Some(c) => format!("exited with code {c}"),
                    None => "ended by a signal".to_string(),
                }
            }
        };
        if started.elapsed() > MAX_BACKOFF {
            backoff = FIRST_BACKOFF;
        }
        status(format!("{how}; restarting in {} s", backoff.as_secs()));
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_across_chunks() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push(b"one\ntw"), vec!["one"]);
        assert_eq!(s.push(b"o\r\nthree\n"), vec!["two", "three"]);
        assert_eq!(s.push(b"tail"), Vec::<String>::new());
        assert_eq!(s.finish(), Some("tail".into()));
        let long = vec![b'x'; MAX_LINE + 10];
        assert_eq!(s.push(&long)[0].len(), MAX_LINE);
    }
}
