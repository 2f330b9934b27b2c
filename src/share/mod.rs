//! Sharing a run through PostgreSQL: the local journal stays the first write, and its exact
//! lines are pushed, in seq order, to tables a team already runs (`flightdeck.runs`,
//! `.events`, `.output`). The database is a replica and a meeting point, never the only copy.
//!
//! [`schema`] creates and migrates the tables, [`local`] reads what may be pushed from the run
//! folder, [`pusher`] is the captain's task that pushes it, [`remote`] reads the shared copy
//! back (`journal list/verify --share`, `export --share`), [`check`] says what works,
//! [`takeover`] lets the next captain on another machine take the run's lease and pull it.

pub mod check;
pub mod local;
pub mod pusher;
pub mod remote;
pub mod schema;
pub mod takeover;

use std::time::Duration;

pub use pusher::{Pusher, Share, ShareConfig};

/// How long one call to the database may take before the share counts as offline.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a captain's lease on a shared run lasts without renewal.
pub const LEASE: Duration = Duration::from_secs(30);
/// How often the pusher renews it while nothing else is pushed.
pub const LEASE_RENEW: Duration = Duration::from_secs(10);
/// A lease holder that starts so is offered: the captain named the next one (`H`); whoever
/// takes it first (the next captain's `--resume`) holds it, and the old cockpit stops pushing.
pub const OFFERED: &str = "handoff:";

/// Where the shared copy stands, as the captain's status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareStatus {
    /// The last seq durable in the local journal.
    pub durable: u64,
    /// The last seq the database has acknowledged (committed).
    pub acked: u64,
    /// Why the last attempt failed, while the database cannot be reached.
    pub offline: Option<String>,
    /// The shared copy holds a different line at this seq: pushing stopped, nothing overwritten.
    pub fork: Option<u64>,
    /// A failure that retrying will not cure (wrong password, no grants, no such database,
    /// a newer schema, a bad URL, an unreadable journal, a pusher that died), with its fix:
    /// shown on the message line.
    pub problem: Option<String>,
    /// Step output written here that the shared copy does not hold yet.
    pub output_waiting: bool,
    /// Another cockpit took the lease this one held (the next captain, after a handoff or an
    /// expired lease): who, as the lease names it. The cockpit then turns into a follower.
    pub taken_over: Option<String>,
}

impl ShareStatus {
    /// Events durable here that the database does not have yet.
    pub fn behind(&self) -> u64 {
        self.durable.saturating_sub(self.acked)
    }

    /// The words of the status bar: `share ok`, `share: 12 behind`, `share: FORK at seq 7`.
    pub fn label(&self) -> String {
        match (self.fork, self.behind()) {
            (Some(seq), _) => format!("share: FORK at seq {seq}"),
            (None, _) if self.problem.is_some() => "share: FAILED".into(),
            (None, 0) if self.offline.is_none() && !self.output_waiting => "share ok".into(),
            (None, 0) if self.offline.is_none() => "share: output behind".into(),
            (None, 0) => "share: offline".into(),
            (None, n) => format!("share: {n} behind"),
        }
    }
}

/// Why talking to the shared copy failed.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error(
        "the shared schema is at version {0}, newer than this flightdeck knows ({latest}); upgrade flightdeck",
        latest = schema::latest()
    )]
    NewerSchema(i32),
    #[error("{0}")]
    Local(String),
    #[error(
        "run {0} is not in the shared database; `flightdeck journal list --share URL` lists the shared runs"
    )]
    NoRun(String),
    #[error("{0}")]
    BadUrl(String),
    #[error("{0}")]
    OutputDiverged(String),
    /// Another cockpit holds the run's lease: one captain writes at a time.
    #[error(
        "run {run_id} is shared by another cockpit ({holder}{until}): one captain writes at a time; the local journal keeps every event and pushing resumes once that cockpit quits or hands off"
    )]
    Leased {
        run_id: String,
        holder: String,
        /// `, lease expired at …` when it expired without a handoff.
        until: String,
    },
}

impl ShareError {
    /// For a failure that retrying will not cure, one line saying what and how to fix it;
    /// `None` for what may pass by itself (the network, a restart, a timeout).
    pub fn needs_fix(&self) -> Option<String> {
        let code = match self {
            ShareError::Db(db) => db.code.clone(),
            ShareError::Timeout(_) => return None,
            other => return Some(other.to_string()),
        };
        let fix = match code.as_deref()? {
            c if c.starts_with("28") => {
                "the share URL's user or password is refused; correct them in the share URL"
            }
            "3D000" => {
                "the share URL names a database that does not exist; create it or correct the URL"
            }
            "42501" => {
                "the share URL's role lacks a grant; `flightdeck share sql` prints the schema and the grants to give it"
            }
            "3F000" | "42P01" => {
                "the shared tables are missing; `flightdeck share sql` prints the schema to create"
            }
            _ => return None,
        };
        Some(format!("{self}: {fix}"))
    }
}

impl From<tokio_postgres::Error> for ShareError {
    fn from(e: tokio_postgres::Error) -> Self {
        ShareError::Db(e.into())
    }
}

/// The NOTIFY channel of a run: a follower LISTENs on it and gets each pushed batch's last
/// seq. Channel names are identifiers of at most 63 bytes, so the run id is hashed.
pub fn channel(run_id: &str) -> String {
    let hash = crate::journal::event::sha256_hex(run_id.as_bytes());
    format!("flightdeck_run_{}", &hash[..16])
}

/// The URL as it may be shown: never the password, whether in `user:password@` or as a
/// `password=` parameter (URL query or key/value string, quoted or not).
pub fn display_url(url: &str) -> String {
    crate::journal::secrets::mask_url_passwords(url)
}

/// What of a share URL must be masked wherever it could be printed: the password (as libpq
/// reads it, URL or key/value form) and the whole URL.
pub fn url_secrets(url: &str) -> Vec<String> {
    let mut out = vec![url.to_string()];
    if let Ok(cfg) = url.parse::<tokio_postgres::Config>()
        && let Some(pw) = cfg.get_password()
    {
        out.push(String::from_utf8_lossy(pw).into_owned());
    }
    out
}

/// The environment variable a share URL is read from when not given on the command line
/// (where `ps` and shell history would keep its password).
pub const SHARE_ENV: &str = "FLIGHTDECK_SHARE";

/// The URL a `--share` argument means: `-` (or no argument) reads `$FLIGHTDECK_SHARE`,
/// `$NAME` or `${NAME}` reads that variable, anything else is the URL itself.
pub fn resolve_url(arg: Option<&str>) -> Result<String, String> {
    let name = match arg.map(str::trim) {
        None | Some("-") => SHARE_ENV.to_string(),
        Some(a) => match a
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .or_else(|| a.strip_prefix('$'))
        {
            Some(n) if crate::exec::substitute::is_env_name(n) => n.to_string(),
            _ => return Ok(a.to_string()),
        },
    };
    std::env::var(&name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| {
            format!(
                "no share URL: ${name} is not set; set it (export {name}=postgres://…) or give the URL"
            )
        })
}

/// Checks the URL's syntax, before anything connects: `Err` is one line naming the fix.
pub fn check_url_syntax(url: &str) -> Result<(), String> {
    url.parse::<tokio_postgres::Config>().map(|_| ()).map_err(|e| {
        format!(
            "share URL {} is not a PostgreSQL connection string ({e}); write it as postgres://user:password@host:5432/db or host=… dbname=…",
            display_url(url)
        )
    })
}

/// Opens a session to the share with the same TLS handling as SQL steps.
pub async fn connect(url: &str) -> Result<crate::db::Db, ShareError> {
    Ok(crate::db::connect(url, CONNECT_TIMEOUT).await?)
}

/// Runs `fut` under [`CALL_TIMEOUT`].
pub async fn timed<T>(fut: impl Future<Output = Result<T, ShareError>>) -> Result<T, ShareError> {
    tokio::time::timeout(CALL_TIMEOUT, fut)
        .await
        .map_err(|_| ShareError::Timeout(CALL_TIMEOUT))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_say_what_a_captain_needs() {
        let mut s = ShareStatus {
            durable: 12,
            acked: 12,
            offline: None,
            fork: None,
            problem: None,
            output_waiting: false,
            taken_over: None,
        };
        assert_eq!(s.label(), "share ok");
        s.output_waiting = true;
        assert_eq!(s.label(), "share: output behind");
        s.output_waiting = false;
        s.acked = 0;
        assert_eq!(s.label(), "share: 12 behind");
        s.problem = Some("password refused".into());
        assert_eq!(s.label(), "share: FAILED");
        s.fork = Some(7);
        assert_eq!(s.label(), "share: FORK at seq 7");
        assert!(channel("2026-11-21T041207Z-go-live").len() <= 63);
        assert_eq!(
            display_url("host=db user=fd password=hunter2 dbname=ops"),
            "host=db user=fd password=•••• dbname=ops"
        );
        assert_eq!(
            display_url("postgres://fd@db/ops?password=hunter2&sslmode=require"),
            "postgres://fd@db/ops?password=••••&sslmode=require"
        );
        assert!(!display_url("postgres://fd:hunter2@db/ops").contains("hunter2"));
        assert_eq!(
            display_url("host=db password='a b' dbname=ops"),
            "host=db password=•••• dbname=ops"
        );
        let secrets = url_secrets("postgres://fd:hunter%202@db/ops");
        assert!(secrets.contains(&"hunter 2".to_string()), "{secrets:?}");
        assert!(url_secrets("host=db password='a b'").contains(&"a b".to_string()));
        assert!(check_url_syntax("postgres://fd@db/ops").is_ok());
        assert!(check_url_syntax("postgres://fd@db:notaport/ops").is_err());
    }
}
