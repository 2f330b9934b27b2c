//! The captain's append path with sharing on and off: the same durable append through the
//! journal writer's thread (what the cockpit does), one run pushed to the real PostgreSQL by
//! the pusher, one not, appends alternated so both see the same disk and CPU.
//!
//! Prints p50/p99/max per append for both and their ratio, then how long the shared copy took
//! to catch up after the last append; criterion's means follow. Skipped (with a message)
//! without PostgreSQL (`FLIGHTDECK_TEST_PG`, else 127.0.0.1:5432, user postgres, db test).

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use flightdeck::journal::{EventKind, Journal, JournalWriter};
use flightdeck::share::{Share, ShareConfig, ShareStatus};
use tokio::sync::watch;

const APPENDS: usize = 2000;
const WARMUP: usize = 300;
const ROUNDS: usize = 3;
const RUNBOOK: &str = "# Bench\n\n## Prep\n\n- [ ] a\n- [ ] b\n";

fn event() -> EventKind {
    EventKind::StepAcknowledged {
        note: Some("checked with the on-call SRE, dashboards green".into()),
    }
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("scratch dir")
}

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

/// A database of its own for the bench, dropped at the end.
struct BenchDb {
    rt: Arc<tokio::runtime::Runtime>,
    admin: String,
    name: String,
    url: String,
}

impl BenchDb {
    fn new(rt: Arc<tokio::runtime::Runtime>) -> Option<BenchDb> {
        let admin = pg_url();
        let name = format!("fd_share_bench_{}", std::process::id());
        let created = rt.block_on(async {
            let db = flightdeck::db::connect(&admin, Duration::from_secs(5)).await?;
            db.client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                .await?;
            db.client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .map_err(flightdeck::db::DbError::from)
        });
        if let Err(e) = created {
            eprintln!("skipped: PostgreSQL at {admin} ({e})");
            return None;
        }
        let url = with_database(&admin, &name);
        Some(BenchDb {
            rt,
            admin,
            name,
            url,
        })
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        self.rt.block_on(async move {
            if let Ok(db) = flightdeck::db::connect(&admin, Duration::from_secs(5)).await {
                let _ = db
                    .client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            }
        });
    }
}

/// A run whose writer reports durable seqs to a pusher (`url` set) or to nobody.
struct Captain {
    writer: JournalWriter,
    status: Option<watch::Receiver<Option<ShareStatus>>>,
    pusher: Option<flightdeck::share::Pusher>,
    _dir: tempfile::TempDir,
}

fn captain(rt: &tokio::runtime::Runtime, url: Option<&str>) -> Captain {
    let dir = scratch();
    let rb = flightdeck::runbook::parse(RUNBOOK, "bench.md");
    let journal = Journal::create(dir.path(), &rb, RUNBOOK, "alice").expect("journal");
    let run_dir = journal.run_dir().to_path_buf();
    let writer = JournalWriter::spawn(journal).expect("writer");
    let (status, pusher) = match url {
        Some(url) => {
            let (tx, rx) = watch::channel(None);
            let _inside = rt.enter();
            let (share, pusher) = Share::start(
                ShareConfig::new(
                    url.into(),
                    run_dir.clone(),
                    flightdeck::journal::runs::run_id_of(&run_dir),
                    "alice".into(),
                ),
                Arc::new(move |s| {
                    let _ = tx.send(Some(s));
                }),
            );
            writer.on_durable(Box::new(move |seq| share.durable(seq)));
            (Some(rx), Some(pusher))
        }
        None => (None, None),
    };
    Captain {
        writer,
        status,
        pusher,
        _dir: dir,
    }
}

impl Captain {
    fn append(&self) -> Duration {
        let start = Instant::now();
        self.writer
            .append_wait(event(), Some("prep.a"))
            .expect("append");
        start.elapsed()
    }

    /// How long after now the shared copy holds `seq` (bounded: 60 s).
    fn caught_up(&mut self, rt: &tokio::runtime::Runtime, seq: u64) -> Duration {
        let start = Instant::now();
        let Some(rx) = self.status.as_mut() else {
            return Duration::ZERO;
        };
        rt.block_on(async {
            let _ = tokio::time::timeout(
                Duration::from_secs(60),
                rx.wait_for(|s| s.as_ref().is_some_and(|s| s.acked >= seq)),
            )
            .await;
        });
        start.elapsed()
    }
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.50), at(0.99), at(1.0))
}

fn bench(c: &mut Criterion) {
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
    );
    let Some(db) = BenchDb::new(rt.clone()) else {
        return;
    };
    println!(
        "captain's append (writer thread, durable reply), {APPENDS} each after {WARMUP} warm-up, alternated:"
    );
    for round in 1..=ROUNDS {
        let off = captain(&rt, None);
        let mut on = captain(&rt, Some(&db.url));
        let (mut t_off, mut t_on) = (Vec::new(), Vec::new());
        for n in 0..WARMUP + APPENDS {
            let a = off.append();
            let b = on.append();
            if n >= WARMUP {
                t_off.push(a);
                t_on.push(b);
            }
        }
        let lag = on.caught_up(&rt, (WARMUP + APPENDS + 1) as u64);
        let (o50, o99, omax) = percentiles(t_off);
        let (s50, s99, smax) = percentiles(t_on);
        println!(
            "  {round}: sharing off  p50 {o50:>9.1?}  p99 {o99:>9.1?}  max {omax:>9.1?}\n  {round}: sharing on   p50 {s50:>9.1?}  p99 {s99:>9.1?}  max {smax:>9.1?}   ratio p50 {:.2} p99 {:.2}; shared copy caught up {lag:.1?} after the last append",
            s50.as_secs_f64() / o50.as_secs_f64(),
            s99.as_secs_f64() / o99.as_secs_f64(),
        );
        for mut cap in [off, on] {
            if let Some(p) = cap.pusher.take() {
                rt.block_on(p.finish(Duration::from_secs(10)));
            }
        }
    }
    let off = captain(&rt, None);
    let on = captain(&rt, Some(&db.url));
    let mut group = c.benchmark_group("captain_append");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("sharing_off", |b| b.iter(|| off.append()));
    group.bench_function("sharing_on", |b| b.iter(|| on.append()));
    group.finish();
    for mut cap in [off, on] {
        if let Some(p) = cap.pusher.take() {
            rt.block_on(p.finish(Duration::from_secs(10)));
        }
    }
    drop(db);
}

criterion_group!(benches, bench);
criterion_main!(benches);
