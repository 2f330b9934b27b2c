//! `flightdeck plan` against `cat` of the same file, as whole processes (the issue 2 target):
//! runs the commands in turn, round after round, so that a noisy host slows them all alike, and
//! reports medians of each child's own CPU time (user + system, from `getrusage`) and wall time.
//! hyperfine runs each command's batch in one go, which on a shared VM drifts by more than the
//! difference being measured.
//!
//! `cargo build --release && cargo build --release --example start_ratio &&
//!  T=target/$(rustc --print host-tuple)/release &&
//!  $T/examples/start_ratio $T/flightdeck tests/fixtures/seed-*.md`
//!
//! Measure a binary from a plain `cargo build --release` (see docs/BENCHMARKS.md).

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};

const ROUNDS: usize = 400;
const WARMUP: usize = 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((exe, files)) = args.split_first().filter(|(_, f)| !f.is_empty()) else {
        eprintln!("usage: start_ratio FLIGHTDECK_BINARY FILE...");
        return ExitCode::from(2);
    };
    // Each `plan` is compared with the `cat` just before it; `--version` (start-up alone) with
    // the first.
    let mut cmds: Vec<(String, Vec<String>)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        cmds.push(("cat".into(), vec![f.clone()]));
        if i == 0 {
            cmds.push((exe.clone(), vec!["--version".into()]));
        }
        cmds.push((exe.clone(), vec!["plan".into(), f.clone()]));
    }
    let mut cpu = vec![Vec::with_capacity(ROUNDS); cmds.len()];
    let mut wall = vec![Vec::with_capacity(ROUNDS); cmds.len()];
    for round in 0..WARMUP + ROUNDS {
        for (i, (prog, args)) in cmds.iter().enumerate() {
            match run(prog, args) {
                Ok((c, w)) if round >= WARMUP => {
                    cpu[i].push(c);
                    wall[i].push(w);
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("start_ratio: {prog} {}: {e}", args.join(" "));
                    return ExitCode::from(1);
                }
            }
        }
    }
    let med = |v: &mut Vec<Duration>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut cat = Duration::ZERO;
    println!(
        "{:<48} {:>9} {:>9} {:>7}",
        "command", "cpu ms", "wall ms", "× cat"
    );
    for (i, (prog, args)) in cmds.iter().enumerate() {
        let (c, w) = (med(&mut cpu[i]), med(&mut wall[i]));
        let ratio = if prog == "cat" {
            cat = c;
            String::new()
        } else if cat > Duration::ZERO {
            format!("{:.2}", c.as_secs_f64() / cat.as_secs_f64())
        } else {
            String::new()
        };
        let name = format!("{} {}", short(prog), args.join(" "));
        println!("{name:<48} {:>9.3} {:>9.3} {ratio:>7}", ms(c), ms(w));
    }
    ExitCode::SUCCESS
}

/// One run: the child's CPU time (from the change in reaped children's usage) and wall time.
fn run(prog: &str, args: &[String]) -> Result<(Duration, Duration), String> {
    let before = children_cpu()?;
    let start = Instant::now();
    let status = Command::new(prog)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    let wall = start.elapsed();
    if !status.success() {
        return Err(format!("exited with {status}"));
    }
    Ok((children_cpu()?.saturating_sub(before), wall))
}

fn children_cpu() -> Result<Duration, String> {
    let u = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| e.to_string())?;
    let d = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(u64::try_from(t.tv_sec()).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec()).unwrap_or(0))
    };
    Ok(d(u.user_time()) + d(u.system_time()))
}

fn short(prog: &str) -> &str {
    prog.rsplit('/').next().unwrap_or(prog)
}
