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
