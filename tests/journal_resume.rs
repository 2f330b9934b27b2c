//! Resume: the newest unfinished run of the same runbook is found; a changed runbook is matched
//! by step id and recorded; a step that was running comes back interrupted.

mod journal_support;

use std::fs;

use flightdeck::journal::{self, EventKind, Journal, StepStatus, find_resumable};
use flightdeck::runbook;
use journal_support::t;

const V1: &str = "# Go live\n\n## Prep\n\n- [ ] backups done\n- [ ] tell the team\n\n## Deploy\n\n```bash {id=deploy}\n./deploy.sh\n```\n";
const V2: &str = "# Go live\n\n## Prep\n\n- [ ] backups done\n- [ ] freeze merges\n\n## Deploy\n\n```bash {id=deploy}\n./deploy.sh --canary\n```\n";

#[test]
fn resume_finds_the_run_matches_steps_by_id_and_marks_interrupted() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("go-live.md");
    fs::write(&path, V1).unwrap();
    let rb = runbook::load(&path).unwrap();
    let backups = rb.steps().next().unwrap().1.id.clone();
    let tell = rb.steps().nth(1).unwrap().1.id.clone();

    // An older, finished run of the same runbook is never offered.
    let mut old = Journal::create_at(home.path(), &rb, V1, "alice", t(1, 0, 0)).unwrap();
    old.append_at(
        EventKind::RunFinished {
            outcome: "aborted".into(),
        },
        None,
        t(1, 5, 0),
    )
    .unwrap();
    drop(old);
    assert_eq!(find_resumable(home.path(), &path).unwrap(), None);

    let mut j = Journal::create_at(home.path(), &rb, V1, "alice", t(2, 0, 0)).unwrap();
    j.append_at(
        EventKind::StepAcknowledged { note: None },
        Some(&backups),
        t(2, 1, 0),
    )
    .unwrap();
    j.append_at(
        EventKind::StepStarted {
            attempt: 1,
            command: Some("./deploy.sh".into()),
        },
        Some("deploy"),
        t(2, 2, 0),
    )
    .unwrap();
    let dir = j.run_dir().to_path_buf();
    assert_eq!(
        find_resumable(home.path(), &path).unwrap(),
        None,
        "a locked run is not offered"
    );
    drop(j); // the cockpit dies

    assert_eq!(
        find_resumable(home.path(), &path).unwrap(),
        Some(dir.clone())
    );
    let other = work.path().join("other.md");
    fs::write(&other, V1).unwrap();
    assert_eq!(
        find_resumable(home.path(), &other).unwrap(),
        None,
        "another file, same text"
    );

    fs::write(&path, V2).unwrap();
    let r = journal::resume_at(&dir, &path, "bob", t(3, 0, 0)).unwrap();
    let kinds: Vec<&str> = r.events[3..].iter().map(|e| e.kind.type_name()).collect();
    assert_eq!(
        kinds,
        ["step_interrupted", "runbook_changed", "run_resumed"]
    );
    let freeze = r.runbook.steps().nth(1).unwrap().1.id.clone();
    match &r.events[4].kind {
        EventKind::RunbookChanged {
            old_sha256,
            new_sha256,
            vanished,
            added,
        } => {
            assert_eq!(old_sha256, &journal::event::sha256_hex(V1.as_bytes()));
            assert_eq!(new_sha256, &journal::event::sha256_hex(V2.as_bytes()));
            assert_eq!(vanished, &vec![tell.clone()]);
            assert_eq!(added, &vec![freeze.clone()]);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        r.messages
            .iter()
            .any(|m| m.contains("1 step(s) vanished, 1 new")),
        "{:?}",
        r.messages
    );
    let s = &r.state;
    assert_eq!(
        s.steps[&backups].status,
        StepStatus::Acknowledged,
        "matched by id"
    );
    assert_eq!(
        s.steps["deploy"].status,
        StepStatus::Interrupted,
        "never silently succeeded"
    );
    assert_eq!(s.steps[&freeze].status, StepStatus::Pending);
    assert!(!s.steps.contains_key(&tell));
    assert_eq!(s.vanished, vec![tell]);
    assert_eq!(s.operator, "bob");
    assert_eq!(fs::read_to_string(dir.join("runbook.md")).unwrap(), V2);
    let archived = format!(
        "runbook.{}.md",
        &journal::event::sha256_hex(V1.as_bytes())[..12]
    );
    assert_eq!(fs::read_to_string(dir.join(archived)).unwrap(), V1);

    // A second cockpit cannot take the same run.
    let err = journal::resume(&dir, &path, "carol")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is being written by another cockpit (bob on "),
        "{err}"
    );
    drop(r);
    // The next resume of an unchanged runbook records no change.
    let again = journal::resume(&dir, &path, "carol").unwrap();
    assert_eq!(
        again.events.last().map(|e| e.kind.type_name()),
        Some("run_resumed")
    );
    assert_eq!(again.events.len(), 7);
    assert!(again.messages.is_empty());
}

/// A shell step left running by a killed cockpit ends while no cockpit is open: every
/// read-only view shows its real result (not "interrupted"), and none of them writes.
#[test]
fn read_only_views_show_a_step_that_ended_unobserved_as_finished() {
    use flightdeck::journal::runs::load_run;
    use flightdeck::journal::supervised::{Probe, probe};
    use std::process::Command;
    use std::time::{Duration, Instant};

    const RB: &str = "# Unobserved\n\n## Run\n\n```bash {id=count}\necho hi\n```\n";
    let home = tempfile::tempdir().unwrap();
    let rb = runbook::parse(RB, "unobserved.md");
    let j = Journal::create(home.path(), &rb, RB, "alice").unwrap();
    let (dir, run_id) = (j.run_dir().to_path_buf(), j.run_id().to_string());
    drop(j);
    let fd = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_flightdeck"))
            .arg("--home")
            .arg(home.path())
            .args(args)
            .output()
            .unwrap()
    };
    // A writer that starts the step under its supervisor and exits at once.
    let script = "echo one; sleep 0.3; echo two; exit 3";
    let out = fd(&["journal", "__append-loop", &run_id, "0", "--step", script]);
    assert!(out.status.success(), "{out:?}");
    let output = dir.join("output/count.1.log");
    let start = Instant::now();
    while matches!(probe(&output), Probe::Running { .. }) {
        assert!(start.elapsed() < Duration::from_secs(20), "the step ends");
        std::thread::sleep(Duration::from_millis(10));
    }
    let Probe::Ended(end) = probe(&output) else {
        panic!("the supervisor left a status file");
    };
    let journal_before = fs::read(dir.join("journal.jsonl")).unwrap();

    let run = load_run(&dir).unwrap();
    let step = &run.state.steps["count"];
    assert_eq!(step.status, StepStatus::Failed, "not interrupted");
    assert_eq!(step.last_exit, Some(3));
    assert_eq!(step.last_lines, ["one", "two"]);
    assert_eq!(step.finished, Some(end.ended_at));
    assert!(step.duration_ms.unwrap() >= 300, "{step:?}");
    assert_eq!(run.unjournaled.len(), 1);
    assert_eq!(run.unjournaled[0].0, "count");

    let show = String::from_utf8(fd(&["journal", "show", &run_id]).stdout).unwrap();
    assert!(
        show.contains("echo hi: failed with exit code 3 while no cockpit was open"),
        "{show}"
    );
    let list = String::from_utf8(fd(&["journal", "list"]).stdout).unwrap();
    assert!(list.contains("abandoned"), "{list}");
    let json = String::from_utf8(fd(&["export", &run_id, "--format", "json"]).stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let found = json.to_string();
    assert!(found.contains("\"failed\""), "{found}");
    assert!(!found.contains("\"interrupted\""), "{found}");
    assert_eq!(
        fs::read(dir.join("journal.jsonl")).unwrap(),
        journal_before,
        "read-only views write nothing"
    );
}
