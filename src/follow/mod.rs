//! Following a run someone else drives, read-only: a source (the captain's journal on this
//! machine, [`journal`], or the shared copy in PostgreSQL, [`shared`]) verifies what it reads
//! ([`chain`]) and sends it as [`FollowEvent`]s into the view's channel, where `update` folds
//! the events into the same `RunState` every other view replays. Sources never touch the
//! view's state: they talk only through the channel.

pub mod chain;
pub mod journal;
pub mod shared;

use crate::journal::Event;

/// What a source tells the read-only view.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowEvent {
    /// Events verified to follow the last one sent (seq order, hash chain), none twice.
    Events(Vec<Event>),
    /// New bytes of a step attempt's output, in order, already masked by the captain.
    Output {
        step: String,
        attempt: u32,
        bytes: Vec<u8>,
    },
    /// The source's connection came up or went down.
    Link(Link),
    /// The record stopped being trustworthy at `seq` (changed line, fork, broken chain):
    /// nothing from there on is applied.
    Broken { seq: u64, why: String },
}

/// Whether the source can reach the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Live,
    /// Why not, while it retries with backoff.
    Offline(String),
    /// Connected, but the line with this seq is missing from the shared copy (lines above it
    /// are there): nothing after it is applied until it arrives; looked for on each notify
    /// and on a backoff of its own.
    Waiting(u64),
}

/// Where a source sends what it verified; `false` once the view is gone (the source stops).
pub type Sink = std::sync::Arc<dyn Fn(FollowEvent) -> bool + Send + Sync>;
