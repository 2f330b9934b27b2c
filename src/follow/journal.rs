//! The captain's journal on this machine as a follow source (`flightdeck watch FILE`): the
//! events appended since the last look, checked against the chain, and the new bytes of each
//! running step's output file. The journal is preallocated, so a change is its length or
//! mtime; it is looked at every second, and a running step's output file a few times a
//! second while it runs. Nothing is written.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::journal::EventKind;
use crate::journal::file::{self, JOURNAL_FILE};
use crate::share::local::read_at;

use super::chain::{Chain, ChainError};
use super::{FollowEvent, Sink};

/// How often the journal is looked at.
const LOOK: Duration = Duration::from_secs(1);
/// How often a running step's output file is read.
const OUTPUT_LOOK: Duration = Duration::from_millis(200);
/// Of an output already long when following starts, only its end is read (the screen keeps
/// the last lines; the file has everything).
pub const BACKLOG: u64 = 1024 * 1024;
/// Bytes read per output file per look.
const READ: usize = 256 * 1024;

/// Where one output file is read from next, and whether its step has ended.
#[derive(Debug, Clone, Copy)]
struct Tail {
    offset: u64,
    ended: bool,
}

/// Follows the run in `dir` from `chain` (what the view already replayed); `running` are the
/// step attempts running then, whose output is read from near its end. Returns when the view
/// is gone or the journal breaks.
pub async fn follow(dir: PathBuf, mut chain: Chain, running: Vec<(String, u32)>, sink: Sink) {
    let journal = dir.join(JOURNAL_FILE);
    let mut tails: BTreeMap<(String, u32), Tail> = BTreeMap::new();
    for (step, attempt) in running {
        let len = std::fs::metadata(file::output_path(&dir, &step, attempt))
            .map(|m| m.len())
            .unwrap_or(0);
        let offset = len.saturating_sub(BACKLOG);
        tails.insert(
            (step, attempt),
            Tail {
                offset,
                ended: false,
            },
        );
    }
    let mut seen = None;
    let mut again = false;
    loop {
        let now = tokio::fs::metadata(&journal)
            .await
            .ok()
            .map(|m| (m.len(), m.modified().ok()));
        if now.is_some() && (now != seen || again) {
            // Two appends can share one coarse mtime tick: the look after a change reads once more.
            again = now != seen;
            let d = dir.clone();
            match tokio::task::spawn_blocking(move || file::read_events(&d)).await {
                Ok(Ok(events)) => {
                    seen = now;
                    let mut new = Vec::new();
                    let after = chain.seq;
                    for e in events.into_iter().filter(|e| e.seq > after) {
                        match chain.accept(e) {
                            Ok(e) => {
                                track(&mut tails, &e);
                                new.push(e);
                            }
                            Err(ChainError::Gap(_)) => break,
                            Err(ChainError::Broken { seq, why }) => {
                                if !new.is_empty() {
                                    sink(FollowEvent::Events(new));
                                }
                                sink(FollowEvent::Broken { seq, why });
                                return;
                            }
                        }
                    }
                    if !new.is_empty() && !sink(FollowEvent::Events(new)) {
                        return;
                    }
                }
                Ok(Err(e)) => {
                    sink(FollowEvent::Broken {
                        seq: chain.seq + 1,
                        why: e.to_string(),
                    });
                    return;
                }
                Err(_) => return,
            }
        }
        for (key, tail) in tails.iter_mut() {
            let path = file::output_path(&dir, &key.0, key.1);
            // A few reads per look: a flood is shown as it comes without one look taking long.
            for _ in 0..4 {
                let (offset, p) = (tail.offset, path.clone());
                let read = tokio::task::spawn_blocking(move || read_at(&p, offset, READ)).await;
                let Ok(Ok((bytes, _))) = read else { break };
                if bytes.is_empty() {
                    break;
                }
                tail.offset += bytes.len() as u64;
                let ev = FollowEvent::Output {
                    step: key.0.clone(),
                    attempt: key.1,
                    bytes,
                };
                if !sink(ev) {
                    return;
                }
            }
        }
        // An ended step's file is complete once read to its end: it is not looked at again.
        tails.retain(|key, t| {
            let len = std::fs::metadata(file::output_path(&dir, &key.0, key.1))
                .map(|m| m.len())
                .unwrap_or(0);
            !(t.ended && t.offset >= len)
        });
        tokio::time::sleep(if tails.is_empty() { LOOK } else { OUTPUT_LOOK }).await;
    }
}

/// Starts or ends following a step's output file as the events say it runs.
fn track(tails: &mut BTreeMap<(String, u32), Tail>, e: &crate::journal::Event) {
    let Some(step) = &e.step else { return };
    match &e.kind {
        EventKind::StepStarted { attempt, .. } => {
            tails.insert(
                (step.clone(), *attempt),
                Tail {
                    offset: 0,
                    ended: false,
                },
            );
        }
        EventKind::StepFinished { attempt, .. } | EventKind::StepInterrupted { attempt } => {
            if let Some(t) = tails.get_mut(&(step.clone(), *attempt)) {
                t.ended = true;
            }
        }
        _ => {}
    }
}
