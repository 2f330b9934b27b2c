//! Metric sources and log followers against real things: PostgreSQL, Debian's Prometheus,
//! loopback HTTP servers, child processes and files. A missing service skips its test locally
//! and fails it when `FLIGHTDECK_REQUIRE_SERVICES=1` (CI).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use flightdeck::app::action::{Action, Effect};
use flightdeck::app::state::App;
use flightdeck::app::update::update;
use flightdeck::journal::EventKind;
use flightdeck::journal::replay::RunState;
use flightdeck::monitor::sample::{MonitorEvent, Sample};
use flightdeck::monitor::sampler::{self, Report};
use flightdeck::monitor::{Monitor, logtail, source_command, source_http};
use flightdeck::runbook;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Skips (locally) or fails (CI) when a service is missing.
fn missing(what: &str) {
    assert!(
        std::env::var_os("FLIGHTDECK_REQUIRE_SERVICES").is_none(),
        "{what} is required in CI (FLIGHTDECK_REQUIRE_SERVICES=1)"
    );
    eprintln!("skipped: {what}");
}

fn pg_url() -> String {
    std::env::var("FLIGHTDECK_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A report callback feeding a channel the test reads.
fn channel() -> (Report, mpsc::UnboundedReceiver<MonitorEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let report: Report = Arc::new(move |e| {
        let _ = tx.send(e);
    });
    (report, rx)
}

/// An App over runbook text, with its monitoring state.
fn app(text: &str) -> App {
    let rb = runbook::parse(text, "t.md");
    assert!(!rb.has_errors(), "{:?}", rb.diagnostics);
    let state = RunState::new(&rb);
    App::new(
        rb,
        state,
        "t".into(),
        PathBuf::from("/nonexistent"),
        chrono::Utc::now(),
    )
}

/// Receives events until `pred` accepts one (bounded by `within`); every sample is applied
/// to `app` and its effects collected.
async fn until(
    rx: &mut mpsc::UnboundedReceiver<MonitorEvent>,
    app: &mut App,
    effects: &mut Vec<Effect>,
    within: Duration,
    what: &str,
    mut pred: impl FnMut(&MonitorEvent) -> bool,
) -> MonitorEvent {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ev = tokio::time::timeout(left, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("waited {within:?} for {what}"))
            .expect("channel open");
        effects.extend(update(app, Action::Monitor(ev.clone())));
        if pred(&ev) {
            return ev;
        }
    }
}

fn sample_of(ev: &MonitorEvent, metric: usize) -> Option<&Result<f64, String>> {
    match ev {
        MonitorEvent::Sample(Sample {
            metric: m, value, ..
        }) if *m == metric => Some(value),
        _ => None,
    }
}

#[test]
fn sql_metric_follows_a_value_the_test_changes() {
    let rt = rt();
    rt.block_on(async {
        let Ok(db) = flightdeck::db::connect(&pg_url(), Duration::from_secs(5)).await else {
            return missing("PostgreSQL (FLIGHTDECK_TEST_PG or 127.0.0.1:5432)");
        };
        let table = format!("fd_metric_probe_{}", std::process::id());
        db.client
            .batch_execute(&format!(
                "drop table if exists {table}; create table {table} (v int); insert into {table} values (3)"
            ))
            .await
            .expect("setup");
        let text = format!(
            "---\ndatabases:\n  local: {}\nmetrics:\n  - name: probe\n    sql: select v from {table}\n    db: local\n    interval: 1s\n    crit: \"> 10\"\n  - name: conns\n    sql: select count(*) from pg_stat_activity\n    interval: 1s\n    db: local\n---\n# T\n\n- [ ] x\n",
            pg_url()
        );
        let mut app = app(&text);
        let (report, mut rx) = channel();
        let _m = sampler::start_for(&app.runbook, &app.monitor, &app.values, report);
        let mut fx = Vec::new();
        let w = Duration::from_secs(30);
        until(&mut rx, &mut app, &mut fx, w, "probe = 3", |e| sample_of(e, 0) == Some(&Ok(3.0))).await;
        db.client
            .batch_execute(&format!("update {table} set v = 42"))
            .await
            .expect("update");
        until(&mut rx, &mut app, &mut fx, w, "probe = 42", |e| sample_of(e, 0) == Some(&Ok(42.0))).await;
        assert!(
            fx.iter().any(|e| matches!(e, Effect::Append { kind: EventKind::MetricBreach { metric, .. }, .. } if metric == "probe")),
            "crossing into crit is journaled: {fx:?}"
        );
        until(&mut rx, &mut app, &mut fx, w, "connection count", |e| {
            sample_of(e, 1).is_some_and(|v| v.as_ref().is_ok_and(|n| *n >= 1.0))
        })
        .await;
        db.client
            .batch_execute(&format!("drop table {table}"))
            .await
            .expect("cleanup");
    });
}

/// Forwards connections from `listener` to `target` (PostgreSQL) until dropped.
async fn forward(listener: TcpListener, target: SocketAddr) {
    while let Ok((mut inbound, _)) = listener.accept().await {
        tokio::spawn(async move {
            if let Ok(mut outbound) = TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

#[test]
fn sql_wrong_port_shows_error_and_recovers_without_blocking_others() {
    let rt = rt();
    rt.block_on(async {
        if flightdeck::db::connect(&pg_url(), Duration::from_secs(5)).await.is_err() {
            return missing("PostgreSQL (FLIGHTDECK_TEST_PG or 127.0.0.1:5432)");
        }
        let config = tokio_postgres::Config::from_str(&pg_url()).expect("url");
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            _ => "127.0.0.1".to_string(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let target: SocketAddr = tokio::net::lookup_host((host.as_str(), port))
            .await
            .expect("resolve")
            .next()
            .expect("address");
        // A loopback port with nothing behind it (yet).
        let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = free.local_addr().expect("addr").port();
        drop(free);
        let user = config.get_user().unwrap_or("postgres");
        let dbname = config.get_dbname().unwrap_or("test");
        let text = format!(
            "---\ndatabases:\n  local: postgres://{user}@127.0.0.1:{port}/{dbname}?sslmode=disable\nmetrics:\n  - name: one\n    sql: select 1\n    interval: 1s\n  - name: steady\n    command: echo 5\n    interval: 1s\n---\n# T\n\n- [ ] x\n"
        );
        let mut app = app(&text);
        let (report, mut rx) = channel();
        let _m = sampler::start_for(&app.runbook, &app.monitor, &app.values, report);
        let mut fx = Vec::new();
        let w = Duration::from_secs(30);
        let err = until(&mut rx, &mut app, &mut fx, w, "sql error", |e| {
            sample_of(e, 0).is_some_and(Result::is_err)
        })
        .await;
        let text = format!("{err:?}");
        assert!(text.to_lowercase().contains("connect") || text.contains("refused"), "{text}");
        assert_eq!(
            app.monitor.metrics[0].level(app.now),
            flightdeck::monitor::metric::Level::Error
        );
        // The other metric keeps its pace while the database is down.
        let mut steady = 0;
        until(&mut rx, &mut app, &mut fx, w, "three steady samples", |e| {
            if sample_of(e, 1) == Some(&Ok(5.0)) {
                steady += 1;
            }
            steady >= 3
        })
        .await;
        // Fix it: the port now leads to PostgreSQL; the sampler reconnects after its backoff.
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("rebind");
        let fwd = tokio::spawn(forward(listener, target));
        until(&mut rx, &mut app, &mut fx, Duration::from_secs(60), "recovery", |e| {
            sample_of(e, 0) == Some(&Ok(1.0))
        })
        .await;
        assert_eq!(
            app.monitor.metrics[0].level(app.now),
            flightdeck::monitor::metric::Level::Ok
        );
        fwd.abort();
    });
}

/// A tiny HTTP server: `/ok` 200 with JSON, `/fail` 500, `/slow` answers after 3 s, `/metrics`
/// the gauge in Prometheus text format.
async fn http_server(gauge: Arc<AtomicU64>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let gauge = gauge.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&got);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, body) = match path.as_str() {
                    "/ok" => (
                        "200 OK",
                        r#"{"status":{"db":{"latency":12.5}}}"#.to_string(),
                    ),
                    "/fail" => ("500 Internal Server Error", "{}".to_string()),
                    "/slow" => {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        ("200 OK", "{}".to_string())
                    }
                    "/metrics" => (
                        "200 OK",
                        format!(
                            "# TYPE fd_test_gauge gauge\nfd_test_gauge {}\n",
                            f64::from_bits(gauge.load(Ordering::SeqCst))
                        ),
                    ),
                    _ => ("404 Not Found", String::new()),
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(reply.as_bytes()).await;
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

#[test]
fn http_ok_error_slow_and_refused() {
    rt().block_on(async {
        let addr = http_server(Arc::new(AtomicU64::new(0))).await;
        let client = source_http::client();
        let t = Duration::from_secs(1);
        let url = |p: &str| format!("http://{addr}{p}");
        let latency = source_http::sample(&client, &url("/ok"), 200, None, t).await;
        assert!(
            latency.as_ref().is_ok_and(|ms| *ms >= 0.0 && *ms < 1000.0),
            "{latency:?}"
        );
        let picked =
            source_http::sample(&client, &url("/ok"), 200, Some("status.db.latency"), t).await;
        assert_eq!(picked, Ok(12.5));
        let fail = source_http::sample(&client, &url("/fail"), 200, None, t).await;
        assert_eq!(fail, Err("HTTP 500 (expected 200)".into()));
        assert!(
            source_http::sample(&client, &url("/fail"), 500, None, t)
                .await
                .is_ok()
        );
        let slow = source_http::sample(&client, &url("/slow"), 200, None, t).await;
        assert_eq!(slow, Err("timed out after 1 s".into()));
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        let refused =
            source_http::sample(&client, &format!("http://127.0.0.1:{port}/"), 200, None, t).await;
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.starts_with("cannot connect")),
            "{refused:?}"
        );
    });
}

#[test]
fn command_numbers_non_numbers_failures_and_timeouts() {
    rt().block_on(async {
        let t = Duration::from_secs(2);
        assert_eq!(source_command::sample("echo 42", t).await, Ok(42.0));
        assert_eq!(
            source_command::sample("echo hello", t).await,
            Err("not a number: `hello`".into())
        );
        assert_eq!(
            source_command::sample("echo boom >&2; exit 3", t).await,
            Err("exit 3: boom".into())
        );
        let slow = source_command::sample("sleep 30 & wait", Duration::from_secs(1)).await;
        assert_eq!(slow, Err("timed out after 1 s".into()));
    });
}

/// Finds Debian's prometheus binary.
fn prometheus_bin() -> Option<PathBuf> {
    ["/usr/bin/prometheus", "/usr/local/bin/prometheus"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Kills the Prometheus child when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn prometheus_metric_follows_a_gauge_with_breach_and_recovery() {
    let Some(bin) = prometheus_bin() else {
        return missing("prometheus (apt-get install prometheus)");
    };
    rt().block_on(async {
        let gauge = Arc::new(AtomicU64::new(5f64.to_bits()));
        let exporter = http_server(gauge.clone()).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let prom_port = free.local_addr().expect("addr").port();
        drop(free);
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: fd\n    static_configs:\n      - targets: ['{exporter}']\n"
            ),
        )
        .expect("config");
        let child = std::process::Command::new(&bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .arg("--log.level=warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("prometheus starts");
        let _child = Child(child);
        let text = format!(
            "---\nprometheus: http://127.0.0.1:{prom_port}\nmetrics:\n  - name: gauge\n    prometheus: fd_test_gauge\n    interval: 1s\n    crit: \"> 100\"\n  - name: many\n    prometheus: '{{job=\"fd\"}}'\n    interval: 1s\n---\n# T\n\n- [ ] x\n"
        );
        let mut app = app(&text);
        let (report, mut rx) = channel();
        let _m = sampler::start_for(&app.runbook, &app.monitor, &app.values, report);
        let mut fx = Vec::new();
        let w = Duration::from_secs(60);
        until(&mut rx, &mut app, &mut fx, w, "gauge = 5", |e| sample_of(e, 0) == Some(&Ok(5.0))).await;
        gauge.store(150f64.to_bits(), Ordering::SeqCst);
        until(&mut rx, &mut app, &mut fx, w, "gauge = 150", |e| sample_of(e, 0) == Some(&Ok(150.0))).await;
        gauge.store(7f64.to_bits(), Ordering::SeqCst);
        until(&mut rx, &mut app, &mut fx, w, "gauge = 7", |e| sample_of(e, 0) == Some(&Ok(7.0))).await;
        let kinds: Vec<&EventKind> = fx
            .iter()
            .filter_map(|e| match e {
                Effect::Append { kind, .. } => Some(kind),
                _ => None,
            })
            .collect();
        assert_eq!(
            kinds,
            [
                &EventKind::MetricBreach {
                    metric: "gauge".into(),
                    value: 150.0,
                    threshold: "> 100".into()
                },
                &EventKind::MetricRecovered {
                    metric: "gauge".into(),
                    value: 7.0
                }
            ]
        );
        // `{job="fd"}` matches several series: the row says how many.
        let many = until(&mut rx, &mut app, &mut fx, w, "series count error", |e| {
            sample_of(e, 1).is_some_and(|v| v.as_ref().is_err_and(|m| m.contains("series came back")))
        })
        .await;
        assert!(format!("{many:?}").contains("(expected exactly 1)"));
    });
}

#[test]
fn file_tail_survives_rotation_and_truncation() {
    rt().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("app.log");
        std::fs::write(&path, "old line\n").expect("write");
        let (report, mut rx) = channel();
        let task = tokio::spawn(logtail::follow_file(0, path.clone(), report));
        let mut seen: Vec<String> = Vec::new();
        let mut statuses: Vec<String> = Vec::new();
        let mut wait_for =
            async |want: &str, seen: &mut Vec<String>, statuses: &mut Vec<String>| {
                let deadline = Instant::now() + Duration::from_secs(20);
                while !seen.iter().any(|l| l == want) {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match tokio::time::timeout(left, rx.recv()).await {
                        Ok(Some(MonitorEvent::LogLines { lines, .. })) => seen.extend(lines),
                        Ok(Some(MonitorEvent::LogStatus { text, .. })) => statuses.push(text),
                        _ => panic!("waited for `{want}`; saw {seen:?} {statuses:?}"),
                    }
                }
            };
        wait_for("old line", &mut seen, &mut statuses).await;
        let append = |p: &PathBuf, text: &str| {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(p)
                .expect("open");
            f.write_all(text.as_bytes()).expect("append");
        };
        append(&path, "ERROR first\n");
        wait_for("ERROR first", &mut seen, &mut statuses).await;
        // Rotation by rename: the last lines of the old file, then the new file from its start.
        append(&path, "last of old\n");
        std::fs::rename(&path, dir.path().join("app.log.1")).expect("rotate");
        append(&path, "first of new\n");
        wait_for("first of new", &mut seen, &mut statuses).await;
        assert!(seen.contains(&"last of old".to_string()), "{seen:?}");
        assert!(
            statuses.iter().any(|s| s.contains("rotated")),
            "{statuses:?}"
        );
        // Truncation: the file shrinks; reading starts again at 0.
        append(&path, "padding line that makes the file longer\n");
        wait_for(
            "padding line that makes the file longer",
            &mut seen,
            &mut statuses,
        )
        .await;
        std::fs::write(&path, "after\n").expect("truncate");
        wait_for("after", &mut seen, &mut statuses).await;
        assert!(
            statuses.iter().any(|s| s.contains("truncated")),
            "{statuses:?}"
        );
        let old = seen.iter().filter(|l| *l == "old line").count();
        assert_eq!(old, 1, "no line read twice: {seen:?}");
        task.abort();
    });
}

#[test]
fn log_command_is_restarted_when_it_exits() {
    rt().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let counter = dir.path().join("runs");
        let cmd = format!(
            "echo run >> {p}; echo \"run $(wc -l < {p})\"; echo oops >&2; exit 2",
            p = counter.display()
        );
        let (report, mut rx) = channel();
        let task = tokio::spawn(logtail::follow_command(0, cmd, report));
        let mut lines = Vec::new();
        let mut statuses = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !lines.iter().any(|l: &String| l.trim() == "run 2") {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, rx.recv()).await {
                Ok(Some(MonitorEvent::LogLines { lines: l, .. })) => lines.extend(l),
                Ok(Some(MonitorEvent::LogStatus { text, .. })) => statuses.push(text),
                _ => panic!("no restart: {lines:?} {statuses:?}"),
            }
        }
        assert!(
            lines.contains(&"oops".to_string()),
            "stderr is shown too: {lines:?}"
        );
        assert_eq!(
            statuses.first().map(String::as_str),
            Some("exited with code 2; restarting in 1 s")
        );
        task.abort();
    });
}

#[test]
fn monitor_state_for_broken_declarations_keeps_the_row() {
    let rb = runbook::parse(
        "---\nmetrics:\n  - name: a\n    command: echo 1\n  - name: b\n---\n# T\n\n- [ ] x\n",
        "t.md",
    );
    let m = Monitor::new(&rb);
    assert_eq!(m.metrics.len(), 2);
    assert!(
        m.metrics[1]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("no source"))
    );
    assert_eq!(m.defs().iter().filter(|d| d.is_some()).count(), 1);
}
