//! Checking what a follower receives before it is applied: each line against its own hash
//! (the journal's line format), its seq right after the last one taken, its `prev` equal to
//! the last one's hash. A line seen again must be the same line: a changed one is a fork.

use crate::journal::Event;
use crate::journal::event::{GENESIS, decode_line};

/// The head of what has been taken so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The last seq taken (0: none).
    pub seq: u64,
    /// Its hash ([`GENESIS`] before the first).
    pub head: String,
}

/// Why a line was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// A seq is missing before this one: fetch the gap first.
    #[error("seq {0} is missing")]
    Gap(u64),
    /// The record cannot be trusted from `seq` on.
    #[error("seq {seq}: {why}")]
    Broken { seq: u64, why: String },
}

impl Chain {
    /// Nothing taken yet.
    pub fn genesis() -> Chain {
        Chain {
            seq: 0,
            head: GENESIS.to_string(),
        }
    }

    /// The head of a run already replayed up to `seq` (whose hash is `head`).
    pub fn at(seq: u64, head: &str) -> Chain {
        if seq == 0 || head.is_empty() {
            return Chain::genesis();
        }
        Chain {
            seq,
            head: head.to_string(),
        }
    }

    /// Checks one stored line (`seq`, text, hash column): `Ok(Some)` to apply, `Ok(None)` for
    /// the last line taken seen again unchanged.
    pub fn accept_line(
        &mut self,
        seq: u64,
        line: &str,
        hash: &str,
    ) -> Result<Option<Event>, ChainError> {
        let broken = |why: String| ChainError::Broken { seq, why };
        if seq <= self.seq {
            if seq == self.seq && hash != self.head {
                return Err(broken(
                    "the shared line changed after it was received (a fork or an edit)".into(),
                ));
            }
            return Ok(None);
        }
        let event = decode_line(line.as_bytes())
            .map_err(|e| broken(format!("the line does not match its hash: {e}")))?;
        if event.hash != hash {
            return Err(broken("the hash column disagrees with the line".into()));
        }
        if event.seq != seq {
            return Err(broken(format!("the line says seq {}", event.seq)));
        }
        self.accept(event).map(Some)
    }

    /// Checks an event already verified against its own hash (a local journal read).
    pub fn accept(&mut self, event: Event) -> Result<Event, ChainError> {
        if event.seq <= self.seq {
            return Err(ChainError::Broken {
                seq: event.seq,
                why: format!("seq {} came again after {}", event.seq, self.seq),
            });
        }
        if event.seq != self.seq + 1 {
            return Err(ChainError::Gap(self.seq + 1));
        }
        if event.prev != self.head {
            return Err(ChainError::Broken {
                seq: event.seq,
                why: format!(
                    "it does not follow seq {} (its prev hash differs): a fork",
                    self.seq
                ),
            });
        }
        self.seq = event.seq;
        self.head.clone_from(&event.hash);
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::event::{EventKind, encode_line};

    fn lines(n: u64, who: &str) -> Vec<(String, String)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let (line, event) = encode_line(
                    seq,
                    chrono::Utc::now(),
                    who,
                    None,
                    EventKind::Note {
                        text: format!("note {seq}"),
                    },
                    &prev,
                )
                .expect("encode");
                prev = event.hash.clone();
                (line.trim_end().to_string(), event.hash)
            })
            .collect()
    }

    #[test]
    fn a_chain_takes_lines_in_order_once_and_refuses_changes() {
        let l = lines(3, "ana");
        let mut c = Chain::genesis();
        assert!(matches!(
            c.accept_line(2, &l[1].0, &l[1].1),
            Err(ChainError::Gap(1))
        ));
        assert!(c.accept_line(1, &l[0].0, &l[0].1).expect("1").is_some());
        assert_eq!(c.accept_line(1, &l[0].0, &l[0].1), Ok(None), "seen again");
        let tampered = l[1].0.replace("note 2", "note X");
        assert!(matches!(
            c.accept_line(2, &tampered, &l[1].1),
            Err(ChainError::Broken { seq: 2, .. })
        ));
        assert!(c.accept_line(2, &l[1].0, &l[1].1).expect("2").is_some());
        assert!(matches!(
            c.accept_line(2, &l[0].0, &l[0].1),
            Err(ChainError::Broken { seq: 2, .. })
        ));
        // A line that is valid by itself but does not follow the head: a fork.
        let other = lines(3, "bob");
        assert!(matches!(
            c.accept_line(3, &other[2].0, &other[2].1),
            Err(ChainError::Broken { seq: 3, .. })
        ));
        assert!(c.accept_line(3, &l[2].0, &l[2].1).expect("3").is_some());
    }
}
