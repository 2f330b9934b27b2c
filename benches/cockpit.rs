//! Cockpit speed and memory, each beside the everyday alternative where there is one:
//!
//! 1. output flood: `seq 1 N` run by the headless cockpit (real event loop, TestBackend at the
//!    coalesced frame rate, real journal, output file) vs `seq 1 N | tee FILE > /dev/null`;
//!    peak RSS of the process hosting the cockpit;
//! 2. keypress → frame latency while that flood runs;
//! 3. one full frame at 200×60 with a 2 000-step runbook and a full output buffer;
//! 4. CPU used by the real binary idling on the demo runbook for 60 s (needs tmux; skipped
//!    without it or with `FLIGHTDECK_BENCH_QUICK=1`).
//!
//! Run: `cargo bench --bench cockpit`. `FLIGHTDECK_BENCH_LINES` sets N (default 20 000 000).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use flightdeck::app::runtime::event_loop;
use flightdeck::app::state::{App, RING_LINES, StepLog};
use flightdeck::exec::ring::OutputRing;
use flightdeck::journal::{EventKind, Journal, JournalWriter, read_events, replay};
use flightdeck::runbook;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// A TestBackend that notes when each frame is flushed.
struct TimingBackend {
    inner: TestBackend,
    flushes: Arc<Mutex<Vec<Instant>>>,
}

impl Backend for TimingBackend {
    type Error = <TestBackend as Backend>::Error;
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(
        &mut self,
        content: I,
    ) -> Result<(), Self::Error> {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        if let Ok(mut f) = self.flushes.lock() {
            f.push(Instant::now());
        }
        self.inner.flush()
    }
}

fn key(c: KeyCode) -> std::io::Result<TermEvent> {
    Ok(TermEvent::Key(KeyEvent::new(c, KeyModifiers::NONE)))
}

/// Pairs of flood runs (tee, then the cockpit) whose medians are compared.
const ROUNDS: usize = 5;

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Runs a one-step runbook `seq 1 lines` in the headless cockpit; while it runs, presses j/k
/// every 50 ms. Returns (wall time from Enter to step_finished durable, key latencies).
fn headless_flood(dir: &Path, lines: u64) -> (Duration, Vec<Duration>) {
    let text = format!("# Flood\n\n## Run\n\n```bash\nseq 1 {lines}\n```\n");
    let rb = runbook::parse(&text, "flood.md");
    let journal = Journal::create(dir, &rb, &text, "bench").expect("journal");
    let run_dir = journal.run_dir().to_path_buf();
    let events = read_events(&run_dir).expect("events");
    let state = replay(&rb, &events).expect("replay");
    let mut app = App::new(rb, state, "bench".into(), run_dir.clone(), Utc::now());
    // The step runs under `flightdeck supervise`, which this bench binary is not.
    app.program = env!("CARGO_BIN_EXE_flightdeck").into();
    let writer = JournalWriter::spawn(journal).expect("writer");
    let flushes = Arc::new(Mutex::new(Vec::new()));
    let backend = TimingBackend {
        inner: TestBackend::new(160, 45),
        flushes: flushes.clone(),
    };
    let mut terminal = Terminal::new(backend).expect("terminal");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (keys_tx, keys_rx) = tokio::sync::mpsc::unbounded_channel();
    let keys = Box::pin(futures_util::stream::unfold(keys_rx, |mut rx| async move {
        rx.recv().await.map(|k| (k, rx))
    }));
    let start = Instant::now();
    let _ = keys_tx.send(key(KeyCode::Enter));
    let watcher_dir = run_dir.clone();
    let pressed = Arc::new(Mutex::new(Vec::new()));
    let pressed_w = pressed.clone();
    let driver = std::thread::spawn(move || {
        // Presses keys every 50 ms until the step's end is durable, then quits.
        let mut i = 0u32;
        let mut last_key = Instant::now();
        let finished = loop {
            std::thread::sleep(Duration::from_millis(5));
            let done = read_events(&watcher_dir)
                .map(|evs| {
                    evs.iter()
                        .any(|e| matches!(e.kind, EventKind::StepFinished { .. }))
                })
                .unwrap_or(false);
            if done {
                break start.elapsed();
            }
            assert!(
                start.elapsed() < Duration::from_secs(600),
                "flood did not finish in 10 minutes"
            );
            if last_key.elapsed() < Duration::from_millis(50) {
                continue;
            }
            last_key = Instant::now();
            if let Ok(mut p) = pressed_w.lock() {
                p.push(Instant::now());
            }
            let _ = keys_tx.send(key(if i.is_multiple_of(2) {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            }));
            i += 1;
        };
        let _ = keys_tx.send(key(KeyCode::Char('q')));
        finished
    });
    rt.block_on(event_loop(&mut terminal, keys, &mut app, &writer, dir))
        .expect("event loop");
    let wall = driver.join().expect("driver");
    let _ = writer.close();
    let flushes = flushes.lock().map(|f| f.clone()).unwrap_or_default();
    let pressed = pressed.lock().map(|p| p.clone()).unwrap_or_default();
    let mut latencies: Vec<Duration> = pressed
        .iter()
        .filter_map(|t| flushes.iter().find(|f| *f >= t).map(|f| *f - *t))
        .collect();
    latencies.sort();
    (wall, latencies)
}

/// Writes back what earlier runs left in the page cache, so that no run pays for another's.
fn settle() {
    let _ = std::process::Command::new("sync").status();
}

fn tee_baseline(dir: &Path, lines: u64) -> Duration {
    let file = dir.join("tee.out");
    let start = Instant::now();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "seq 1 {lines} | tee {} > /dev/null",
            file.display()
        ))
        .status()
        .expect("sh runs");
    assert!(status.success());
    start.elapsed()
}

/// A runbook of `phases` × `per` steps of mixed kinds.
fn big_runbook(phases: usize, per: usize) -> String {
    let mut s = String::from("# Big\n\n");
    for p in 0..phases {
        s.push_str(&format!("## Phase {p} (30 min)\n\n"));
        for i in 0..per {
            match i % 3 {
                0 => s.push_str(&format!(
                    "- [ ] check {p}.{i} that the dashboards are green\n"
                )),
                1 => s.push_str(&format!(
                    "{i}. Manual step {p}.{i}: confirm with the owner\n"
                )),
                _ => s.push_str(&format!(
                    "\nRun {p}.{i}:\n\n```bash\necho step {p}.{i} $REGION\n```\n\n"
                )),
            }
        }
        s.push('\n');
    }
    s
}

fn frame_time() -> (Duration, Duration, usize) {
    let text = big_runbook(100, 20);
    let rb = runbook::parse(&text, "big.md");
    let steps = rb.steps().count();
    let state = flightdeck::journal::RunState::new(&rb);
    let mut app = App::new(rb, state, "bench".into(), std::env::temp_dir(), Utc::now());
    let id = app
        .selected_step()
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let mut ring = OutputRing::new(RING_LINES);
    let chunk: Vec<u8> = (0..RING_LINES * 2).flat_map(|i| format!("{i:>8} lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n").into_bytes()).collect();
    ring.push_chunk(&chunk, false);
    app.logs.insert(
        id.clone(),
        StepLog {
            ring,
            attempt: 1,
            signal: None,
        },
    );
    app.last_started = Some(id);
    app.size = (200, 60);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let mut times = Vec::new();
    for i in 0..300 {
        app.spinner = i;
        let t = Instant::now();
        terminal
            .draw(|f| flightdeck::ui::render(f, &app))
            .expect("draw");
        times.push(t.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    (mean, percentile(&times, 0.99), steps)
}

/// CPU seconds (user + system) the real binary uses idling on the demo for `secs`.
fn idle_cpu(secs: u64) -> Option<f64> {
    let tmux_ok = std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !tmux_ok {
        return None;
    }
    let home = tempfile::tempdir().ok()?;
    let socket = format!("fd-bench-{}", std::process::id());
    let bin = env!("CARGO_BIN_EXE_flightdeck");
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux")
            .arg("-L")
            .arg(&socket)
            .args(args)
            .output()
    };
    tmux(&[
        "new-session",
        "-d",
        "-s",
        "idle",
        "-x",
        "160",
        "-y",
        "45",
        "-e",
        &format!("FLIGHTDECK_HOME={}", home.path().display()),
        "-e",
        "FLIGHTDECK_CONFIG=/nonexistent",
        bin,
        "run",
        "runbooks/demo.md",
        "--new",
    ])
    .ok()?;
    std::thread::sleep(Duration::from_secs(2));
    let pid = String::from_utf8_lossy(
        &tmux(&["list-panes", "-t", "idle", "-F", "#{pane_pid}"])
            .ok()?
            .stdout,
    )
    .trim()
    .to_string();
    let ticks = || -> Option<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after = stat.rsplit_once(')')?.1;
        let f: Vec<&str> = after.split_whitespace().collect();
        Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
    };
    let before = ticks()?;
    std::thread::sleep(Duration::from_secs(secs));
    let after = ticks()?;
    let _ = tmux(&["kill-server"]);
    let hz = 100.0; // USER_HZ on Linux
    Some((after - before) as f64 / hz)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful here.
    let quick = std::env::var_os("FLIGHTDECK_BENCH_QUICK").is_some();
    let lines: u64 = std::env::var("FLIGHTDECK_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 200_000 } else { 20_000_000 });
    let dir = tempfile::tempdir().expect("tempdir");

    // Alternated and repeated: this machine's speed drifts by a third from run to run, so
    // one pair compares moments more than programs. Medians of each, and their ratio.
    let mut tees = Vec::new();
    let mut walls = Vec::new();
    let mut latencies = Vec::new();
    for round in 0..ROUNDS {
        // Each starts on a fresh folder with no dirty pages left by the one before.
        let tee_dir = dir.path().join(format!("tee-{round}"));
        let flood_dir = dir.path().join(format!("flood-{round}"));
        for d in [&tee_dir, &flood_dir] {
            std::fs::create_dir_all(d).expect("bench folder");
        }
        settle();
        tees.push(tee_baseline(&tee_dir, lines));
        let _ = std::fs::remove_dir_all(&tee_dir);
        settle();
        let (wall, mut keys) = headless_flood(&flood_dir, lines);
        let _ = std::fs::remove_dir_all(&flood_dir);
        walls.push(wall);
        latencies.append(&mut keys);
    }
    tees.sort();
    walls.sort();
    latencies.sort();
    let (tee, wall) = (percentile(&tees, 0.5), percentile(&walls, 0.5));
    let rss_mib = vm_hwm_kib() as f64 / 1024.0;
    let secs = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.2}", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("output flood, seq 1 {lines}, median of {ROUNDS} alternated runs:");
    println!(
        "  seq | tee FILE > /dev/null   {:>8.2} s  (runs: {})",
        tee.as_secs_f64(),
        secs(&tees)
    );
    println!(
        "  headless cockpit           {:>8.2} s  ({:.2}× tee; runs: {})",
        wall.as_secs_f64(),
        wall.as_secs_f64() / tee.as_secs_f64(),
        secs(&walls)
    );
    println!("  peak RSS (VmHWM)           {rss_mib:>8.1} MiB");
    println!(
        "keypress → frame during the flood ({} keys): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    let (mean, p99, steps) = frame_time();
    println!(
        "full frame 200×60, {steps} steps, {RING_LINES}-line output buffer: mean {:.3} ms, p99 {:.3} ms",
        mean.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    if quick {
        return;
    }
    match idle_cpu(60) {
        Some(cpu) => println!("idle on runbooks/demo.md for 60 s: {cpu:.2} s CPU"),
        None => println!("idle CPU: skipped (tmux not installed)"),
    }
}
