//! Monitoring at scale, beside the seeds' own method:
//!
//! 1. 200 metrics at 1 s from local sources (100 `http` on a loopback server running in a
//!    child process, 100 `sql` on the local PostgreSQL, or 200 `http` without it), each reading
//!    applied to the cockpit state by `update` and a frame drawn at the coalesced rate (≤30 fps)
//!    on a 160×45 TestBackend. CPU (utime+stime of this process from /proc/self/stat), sampling
//!    jitter (interval between consecutive readings of a metric minus 1 s), RSS growth;
//! 2. the same 200 probes per second as the seeds do them: a shell loop running `curl` and
//!    `psql -c` once a second (`watch -n1 curl …`), CPU from /proc/<pid>/stat including its
//!    waited-for children (cutime+cstime);
//! 3. 200 `command` metrics (`cat /proc/loadavg`, one fork each per second), for scale.
//!
//! Run: `cargo bench --bench monitor`. `FLIGHTDECK_BENCH_SECS` sets each span (default 20).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use flightdeck::app::action::Action;
use flightdeck::app::state::App;
use flightdeck::app::update::update;
use flightdeck::journal::replay::RunState;
use flightdeck::monitor::sample::MonitorEvent;
use flightdeck::monitor::sampler;
use flightdeck::runbook;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const METRICS: usize = 200;
const PG: &str = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable";

fn ticks_per_sec() -> f64 {
    // CLK_TCK is 100 on Linux.
    100.0
}

/// (utime + stime, cutime + cstime) of a process, in seconds.
fn cpu_of(pid: &str) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(") ").map_or("", |(_, r)| r);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    let get = |i: usize| f.get(i).copied().unwrap_or(0.0) / ticks_per_sec();
    // Fields after the command: state is 0, utime 11, stime 12, cutime 13, cstime 14.
    (get(11) + get(12), get(13) + get(14))
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The child-process HTTP server: answers every request with a small 200.
fn serve() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        println!("{}", listener.local_addr().expect("addr").port());
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                loop {
                    let mut got = Vec::new();
                    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => got.extend_from_slice(&buf[..n]),
                        }
                    }
                    let body = "{\"ok\":1}";
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if s.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
}

fn pg_available() -> bool {
    std::process::Command::new("psql")
        .args([PG, "-tAc", "select 1"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The runbook text for `n_http` http and `n_sql` sql (or `n_cmd` command) metrics.
fn runbook_text(port: u16, n_http: usize, n_sql: usize, n_cmd: usize) -> String {
    let mut t = format!("---\ndatabases:\n  local: {PG}\nmetrics:\n");
    for i in 0..n_http {
        t += &format!(
            "  - name: h{i}\n    http: http://127.0.0.1:{port}/ok\n    interval: 1s\n    warn: \"> 100\"\n"
        );
    }
    for i in 0..n_sql {
        t += &format!(
            "  - name: s{i}\n    sql: select {i}\n    db: local\n    interval: 1s\n    crit: \"> 1000\"\n"
        );
    }
    for i in 0..n_cmd {
        t += &format!("  - name: c{i}\n    command: cat /proc/loadavg\n    interval: 1s\n");
    }
    t + "---\n# Bench\n\n- [ ] x\n"
}

struct Figures {
    cpu_pct: f64,
    children_pct: f64,
    jitter_p50_ms: f64,
    jitter_p99_ms: f64,
    samples: usize,
    errors: usize,
    rss_growth_kib: i64,
    frames: usize,
}

/// Runs the samplers and the cockpit's update + draw for `secs`.
fn cockpit(text: &str, secs: u64) -> Figures {
    let rb = runbook::parse(text, "bench.md");
    assert!(!rb.has_errors(), "{:?}", rb.diagnostics);
    let state = RunState::new(&rb);
    let mut app = App::new(
        rb,
        state,
        "bench".into(),
        PathBuf::new(),
        chrono::Utc::now(),
    );
    app.size = (160, 45);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _m = sampler::start_for(
            &app.runbook,
            &app.monitor,
            &app.values,
            Arc::new(move |e| {
                let _ = tx.send(e);
            }),
        );
        let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
        // Warm up: connections open, first readings in.
        let warm = Instant::now() + Duration::from_secs(3);
        while let Ok(Some(ev)) = tokio::time::timeout_at(warm.into(), rx.recv()).await {
            update(&mut app, Action::Monitor(ev));
        }
        let rss0 = rss_kib() as i64;
        let (cpu0, kids0) = cpu_of("self");
        let start = Instant::now();
        let end = start + Duration::from_secs(secs);
        let mut last: HashMap<usize, chrono::DateTime<chrono::Utc>> = HashMap::new();
        let mut jitter = Vec::new();
        let (mut samples, mut errors, mut frames) = (0, 0, 0);
        let mut last_draw = Instant::now();
        let mut dirty = false;
        loop {
            let wait = if dirty {
                (last_draw + Duration::from_millis(33)).min(end)
            } else {
                end
            };
            match tokio::time::timeout_at(wait.into(), rx.recv()).await {
                Ok(Some(ev)) => {
                    if let MonitorEvent::Sample(s) = &ev {
                        samples += 1;
                        errors += usize::from(s.value.is_err());
                        if let Some(prev) = last.insert(s.metric, s.at) {
                            let gap = (s.at - prev).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                            jitter.push((gap - 1000.0).abs());
                        }
                    }
                    update(&mut app, Action::Monitor(ev));
                    dirty = true;
                }
                Ok(None) => break,
                Err(_) => {}
            }
            if dirty && last_draw.elapsed() >= Duration::from_millis(33) {
                term.draw(|f| flightdeck::ui::render(f, &app))
                    .expect("draw");
                frames += 1;
                last_draw = Instant::now();
                dirty = false;
            }
            if Instant::now() >= end {
                break;
            }
        }
        let (cpu1, kids1) = cpu_of("self");
        let wall = start.elapsed().as_secs_f64();
        jitter.sort_by(f64::total_cmp);
        let pct = |p: f64| {
            jitter
                .get(((jitter.len() as f64 * p) as usize).min(jitter.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0.0)
        };
        Figures {
            cpu_pct: (cpu1 - cpu0) / wall * 100.0,
            children_pct: (kids1 - kids0) / wall * 100.0,
            jitter_p50_ms: pct(0.5),
            jitter_p99_ms: pct(0.99),
            samples,
            errors,
            rss_growth_kib: rss_kib() as i64 - rss0,
            frames,
        }
    })
}

/// The seeds' way: a shell loop probing once a second with curl and psql; CPU of the shell
/// and its children.
fn shell_loop(port: u16, n_http: usize, n_sql: usize, secs: u64) -> (f64, usize) {
    let script = format!(
        "end=$(( $(date +%s) + {secs} )); n=0
         while [ $(date +%s) -lt $end ]; do
           i=0; while [ $i -lt {n_http} ]; do curl -s -o /dev/null http://127.0.0.1:{port}/ok; i=$((i+1)); done
           i=0; while [ $i -lt {n_sql} ]; do psql '{PG}' -tAc \"select $i\" >/dev/null; i=$((i+1)); done
           n=$((n+1)); sleep 1
         done; echo $n"
    );
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sh");
    let pid = child.id().to_string();
    let start = Instant::now();
    // Sample the shell's own and its children's CPU just before it exits.
    let mut cpu = (0.0, 0.0);
    while start.elapsed() < Duration::from_secs(secs) + Duration::from_millis(200) {
        let c = cpu_of(&pid);
        if c.0 + c.1 > 0.0 {
            cpu = c;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().expect("wait");
    let rounds: usize = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    let wall = start.elapsed().as_secs_f64();
    ((cpu.0 + cpu.1) / wall * 100.0, rounds)
}

fn main() {
    if std::env::var_os("FD_BENCH_SERVE").is_some() {
        return serve();
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let secs: u64 = std::env::var("FLIGHTDECK_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let exe = std::env::current_exe().expect("exe");
    let mut server = std::process::Command::new(exe)
        .env("FD_BENCH_SERVE", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("server");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port");
    let port: u16 = line.trim().parse().expect("port number");
    let (n_http, n_sql) = if pg_available() {
        (METRICS / 2, METRICS / 2)
    } else {
        println!("PostgreSQL not reachable: 200 http metrics instead of 100 http + 100 sql");
        (METRICS, 0)
    };
    let f = cockpit(&runbook_text(port, n_http, n_sql, 0), secs);
    println!(
        "flightdeck, {n_http} http + {n_sql} sql metrics at 1 s, {secs} s: CPU {:.2} % of one core, jitter p50 {:.1} ms p99 {:.1} ms, {} readings ({} errors), {} frames, RSS growth {} KiB",
        f.cpu_pct,
        f.jitter_p50_ms,
        f.jitter_p99_ms,
        f.samples,
        f.errors,
        f.frames,
        f.rss_growth_kib
    );
    let (cpu, rounds) = shell_loop(port, n_http, n_sql, secs);
    println!(
        "shell loop (curl + psql -c, the seeds' `watch -n1` way), same probes, {secs} s: CPU {cpu:.1} % of one core, {rounds} rounds (target {secs})"
    );
    let f = cockpit(&runbook_text(port, 0, 0, METRICS), secs);
    println!(
        "flightdeck, 200 command metrics (a fork each per second), {secs} s: CPU {:.2} % of one core for flightdeck + {:.1} % for the commands it ran, jitter p50 {:.1} ms p99 {:.1} ms, {} readings ({} errors)",
        f.cpu_pct, f.children_pct, f.jitter_p50_ms, f.jitter_p99_ms, f.samples, f.errors
    );
    let _ = server.kill();
    let _ = server.wait();
}
