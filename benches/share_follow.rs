//! From an acknowledgement on the captain (journal append, fsync, push) to it applied at a
//! follower, with five followers on loopback, beside the everyday alternative: followers
//! polling the events table every second. Each follower is the library's follow loop
//! (`follow::shared::follow` → `Action::Follow` → `update`), the same code path as the
//! screen of `flightdeck watch --share` up to the state update, without a terminal.
//!
//! Then, with every follower connected and nothing happening, the CPU the process used over
//! 10 s (`/proc/self/stat` utime + stime, captain idle too) and the CPU of the database's
//! backends serving the bench's database (`/proc/<pid>/stat` of each, PostgreSQL on this
//! machine). Prints figures only; skipped (with a message) without PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flightdeck::app::action::Action;
use flightdeck::app::followed::FollowView;
use flightdeck::app::state::App;
use flightdeck::app::update::update;
use flightdeck::follow::Sink;
use flightdeck::follow::chain::Chain;
use flightdeck::journal::{EventKind, Journal, JournalWriter, RunState};
use flightdeck::share::{Share, ShareConfig};

const FOLLOWERS: usize = 5;
const ACKS: usize = 300;
/// Between two acknowledgements (a captain is far slower; this keeps batches to one line).
const PACE: Duration = Duration::from_millis(20);
const IDLE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_secs(1);
const RUNBOOK: &str = "# Bench\n\n## Prep\n\n- [ ] a\n- [ ] b\n";

fn pg_url() -> String {
    std::env::var("FLIGHTDECK_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".into())
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (server, _) = base.rsplit_once('/').expect("a postgres:// URL");
    match query {
        Some(q) => format!("{server}/{db}?{q}"),
        None => format!("{server}/{db}"),
    }
}

/// When each seq was applied, per follower.
type Applied = Arc<Mutex<Vec<Option<Instant>>>>;

/// utime + stime of a process, in clock ticks (100 Hz here: `getconf CLK_TCK`).
fn cpu_ticks(pid: &str) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0u64)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0u64)
}

/// The backend pids serving database `name`.
async fn backends(admin: &str, name: &str) -> Vec<String> {
    let Ok(db) = flightdeck::db::connect(admin, Duration::from_secs(5)).await else {
        return Vec::new();
    };
    db.client
        .query(
            "SELECT pid::text FROM pg_stat_activity WHERE datname = $1",
            &[&name],
        )
        .await
        .map(|rows| rows.iter().map(|r| r.get(0)).collect())
        .unwrap_or_default()
}

/// Process and database-backend CPU over [`IDLE`], in ms.
async fn idle_cpu(admin: &str, name: &str) -> (u64, u64) {
    let pids = backends(admin, name).await;
    let (me0, db0) = (
        cpu_ticks("self"),
        pids.iter().map(|p| cpu_ticks(p)).sum::<u64>(),
    );
    tokio::time::sleep(IDLE).await;
    let (me1, db1) = (
        cpu_ticks("self"),
        pids.iter().map(|p| cpu_ticks(p)).sum::<u64>(),
    );
    ((me1 - me0) * 10, (db1 - db0) * 10)
}

fn app(rb: &flightdeck::runbook::Runbook) -> App {
    let mut app = App::new(
        rb.clone(),
        RunState::new(rb),
        "bench".into(),
        Default::default(),
        chrono::Utc::now(),
    );
    app.read_only = true;
    app.follow = Some(FollowView::new("bench"));
    app
}

/// A follower: the follow loop feeding `update` on an `App`, recording when each seq applies.
fn listener(
    url: &str,
    run_id: &str,
    rb: &flightdeck::runbook::Runbook,
) -> (Applied, Vec<tokio::task::JoinHandle<()>>) {
    let applied: Applied = Arc::new(Mutex::new(vec![None; ACKS + 64]));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Action>();
    let sink: Sink = Arc::new(move |ev| tx.send(Action::Follow(ev)).is_ok());
    let source = tokio::spawn(flightdeck::follow::shared::follow(
        url.to_string(),
        run_id.to_string(),
        Chain::genesis(),
        sink,
    ));
    let mut app = app(rb);
    let rec = applied.clone();
    let fold = tokio::spawn(async move {
        while let Some(a) = rx.recv().await {
            let before = app.run.last_seq;
            update(&mut app, a);
            let now = Instant::now();
            if let Ok(mut v) = rec.lock() {
                for s in before + 1..=app.run.last_seq {
                    if let Some(slot) = v.get_mut(s as usize) {
                        *slot = Some(now);
                    }
                }
            }
        }
    });
    (applied, vec![source, fold])
}

/// The alternative: a session that reads new rows every second, chain-checked and folded the
/// same way.
fn poller(
    url: &str,
    run_id: &str,
    rb: &flightdeck::runbook::Runbook,
) -> (Applied, Vec<tokio::task::JoinHandle<()>>) {
    let applied: Applied = Arc::new(Mutex::new(vec![None; ACKS + 64]));
    let (url, run_id, rec) = (url.to_string(), run_id.to_string(), applied.clone());
    let mut app = app(rb);
    let task = tokio::spawn(async move {
        let Ok(db) = flightdeck::db::connect(&url, Duration::from_secs(5)).await else {
            return;
        };
        let mut chain = Chain::genesis();
        let mut tick = tokio::time::interval(POLL);
        loop {
            tick.tick().await;
            let Ok((events, _)) =
                flightdeck::follow::shared::fetch_events(&db.client, &run_id, &mut chain).await
            else {
                continue;
            };
            if events.is_empty() {
                continue;
            }
            let before = app.run.last_seq;
            update(
                &mut app,
                Action::Follow(flightdeck::follow::FollowEvent::Events(events)),
            );
            let now = Instant::now();
            if let Ok(mut v) = rec.lock() {
                for s in before + 1..=app.run.last_seq {
                    if let Some(slot) = v.get_mut(s as usize) {
                        *slot = Some(now);
                    }
                }
            }
        }
    });
    (applied, vec![task])
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.50), at(0.99), at(1.0))
}

type Start =
    fn(&str, &str, &flightdeck::runbook::Runbook) -> (Applied, Vec<tokio::task::JoinHandle<()>>);

/// One scenario: a fresh run, five followers of `kind`, paced acks, then idle.
async fn scenario(label: &str, kind: Start, admin: &str, name: &str, url: &str) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("scratch");
    let rb = flightdeck::runbook::parse(RUNBOOK, "bench.md");
    let journal = Journal::create(dir.path(), &rb, RUNBOOK, "alice").expect("journal");
    let run_dir = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    let writer = JournalWriter::spawn(journal).expect("writer");
    let (share, pusher) = Share::start(
        ShareConfig::new(url.into(), run_dir, run_id.clone(), "alice".into()),
        Arc::new(|_| {}),
    );
    writer.on_durable(Box::new(move |seq| share.durable(seq)));
    // The runs row exists before the followers look for it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let followers: Vec<_> = (0..FOLLOWERS).map(|_| kind(url, &run_id, &rb)).collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut sent = vec![None; ACKS + 64];
    let mut last = 0u64;
    for _ in 0..ACKS {
        let start = Instant::now();
        let w = &writer;
        let e = tokio::task::block_in_place(|| {
            w.append_wait(
                EventKind::StepAcknowledged {
                    note: Some("checked with the on-call SRE, dashboards green".into()),
                },
                Some("prep.a"),
            )
        })
        .expect("append");
        sent[e.seq as usize] = Some(start);
        last = e.seq;
        tokio::time::sleep(PACE).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline
        && !followers.iter().all(|(a, _)| {
            a.lock()
                .map(|v| v.get(last as usize).is_some_and(|s| s.is_some()))
                .unwrap_or(false)
        })
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut lat = Vec::new();
    let mut missing = 0;
    for (applied, _) in &followers {
        let v = applied.lock().expect("lock").clone();
        for (seq, s) in sent.iter().enumerate() {
            if let Some(s) = s {
                match v.get(seq).copied().flatten() {
                    Some(t) => lat.push(t.saturating_duration_since(*s)),
                    None => missing += 1,
                }
            }
        }
    }
    let n = lat.len();
    let (p50, p99, max) = percentiles(lat);
    let (me, db) = idle_cpu(admin, name).await;
    println!(
        "  {label}: {n} (ack, follower) pairs, {missing} not applied: ack → applied p50 {p50:>8.1?}  p99 {p99:>8.1?}  max {max:>8.1?}; idle {}s: this process {me} ms CPU, database backends {db} ms CPU",
        IDLE.as_secs()
    );
    for (_, tasks) in followers {
        for t in tasks {
            t.abort();
        }
    }
    writer.close().expect("close");
    pusher.finish(Duration::from_secs(10)).await;
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let admin = pg_url();
    let name = format!("fd_follow_bench_{}", std::process::id());
    rt.block_on(async {
        let created = async {
            let db = flightdeck::db::connect(&admin, Duration::from_secs(5)).await?;
            db.client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .map_err(flightdeck::db::DbError::from)
        }
        .await;
        if let Err(e) = created {
            eprintln!("skipped: PostgreSQL at {admin} ({e})");
            return;
        }
        let url = with_database(&admin, &name);
        println!(
            "{FOLLOWERS} followers, {ACKS} acknowledgements one every {PACE:?}, loopback PostgreSQL:"
        );
        for round in 1..=2 {
            println!(" round {round}");
            scenario("LISTEN/NOTIFY (watch --share)", listener, &admin, &name, &url).await;
            scenario("polling every 1 s", poller, &admin, &name, &url).await;
        }
        if let Ok(db) = flightdeck::db::connect(&admin, Duration::from_secs(5)).await {
            let _ = db
                .client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    });
}
