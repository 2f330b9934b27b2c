//! Journal speed: one fsync'd append at a time beside SQLite (WAL, `synchronous=FULL`, one row
//! per transaction) on the same disk in the same run, and replay of a 100 000-event journal.
//!
//! Besides criterion's own figures, prints p50/p99/max per append for both, measured over
//! `APPENDS` single appends each, in `ROUNDS` rounds on fresh files.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use flightdeck::journal::{EventKind, Journal, read_events, replay};
use flightdeck::runbook::{self, Runbook};

const APPENDS: usize = 2000;
const WARMUP: usize = 1500;
const ROUNDS: usize = 3;
const REPLAY_EVENTS: u64 = 100_000;
const RUNBOOK: &str =
    "# Bench\n\n## Prep\n\n- [ ] a\n- [ ] b\n\n## Deploy\n\n```bash\n./deploy.sh\n```\n";

fn runbook() -> Runbook {
    runbook::parse(RUNBOOK, "bench.md")
}

/// A typical event: an acknowledgement with a short note.
fn event() -> EventKind {
    EventKind::StepAcknowledged {
        note: Some("checked with the on-call SRE, dashboards green".into()),
    }
}

/// Scratch space on the same disk as the build (never tmpfs).
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("scratch dir")
}

/// SQLite as the issue names it: WAL, `synchronous=FULL` (checked, not just asked for).
fn sqlite(dir: &Path) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(dir.join("journal.sqlite")).expect("open sqlite");
    db.pragma_update(None, "journal_mode", "WAL").expect("wal");
    db.pragma_update(None, "synchronous", "FULL").expect("sync");
    let mode: String = db
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("journal_mode");
    let sync: i64 = db
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .expect("synchronous");
    assert_eq!(
        (mode.as_str(), sync),
        ("wal", 2),
        "SQLite not in WAL + FULL"
    );
    db.execute_batch(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, ts TEXT, operator TEXT, step TEXT, body TEXT)",
    )
    .expect("schema");
    db
}

fn sqlite_append(db: &mut rusqlite::Connection, seq: u64, body: &str) {
    let tx = db.transaction().expect("tx");
    tx.execute(
        "INSERT INTO events (seq, ts, operator, step, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![seq, "2026-11-21T04:12:00.000Z", "alice", "prep.a", body],
    )
    .expect("insert");
    tx.commit().expect("commit");
}

/// What SQLite stores per row: a whole journal line for the same event, so that both stores
/// write the same bytes.
fn sqlite_body(journal: &Journal) -> String {
    let (line, _) = flightdeck::journal::event::encode_line(
        2,
        chrono::Utc::now(),
        "alice",
        Some("prep.a"),
        event(),
        journal.head(),
    )
    .expect("encode");
    line
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.50), at(0.99), at(1.0))
}

/// The side-by-side p50/p99/max table, printed before criterion's runs, one round per line pair.
/// Appends alternate between the two stores so both see the same disk; `WARMUP` appends each
/// come first so that SQLite's WAL has cycled (steady state: it then overwrites its WAL in
/// place). Fresh files every round.
fn append_percentiles() {
    println!("append, one durable event at a time, {APPENDS} each after {WARMUP} warm-up:");
    for round in 1..=ROUNDS {
        append_round(round);
    }
}

fn append_round(round: usize) {
    let rb = runbook();
    let dir = scratch();
    let mut journal = Journal::create(dir.path(), &rb, RUNBOOK, "alice").expect("journal");
    let mut db = sqlite(dir.path());
    let body = sqlite_body(&journal);
    let (mut journal_times, mut sqlite_times) = (Vec::new(), Vec::new());
    for n in 0..WARMUP + APPENDS {
        let start = Instant::now();
        journal.append(event(), Some("prep.a")).expect("append");
        let j = start.elapsed();
        let start = Instant::now();
        sqlite_append(&mut db, n as u64 + 1, &body);
        let s = start.elapsed();
        if n >= WARMUP {
            journal_times.push(j);
            sqlite_times.push(s);
        }
    }
    let (jp50, jp99, jmax) = percentiles(journal_times);
    let (sp50, sp99, smax) = percentiles(sqlite_times);
    println!(
        "  {round}: journal (write + sync_data)        p50 {jp50:>10.1?}  p99 {jp99:>10.1?}  max {jmax:>10.1?}"
    );
    println!(
        "  {round}: sqlite (WAL, synchronous=FULL, tx) p50 {sp50:>10.1?}  p99 {sp99:>10.1?}  max {smax:>10.1?}"
    );
}

fn bench(c: &mut Criterion) {
    append_percentiles();
    let rb = runbook();

    let dir = scratch();
    let mut journal = Journal::create(dir.path(), &rb, RUNBOOK, "alice").expect("journal");
    let mut db = sqlite(dir.path());
    let body = sqlite_body(&journal);
    let mut group = c.benchmark_group("append");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("journal", |b| {
        b.iter(|| journal.append(event(), Some("prep.a")).expect("append"))
    });
    let mut seq = 0;
    group.bench_function("sqlite", |b| {
        b.iter(|| {
            seq += 1;
            sqlite_append(&mut db, seq, &body);
        })
    });
    group.finish();

    // A 100 000-event journal, written without fsync per line to build it quickly.
    let big = scratch();
    let ids: Vec<String> = rb.steps().map(|(_, s)| s.id.clone()).collect();
    let run_dir = {
        let j = Journal::create(big.path(), &rb, RUNBOOK, "alice").expect("journal");
        let dir = j.run_dir().to_path_buf();
        let mut lines = String::new();
        let mut head = j.head().to_string();
        for seq in 2..=REPLAY_EVENTS {
            let (line, e) = flightdeck::journal::event::encode_line(
                seq,
                chrono::Utc::now(),
                "alice",
                Some(&ids[seq as usize % ids.len()]),
                event(),
                &head,
            )
            .expect("encode");
            lines.push_str(&line);
            lines.push('\n');
            head = e.hash;
        }
        drop(j);
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.join("journal.jsonl"))
            .expect("open");
        f.write_all(lines.as_bytes()).expect("write");
        dir
    };
    let events = read_events(&run_dir).expect("read");
    assert_eq!(events.len() as u64, REPLAY_EVENTS);
    let mut group = c.benchmark_group("replay_100k");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(6));
    group.bench_function("read_verify_and_fold", |b| {
        b.iter(|| {
            let events = read_events(&run_dir).expect("read");
            black_box(replay(&rb, &events).expect("replay"))
        })
    });
    group.bench_function("fold_only", |b| {
        b.iter(|| black_box(replay(&rb, &events).expect("replay")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
