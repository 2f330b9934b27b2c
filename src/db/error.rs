//! A database error as a person needs it: SQLSTATE, message, detail, hint, position.

use std::fmt;

/// What went wrong talking to PostgreSQL, flattened to text the screen and journal can keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    /// Five-character SQLSTATE when the server answered with an error.
    pub code: Option<String>,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character position in the statement the server points at.
    pub position: Option<u32>,
}

impl DbError {
    /// An error that did not come from the server (connect, TLS, timeout, bad URL).
    pub fn client(message: impl Into<String>) -> Self {
        DbError {
            code: None,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
        }
    }

    /// True when the statement was stopped by a cancel request or `statement_timeout`.
    pub fn is_cancel(&self) -> bool {
        self.code.as_deref() == Some("57014")
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        if let Some(db) = e.as_db_error() {
            let position = match db.position() {
                Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
                Some(tokio_postgres::error::ErrorPosition::Internal { position, .. }) => {
                    Some(*position)
                }
                None => None,
            };
            return DbError {
                code: Some(db.code().code().to_string()),
                message: db.message().to_string(),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
                position,
            };
        }
        // The top-level text ("error connecting to server") hides the cause; keep the chain.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            let text = s.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = s.source();
        }
        DbError::client(message)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = &self.code {
            write!(f, "ERROR {code}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(d) = &self.detail {
            write!(f, " (detail: {d})")?;
        }
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        if let Some(p) = self.position {
            write!(f, " at character {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DbError {}
