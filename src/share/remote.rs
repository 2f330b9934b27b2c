//! Reading the shared copy back, from any machine and an empty data dir: the runs, one run's
//! lines (checked the same way a local journal is), and the comparison of a local journal with
//! its shared copy that catches a deleted tail on either side.

use std::fmt::Write as _;

use tokio_postgres::Client;

use crate::journal::Event;
use crate::journal::event::{GENESIS, decode_line, short};
use crate::journal::replay;
use crate::journal::runs::{LoadedRun, RunStatus};
use crate::runbook;

use super::ShareError;

/// A runs row.
#[derive(Debug, Clone)]
pub struct SharedRun {
    pub run_id: String,
    pub title: String,
    pub runbook_sha256: String,
    pub captain: String,
    pub status: String,
    pub last_seq: u64,
    pub head_hash: String,
    /// `YYYY-MM-DD HH:MM` UTC.
    pub started: String,
    pub updated: String,
}

/// One stored event row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedLine {
    pub seq: u64,
    pub line: String,
    pub hash: String,
}

const RUN_COLUMNS: &str = "run_id, title, runbook_sha256, captain, status, last_seq, head_hash,
    coalesce(to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '—'),
    to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')";

fn run_of(row: &tokio_postgres::Row) -> Result<SharedRun, ShareError> {
    Ok(SharedRun {
        run_id: row.try_get(0)?,
        title: row.try_get(1)?,
        runbook_sha256: row.try_get(2)?,
        captain: row.try_get(3)?,
        status: row.try_get(4)?,
        last_seq: row.try_get::<_, i64>(5)?.max(0) as u64,
        head_hash: row.try_get(6)?,
        started: row.try_get(7)?,
        updated: row.try_get::<_, Option<String>>(8)?.unwrap_or_default(),
    })
}

/// Every shared run, the latest started first.
pub async fn list(client: &Client) -> Result<Vec<SharedRun>, ShareError> {
    if super::schema::version(client).await?.is_none() {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            &format!(
                "SELECT {RUN_COLUMNS} FROM flightdeck.runs ORDER BY started_at DESC NULLS LAST, run_id DESC"
            ),
            &[],
        )
        .await?;
    rows.iter().map(run_of).collect()
}

/// The run RUN names: an id, a unique prefix of one, or `latest`.
pub async fn find(client: &Client, spec: &str) -> Result<SharedRun, ShareError> {
    let runs = list(client).await?;
    if spec == "latest" {
        return runs
            .into_iter()
            .next()
            .ok_or_else(|| ShareError::NoRun(spec.into()));
    }
    if let Some(run) = runs.iter().find(|r| r.run_id == spec) {
        return Ok(run.clone());
    }
    let mut matches: Vec<SharedRun> = runs
        .into_iter()
        .filter(|r| r.run_id.starts_with(spec))
        .collect();
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => Err(ShareError::NoRun(spec.into())),
        _ => Err(ShareError::Local(format!(
            "`{spec}` matches {} shared runs ({}); type more of the id",
            matches.len(),
            matches
                .iter()
                .map(|r| r.run_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The stored lines of a run, in seq order.
pub async fn lines(client: &Client, run_id: &str) -> Result<Vec<SharedLine>, ShareError> {
    let rows = client
        .query(
            "SELECT seq, line, hash FROM flightdeck.events WHERE run_id = $1 ORDER BY seq",
            &[&run_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SharedLine {
                seq: r.try_get::<_, i64>(0)?.max(0) as u64,
                line: r.try_get(1)?,
                hash: r.try_get(2)?,
            })
        })
        .collect()
}

/// The runbook text the run uses now.
pub async fn runbook_text(client: &Client, run_id: &str) -> Result<String, ShareError> {
    Ok(client
        .query_one(
            "SELECT runbook FROM flightdeck.runs WHERE run_id = $1",
            &[&run_id],
        )
        .await?
        .try_get(0)?)
}

/// The events of shared lines, each checked against its hash, its seq and the chain, as a
/// local journal is read.
pub fn events(run_id: &str, lines: &[SharedLine]) -> Result<Vec<Event>, ShareError> {
    let mut events: Vec<Event> = Vec::with_capacity(lines.len());
    let mut prev = GENESIS.to_string();
    for (i, l) in lines.iter().enumerate() {
        let n = i as u64 + 1;
        let bad = |why: String| {
            ShareError::Local(format!(
                "shared run {run_id}: line {n}: {why}; `flightdeck journal verify --share URL {run_id}` compares it with a local copy"
            ))
        };
        if l.seq != n {
            return Err(bad(format!("seq {n} is missing (found {})", l.seq)));
        }
        let event = decode_line(l.line.as_bytes()).map_err(|e| bad(e.to_string()))?;
        if event.prev != prev {
            return Err(bad("its `prev` is not the previous line's hash".into()));
        }
        if event.seq != n || event.hash != l.hash {
            return Err(bad("its seq or hash column disagrees with the line".into()));
        }
        prev.clone_from(&event.hash);
        events.push(event);
    }
    Ok(events)
}

/// A shared run read back as a local one would be: the runbook it uses, the events, their
/// replay; the status is the runs row's. Export and show work on it unchanged.
pub async fn load(client: &Client, run: &SharedRun) -> Result<LoadedRun, ShareError> {
    let text = runbook_text(client, &run.run_id).await?;
    let lines = lines(client, &run.run_id).await?;
    let events = events(&run.run_id, &lines)?;
    let source = events
        .first()
        .and_then(|e| match &e.kind {
            crate::journal::EventKind::RunStarted { runbook_path, .. } => {
                Some(runbook_path.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| "runbook.md".into());
    let mut runbook = runbook::parse(&text, &source);
    runbook.add_adhoc_steps(&events);
    let state = replay::replay(&runbook, &events)
        .map_err(|e| ShareError::Local(format!("shared run {}: {e}", run.run_id)))?;
    let status = match run.status.as_str() {
        "finished" => RunStatus::Finished,
        "active" => RunStatus::Active,
        _ => RunStatus::Abandoned,
    };
    Ok(LoadedRun {
        dir: std::path::PathBuf::from(format!("share:{}", run.run_id)),
        runbook,
        events,
        state,
        status,
        unjournaled: Vec::new(),
    })
}

/// Compares a local journal's lines (text without newlines) with the shared copy and its runs
/// row. `Ok` says they agree; `Err` names the first difference.
pub fn compare(local: &[&str], shared: &[SharedLine], row: &SharedRun) -> Result<String, String> {
    for (i, l) in shared.iter().enumerate() {
        let n = i as u64 + 1;
        if l.seq != n {
            return Err(format!(
                "line {n}: missing from the shared copy (it jumps to seq {})",
                l.seq
            ));
        }
        match local.get(i) {
            Some(ours) if *ours == l.line => {}
            Some(ours) => {
                let mut why = format!("line {n}: the shared copy differs from the local journal");
                let hash = |t: &str| {
                    decode_line(t.as_bytes())
                        .map(|e| short(&e.hash).to_string())
                        .unwrap_or_else(|e| format!("unreadable: {e}"))
                };
                let _ = write!(why, " (local {}, shared {})", hash(ours), hash(&l.line));
                return Err(why);
            }
            None => {
                return Err(format!(
                    "line {n}: in the shared copy but not in the local journal, which ends at line {}: its tail was deleted",
                    local.len()
                ));
            }
        }
    }
    let stored = shared.len() as u64;
    if row.last_seq > stored {
        return Err(format!(
            "line {}: missing from the shared copy, whose head says seq {} ({}): its tail was deleted",
            stored + 1,
            row.last_seq,
            short(&row.head_hash)
        ));
    }
    if (local.len() as u64) < row.last_seq {
        return Err(format!(
            "line {}: missing from the local journal, which ends at line {} where the shared head is seq {}: its tail was deleted",
            local.len() + 1,
            local.len(),
            row.last_seq
        ));
    }
    if let Some(last) = shared.last()
        && row.last_seq == last.seq
        && row.head_hash != last.hash
    {
        return Err(format!(
            "line {}: the shared head hash ({}) is not the hash of the shared line ({})",
            last.seq,
            short(&row.head_hash),
            short(&last.hash)
        ));
    }
    if local.len() > shared.len() {
        return Err(format!(
            "line {}: not in the shared copy yet ({} line(s) not pushed)",
            shared.len() + 1,
            local.len() - shared.len()
        ));
    }
    Ok(format!(
        "{}: the local journal and the shared copy agree ({} lines); head {}",
        row.run_id,
        shared.len(),
        shared.last().map_or("—", |l| l.hash.as_str())
    ))
}
