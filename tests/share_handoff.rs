//! Handing a shared run to the next captain on another machine, with the real binary in tmux
//! and two data dirs: `run FILE --share URL --resume RUN` waits while the captain's cockpit
//! holds the lease, takes it once the captain names them with `H`, pulls and checks the run,
//! and goes on where it stopped, while the old cockpit turns into a follower that says who took
//! over; a lease that expired without a handoff is taken only by typing the run id, and the
//! takeover is journaled with both names.

mod services;
mod share_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use share_support::TestDb;
use share_support::tmux::Tmux;

const BOOK: &str =
    "# Handoff e2e\n\n## Go\n\n- [ ] First check\n- [ ] Second check\n- [ ] Third check\n";

fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        services::missing("tmux");
    }
    found
}

fn flightdeck_line(home: &Path, operator: &str, args: &str) -> String {
    format!(
        "FLIGHTDECK_HOME={} FLIGHTDECK_CONFIG=/nonexistent FLIGHTDECK_OPERATOR={operator} TERM=xterm-256color {} {args}; echo EXITED $?; sleep 30",
        home.display(),
        env!("CARGO_BIN_EXE_flightdeck"),
    )
}

/// Machine A's captain with the first check acknowledged; the run id.
fn captain(home: &Path, url: &str) -> (Tmux, String) {
    std::fs::write(home.join("book.md"), BOOK).expect("runbook");
    let cap = Tmux::new("handoff-a");
    cap.start(&flightdeck_line(
        home,
        "ana",
        &format!(
            "run {} --new --share '{url}'",
            home.join("book.md").display()
        ),
    ));
    cap.wait_for(&["Checklist 0/3", "share ok"]);
    cap.keys(&["Enter"]);
    cap.wait_for(&["Checklist 1/3", "share ok"]);
    let run = std::fs::read_dir(home.join("runs"))
        .expect("runs")
        .flatten()
        .next()
        .expect("a run")
        .file_name()
        .to_string_lossy()
        .into_owned();
    (cap, run)
}

/// (seq, operator, type) of every shared event, and the runs row's lease holder.
async fn shared(db: &TestDb, run: &str) -> (Vec<(i64, String, String)>, Option<String>) {
    let c = db.client().await;
    let events = c
        .client
        .query(
            "SELECT seq, line::json->>'operator', line::json->>'type' FROM flightdeck.events
             WHERE run_id = $1 ORDER BY seq",
            &[&run],
        )
        .await
        .expect("events")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let holder = c
        .client
        .query_one(
            "SELECT lease_holder FROM flightdeck.runs WHERE run_id = $1",
            &[&run],
        )
        .await
        .expect("runs row")
        .get(0);
    (events, holder)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_captain_takes_the_run_on_handoff_and_the_old_cockpit_follows_it() {
    if !tmux_available() {
        return;
    }
    let Some(db) = TestDb::new().await else {
        return;
    };
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let (cap, run) = captain(a.path(), &db.url);
    std::fs::write(b.path().join("book.md"), BOOK).expect("runbook on B");
    let next = Tmux::new("handoff-b");
    next.start(&flightdeck_line(
        b.path(),
        "bob",
        &format!(
            "run {} --share '{}' --resume {run}",
            b.path().join("book.md").display(),
            db.url
        ),
    ));
    next.wait_for(&[&format!("waiting for run {run}"), "holds the lease"]);
    // Ana names Bob with H: journaled, and the lease is offered to the next captain, who
    // takes it without waiting for Ana to quit.
    cap.keys(&["H"]);
    cap.wait_for(&["Hand off"]);
    cap.type_text("bob");
    cap.keys(&["Enter"]);
    cap.type_text("over to you");
    cap.keys(&["C-s"]);
    next.wait_for(&["Checklist 1/3", "✔ check  First check  · ana", "share ok"]);
    // Ana's cockpit turns into a follower and says who took over.
    let b_dir = b.path().join("runs").join(&run);
    cap.wait_for(&[
        "taken over: following",
        &format!(
            "taken over from this cockpit by {}",
            flightdeck::share::pusher::lease_holder(&b_dir)
        ),
        "read-only follow of run",
    ]);
    next.keys(&["Enter"]);
    next.wait_for(&["Checklist 2/3", "✔ check  Second check  · bob", "share ok"]);
    cap.wait_for(&[
        "Checklist 2/3",
        "✔ check  Second check  · bob",
        "by captain bob",
        "share live",
    ]);
    // Keys that would write do nothing there.
    cap.keys(&["Enter"]);
    cap.wait_for(&["read-only view"]);
    // A real later event on the new captain's side, shared and followed back on the old
    // screen: anything the old cockpit had written by then would be in the record.
    next.keys(&["Enter"]);
    next.wait_for(&["Checklist 3/3", "✔ check  Third check  · bob"]);
    cap.wait_for(&[
        "Checklist 3/3",
        "✔ check  Third check  · bob",
        "finished: completed",
    ]);
    let (events, holder) = shared(&db, &run).await;
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|(_, o, t)| (o.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("ana", "run_started"),
            ("ana", "step_acknowledged"),
            ("ana", "handoff"),
            ("bob", "run_resumed"),
            ("bob", "step_acknowledged"),
            ("bob", "step_acknowledged"),
            ("bob", "run_finished"),
        ],
        "the old cockpit wrote nothing after it was taken over"
    );
    assert!(events.iter().enumerate().all(|(i, e)| e.0 == i as i64 + 1));
    assert_eq!(
        holder,
        Some(flightdeck::share::pusher::lease_holder(&b_dir)),
        "the lease is machine B's"
    );
    cap.keys(&["q"]);
    cap.wait_for(&["EXITED 0"]);
    next.keys(&["q"]);
    next.wait_for(&["EXITED 0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_that_expired_without_a_handoff_is_taken_only_by_typing_the_run_id() {
    if !tmux_available() {
        return;
    }
    let Some(db) = TestDb::new().await else {
        return;
    };
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let (cap, run) = captain(a.path(), &db.url);
    cap.keys(&["q"]);
    cap.wait_for(&["EXITED 0"]);
    // Ana's laptop died instead: its lease ran out, no handoff.
    db.client()
        .await
        .client
        .execute(
            "UPDATE flightdeck.runs SET lease_holder = 'ana-laptop:/home/ana/runs/x',
                    lease_expires_at = now() - interval '1 minute' WHERE run_id = $1",
            &[&run],
        )
        .await
        .expect("expire");
    std::fs::write(b.path().join("book.md"), BOOK).expect("runbook on B");
    let line = flightdeck_line(
        b.path(),
        "bob",
        &format!(
            "run {} --share '{}' --resume {run}",
            b.path().join("book.md").display(),
            db.url
        ),
    );
    // Anything but the run id stops, and nothing is pulled.
    let refused = Tmux::new("handoff-b-no");
    refused.start(&line);
    refused.wait_for(&["expired at", "without a handoff", "Type the run id"]);
    refused.type_text("yes");
    refused.keys(&["Enter"]);
    refused.wait_for(&["not taken over", "EXITED 1"]);
    assert!(!b.path().join("runs").join(&run).exists());
    assert_eq!(
        shared(&db, &run).await.1.as_deref(),
        Some("ana-laptop:/home/ana/runs/x")
    );
    // The run id typed: taken over, journaled with both names.
    let next = Tmux::new("handoff-b-yes");
    next.start(&line);
    next.wait_for(&["Type the run id"]);
    next.type_text(&run);
    next.keys(&["Enter"]);
    next.wait_for(&["Checklist 1/3", "✔ check  First check  · ana", "share ok"]);
    let c = db.client().await;
    let handoff: String = c
        .client
        .query_one(
            "SELECT line FROM flightdeck.events WHERE run_id = $1 AND line LIKE '%\"handoff\"%'",
            &[&run],
        )
        .await
        .expect("the takeover is journaled and shared")
        .get(0);
    assert!(
        handoff.contains("\"from\":\"ana\"")
            && handoff.contains("\"to\":\"bob\"")
            && handoff.contains("ana-laptop")
            && handoff.contains("without a handoff"),
        "{handoff}"
    );
    let b_dir = b.path().join("runs").join(&run);
    assert_eq!(
        shared(&db, &run).await.1,
        Some(flightdeck::share::pusher::lease_holder(&b_dir))
    );
    next.keys(&["q"]);
    next.wait_for(&["EXITED 0"]);
}

/// A step the shared record shows started and not finished may still run on the old
/// captain's machine (a cockpit that quit leaving it running released the lease): taking the
/// run over then would fork it, so `--resume` refuses and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_step_still_runs_elsewhere_is_not_taken_over() {
    if !tmux_available() {
        return;
    }
    let Some(db) = TestDb::new().await else {
        return;
    };
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let rb = flightdeck::runbook::parse(BOOK, "book.md");
    let mut journal =
        flightdeck::journal::Journal::create(a.path(), &rb, BOOK, "ana").expect("journal");
    journal
        .append(
            flightdeck::journal::EventKind::StepStarted {
                attempt: 1,
                command: None,
            },
            Some("go.first-check"),
        )
        .expect("started");
    let dir = journal.run_dir().to_path_buf();
    let run = journal.run_id().to_string();
    drop(journal);
    let mut p = share_support::start(&db.url, &dir, "ana");
    p.synced(2).await;
    // Ana quits, leaving the step running: the lease is released.
    p.pusher.finish(Duration::from_secs(10)).await;
    assert_eq!(shared(&db, &run).await.1, None, "the lease was released");
    std::fs::write(b.path().join("book.md"), BOOK).expect("runbook on B");
    let next = Tmux::new("handoff-b-running");
    next.start(&flightdeck_line(
        b.path(),
        "bob",
        &format!(
            "run {} --share '{}' --resume {run}",
            b.path().join("book.md").display(),
            db.url
        ),
    ));
    next.wait_for(&[
        "still running on the old captain's machine",
        "nothing was taken over",
        "EXITED 1",
    ]);
    assert!(!b.path().join("runs").join(&run).exists());
    assert_eq!(shared(&db, &run).await.1, None, "the lease is still free");
}

/// The lease is taken before the pull; a pull that fails (here a line changed in the
/// database) gives it back as it was, so the run is not stranded held by a cockpit that never
/// opened it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_pull_gives_the_lease_back() {
    if !tmux_available() {
        return;
    }
    let Some(db) = TestDb::new().await else {
        return;
    };
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let rb = flightdeck::runbook::parse(BOOK, "book.md");
    let mut journal =
        flightdeck::journal::Journal::create(a.path(), &rb, BOOK, "ana").expect("journal");
    journal
        .append(
            flightdeck::journal::EventKind::Handoff {
                from: "ana".into(),
                to: "bob".into(),
                note: None,
            },
            None,
        )
        .expect("handoff");
    let dir = journal.run_dir().to_path_buf();
    let run = journal.run_id().to_string();
    drop(journal);
    let mut p = share_support::start(&db.url, &dir, "ana");
    p.synced(2).await;
    p.pusher.finish(Duration::from_secs(10)).await;
    assert_eq!(shared(&db, &run).await.1.as_deref(), Some("handoff:bob"));
    let changed = db
        .client()
        .await
        .client
        .execute(
            "UPDATE flightdeck.events SET line = replace(line, '\"to\":\"bob\"', '\"to\":\"eve\"') WHERE run_id = $1 AND seq = 2",
            &[&run],
        )
        .await
        .expect("tamper");
    assert_eq!(changed, 1);
    std::fs::write(b.path().join("book.md"), BOOK).expect("runbook on B");
    let next = Tmux::new("handoff-b-broken");
    next.start(&flightdeck_line(
        b.path(),
        "bob",
        &format!(
            "run {} --share '{}' --resume {run}",
            b.path().join("book.md").display(),
            db.url
        ),
    ));
    next.wait_for(&["cannot be resumed from the shared copy", "EXITED 1"]);
    assert!(!b.path().join("runs").join(&run).exists());
    assert_eq!(
        shared(&db, &run).await.1.as_deref(),
        Some("handoff:bob"),
        "the lease went back to the offer it was"
    );
}
