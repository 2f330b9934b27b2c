//! Reading a runbook file into text safely: size, binary and encoding checks, BOM and CRLF.

use std::path::Path;

use crate::runbook::diagnostic::Diagnostic;

/// Larger files are refused: no real runbook comes near it, and parsing it would stall the cockpit.
pub const MAX_RUNBOOK_BYTES: u64 = 16 * 1024 * 1024;

/// Why a runbook file could not be read at all; each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: no such file; check the path")]
    NotFound { path: String },
    #[error("{path}: is a directory; name a Markdown runbook file inside it")]
    IsDirectory { path: String },
    #[error("{path}: is a binary file (NUL byte at offset {offset}); name a Markdown runbook")]
    Binary { path: String, offset: usize },
    #[error(
        "{path}: is {size} bytes; runbooks are limited to {max} bytes, split it into smaller runbooks"
    )]
    TooLarge { path: String, size: u64, max: u64 },
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Text ready for the parser, plus warnings about what had to be repaired to get it.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub text: String,
    pub warnings: Vec<Diagnostic>,
}

/// Reads `path` as a runbook: refuses directories, binaries and huge files; decodes invalid UTF-8
/// lossily (with a warning naming the first bad line); strips a BOM; turns CRLF into LF.
pub fn read_source(path: &Path) -> Result<SourceText, LoadError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| io_error(&shown, e))?;
    if meta.is_dir() {
        return Err(LoadError::IsDirectory { path: shown });
    }
    if meta.len() > MAX_RUNBOOK_BYTES {
        return Err(LoadError::TooLarge {
            path: shown,
            size: meta.len(),
            max: MAX_RUNBOOK_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(&shown, e))?;
    decode(bytes).map_err(|offset| LoadError::Binary {
        path: shown,
        offset,
    })
}

fn io_error(path: &str, e: std::io::Error) -> LoadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound {
            path: path.to_string(),
        },
        _ => LoadError::Io {
            path: path.to_string(),
            source: e,
        },
    }
}

/// Turns raw bytes into parser text; `Err(offset)` of the first NUL byte for binary input.
/// Valid UTF-8 (nearly every runbook) becomes the text in place, without a copy.
pub fn decode(mut bytes: Vec<u8>) -> Result<SourceText, usize> {
    if let Some(offset) = memchr::memchr(0, &bytes) {
        return Err(offset);
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let mut warnings = Vec::new();
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = memchr::memchr_iter(b'\n', &bytes[..valid]).count() + 1;
            warnings.push(Diagnostic::warning(
                line,
                1,
                "file is not valid UTF-8; invalid bytes were replaced with U+FFFD (save it as UTF-8)",
            ));
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    let text = if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        text.replace("\r\n", "\n")
    } else {
        text
    };
    Ok(SourceText { text, warnings })
}

/// Maps byte offsets to 1-based line and column numbers.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        // Runbook lines average well over 16 bytes: one allocation nearly always suffices.
        let mut starts = Vec::with_capacity(text.len() / 16 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Self { starts }
    }

    /// 1-based line containing byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }

    /// 1-based (line, column in characters) of byte `offset` in `text`.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line(offset);
        let start = self.starts[line - 1];
        let end = offset.min(text.len());
        let col = text.get(start..end).map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}
