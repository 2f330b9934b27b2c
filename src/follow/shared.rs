//! The shared copy in PostgreSQL as a follow source (`flightdeck watch --share URL`), from any
//! machine: one session `LISTEN`s on the run's channel and sleeps until the captain's pusher
//! notifies a batch of events or output; each wake (and each reconnect) catches up with a
//! query from the last seq taken, every line checked by [`Chain`] before it is sent. No
//! polling while idle: a lost session is reopened with capped backoff.

use std::collections::HashMap;
use std::time::Duration;

use tokio_postgres::Client;

use crate::journal::Event;
use crate::share::{ShareError, channel, connect, timed};

use super::chain::{Chain, ChainError};
use super::{FollowEvent, Link, Sink};

/// Lines per catch-up query.
const PAGE: i64 = 1000;
/// Output rows per catch-up query.
const OUTPUT_PAGE: i64 = 16;
/// Of an output already shared when following starts, only its last chunks are read.
const BACKLOG_CHUNKS: i32 = 4;
/// The first and the longest wait before reconnecting.
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// The lines after `chain`, checked, in seq order: the events taken, and why taking stopped
/// early (a gap waits for the next wake; a broken record is final).
pub async fn fetch_events(
    client: &Client,
    run_id: &str,
    chain: &mut Chain,
) -> Result<(Vec<Event>, Option<ChainError>), ShareError> {
    let mut taken = Vec::new();
    loop {
        // From the last line taken: it must still be there, unchanged.
        let from = chain.seq.max(1) as i64;
        let rows = timed(async {
            Ok(client
                .query(
                    "SELECT seq, line, hash FROM flightdeck.events
                     WHERE run_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
                    &[&run_id, &from, &PAGE],
                )
                .await?)
        })
        .await?;
        if chain.seq > 0 {
            let first = rows.first().map(|r| r.try_get::<_, i64>(0)).transpose()?;
            if first != Some(chain.seq as i64) {
                let why = format!("seq {} was removed from the shared copy", chain.seq);
                return Ok((
                    taken,
                    Some(ChainError::Broken {
                        seq: chain.seq,
                        why,
                    }),
                ));
            }
        }
        let full = rows.len() as i64 == PAGE;
        for row in &rows {
            let seq = row.try_get::<_, i64>(0)?.max(0) as u64;
            let line: String = row.try_get(1)?;
            let hash: String = row.try_get(2)?;
            match chain.accept_line(seq, &line, &hash) {
                Ok(Some(e)) => taken.push(e),
                Ok(None) => {}
                Err(e) => return Ok((taken, Some(e))),
            }
        }
        if !full {
            return Ok((taken, None));
        }
    }
}

/// Follows the shared run `run_id` from `chain` (what the view already applied). Returns when
/// the view is gone or the shared record broke (said through the sink).
pub async fn follow(url: String, run_id: String, chain: Chain, sink: Sink) {
    let mut state = Following {
        run_id,
        chain,
        chunks: HashMap::new(),
        sink,
        gap: None,
    };
    let mut backoff = BACKOFF_MIN;
    loop {
        match state.session(&url).await {
            Stop::ViewGone | Stop::Broken => return,
            Stop::Lost { why, was_live } => {
                if was_live {
                    backoff = BACKOFF_MIN;
                }
                if !(state.sink)(FollowEvent::Link(Link::Offline(why))) {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

/// Why a session ended.
enum Stop {
    ViewGone,
    Broken,
    Lost { why: String, was_live: bool },
}

struct Following {
    run_id: String,
    chain: Chain,
    /// Per step attempt: the next output chunk to fetch.
    chunks: HashMap<(String, u32), i32>,
    sink: Sink,
    /// The seq missing from the shared copy, while lines above it are there.
    gap: Option<u64>,
}

impl Following {
    /// One session: LISTEN, catch up, then catch up again on each notification.
    async fn session(&mut self, url: &str) -> Stop {
        let lost = |e: ShareError, was_live| Stop::Lost {
            why: crate::share::display_url(&e.to_string()),
            was_live,
        };
        let mut db = match connect(url).await {
            Ok(db) => db,
            Err(e) => return lost(e, false),
        };
        // The channel name is `flightdeck_run_` and hex: a plain identifier.
        let listen = format!("LISTEN {}", channel(&self.run_id));
        if let Err(e) = timed(async { Ok(db.client.batch_execute(&listen).await?) }).await {
            return lost(e, false);
        }
        if !(self.sink)(FollowEvent::Link(Link::Live)) {
            return Stop::ViewGone;
        }
        // The reconnect backoff is reset only by a catch-up that worked: a session that
        // connects and then fails every time must not retry at full speed.
        let mut caught_up = false;
        let mut gap_wait = BACKOFF_MIN;
        loop {
            match self.catch_up(&db.client).await {
                Ok(Some(stop)) => return stop,
                Ok(None) => caught_up = true,
                Err(e) => return lost(e, caught_up),
            }
            // Asleep until the captain pushes, or the session ends; while a line is missing,
            // it is also looked for again on a backoff of its own.
            let notified = if self.gap.is_some() {
                tokio::select! {
                    n = db.notifications.recv() => Some(n),
                    () = tokio::time::sleep(gap_wait) => None,
                }
            } else {
                Some(db.notifications.recv().await)
            };
            gap_wait = if self.gap.is_some() {
                (gap_wait * 2).min(BACKOFF_MAX)
            } else {
                BACKOFF_MIN
            };
            match notified {
                None => {}
                Some(Some(_)) => while db.notifications.try_recv().is_ok() {},
                Some(None) => {
                    return Stop::Lost {
                        why: "the connection to the shared database was lost".into(),
                        was_live: caught_up,
                    };
                }
            }
        }
    }

    /// Sends what is new: events first (a step's output follows its `step_started`), then
    /// output chunks.
    async fn catch_up(&mut self, client: &Client) -> Result<Option<Stop>, ShareError> {
        let (events, stopped) = fetch_events(client, &self.run_id, &mut self.chain).await?;
        if !events.is_empty() && !(self.sink)(FollowEvent::Events(events)) {
            return Ok(Some(Stop::ViewGone));
        }
        match stopped {
            Some(ChainError::Broken { seq, why }) => {
                (self.sink)(FollowEvent::Broken { seq, why });
                return Ok(Some(Stop::Broken));
            }
            // A line missing in the middle: said on the status bar, looked for again.
            Some(ChainError::Gap(seq)) => {
                if self.gap != Some(seq) {
                    self.gap = Some(seq);
                    if !(self.sink)(FollowEvent::Link(Link::Waiting(seq))) {
                        return Ok(Some(Stop::ViewGone));
                    }
                }
            }
            None => {
                if self.gap.take().is_some() && !(self.sink)(FollowEvent::Link(Link::Live)) {
                    return Ok(Some(Stop::ViewGone));
                }
            }
        }
        loop {
            let (steps, attempts, next): (Vec<String>, Vec<i32>, Vec<i32>) = {
                let mut k = (Vec::new(), Vec::new(), Vec::new());
                for ((s, a), n) in &self.chunks {
                    k.0.push(s.clone());
                    k.1.push(*a as i32);
                    k.2.push(*n);
                }
                k
            };
            let run_id = self.run_id.as_str();
            let rows = timed(async {
                Ok(client
                    .query(
                        "WITH known (step_id, attempt, next) AS (
                             SELECT * FROM unnest($2::text[], $3::int[], $4::int[])),
                         tops AS (
                             SELECT step_id, attempt, max(chunk_no) AS top FROM flightdeck.output
                             WHERE run_id = $1 GROUP BY step_id, attempt)
                         SELECT o.step_id, o.attempt, o.chunk_no, o.bytes
                         FROM flightdeck.output o
                         JOIN tops t ON t.step_id = o.step_id AND t.attempt = o.attempt
                         LEFT JOIN known k ON k.step_id = o.step_id AND k.attempt = o.attempt
                         WHERE o.run_id = $1
                           AND o.chunk_no >= coalesce(k.next, greatest(t.top - $5, 0))
                         ORDER BY o.step_id, o.attempt, o.chunk_no
                         LIMIT $6",
                        &[
                            &run_id,
                            &steps,
                            &attempts,
                            &next,
                            &(BACKLOG_CHUNKS - 1),
                            &OUTPUT_PAGE,
                        ],
                    )
                    .await?)
            })
            .await?;
            let full = rows.len() as i64 == OUTPUT_PAGE;
            for row in &rows {
                let step: String = row.try_get(0)?;
                let attempt = row.try_get::<_, i32>(1)?.max(0) as u32;
                let chunk_no: i32 = row.try_get(2)?;
                let bytes: Vec<u8> = row.try_get(3)?;
                let key = (step, attempt);
                if self.chunks.get(&key).is_some_and(|n| chunk_no < *n) {
                    continue;
                }
                // A crafted row's chunk number cannot overflow the count: a broken record.
                let Some(next) = chunk_no.checked_add(1) else {
                    let why = format!(
                        "output chunk {chunk_no} of step {} attempt {} is out of range",
                        key.0, key.1
                    );
                    (self.sink)(FollowEvent::Broken {
                        seq: self.chain.seq,
                        why,
                    });
                    return Ok(Some(Stop::Broken));
                };
                self.chunks.insert(key.clone(), next);
                let ev = FollowEvent::Output {
                    step: key.0,
                    attempt: key.1,
                    bytes,
                };
                if !(self.sink)(ev) {
                    return Ok(Some(Stop::ViewGone));
                }
            }
            if !full {
                return Ok(None);
            }
        }
    }
}
