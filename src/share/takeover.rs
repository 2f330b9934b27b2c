//! The next captain on another machine (`flightdeck run FILE --share URL --resume RUN`, RUN
//! not in this data dir): wait for the run's lease (released when the captain quits after
//! handing off, or expired), take it in one statement, then pull the shared lines, checked
//! like a follower's, into a new local run folder that `journal::resume` opens as any other.
//! The lease is taken before the pull, so the old cockpit can append nothing shared after it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::Client;

use crate::follow::chain::{Chain, ChainError};
use crate::journal::file::{JOURNAL_FILE, RUNBOOK_FILE};

use super::{LEASE, ShareError, channel, timed};

/// Who holds a run's lease, as the next captain finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// Nobody (released, or never taken), or this folder already.
    Free,
    /// Another cockpit, renewing it.
    Held { holder: String, until: String },
    /// Another cockpit that stopped renewing without a handoff: taking over needs the run id
    /// typed.
    Expired { holder: String, at: String },
}

/// Where the lease of `run_id` stands for `me`.
pub async fn lease(client: &Client, run_id: &str, me: &str) -> Result<Lease, ShareError> {
    let row = timed(async {
        Ok(client
            .query_opt(
                "SELECT lease_holder, coalesce(lease_expires_at > now(), false),
                        coalesce(to_char(lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '')
                 FROM flightdeck.runs WHERE run_id = $1",
                &[&run_id],
            )
            .await?)
    })
    .await?
    .ok_or_else(|| ShareError::NoRun(run_id.to_string()))?;
    let holder: Option<String> = row.try_get(0)?;
    let live: bool = row.try_get(1)?;
    let when: String = row.try_get(2)?;
    Ok(
        match holder.filter(|h| h != me && !h.starts_with(super::OFFERED)) {
            None => Lease::Free,
            Some(holder) if live => Lease::Held {
                holder,
                until: when,
            },
            Some(holder) => Lease::Expired { holder, at: when },
        },
    )
}

/// Waits until the lease is free or expired. It sleeps on the run's NOTIFY channel (a captain
/// who quits notifies) and looks again when the lease would expire; `waiting` is told who
/// holds it, once per holder.
pub async fn wait_for_lease(
    url: &str,
    run_id: &str,
    me: &str,
    waiting: impl Fn(&str, &str),
) -> Result<Lease, ShareError> {
    let mut db = super::connect(url).await?;
    let listen = format!("LISTEN {}", channel(run_id));
    timed(async { Ok(db.client.batch_execute(&listen).await?) }).await?;
    let mut told: Option<String> = None;
    loop {
        match lease(&db.client, run_id, me).await? {
            Lease::Held { holder, until } => {
                // Said once per holder: each push of theirs wakes this loop.
                if told.as_ref() != Some(&holder) {
                    waiting(&holder, &until);
                    told = Some(holder);
                }
                // A renewal moves the expiry: look again a little after it would pass.
                tokio::select! {
                    n = db.notifications.recv() => if n.is_none() {
                        return Err(ShareError::Local("the connection to the shared database was lost while waiting for the lease".into()));
                    },
                    () = tokio::time::sleep(LEASE + Duration::from_secs(1)) => {}
                }
            }
            other => return Ok(other),
        }
    }
}

/// The lease as it stood before [`take_lease`] took it, to put back if the pull fails.
#[derive(Debug, Clone)]
pub struct Taken {
    holder: Option<String>,
    expires: Option<std::time::SystemTime>,
}

/// Takes the lease for `me` if it is free, or expired and still held by `expired_holder`
/// (the one the next captain confirmed taking over from). `None`: someone else was faster.
pub async fn take_lease(
    client: &Client,
    run_id: &str,
    me: &str,
    expired_holder: Option<&str>,
) -> Result<Option<Taken>, ShareError> {
    let secs = LEASE.as_secs() as f64;
    let row = timed(async {
        Ok(client
            .query_opt(
                "UPDATE flightdeck.runs r
                 SET lease_holder = $2, lease_expires_at = now() + make_interval(secs => $3)
                 FROM (SELECT lease_holder, lease_expires_at FROM flightdeck.runs
                       WHERE run_id = $1 FOR UPDATE) AS old
                 WHERE r.run_id = $1
                   AND (r.lease_holder IS NULL OR r.lease_holder = $2
                        OR starts_with(r.lease_holder, $5)
                        OR (r.lease_holder = $4 AND r.lease_expires_at <= now()))
                 RETURNING old.lease_holder, old.lease_expires_at",
                &[&run_id, &me, &secs, &expired_holder, &super::OFFERED],
            )
            .await?)
    })
    .await?;
    match row {
        Some(r) => Ok(Some(Taken {
            holder: r.try_get(0)?,
            expires: r.try_get(1)?,
        })),
        None => Ok(None),
    }
}

/// Puts the lease back as [`take_lease`] found it (the pull failed: the run must not be left
/// held by a cockpit that never opened it), if `me` still holds it, and wakes whoever waits.
pub async fn give_back(
    client: &Client,
    run_id: &str,
    me: &str,
    taken: &Taken,
) -> Result<(), ShareError> {
    timed(async {
        client
            .execute(
                "UPDATE flightdeck.runs SET lease_holder = $3, lease_expires_at = $4
                 WHERE run_id = $1 AND lease_holder = $2",
                &[&run_id, &me, &taken.holder, &taken.expires],
            )
            .await?;
        client
            .execute("SELECT pg_notify($1, 'lease')", &[&channel(run_id)])
            .await?;
        Ok(())
    })
    .await
}

/// The steps the shared record shows started and not finished (in order of their start):
/// they may still run on the old captain's machine, so taking the run over now would fork it.
pub fn running_steps(events: &[crate::journal::Event]) -> Vec<String> {
    use crate::journal::EventKind as K;
    let mut running: Vec<String> = Vec::new();
    for e in events {
        let Some(id) = e.step.as_ref() else {
            continue;
        };
        match &e.kind {
            K::StepStarted { .. } if !running.contains(id) => running.push(id.clone()),
            K::StepFinished { .. }
            | K::StepAcknowledged { .. }
            | K::StepSkipped { .. }
            | K::StepFailedManual { .. }
            | K::StepInterrupted { .. }
            | K::MetricBreach { .. }
            | K::GatePassed { .. } => running.retain(|r| r != id),
            _ => {}
        }
    }
    running
}

/// What the shared record of `run_id` shows running now (see [`running_steps`]).
pub async fn running_now(client: &Client, run_id: &str) -> Result<Vec<String>, ShareError> {
    let mut chain = Chain::genesis();
    let (events, _) = crate::follow::shared::fetch_events(client, run_id, &mut chain).await?;
    Ok(running_steps(&events))
}

/// Who the shared run says its captain is.
pub async fn captain(client: &Client, run_id: &str) -> Result<String, ShareError> {
    let row = timed(async {
        Ok(client
            .query_one(
                "SELECT captain FROM flightdeck.runs WHERE run_id = $1",
                &[&run_id],
            )
            .await?)
    })
    .await?;
    Ok(row.try_get(0)?)
}

/// Pulls the shared run into `home/runs/RUN/`: every line, each checked against its hash and
/// the chain, and the runbook as shared. Refuses a folder that exists, and a broken record.
pub async fn pull(client: &Client, run_id: &str, run_dir: &Path) -> Result<u64, ShareError> {
    let mut chain = Chain::genesis();
    let (events, stopped) = crate::follow::shared::fetch_events(client, run_id, &mut chain).await?;
    let broken = |seq: u64, why: &str| {
        ShareError::Local(format!(
            "shared run {run_id}: seq {seq}: {why}; it cannot be resumed from the shared copy (`flightdeck journal verify --share URL {run_id}` on the old captain's machine names the difference)"
        ))
    };
    match stopped {
        Some(ChainError::Broken { seq, why }) => return Err(broken(seq, &why)),
        Some(ChainError::Gap(seq)) => return Err(broken(seq, "it is missing")),
        None => {}
    }
    if events.is_empty() {
        return Err(ShareError::NoRun(run_id.to_string()));
    }
    let text = super::remote::runbook_text(client, run_id).await?;
    let rows = timed(async {
        Ok(client
            .query(
                "SELECT line FROM flightdeck.events WHERE run_id = $1 AND seq <= $2 ORDER BY seq",
                &[&run_id, &(chain.seq as i64)],
            )
            .await?)
    })
    .await?;
    let mut journal = String::new();
    for r in &rows {
        journal.push_str(&r.try_get::<_, String>(0)?);
        journal.push('\n');
    }
    // The same lines the chain took: the rows read twice must agree.
    let same = journal
        .lines()
        .zip(&events)
        .all(|(l, e)| l.ends_with(&format!("\"hash\":\"{}\"}}", e.hash)));
    if !same || rows.len() != events.len() {
        return Err(ShareError::Local(format!(
            "shared run {run_id} changed while it was pulled; try again"
        )));
    }
    let local = |e: std::io::Error| ShareError::Local(format!("{}: {e}", run_dir.display()));
    if run_dir.exists() {
        return Err(ShareError::Local(format!(
            "{} exists already; resume it with `--resume {run_id}` without --share, or move it away",
            run_dir.display()
        )));
    }
    std::fs::create_dir_all(run_dir.join("output")).map_err(local)?;
    crate::journal::file::write_synced(&run_dir.join(JOURNAL_FILE), journal.as_bytes())
        .map_err(|e| ShareError::Local(e.to_string()))?;
    crate::journal::file::write_synced(&run_dir.join(RUNBOOK_FILE), text.as_bytes())
        .map_err(|e| ShareError::Local(e.to_string()))?;
    Ok(chain.seq)
}

/// The folder a pulled run gets in `home`; a run id that is no plain folder name (it comes
/// from the database) is refused.
pub fn run_dir(home: &Path, run_id: &str) -> Result<PathBuf, ShareError> {
    let plain = !run_id.is_empty()
        && !run_id.starts_with('.')
        && run_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !plain {
        return Err(ShareError::Local(format!(
            "shared run id {run_id:?} is not a folder name flightdeck writes; it cannot be resumed here"
        )));
    }
    Ok(crate::journal::runs::runs_dir(home).join(run_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::EventKind;
    use crate::journal::event::{GENESIS, encode_line};

    fn events(kinds: &[(Option<&str>, EventKind)]) -> Vec<crate::journal::Event> {
        let mut prev = GENESIS.to_string();
        kinds
            .iter()
            .enumerate()
            .map(|(i, (step, kind))| {
                let (_, e) = encode_line(
                    i as u64 + 1,
                    chrono::Utc::now(),
                    "ana",
                    *step,
                    kind.clone(),
                    &prev,
                )
                .expect("encode");
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn a_step_started_and_not_finished_is_running() {
        let started = |attempt| EventKind::StepStarted {
            attempt,
            command: None,
        };
        let evs = events(&[
            (Some("a"), started(1)),
            (Some("b"), started(1)),
            (Some("a"), EventKind::StepInterrupted { attempt: 1 }),
        ]);
        assert_eq!(running_steps(&evs), vec!["b".to_string()]);
        assert!(running_steps(&evs[..0]).is_empty());
    }
}
