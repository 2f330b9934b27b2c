//! The read-only view's side of following (`flightdeck watch`, locally or `--share`): what a
//! follow source verified is folded into the view, pure like `update`. Events go through
//! `RunState::apply` one by one (the same fold as replay, without replaying from the start),
//! output into the step's ring, the source's link and a broken record into [`FollowView`].

use crate::app::state::{App, RING_LINES, Row, StepLog};
use crate::exec::ring::OutputRing;
use crate::follow::{FollowEvent, Link};
use crate::journal::EventKind;

/// What the view shows about its source (status bar and header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowView {
    /// Where the run is read from, for the status bar: `journal` or `share host/db`.
    pub source: String,
    pub link: Link,
    /// Where and why the record broke; shown loudly, nothing applied past it.
    pub broken: Option<(u64, String)>,
    /// The row the view last moved the selection to: while the selection is still there, it
    /// follows the captain's next step; once the on-call moves it, it stays.
    pub auto_selected: Option<Row>,
    /// This cockpit was the captain's until the next one took the lease (its holder).
    pub taken_over_by: Option<String>,
}

impl FollowView {
    /// A view of `source`, live until told otherwise.
    pub fn new(source: impl Into<String>) -> FollowView {
        FollowView {
            source: source.into(),
            link: Link::Live,
            broken: None,
            auto_selected: None,
            taken_over_by: None,
        }
    }
}

/// Folds one follow event into the view.
pub fn on_follow(app: &mut App, ev: FollowEvent) {
    if app.follow.is_none() {
        app.follow = Some(FollowView::new("journal"));
    }
    match ev {
        FollowEvent::Events(events) => {
            for e in events {
                if app.follow.as_ref().is_some_and(|f| f.broken.is_some()) {
                    return;
                }
                if let (EventKind::StepAdded { phase, title, code }, Some(id)) =
                    (&e.kind, e.step.as_deref())
                {
                    app.runbook.add_adhoc_step(*phase, id, title, code);
                }
                if let Err(err) = app.run.apply(&e) {
                    broken(app, e.seq, err.to_string());
                    return;
                }
                if let (EventKind::StepStarted { attempt, .. }, Some(id)) = (&e.kind, e.step) {
                    app.logs.insert(
                        id.clone(),
                        StepLog {
                            ring: OutputRing::new(RING_LINES),
                            attempt: *attempt,
                            signal: None,
                        },
                    );
                    app.last_started = Some(id);
                }
            }
            follow_captain(app);
        }
        FollowEvent::Output {
            step,
            attempt,
            bytes,
        } => {
            let log = app.logs.entry(step.clone()).or_insert_with(|| StepLog {
                ring: OutputRing::new(RING_LINES),
                attempt,
                signal: None,
            });
            if log.attempt < attempt {
                log.ring = OutputRing::new(RING_LINES);
                log.attempt = attempt;
            }
            if log.attempt == attempt {
                log.ring.push_chunk(&bytes, false);
            }
            if app.last_started.is_none() {
                app.last_started = Some(step);
            }
        }
        FollowEvent::Link(link) => {
            if let Some(f) = app.follow.as_mut() {
                f.link = link;
            }
        }
        FollowEvent::Broken { seq, why } => broken(app, seq, why),
    }
}

/// The next captain took the run's lease: this cockpit writes nothing more and follows the
/// shared copy, read-only, saying who took over (the lease's holder; the status bar names the
/// new captain once their events arrive).
pub fn taken_over(app: &mut App, by: &str) {
    app.read_only = true;
    app.dialog = None;
    let mut view = FollowView::new("share");
    view.taken_over_by = Some(by.to_string());
    app.follow = Some(view);
    app.message = Some("taken over: following".into());
}

fn broken(app: &mut App, seq: u64, why: String) {
    app.message = Some(format!(
        "✖ the run's record is BROKEN at seq {seq}: {why}; nothing from there on is shown"
    ));
    if let Some(f) = app.follow.as_mut() {
        f.broken = Some((seq, why));
    }
}

/// Moves the selection to the captain's next step, unless the on-call moved it.
fn follow_captain(app: &mut App) {
    let Some(f) = app.follow.as_ref() else { return };
    if f.auto_selected.is_some_and(|r| r != app.selected) {
        return;
    }
    let running = app
        .runbook
        .steps()
        .find(|(_, s)| app.status_of(&s.id) == crate::journal::replay::StepStatus::Running)
        .and_then(|(_, s)| app.row_of(&s.id));
    if let Some(row) = running.or_else(|| app.first_pending()) {
        app.reveal(row);
    }
    let selected = app.selected;
    if let Some(f) = app.follow.as_mut() {
        f.auto_selected = Some(selected);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::event::{GENESIS, encode_line};

    #[test]
    fn events_fold_one_by_one_output_fills_the_ring_and_a_break_stops_both() {
        let text = "# T\n\n## Go\n\n- [ ] look\n\n```bash\necho hi\n```\n";
        let rb = crate::runbook::parse(text, "t.md");
        let ids: Vec<String> = rb.steps().map(|(_, s)| s.id.clone()).collect();
        let state = crate::journal::RunState::new(&rb);
        let mut app = App::new(
            rb,
            state,
            "bob".into(),
            Default::default(),
            chrono::Utc::now(),
        );
        app.read_only = true;
        app.follow = Some(FollowView::new("share db"));
        let mut prev = GENESIS.to_string();
        let mut event = |seq: u64, step: Option<&str>, kind: EventKind| {
            let (_, e) =
                encode_line(seq, chrono::Utc::now(), "ana", step, kind, &prev).expect("encode");
            prev = e.hash.clone();
            e
        };
        let first = vec![
            event(1, None, EventKind::Note { text: "go".into() }),
            event(2, Some(&ids[0]), EventKind::StepAcknowledged { note: None }),
            event(
                3,
                Some(&ids[1]),
                EventKind::StepStarted {
                    attempt: 1,
                    command: None,
                },
            ),
        ];
        on_follow(&mut app, FollowEvent::Events(first));
        assert_eq!(app.run.last_seq, 3);
        assert!(app.status_of(&ids[0]).is_done());
        assert_eq!(app.log_step(), Some(ids[1].as_str()));
        assert_eq!(
            app.selected_step().map(|s| s.id.clone()),
            Some(ids[1].clone())
        );
        on_follow(
            &mut app,
            FollowEvent::Output {
                step: ids[1].clone(),
                attempt: 1,
                bytes: b"hi\nthere\n".to_vec(),
            },
        );
        assert_eq!(app.logs[&ids[1]].ring.last_lines(2), ["hi", "there"]);
        on_follow(
            &mut app,
            FollowEvent::Broken {
                seq: 4,
                why: "changed".into(),
            },
        );
        let late = event(
            4,
            None,
            EventKind::Note {
                text: "late".into(),
            },
        );
        on_follow(&mut app, FollowEvent::Events(vec![late]));
        assert_eq!(app.run.last_seq, 3, "nothing applied past a break");
        assert!(app.message.as_deref().is_some_and(|m| m.contains("BROKEN")));
    }
}
