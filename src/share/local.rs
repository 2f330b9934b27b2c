//! What the pusher reads from the run folder: the local journal is the source of truth, so
//! live pushing, catching up after an outage and uploading a whole journal when a share is
//! attached later are one path: "the lines after seq N", read from the file.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::journal::event::decode_line;
use crate::journal::file::{JOURNAL_FILE, OUTPUT_DIR};

use super::ShareError;

/// One journal line as written locally, without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub seq: u64,
    pub text: String,
    pub hash: String,
    /// Its `type` is `run_finished`.
    pub finishes: bool,
}

/// Reads a run's journal by seq, remembering where the last line read ended, so that live
/// pushing reads only the new bytes.
#[derive(Debug)]
pub struct LocalJournal {
    path: PathBuf,
    /// The byte offset just after line `seq`.
    pos: u64,
    seq: u64,
}

impl LocalJournal {
    pub fn new(run_dir: &Path) -> Self {
        LocalJournal {
            path: run_dir.join(JOURNAL_FILE),
            pos: 0,
            seq: 0,
        }
    }

    /// Lines `after + 1 ..= upto`, at most `max` of them, each checked against its own hash
    /// and its place (a line that does not check out is never pushed).
    pub fn lines(&mut self, after: u64, upto: u64, max: usize) -> Result<Vec<Line>, ShareError> {
        if after < self.seq {
            self.pos = 0;
            self.seq = 0;
        }
        let mut out = Vec::new();
        if upto <= after {
            return Ok(out);
        }
        let local = |e: std::io::Error| {
            ShareError::Local(format!(
                "{}: cannot read the journal: {e}",
                self.path.display()
            ))
        };
        let mut file = File::open(&self.path).map_err(local)?;
        file.seek(SeekFrom::Start(self.pos)).map_err(local)?;
        let mut reader = BufReader::new(file);
        let mut buf = Vec::new();
        while self.seq < upto && out.len() < max {
            buf.clear();
            let n = reader.read_until(b'\n', &mut buf).map_err(local)?;
            if n == 0 || buf.first() == Some(&0) || buf.last() != Some(&b'\n') {
                return Err(ShareError::Local(format!(
                    "{}: the journal ends before seq {upto}",
                    self.path.display()
                )));
            }
            let seq = self.seq + 1;
            let body = &buf[..buf.len() - 1];
            let event = decode_line(body).map_err(|e| {
                ShareError::Local(format!(
                    "{}: line {seq}: {e}; run `flightdeck journal verify`",
                    self.path.display()
                ))
            })?;
            if event.seq != seq {
                return Err(ShareError::Local(format!(
                    "{}: line {seq} holds seq {}",
                    self.path.display(),
                    event.seq
                )));
            }
            self.seq = seq;
            self.pos += n as u64;
            if seq > after {
                out.push(Line {
                    seq,
                    // decode_line checked it is UTF-8.
                    text: String::from_utf8_lossy(body).into_owned(),
                    hash: event.hash,
                    finishes: event.kind.type_name() == "run_finished",
                });
            }
        }
        Ok(out)
    }
}

/// How many complete lines the journal holds now (its text ends at the first NUL).
pub fn line_count(run_dir: &Path) -> Result<u64, ShareError> {
    let path = run_dir.join(JOURNAL_FILE);
    let bytes =
        std::fs::read(&path).map_err(|e| ShareError::Local(format!("{}: {e}", path.display())))?;
    let text = crate::journal::padding::text(&bytes);
    Ok(memchr::memchr_iter(b'\n', text).count() as u64)
}

/// The output files of a run: `(step, attempt)` of each `output/<step>.<attempt>.log`.
pub fn output_files(run_dir: &Path) -> Vec<(String, u32)> {
    let Ok(entries) = std::fs::read_dir(run_dir.join(OUTPUT_DIR)) else {
        return Vec::new();
    };
    let mut out: Vec<(String, u32)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".log")?;
            let (step, attempt) = stem.rsplit_once('.')?;
            Some((step.to_string(), attempt.parse().ok()?))
        })
        .collect();
    out.sort();
    out
}

/// Up to `max` bytes of `path` from `offset`, and the file's length now.
pub fn read_at(path: &Path, offset: u64, max: usize) -> std::io::Result<(Vec<u8>, u64)> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if offset >= len {
        return Ok((Vec::new(), len));
    }
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(max.min((len - offset) as usize));
    file.take(max as u64).read_to_end(&mut buf)?;
    Ok((buf, len))
}
