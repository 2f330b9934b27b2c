//! `sql:` metrics: one reused connection per database (shared by every metric on it, through
//! `crate::db::connect`), reconnected with exponential backoff, `statement_timeout` set on it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::monitor::sample::{parse_number, short};

/// First wait after a failed connect; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A database's shared session, opened on first use and again after it drops.
pub struct SqlConn {
    url: Result<String, String>,
    statement_timeout: Duration,
    state: Mutex<ConnState>,
}

#[derive(Default)]
struct ConnState {
    client: Option<Arc<Client>>,
    failures: u32,
    retry_at: Option<Instant>,
    last_error: String,
}

impl SqlConn {
    /// `url` is the expanded connection string, or why it could not be expanded.
    pub fn new(url: Result<String, String>, statement_timeout: Duration) -> SqlConn {
        SqlConn {
            url,
            statement_timeout,
            state: Mutex::new(ConnState::default()),
        }
    }

    /// The open session, connecting first when there is none and the backoff allows.
    async fn client(&self, timeout: Duration) -> Result<Arc<Client>, String> {
        let url = self.url.as_ref().map_err(Clone::clone)?;
        let mut s = self.state.lock().await;
        if let Some(c) = &s.client {
            if !c.is_closed() {
                return Ok(c.clone());
            }
            s.client = None;
            s.last_error = "connection lost".into();
        }
        if let Some(at) = s.retry_at {
            let now = Instant::now();
            if now < at {
                let secs = (at - now).as_secs_f64().ceil() as u64;
                return Err(format!("{}; reconnecting in {secs} s", s.last_error));
            }
        }
        let opened = async {
            let db = crate::db::connect(url, timeout)
                .await
                .map_err(|e| e.to_string())?;
            let ms = self.statement_timeout.as_millis();
            db.client
                .batch_execute(&format!("set statement_timeout = {ms}"))
                .await
                .map_err(|e| crate::db::DbError::from(e).to_string())?;
            Ok::<_, String>(db.client)
        };
        match opened.await {
            Ok(client) => {
                let client = Arc::new(client);
                s.failures = 0;
                s.retry_at = None;
                s.client = Some(client.clone());
                Ok(client)
            }
            Err(e) => {
                s.failures = s.failures.saturating_add(1);
                let backoff = FIRST_BACKOFF
                    .saturating_mul(1 << s.failures.saturating_sub(1).min(5))
                    .min(MAX_BACKOFF);
                s.retry_at = Some(Instant::now() + backoff);
                s.last_error = short(&e, 120);
                Err(s.last_error.clone())
            }
        }
    }

    /// Runs `query` and reads the first column of its first row as a number.
    pub async fn sample(&self, query: &str, timeout: Duration) -> Result<f64, String> {
        let started = Instant::now();
        let client = tokio::time::timeout(timeout, self.client(timeout))
            .await
            .map_err(|_| "connect timed out".to_string())??;
        let left = timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(100));
        let messages = match tokio::time::timeout(left, client.simple_query(query)).await {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => return Err(short(&crate::db::DbError::from(e).to_string(), 120)),
            Err(_) => return Err(format!("query timed out after {} ms", timeout.as_millis())),
        };
        let row = messages.iter().find_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        });
        let Some(row) = row else {
            return Err("the query returned no rows".into());
        };
        match row.try_get(0) {
            Ok(Some(text)) => parse_number(text),
            Ok(None) => Err("the query returned NULL".into()),
            Err(_) => Err("the query returned no columns".into()),
        }
    }
}
