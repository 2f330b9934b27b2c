//! Replay: every event type folded one at a time, with the state checked after each; sequence
//! errors rejected.

mod journal_support;

use flightdeck::journal::replay::{ReplayError, RunState, StepStatus};
use flightdeck::journal::{Event, EventKind, Journal, replay};
use flightdeck::runbook;
use journal_support::t;

const RUNBOOK: &str = "# Demo go-live\n\n## Prep (10 min)\n\n- [ ] backups done\n\n## Deploy (02:00-02:30 UTC)\n\n```bash\n./deploy.sh $TOKEN\n```\n\n```bash\n./smoke.sh\n```\n\n## Wrap up\n\n1. Tell the team\n";

/// Writes events through a real journal and returns them with the runbook's step ids.
fn events() -> (runbook::Runbook, Vec<Event>, [String; 4]) {
    let home = tempfile::tempdir().unwrap();
    let rb = runbook::parse(RUNBOOK, "demo.md");
    let ids: Vec<String> = rb.steps().map(|(_, s)| s.id.clone()).collect();
    let ids: [String; 4] = ids.try_into().expect("four steps");
    let [prep, deploy, smoke, tell] = ids.clone();
    let mut j = Journal::create_at(home.path(), &rb, RUNBOOK, "alice", t(1, 50, 0)).unwrap();
    let mut at = 0;
    let mut add = |kind: EventKind, step: Option<&str>| {
        at += 1;
        j.append_at(kind, step, t(2, at, 0)).unwrap();
    };
    add(
        EventKind::InputSet {
            name: "TOKEN".into(),
            value: "tok-123456".into(),
            secret: true,
            source: None,
        },
        None,
    );
    add(
        EventKind::StepAcknowledged {
            note: Some("verified".into()),
        },
        Some(&prep),
    );
    add(
        EventKind::StepStarted {
            attempt: 1,
            command: Some("./deploy.sh tok-123456".into()),
        },
        Some(&deploy),
    );
    add(
        EventKind::StepFinished {
            attempt: 1,
            exit_code: Some(3),
            signal: None,
            duration_ms: 1500,
            bytes: 10,
            output_sha256: "0".repeat(64),
            last_lines: vec!["boom".into()],
            ended_at: None,
        },
        Some(&deploy),
    );
    add(
        EventKind::StepStarted {
            attempt: 2,
            command: None,
        },
        Some(&deploy),
    );
    add(
        EventKind::StepFinished {
            attempt: 2,
            exit_code: Some(0),
            signal: None,
            duration_ms: 2500,
            bytes: 12,
            output_sha256: "1".repeat(64),
            last_lines: vec!["deployed".into()],
            ended_at: None,
        },
        Some(&deploy),
    );
    add(
        EventKind::StepStarted {
            attempt: 1,
            command: None,
        },
        Some(&smoke),
    );
    add(EventKind::StepInterrupted { attempt: 1 }, Some(&smoke));
    add(
        EventKind::StepFailedManual {
            note: "team channel down".into(),
        },
        Some(&tell),
    );
    add(
        EventKind::Note {
            text: "waiting on slack".into(),
        },
        None,
    );
    add(
        EventKind::Handoff {
            from: "alice".into(),
            to: "bob".into(),
            note: None,
        },
        None,
    );
    add(
        EventKind::MetricBreach {
            metric: "p95_ms".into(),
            value: 812.0,
            threshold: "< 400".into(),
        },
        None,
    );
    add(
        EventKind::MetricRecovered {
            metric: "p95_ms".into(),
            value: 220.0,
        },
        None,
    );
    add(
        EventKind::GatePassed {
            figures: serde_json::json!({"p95_ms": 220}),
        },
        Some(&smoke),
    );
    add(
        EventKind::StepSkipped {
            reason: "told in person".into(),
        },
        Some(&tell),
    );
    add(
        EventKind::RunbookChanged {
            old_sha256: "a".repeat(64),
            new_sha256: "b".repeat(64),
            vanished: vec!["old.step".into()],
            added: vec![],
        },
        None,
    );
    add(
        EventKind::JournalRepaired {
            torn_bytes: 17,
            moved_to: "journal.jsonl.torn-1".into(),
        },
        None,
    );
    add(
        EventKind::RunResumed {
            host: "h".into(),
            version: "0".into(),
        },
        None,
    );
    add(
        EventKind::RunFinished {
            outcome: "completed".into(),
        },
        None,
    );
    let dir = j.run_dir().to_path_buf();
    drop(j);
    let events = flightdeck::journal::read_events(&dir).unwrap();
    (rb, events, ids)
}

#[test]
fn every_event_type_changes_the_state_as_expected() {
    let (rb, events, [prep, deploy, smoke, tell]) = events();
    assert_eq!(events.len(), 20);
    let mut s = RunState::new(&rb);
    assert_eq!(s.done_count(), (0, 4));
    assert!(s.steps.values().all(|x| x.status == StepStatus::Pending));
    let ids: Vec<&String> = s.steps.keys().collect();
    assert_eq!(ids, vec![&prep, &deploy, &smoke, &tell], "runbook order");

    let mut it = events.iter();
    let mut next = |s: &mut RunState| s.apply(it.next().unwrap()).unwrap();

    next(&mut s); // run_started
    assert_eq!(s.started, Some(t(1, 50, 0)));
    assert!(s.run_id.ends_with("-demo"), "{}", s.run_id);
    assert_eq!(s.operator, "alice");

    next(&mut s); // input_set (secret)
    assert_eq!(s.inputs.get("TOKEN").map(String::as_str), Some("••••"));

    next(&mut s); // ack
    assert_eq!(s.steps[&prep].status, StepStatus::Acknowledged);
    assert_eq!(s.steps[&prep].notes, vec!["verified"]);
    assert_eq!(s.phases[0].done, 1);
    assert_eq!(s.phases[0].finished, Some(t(2, 2, 0)));
    assert_eq!(s.done_count(), (1, 4));

    next(&mut s); // started 1
    assert_eq!(s.steps[&deploy].status, StepStatus::Running);
    assert_eq!(s.steps[&deploy].attempts, 1);
    next(&mut s); // finished exit 3
    assert_eq!(s.steps[&deploy].status, StepStatus::Failed);
    assert_eq!(s.steps[&deploy].last_exit, Some(3));
    assert_eq!(s.steps[&deploy].last_lines, vec!["boom"]);
    next(&mut s); // started 2
    assert_eq!(s.steps[&deploy].status, StepStatus::Running);
    assert!(s.steps[&deploy].last_lines.is_empty());
    next(&mut s); // finished exit 0
    let d = &s.steps[&deploy];
    assert_eq!(
        (d.status, d.attempts, d.last_exit, d.duration_ms),
        (StepStatus::Succeeded, 2, Some(0), Some(2500))
    );
    assert_eq!(d.started, Some(t(2, 5, 0)));
    assert_eq!(d.finished, Some(t(2, 6, 0)));
    assert_eq!(s.phases[1].started, Some(t(2, 3, 0)));
    assert_eq!(s.phases[1].finished, None, "smoke still pending");

    next(&mut s); // smoke started
    next(&mut s); // interrupted
    assert_eq!(s.steps[&smoke].status, StepStatus::Interrupted);
    assert_eq!(s.done_count(), (2, 4));

    next(&mut s); // failed manual
    assert_eq!(s.steps[&tell].status, StepStatus::Failed);
    assert_eq!(s.steps[&tell].notes, vec!["failed: team channel down"]);

    next(&mut s); // note
    assert_eq!(
        s.notes.last().map(|n| n.2.as_str()),
        Some("waiting on slack")
    );

    next(&mut s); // handoff
    assert_eq!(s.operator, "bob");
    assert_eq!(s.operators, vec!["alice", "bob"]);

    next(&mut s); // breach
    assert_eq!(s.breaches.len(), 1);
    assert_eq!(s.breaches[0].recovered, None);
    next(&mut s); // recovered
    assert_eq!(s.breaches[0].recovered, Some(t(2, 13, 0)));

    next(&mut s); // gate passed on smoke
    assert_eq!(s.steps[&smoke].status, StepStatus::Succeeded);
    assert_eq!(s.gates.len(), 1);
    assert_eq!(s.phases[1].finished, Some(t(2, 14, 0)));

    next(&mut s); // skipped
    assert_eq!(s.steps[&tell].status, StepStatus::Skipped);
    assert_eq!(s.done_count(), (4, 4));
    assert_eq!(s.current_phase(), None);

    next(&mut s); // runbook changed
    assert_eq!(s.vanished, vec!["old.step"]);
    assert_eq!(s.runbook_sha256, "b".repeat(64));

    next(&mut s); // repaired
    assert_eq!(
        s.repairs,
        vec!["17 torn bytes moved to journal.jsonl.torn-1"]
    );

    next(&mut s); // resumed
    assert_eq!(s.last_seq, 19);

    next(&mut s); // finished
    assert_eq!(s.finished, Some(t(2, 19, 0)));
    assert_eq!(s.outcome.as_deref(), Some("completed"));
    assert_eq!(s.head, events.last().unwrap().hash);

    // The whole fold equals the step-by-step one.
    assert_eq!(replay(&rb, &events).unwrap(), s);
}

#[test]
fn out_of_order_and_duplicate_seq_are_rejected() {
    let (rb, events, _) = events();
    let mut dup = events.clone();
    dup.insert(3, events[2].clone());
    assert_eq!(
        replay(&rb, &dup).unwrap_err(),
        ReplayError::Sequence {
            expected: 4,
            found: 3
        }
    );
    let mut swapped = events.clone();
    swapped.swap(4, 5);
    assert_eq!(
        replay(&rb, &swapped).unwrap_err(),
        ReplayError::Sequence {
            expected: 5,
            found: 6
        }
    );
    let mut gap = events.clone();
    gap.remove(0);
    assert_eq!(
        replay(&rb, &gap).unwrap_err(),
        ReplayError::Sequence {
            expected: 1,
            found: 2
        }
    );
}

#[test]
fn running_step_is_interrupted_when_the_writer_is_gone() {
    let (rb, events, [_, deploy, ..]) = events();
    let mut s = replay(&rb, &events[..4]).unwrap();
    assert_eq!(s.steps[&deploy].status, StepStatus::Running);
    s.mark_interrupted(|_, _| false);
    assert_eq!(s.steps[&deploy].status, StepStatus::Interrupted);
}

#[test]
fn step_event_without_step_is_rejected() {
    let (rb, mut events, _) = events();
    events[2].step = None;
    assert_eq!(
        replay(&rb, &events).unwrap_err(),
        ReplayError::MissingStep {
            seq: 3,
            kind: "step_acknowledged"
        }
    );
}

#[test]
fn a_step_that_ended_unobserved_finishes_at_its_real_end() {
    let (rb, mut events, [_, deploy, ..]) = events();
    // The second attempt's end was seen by a later cockpit at 02:06; it really ended at 01:59.
    let EventKind::StepFinished { ended_at, .. } = &mut events[6].kind else {
        panic!("event 7 is step_finished: {:?}", events[6].kind);
    };
    *ended_at = Some(t(1, 59, 30));
    let s = replay(&rb, &events[..7]).unwrap();
    assert_eq!(s.steps[&deploy].status, StepStatus::Succeeded);
    assert_eq!(s.steps[&deploy].finished, Some(t(1, 59, 30)));
    assert_eq!(events[6].ts, t(2, 6, 0));
    // Without `ended_at` the event's time stands.
    let s = replay(&rb, &events[..5]).unwrap();
    assert_eq!(s.steps[&deploy].finished, Some(t(2, 4, 0)));
}
