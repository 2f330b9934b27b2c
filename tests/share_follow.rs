//! Following a run from another machine (`flightdeck watch --share URL`) and on the captain's
//! own (`flightdeck watch FILE`), against the real PostgreSQL and the real binary in tmux with
//! two data dirs: acks, output and states arrive live through LISTEN/NOTIFY, a follower that
//! joins late catches up, a cut connection loses and duplicates nothing, a tampered line is
//! reported and never applied, and a secret never reaches the follower's screen.

mod services;
mod share_support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use flightdeck::follow::chain::Chain;
use flightdeck::follow::{FollowEvent, Link};
use flightdeck::journal::{EventKind, Journal, JournalWriter, file};
use share_support::tmux::Tmux;
use share_support::{Proxy, TestDb, start, upstream};
use tokio::sync::mpsc;

const CANARY: &str = "canary-FOLLOW-7f3a91";

/// A check, a shell step with a secret input whose output runs for a while, a last check.
const BOOK: &str = "---\nvars:\n  API_TOKEN:\n    secret: true\n---\n# Follow e2e\n\n## Prepare\n\n- [ ] Look at the dashboards\n\nPrint the lines:\n\n```bash\nfor i in $(seq 1 40); do echo \"output line $i token=$API_TOKEN\"; done; sleep 3\n```\n\n## Finish\n\n- [ ] Tell the team\n";

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

/// The command line of the real binary with its own data dir.
fn flightdeck_line(home: &Path, operator: &str, args: &str) -> String {
    format!(
        "FLIGHTDECK_HOME={} FLIGHTDECK_CONFIG=/nonexistent FLIGHTDECK_OPERATOR={operator} TERM=xterm-256color {} {args}; echo EXITED $?; sleep 30",
        home.display(),
        env!("CARGO_BIN_EXE_flightdeck"),
    )
}

/// The captain's cockpit on machine A with the first check acknowledged and the run shared.
fn captain(home: &Path, url: &str) -> Tmux {
    let book = home.join("book.md");
    std::fs::write(&book, BOOK).expect("runbook");
    let cap = Tmux::new("follow-captain").never_showing(CANARY);
    cap.start(&flightdeck_line(
        home,
        "ana",
        &format!("run {} --new --share '{url}'", book.display()),
    ));
    cap.wait_for(&["Checklist 0/3", "share ok"]);
    cap.keys(&["Enter"]);
    cap.wait_for(&["Checklist 1/3", "share ok"]);
    cap
}

/// The captain runs the shell step (typing the secret) and acknowledges the last check.
fn captain_finishes(cap: &Tmux) {
    cap.keys(&["Enter"]);
    cap.wait_for(&["API_TOKEN (secret)"]);
    cap.cmd(&["send-keys", "-t", "fd", "-l", CANARY]);
    cap.keys(&["Enter"]);
    cap.wait_for(&["output line 40", "Checklist 2/3"]);
    cap.keys(&["Enter"]);
    cap.wait_for(&["Checklist 3/3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_on_another_machine_sees_acks_output_and_states_live() {
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
    let cap = captain(a.path(), &db.url);
    // Machine B, empty data dir, joins after the first ack: it catches up, then follows live.
    let fol = Tmux::new("follow-follower").never_showing(CANARY);
    fol.start(&flightdeck_line(
        b.path(),
        "bob",
        &format!("watch --share '{}'", db.url),
    ));
    fol.wait_for(&[
        "Checklist 1/3",
        "✔ check  Look at the dashboards  · ana",
        "read-only follow of run",
        "by captain ana",
        "live",
        "No output yet: the captain's running step shows here.",
    ]);
    captain_finishes(&cap);
    let screen = fol.wait_for(&[
        "Checklist 3/3",
        "✓ shell  Print the lines",
        "✔ check  Tell the team  · ana",
        "output line 40 token=••••",
        "finished: completed",
    ]);
    // The output lines on screen are the file's last lines, each once and in order: a chunk
    // fetched twice or skipped would break the run of numbers.
    let shown: Vec<u32> = screen
        .lines()
        .filter_map(|l| l.split("output line ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(shown.last(), Some(&40), "{screen}");
    assert!(
        shown.len() >= 5 && shown.windows(2).all(|w| w[1] == w[0] + 1),
        "output lines out of order, doubled or missing: {shown:?}\n{screen}"
    );
    assert!(
        std::fs::read_dir(b.path())
            .map(|d| d.flatten().all(|e| e.file_name() != "runs"))
            .unwrap_or(true),
        "the follower wrote no run"
    );
    fol.keys(&["q"]);
    fol.wait_for(&["EXITED 0"]);
    cap.keys(&["q"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_file_on_the_captains_machine_shows_the_checklist_and_the_running_output() {
    if !tmux_available() {
        return;
    }
    let Some(db) = TestDb::new().await else {
        return;
    };
    let a = tempfile::tempdir().expect("a");
    let cap = captain(a.path(), &db.url);
    let watch = Tmux::new("follow-watch").never_showing(CANARY);
    watch.start(&flightdeck_line(
        a.path(),
        "bob",
        &format!("watch {}", a.path().join("book.md").display()),
    ));
    watch.wait_for(&[
        "Checklist 1/3",
        "✔ check  Look at the dashboards  · ana",
        "read-only follow of run",
        "by captain ana",
        "journal live",
    ]);
    captain_finishes(&cap);
    watch.wait_for(&[
        "Checklist 3/3",
        "✓ shell  Print the lines",
        "output line 40 token=••••",
        "finished: completed",
    ]);
    let screen = watch.screen();
    assert!(
        !screen.contains("select a step that runs and press Enter"),
        "{screen}"
    );
    watch.keys(&["q"]);
    watch.wait_for(&["EXITED 0"]);
    cap.keys(&["q"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_shared_line_is_shown_loudly_and_not_applied() {
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
    let cap = captain(a.path(), &db.url);
    cap.keys(&["q"]);
    cap.wait_for(&["EXITED 0"]);
    let c = db.client().await;
    // The acknowledgement's line, edited in the database: its hash no longer matches.
    let seq: i64 = c
        .client
        .query_one(
            "SELECT seq FROM flightdeck.events WHERE line LIKE '%step_acknowledged%'",
            &[],
        )
        .await
        .expect("the ack row")
        .get(0);
    let changed = c
        .client
        .execute(
            "UPDATE flightdeck.events SET line = replace(line, '\"operator\":\"ana\"', '\"operator\":\"eve\"') WHERE seq = $1",
            &[&seq],
        )
        .await
        .expect("tamper");
    assert_eq!(changed, 1);
    let fol = Tmux::new("follow-follower").never_showing(CANARY);
    fol.start(&flightdeck_line(
        b.path(),
        "bob",
        &format!("watch --share '{}' latest", db.url),
    ));
    let screen = fol.wait_for(&[
        &format!("record BROKEN at seq {seq}"),
        "does not match its hash",
        "Checklist 0/3",
        "○ check  Look at the dashboards",
    ]);
    assert!(
        !screen.contains("eve"),
        "the tampered line was applied:\n{screen}"
    );
    fol.keys(&["q"]);
    fol.wait_for(&["EXITED 0"]);
}

/// The shared runbook text is a column anyone with a captain's role can write, outside the
/// hash chain: a follower must never run its `command:` sources (code execution on the
/// on-call's machine). Its SQL metric still runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_never_runs_command_sources_of_the_shared_runbook() {
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
    let cap = captain(a.path(), &db.url);
    cap.keys(&["q"]);
    cap.wait_for(&["EXITED 0"]);
    let metric_marker = b.path().join("metric-ran");
    let log_marker = b.path().join("log-ran");
    // The attack: the runs row's runbook rewritten with commands for whoever follows.
    let evil = BOOK.replacen(
        "---\n",
        &format!(
            "---\ndatabases:\n  main: '{}'\nmetrics:\n  - name: pwn\n    command: touch {}; echo 1\n    interval: 1s\n  - name: sqlok\n    sql: select 42\n    db: main\n    interval: 1s\nlogs:\n  - name: pwnlog\n    command: touch {}; sleep 60\n",
            db.url,
            metric_marker.display(),
            log_marker.display()
        ),
        1,
    );
    let c = db.client().await;
    let changed = c
        .client
        .execute("UPDATE flightdeck.runs SET runbook = $1", &[&evil])
        .await
        .expect("rewrite the shared runbook");
    assert_eq!(changed, 1);
    let fol = Tmux::new("follow-follower").never_showing(CANARY);
    fol.start(&flightdeck_line(
        b.path(),
        "bob",
        &format!("watch --share '{}' latest", db.url),
    ));
    // The SQL metric's reading on screen: the samplers have had their first turn.
    fol.wait_for(&[
        "pwn",
        "not sampled here",
        "sqlok",
        "42",
        "2 command source(s) not sampled here",
    ]);
    fol.keys(&["q"]);
    fol.wait_for(&["EXITED 0"]);
    assert!(
        !metric_marker.exists(),
        "the follower ran the shared runbook's metric command"
    );
    assert!(
        !log_marker.exists(),
        "the follower ran the shared runbook's log command"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_whose_connection_is_cut_catches_up_on_screen_once_restored() {
    if !tmux_available() {
        return;
    }
    let Some(db) = TestDb::new().await else {
        return;
    };
    let proxy = Proxy::start(upstream(&db.url)).await;
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let cap = captain(a.path(), &db.url);
    let fol = Tmux::new("follow-follower").never_showing(CANARY);
    fol.start(&flightdeck_line(
        b.path(),
        "bob",
        &format!("watch --share '{}'", proxy.url(&db.url)),
    ));
    fol.wait_for(&["Checklist 1/3", "by captain ana", "live"]);
    proxy.cut();
    fol.wait_for(&["Checklist 1/3", "share offline, reconnecting"]);
    // The run goes on while the follower is cut off.
    captain_finishes(&cap);
    proxy.restore();
    let screen = fol.wait_for(&[
        "Checklist 3/3",
        "✓ shell  Print the lines",
        "✔ check  Tell the team  · ana",
        "output line 40 token=••••",
        "from share 127.0.0.1/",
        "share live",
    ]);
    for n in 30..=40 {
        let line = format!("output line {n} token");
        assert_eq!(screen.matches(&line).count(), 1, "{line} once:\n{screen}");
    }
    fol.keys(&["q"]);
    fol.wait_for(&["EXITED 0"]);
    cap.keys(&["q"]);
}

/// A run of notes on machine A, its writer telling the pusher each durable seq.
fn small_run(home: &Path) -> Journal {
    let text = "# Follow test\n\n## Go\n\n- [ ] look\n\n```bash\necho hi\n```\n";
    let rb = flightdeck::runbook::parse(text, "follow-test.md");
    Journal::create(home, &rb, text, "ana").expect("create")
}

fn note(n: u64) -> EventKind {
    EventKind::Note {
        text: format!("note {n}"),
    }
}

/// Follows `run_id` at `url` through the library's follow loop (the screen's code path up
/// to the state update), handing what it sends to the test.
fn follower(url: &str, run_id: &str) -> mpsc::UnboundedReceiver<FollowEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(flightdeck::follow::shared::follow(
        url.to_string(),
        run_id.to_string(),
        Chain::genesis(),
        Arc::new(move |ev| tx.send(ev).is_ok()),
    ));
    rx
}

/// Receives until `done` says the collected events are enough (bounded: 60 s).
async fn until(
    rx: &mut mpsc::UnboundedReceiver<FollowEvent>,
    seen: &mut Vec<FollowEvent>,
    what: &str,
    done: impl Fn(&[FollowEvent]) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !done(seen) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => seen.push(ev),
            Ok(None) => panic!("the follower stopped before {what}; saw {seen:?}"),
            Err(_) => panic!("no {what} within 60 s; saw {} events", seen.len()),
        }
    }
}

fn seqs(seen: &[FollowEvent]) -> Vec<u64> {
    seen.iter()
        .filter_map(|e| match e {
            FollowEvent::Events(ev) => Some(ev.iter().map(|e| e.seq).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn output_of(seen: &[FollowEvent]) -> Vec<u8> {
    seen.iter()
        .filter_map(|e| match e {
            FollowEvent::Output { bytes, .. } => Some(bytes.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[tokio::test]
async fn a_follower_cut_off_catches_up_with_nothing_lost_or_duplicated() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let proxy = Proxy::start(upstream(&db.url)).await;
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    let writer = JournalWriter::spawn(journal).expect("writer");
    let mut p = start(&db.url, &run_dir, "ana");
    let share = p.share.clone();
    writer.on_durable(Box::new(move |seq| share.durable(seq)));
    for n in 0..10 {
        writer.append_wait(note(n), None).expect("append");
    }
    p.synced(11).await;
    // The follower's connection goes through the proxy; the captain's does not.
    let mut rx = follower(&proxy.url(&db.url), &run_id);
    let mut seen = Vec::new();
    until(&mut rx, &mut seen, "seq 11", |s| {
        seqs(s).last() == Some(&11)
    })
    .await;
    proxy.cut();
    until(&mut rx, &mut seen, "offline", |s| {
        s.iter()
            .any(|e| matches!(e, FollowEvent::Link(Link::Offline(_))))
    })
    .await;
    // The run goes on while the follower is cut off: events and a step's output.
    for n in 10..30 {
        writer.append_wait(note(n), None).expect("append");
    }
    let path = file::output_path(&run_dir, "go.echo-hi", 1);
    let written: Vec<u8> = (0..500)
        .flat_map(|n| format!("line {n}\n").into_bytes())
        .collect();
    std::fs::write(&path, &written).expect("output");
    p.share.output_ended("go.echo-hi", 1);
    p.synced(31).await;
    share_support::eventually("the output shared", || async {
        let c = db.client().await;
        c.client
            .query_one(
                "SELECT coalesce(sum(length(bytes)), 0)::bigint FROM flightdeck.output",
                &[],
            )
            .await
            .map(|r| r.get::<_, i64>(0) == written.len() as i64)
            .unwrap_or(false)
    })
    .await;
    proxy.restore();
    until(&mut rx, &mut seen, "seq 31 and the whole output", |s| {
        seqs(s).last() == Some(&31) && output_of(s).len() >= written.len()
    })
    .await;
    assert_eq!(
        seqs(&seen),
        (1..=31).collect::<Vec<u64>>(),
        "each once, in order"
    );
    assert_eq!(output_of(&seen), written, "the output once, in order");
    assert!(
        seen.iter().rev().find_map(|e| match e {
            FollowEvent::Link(l) => Some(l.clone()),
            _ => None,
        }) == Some(Link::Live),
        "live again"
    );
    // Idle now: nothing more arrives without a push.
    writer.append_wait(note(30), None).expect("append");
    until(&mut rx, &mut seen, "seq 32", |s| {
        seqs(s).last() == Some(&32)
    })
    .await;
    assert_eq!(seqs(&seen), (1..=32).collect::<Vec<u64>>());
    writer.close().expect("close");
}

#[tokio::test]
async fn a_line_changed_or_forged_in_the_database_is_reported_and_not_sent() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    let writer = JournalWriter::spawn(journal).expect("writer");
    let mut p = start(&db.url, &run_dir, "ana");
    let share = p.share.clone();
    writer.on_durable(Box::new(move |seq| share.durable(seq)));
    for n in 0..5 {
        writer.append_wait(note(n), None).expect("append");
    }
    p.synced(6).await;
    let mut rx = follower(&db.url, &run_id);
    let mut seen = Vec::new();
    until(&mut rx, &mut seen, "seq 6", |s| seqs(s).last() == Some(&6)).await;
    // A second writer forges seq 7: a copy of seq 6's line with other text, then notifies.
    let c = db.client().await;
    c.client
        .execute(
            "INSERT INTO flightdeck.events (run_id, seq, line, hash)
             SELECT run_id, 7, replace(replace(line, '\"seq\":6', '\"seq\":7'), 'note 4', 'forged'), hash
             FROM flightdeck.events WHERE run_id = $1 AND seq = 6",
            &[&run_id],
        )
        .await
        .expect("forge");
    c.client
        .execute(
            "SELECT pg_notify($1, '7')",
            &[&flightdeck::share::channel(&run_id)],
        )
        .await
        .expect("notify");
    until(&mut rx, &mut seen, "the break", |s| {
        s.iter().any(|e| matches!(e, FollowEvent::Broken { .. }))
    })
    .await;
    let broken = seen
        .iter()
        .find_map(|e| match e {
            FollowEvent::Broken { seq, why } => Some((*seq, why.clone())),
            _ => None,
        })
        .expect("broken");
    assert_eq!(broken.0, 7, "{broken:?}");
    assert!(broken.1.contains("hash"), "{broken:?}");
    assert_eq!(
        seqs(&seen),
        (1..=6).collect::<Vec<u64>>(),
        "nothing forged sent"
    );
    // A line already received, changed afterwards, is caught by the next follower too.
    c.client
        .execute(
            "DELETE FROM flightdeck.events WHERE run_id = $1 AND seq = 7",
            &[&run_id],
        )
        .await
        .expect("unforge");
    c.client
        .execute(
            "UPDATE flightdeck.events SET hash = repeat('0', 64) WHERE run_id = $1 AND seq = 3",
            &[&run_id],
        )
        .await
        .expect("tamper");
    let mut rx = follower(&db.url, &run_id);
    let mut seen = Vec::new();
    until(&mut rx, &mut seen, "the break at 3", |s| {
        s.iter()
            .any(|e| matches!(e, FollowEvent::Broken { seq: 3, .. }))
    })
    .await;
    assert_eq!(seqs(&seen), vec![1, 2]);
    writer.close().expect("close");
}

/// A line missing in the middle of the shared copy: the follower says what it waits for, and
/// looks again on a backoff of its own (no notify needed) until the line is back; then the
/// rest arrives in order.
#[tokio::test]
async fn a_gap_in_the_shared_copy_is_said_and_fetched_once_filled() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let mut journal = small_run(home.path());
    for n in 0..4 {
        journal.append(note(n), None).expect("append");
    }
    let run_dir = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    drop(journal);
    let mut p = start(&db.url, &run_dir, "ana");
    p.synced(5).await;
    p.pusher.finish(Duration::from_secs(10)).await;
    let c = db.client().await;
    let row = c
        .client
        .query_one(
            "DELETE FROM flightdeck.events WHERE run_id = $1 AND seq = 3 RETURNING line, hash",
            &[&run_id],
        )
        .await
        .expect("remove seq 3");
    let (line, hash): (String, String) = (row.get(0), row.get(1));
    let mut rx = follower(&db.url, &run_id);
    let mut seen = Vec::new();
    until(&mut rx, &mut seen, "waiting for seq 3", |s| {
        s.iter().any(|e| *e == FollowEvent::Link(Link::Waiting(3)))
    })
    .await;
    assert_eq!(seqs(&seen), vec![1, 2], "nothing past the gap is sent");
    // The line comes back, without a notify: the follower's own backoff finds it.
    c.client
        .execute(
            "INSERT INTO flightdeck.events (run_id, seq, line, hash) VALUES ($1, 3, $2, $3)",
            &[&run_id, &line, &hash],
        )
        .await
        .expect("refill seq 3");
    until(&mut rx, &mut seen, "seq 5", |s| seqs(s).last() == Some(&5)).await;
    assert_eq!(seqs(&seen), vec![1, 2, 3, 4, 5]);
    until(&mut rx, &mut seen, "live again", |s| {
        s.last() == Some(&FollowEvent::Link(Link::Live))
    })
    .await;
}

/// An output row whose chunk number is the largest there is (a crafted row) cannot overflow
/// the follower's count: it is a broken record, said once.
#[tokio::test]
async fn a_crafted_output_chunk_number_is_a_broken_record() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    drop(journal);
    let mut p = start(&db.url, &run_dir, "ana");
    p.synced(1).await;
    p.pusher.finish(Duration::from_secs(10)).await;
    db.client()
        .await
        .client
        .execute(
            "INSERT INTO flightdeck.output (run_id, step_id, attempt, chunk_no, byte_offset, bytes)
             VALUES ($1, 'go.echo-hi', 1, 2147483647, 0, 'x')",
            &[&run_id],
        )
        .await
        .expect("crafted row");
    let mut rx = follower(&db.url, &run_id);
    let mut seen = Vec::new();
    until(&mut rx, &mut seen, "broken", |s| {
        s.iter()
            .any(|e| matches!(e, FollowEvent::Broken { why, .. } if why.contains("out of range")))
    })
    .await;
}
