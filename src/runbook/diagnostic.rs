//! Findings about a runbook, in the `file:line:col: severity: message` shape editors understand.

use std::fmt;

/// How bad a finding is: errors stop a run, warnings only inform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One finding, located in the source so the author can jump to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// What is wrong and how to fix it, on one line.
    pub message: String,
}

impl Diagnostic {
    /// A finding that makes the runbook unfit to run.
    pub fn error(line: usize, col: usize, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            line,
            col,
            message: message.into(),
        }
    }

    /// A finding worth fixing that does not stop a run.
    pub fn warning(line: usize, col: usize, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            line,
            col,
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Formats the finding with the file name in front, as `check` prints it.
    pub fn display<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        DisplayWithFile { diag: self, file }
    }
}

struct DisplayWithFile<'a> {
    diag: &'a Diagnostic,
    file: &'a str,
}

impl fmt::Display for DisplayWithFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.diag.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{}:{}:{}: {sev}: {}",
            self.file, self.diag.line, self.diag.col, self.diag.message
        )
    }
}
