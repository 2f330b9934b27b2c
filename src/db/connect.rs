//! Opening a connection: libpq-style URLs and key/value strings, `sslmode` as libpq reads it,
//! a bounded connect time, and server notices kept for the caller instead of dropped.

use std::str::FromStr;
use std::time::Duration;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::config::SslMode;
use tokio_postgres::{AsyncMessage, CancelToken, Client, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::DbError;

/// Notices waiting to be read, per session.
pub const NOTICES_KEPT: usize = 256;
/// Notifications waiting to be read, per session.
pub const NOTIFICATIONS_KEPT: usize = 64;

/// An open session: the client, what cancels its running statement, and its backend pid (to
/// find it in `pg_stat_activity` or `pg_stat_progress_create_index`).
pub struct Db {
    pub client: Client,
    pub pid: i32,
    /// `NOTICE`/`WARNING` messages from the server, in order, as one line each; at most
    /// [`NOTICES_KEPT`] wait here, the rest are counted in `notices_dropped`.
    pub notices: mpsc::Receiver<String>,
    pub notices_dropped: Arc<AtomicU64>,
    /// Payloads of `NOTIFY`s on channels this session `LISTEN`s to, for a follower woken by
    /// the captain's pushes. Bounded: when full, a newer one is dropped, which loses nothing
    /// for a reader that catches up from the database on each wake. Ends with the session.
    pub notifications: mpsc::Receiver<String>,
    cancel: CancelToken,
    tls: Option<MakeRustlsConnect>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("pid", &self.pid).finish()
    }
}

impl Db {
    /// Asks the server to stop the statement running on this session (PostgreSQL's cancel
    /// request, over a connection of its own).
    pub async fn cancel(&self) -> Result<(), DbError> {
        self.canceller().cancel().await
    }

    /// A cancel handle that outlives a borrow of the session (for a task that waits on a key).
    pub fn canceller(&self) -> Canceller {
        Canceller {
            token: self.cancel.clone(),
            tls: self.tls.clone(),
        }
    }

    /// True once the server or the network has ended the session.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

/// Sends PostgreSQL's cancel request for one session from anywhere.
#[derive(Clone)]
pub struct Canceller {
    token: CancelToken,
    tls: Option<MakeRustlsConnect>,
}

impl Canceller {
    /// Sends the cancel request; the statement then fails with SQLSTATE 57014.
    pub async fn cancel(&self) -> Result<(), DbError> {
        match &self.tls {
            Some(tls) => self.token.cancel_query(tls.clone()).await?,
            None => self.token.cancel_query(NoTls).await?,
        }
        Ok(())
    }
}

/// Connects within `timeout`. `sslmode=disable` is plain TCP; `prefer` (the default) and
/// `require` encrypt without checking the certificate, as libpq does; `verify-ca` and
/// `verify-full` check it against the system's roots.
pub async fn connect(url: &str, timeout: Duration) -> Result<Db, DbError> {
    let (url, verify) = take_verify_mode(url);
    let mut config = Config::from_str(&url)
        .map_err(|e| DbError::client(format!("bad connection string: {e}")))?;
    config.connect_timeout(timeout);
    // A peer that vanished without a word (a VPN dropped, a laptop closed) is noticed within
    // about a minute instead of two hours: a follower asleep on LISTEN would never know.
    // URLs that set their own `keepalives_idle` keep it.
    if config.get_keepalives_idle() == Duration::from_secs(2 * 60 * 60) {
        config.keepalives_idle(Duration::from_secs(30));
        config.keepalives_interval(Duration::from_secs(10));
        config.keepalives_retries(3);
    }
    if config.get_application_name().is_none() {
        config.application_name("flightdeck");
    }
    if verify {
        config.ssl_mode(SslMode::Require);
    }
    let tls = match config.get_ssl_mode() {
        SslMode::Disable => None,
        _ if verify => Some(MakeRustlsConnect::new(
            crate::tls::verifying().map_err(DbError::client)?,
        )),
        _ => Some(MakeRustlsConnect::new(crate::tls::encrypt_only())),
    };
    let (notice_tx, notices) = mpsc::channel(NOTICES_KEPT);
    let (notify_tx, notifications) = mpsc::channel(NOTIFICATIONS_KEPT);
    let notices_dropped = Arc::new(AtomicU64::new(0));
    let notice_tx = (notice_tx, notices_dropped.clone(), notify_tx);
    let attempt = async {
        let client = match &tls {
            Some(tls) => {
                let (client, conn) = config.connect(tls.clone()).await?;
                drive(conn, notice_tx);
                client
            }
            None => {
                let (client, conn) = config.connect(NoTls).await?;
                drive(conn, notice_tx);
                client
            }
        };
        let pid: i32 = client
            .query_one("select pg_backend_pid()", &[])
            .await?
            .get(0);
        Ok::<_, DbError>((client, pid))
    };
    let (client, pid) = tokio::time::timeout(timeout, attempt)
        .await
        .map_err(|_| DbError::client(format!("connect timed out after {timeout:?}")))??;
    let cancel = client.cancel_token();
    Ok(Db {
        client,
        pid,
        notices,
        notices_dropped,
        notifications,
        cancel,
        tls,
    })
}

/// Runs the connection on its own task, forwarding notices; ends when the session does.
fn drive<S, T>(
    mut conn: tokio_postgres::Connection<S, T>,
    (notices, dropped, notifications): (mpsc::Sender<String>, Arc<AtomicU64>, mpsc::Sender<String>),
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notice(n)) => {
                    // Nobody may be reading (a metric's session): never grow without bound.
                    if notices
                        .try_send(format!("{}: {}", n.severity(), n.message()))
                        .is_err()
                    {
                        dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(AsyncMessage::Notification(n)) => {
                    // Full: a wake is already waiting, and the reader catches up on it.
                    let _ = notifications.try_send(n.payload().to_string());
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!("database connection ended: {e}");
                    break;
                }
            }
        }
    });
}

/// tokio-postgres knows `disable`, `prefer` and `require`; the verifying modes become
/// `require` plus a flag, so URLs written for libpq work unchanged.
fn take_verify_mode(url: &str) -> (String, bool) {
    for mode in ["verify-full", "verify-ca"] {
        let needle = format!("sslmode={mode}");
        if url.contains(&needle) {
            return (url.replace(&needle, "sslmode=require"), true);
        }
    }
    (url.to_string(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifying_modes_become_require_with_verification() {
        assert_eq!(
            take_verify_mode("postgres://u@h/db?sslmode=verify-full"),
            ("postgres://u@h/db?sslmode=require".into(), true)
        );
        assert_eq!(
            take_verify_mode("host=h sslmode=verify-ca"),
            ("host=h sslmode=require".into(), true)
        );
        assert_eq!(
            take_verify_mode("postgres://u@h/db?sslmode=require"),
            ("postgres://u@h/db?sslmode=require".into(), false)
        );
    }
}
