//! SQL steps: statements run one at a time on one session (so a block's own `BEGIN`/`COMMIT`
//! frames a transaction and `CREATE INDEX CONCURRENTLY` runs outside one), results rendered as
//! tables, notices and errors in full, index builds followed in `pg_stat_progress_create_index`,
//! and cancel as PostgreSQL's own cancel request.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::SimpleQueryMessage;

use crate::db::{self, Db, DbError, statements};
use crate::exec::output::{StepOutput, StepTarget, spawn_step};
use crate::exec::shell::{ExecEvent, Running};
use crate::exec::table;

/// Rows shown per result set; the rest are counted.
pub const MAX_ROWS: usize = 200;
/// How often a running index build is looked up.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// Connect timeout for a step's session.
const CONNECT: Duration = Duration::from_secs(10);

/// What to run.
#[derive(Debug, Clone)]
pub struct SqlJob {
    /// Which step and attempt, and its output file.
    pub target: StepTarget,
    /// Connection string with inputs already filled in.
    pub url: String,
    pub sql: String,
    /// Becomes the session's `statement_timeout`.
    pub timeout: Option<Duration>,
}

/// Starts the job; events arrive on `events` until `Finished`. `c` cancels the running
/// statement through the returned handle.
pub fn spawn(job: SqlJob, events: mpsc::Sender<ExecEvent>) -> Running {
    spawn_step(
        &job.target.clone(),
        events.clone(),
        move |mut out, cancel| async move {
            let ok = run(&job, &mut out, cancel, &events).await;
            (out, ok)
        },
    )
}

/// Runs every statement until the first error; true when all succeeded.
async fn run(
    job: &SqlJob,
    out: &mut StepOutput,
    mut cancel: mpsc::Receiver<()>,
    events: &mpsc::Sender<ExecEvent>,
) -> bool {
    let mut db = tokio::select! {
        r = db::connect(&job.url, CONNECT) => match r {
            Ok(db) => db,
            Err(e) => {
                out.line(&format!("cannot connect to the database: {e}"), true).await;
                return false;
            }
        },
        _ = cancel.recv() => {
            out.line("cancelled before the connection was made", true).await;
            return false;
        }
    };
    if let Some(t) = job.timeout {
        let set = format!("set statement_timeout = {}", t.as_millis());
        if let Err(e) = db.client.simple_query(&set).await {
            out.line(
                &format!("cannot set statement_timeout: {}", DbError::from(e)),
                true,
            )
            .await;
            return false;
        }
        out.line(&format!("statement_timeout = {} ms", t.as_millis()), false)
            .await;
    }
    for st in statements::split(&job.sql) {
        if st.meta {
            out.line(
                &format!("skipped psql meta-command `{}` (not SQL)", st.text),
                true,
            )
            .await;
            continue;
        }
        out.line(&format!("=> {}", one_line(&st.text)), false).await;
        let started = Instant::now();
        let progress = is_index_build(&st.text).then(|| {
            tokio::spawn(follow_index_build(
                job.url.clone(),
                db.pid,
                job.target.step_id.clone(),
                job.target.attempt,
                events.clone(),
            ))
        });
        let result = execute(&db, &st.text, out, &mut cancel).await;
        if let Some(p) = progress {
            p.abort();
            job.target.clear_progress(events).await;
        }
        drain_notices(&mut db, out).await;
        match result {
            Ok(summary) => {
                out.line(
                    &format!("{summary} ({})", elapsed(started.elapsed())),
                    false,
                )
                .await;
            }
            Err(e) => {
                report_error(&e, &st.text, st.line, out).await;
                return false;
            }
        }
    }
    true
}

/// Runs one statement, streaming its rows into a table; returns the summary line.
async fn execute(
    db: &Db,
    sql: &str,
    out: &mut StepOutput,
    cancel: &mut mpsc::Receiver<()>,
) -> Result<String, DbError> {
    let canceller = db.canceller();
    let work = async {
        let stream = db.client.simple_query_raw(sql).await?;
        futures_util::pin_mut!(stream);
        let mut header: Option<Vec<String>> = None;
        let mut rows: Vec<Vec<Option<String>>> = Vec::new();
        let mut total = 0u64;
        let mut summary = String::new();
        while let Some(msg) = stream.next().await {
            match msg? {
                SimpleQueryMessage::RowDescription(cols) => {
                    header = Some(cols.iter().map(|c| c.name().to_string()).collect());
                }
                SimpleQueryMessage::Row(row) => {
                    total += 1;
                    if rows.len() < MAX_ROWS {
                        rows.push(
                            (0..row.len())
                                .map(|i| row.try_get(i).ok().flatten().map(str::to_string))
                                .collect(),
                        );
                    }
                }
                SimpleQueryMessage::CommandComplete(n) => {
                    summary = match header.take() {
                        Some(h) => {
                            for l in table::render(&h, &rows) {
                                out.line(&l, false).await;
                            }
                            if total > rows.len() as u64 {
                                out.line(
                                    &format!("… {} more rows not shown", total - rows.len() as u64),
                                    false,
                                )
                                .await;
                            }
                            rows.clear();
                            format!("({total} row{})", if total == 1 { "" } else { "s" })
                        }
                        None => summary_of(sql, n),
                    };
                    total = 0;
                }
                _ => {}
            }
        }
        Ok::<_, DbError>(summary)
    };
    futures_util::pin_mut!(work);
    loop {
        tokio::select! {
            r = &mut work => return r,
            // Each `c` sends a request: one lost on the way is not the last word.
            Some(()) = cancel.recv() => {
                let c = canceller.clone();
                tokio::spawn(async move {
                    if let Err(e) = c.cancel().await {
                        tracing::warn!("cancel request failed: {e}");
                    }
                });
            }
        }
    }
}

/// Server notices (`RAISE NOTICE`, warnings) in the order they came.
async fn drain_notices(db: &mut Db, out: &mut StepOutput) {
    while let Ok(n) = db.notices.try_recv() {
        out.line(&n, false).await;
    }
    let dropped = db
        .notices_dropped
        .swap(0, std::sync::atomic::Ordering::Relaxed);
    if dropped > 0 {
        out.line(&format!("… {dropped} more notices not shown"), false)
            .await;
    }
}

/// The error as psql shows it: SQLSTATE and message, detail, hint, and a caret under the
/// character the server points at, with the line of the block it is on.
async fn report_error(e: &DbError, sql: &str, first_line: usize, out: &mut StepOutput) {
    out.line(&e.to_string(), true).await;
    if let Some(pos) = e.position {
        let upto: String = sql.chars().take(pos.saturating_sub(1) as usize).collect();
        let line_in = upto.matches('\n').count();
        let col = upto.rsplit('\n').next().map_or(0, |s| s.chars().count());
        if let Some(text) = sql.lines().nth(line_in) {
            out.line(&format!("LINE {}: {text}", first_line + line_in), true)
                .await;
            let prefix = format!("LINE {}: ", first_line + line_in).chars().count();
            out.line(&format!("{}^", " ".repeat(prefix + col)), true)
                .await;
        }
    }
}

/// Polls the index build of backend `pid` on a second session and reports its phase.
async fn follow_index_build(
    url: String,
    pid: i32,
    step_id: String,
    attempt: u32,
    events: mpsc::Sender<ExecEvent>,
) {
    let Ok(db) = db::connect(&url, CONNECT).await else {
        return;
    };
    let query = "select phase, blocks_done, blocks_total, tuples_done, tuples_total \
                 from pg_stat_progress_create_index where pid = $1";
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    loop {
        tick.tick().await;
        let Ok(rows) = db.client.query(query, &[&pid]).await else {
            return;
        };
        let Some(row) = rows.first() else { continue };
        let phase: Option<String> = row.try_get(0).ok();
        let n = |i: usize| row.try_get::<_, i64>(i).unwrap_or(0);
        let text = format!(
            "index build: {} · blocks {}/{} · tuples {}/{}",
            phase.unwrap_or_else(|| "starting".into()),
            n(1),
            n(2),
            n(3),
            n(4)
        );
        let sent = events
            .send(ExecEvent::Progress {
                step_id: step_id.clone(),
                attempt,
                text: Some(text),
            })
            .await;
        if sent.is_err() {
            return;
        }
    }
}

fn is_index_build(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(3)
        .map(str::to_ascii_lowercase)
        .collect();
    matches!(
        words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["create", "index", ..] | ["create", "unique", "index"] | ["reindex", ..]
    )
}

/// The summary of a statement without rows: its command, and the row count where the
/// command has one (`INSERT: 3 rows`, `CREATE INDEX`).
fn summary_of(sql: &str, n: u64) -> String {
    let v = verb(sql);
    if matches!(
        v.as_str(),
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "COPY" | "MOVE" | "FETCH"
    ) {
        format!("{v}: {n} row{}", if n == 1 { "" } else { "s" })
    } else {
        v
    }
}

/// The command word(s) of a statement for its summary line (`INSERT`, `CREATE INDEX`).
fn verb(sql: &str) -> String {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(6)
        .map(str::to_ascii_uppercase)
        .collect();
    let mut w = words.iter().map(String::as_str).peekable();
    let Some(first) = w.next() else {
        return "OK".into();
    };
    if !matches!(first, "CREATE" | "DROP" | "ALTER") {
        return first.to_string();
    }
    let object = w
        .find(|x| {
            !matches!(
                *x,
                "OR" | "REPLACE" | "UNIQUE" | "TEMP" | "TEMPORARY" | "UNLOGGED" | "MATERIALIZED"
            )
        })
        .unwrap_or("");
    format!("{first} {object}").trim_end().to_string()
}

fn one_line(sql: &str) -> String {
    let joined = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > 200 {
        let mut s: String = joined.chars().take(199).collect();
        s.push('…');
        s
    } else {
        joined
    }
}

fn elapsed(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_name_the_command() {
        assert_eq!(verb("insert into t values (1)"), "INSERT");
        assert_eq!(verb("create unique index i on t(a)"), "CREATE INDEX");
        assert_eq!(verb("CREATE INDEX CONCURRENTLY i on t(a)"), "CREATE INDEX");
        assert_eq!(verb("create or replace function f()"), "CREATE FUNCTION");
        assert_eq!(summary_of("insert into t values (1)", 3), "INSERT: 3 rows");
        assert_eq!(summary_of("drop table t", 0), "DROP TABLE");
        assert!(is_index_build("CREATE INDEX CONCURRENTLY i on t(a)"));
        assert!(is_index_build("create unique index i on t(a)"));
        assert!(!is_index_build("create table t(a int)"));
    }
}
