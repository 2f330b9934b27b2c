//! `flightdeck journal …` and `flightdeck export`: the journal's command-line edges. Every user
//! error is one line on stderr and a non-zero exit; `verify` exits 1 on a bad line.

use std::fmt::{Display, Write as _};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use flightdeck::journal::runs::{self, LoadedRun};
use flightdeck::journal::{self, EventKind, Journal, export};

use crate::emit::emit;

/// What `journal` can do.
#[derive(Subcommand)]
pub enum JournalCommand {
    /// Runs, newest first: id, state, progress, started, last event, runbook.
    ///
    /// With --share URL: the runs shared to that database (any machine, empty data dir).
    List {
        /// List the runs shared to this PostgreSQL URL instead of the local ones; `-` reads
        /// `$FLIGHTDECK_SHARE` (keeps the password out of `ps` and history).
        #[arg(long, value_name = "URL")]
        share: Option<String>,
    },
    /// The event timeline of a run, for a person.
    ///
    /// RUN is a run id, a unique prefix of one, `latest`, or a path to a run folder.
    Show {
        /// Run id, unique prefix of one, `latest`, or run folder.
        run: String,
    },
    /// Recompute the hash chain: exit 0 with the head hash, exit 1 naming the first bad line.
    ///
    /// With --share URL: also compare the local journal with its shared copy line by line
    /// (a deleted tail on either side included) and name the first difference.
    Verify {
        /// Run id, unique prefix of one, `latest`, or run folder.
        run: String,
        /// Compare with the copy shared to this PostgreSQL URL; `-` reads `$FLIGHTDECK_SHARE`.
        #[arg(long, value_name = "URL")]
        share: Option<String>,
    },
    /// Test harness: open RUN and append N notes, printing `seq N` once each is durable and
    /// `shown B`, the output bytes the `--step` has sent so far (`started SEQ ATTEMPT` first).
    #[command(name = "__append-loop", hide = true)]
    AppendLoop {
        run: String,
        count: u64,
        /// Also run a shell step under its supervisor while appending (`tests/journal_crash.rs`).
        #[arg(long)]
        step: Option<String>,
    },
}

/// Report formats of `export`.
#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
}

/// Exit status of a user error (bad RUN, unreadable run, …).
const USER_ERROR: u8 = 2;

fn fail(e: impl Display) -> ExitCode {
    eprintln!("flightdeck: {e}");
    ExitCode::from(USER_ERROR)
}

fn resolve(home: Option<&Path>, run: &str) -> Result<PathBuf, ExitCode> {
    let home = runs::home_dir(home).map_err(fail)?;
    runs::resolve(&home, run).map_err(fail)
}

fn load(home: Option<&Path>, run: &str) -> Result<LoadedRun, ExitCode> {
    let dir = resolve(home, run)?;
    runs::load_run(&dir).map_err(fail)
}

/// Runs a `journal` subcommand.
pub fn journal(home: Option<&Path>, command: JournalCommand) -> ExitCode {
    let result = match command {
        JournalCommand::List { share: Some(url) } => Ok(crate::share_cli::list(&url)),
        JournalCommand::List { share: None } => list(home),
        JournalCommand::Verify {
            run,
            share: Some(url),
        } => Ok(crate::share_cli::verify(home, &url, &run)),
        JournalCommand::Show { run } => show(home, &run),
        JournalCommand::Verify { run, share: None } => verify(home, &run),
        JournalCommand::AppendLoop { run, count, step } => {
            append_loop(home, &run, count, step.as_deref())
        }
    };
    result.unwrap_or_else(|code| code)
}

fn list(home: Option<&Path>) -> Result<ExitCode, ExitCode> {
    let home = runs::home_dir(home).map_err(fail)?;
    let dirs = runs::run_dirs(&home).map_err(fail)?;
    if dirs.is_empty() {
        return Ok(emit(&format!(
            "no runs yet in {}\n",
            runs::runs_dir(&home).display()
        )));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<36} {:<10} {:>9}  {:<17} {:<17} RUNBOOK",
        "RUN", "STATE", "PROGRESS", "STARTED (UTC)", "LAST EVENT"
    );
    let fmt = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or("—".to_string(), |t| {
            t.format("%Y-%m-%d %H:%M").to_string()
        })
    };
    for dir in dirs {
        let id = runs::run_id_of(&dir);
        match runs::load_run(&dir) {
            Ok(run) => {
                let (done, total) = run.state.done_count();
                let _ = writeln!(
                    out,
                    "{id:<36} {:<10} {:>9}  {:<17} {:<17} {}",
                    run.status.as_str(),
                    format!("{done}/{total}"),
                    fmt(run.state.started),
                    fmt(run.state.last_event),
                    run.state.runbook_title
                );
            }
            Err(e) => {
                let _ = writeln!(out, "{id:<36} {:<10} {e}", "damaged");
            }
        }
    }
    Ok(emit(&out))
}

fn show(home: Option<&Path>, run: &str) -> Result<ExitCode, ExitCode> {
    let run = load(home, run)?;
    let (done, total) = run.state.done_count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} ({}, {done}/{total} steps done)",
        run.state.run_id,
        run.state.runbook_title,
        run.status.as_str()
    );
    for e in &run.events {
        let _ = writeln!(
            out,
            "{}  {:<12} {}",
            e.ts.format("%Y-%m-%d %H:%M:%S"),
            e.operator,
            run.describe(e, false)
        );
    }
    for (id, end) in &run.unjournaled {
        let title = run
            .runbook
            .step(id)
            .map_or(id.as_str(), |s| s.title.as_str());
        let how = match (end.exit_code, end.signal) {
            (Some(0), _) => "succeeded".to_string(),
            (Some(code), _) => format!("failed with exit code {code}"),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            (None, None) => "ended without an exit code".to_string(),
        };
        let _ = writeln!(
            out,
            "{}  {:<12} {title}: {how} while no cockpit was open (not journaled yet: the next cockpit records it)",
            end.ended_at.format("%Y-%m-%d %H:%M:%S"),
            "supervisor",
        );
    }
    Ok(emit(&out))
}

fn verify(home: Option<&Path>, run: &str) -> Result<ExitCode, ExitCode> {
    let dir = resolve(home, run)?;
    match journal::verify(&dir) {
        Ok(head) => Ok(emit(&format!(
            "{}: chain intact; head {head}\n",
            runs::run_id_of(&dir)
        ))),
        Err(e @ journal::VerifyError::BadLine { .. }) => {
            eprintln!("flightdeck: {e}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(fail(e)),
    }
}

fn append_loop(
    home: Option<&Path>,
    run: &str,
    count: u64,
    script: Option<&str>,
) -> Result<ExitCode, ExitCode> {
    let dir = resolve(home, run)?;
    let (mut journal, events, repaired) = Journal::open(&dir, "crash-test").map_err(fail)?;
    if let Some(msg) = repaired {
        eprintln!("flightdeck: {msg}");
    }
    let say = |line: String| {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
    };
    // The step's output as a screen would get it: the bytes received so far.
    let shown = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(fail)?;
    let _running = match script {
        Some(script) => {
            let attempt = 1 + events
                .iter()
                .filter(|e| {
                    e.step.as_deref() == Some(LOOP_STEP)
                        && matches!(e.kind, EventKind::StepStarted { .. })
                })
                .count() as u32;
            let kind = EventKind::StepStarted {
                attempt,
                command: None,
            };
            let event = journal.append(kind, Some(LOOP_STEP)).map_err(fail)?;
            let (tx, mut rx) = tokio::sync::mpsc::channel(64);
            let _inside = rt.enter();
            let running = flightdeck::exec::shell::spawn(
                flightdeck::exec::shell::ShellJob {
                    step_id: LOOP_STEP.into(),
                    attempt,
                    script: script.into(),
                    env: Vec::new(),
                    workdir: dir.clone(),
                    output_path: journal.output_path(LOOP_STEP, attempt),
                    masker: Default::default(),
                    capture_vars: false,
                    program: flightdeck::exec::supervisor::this_binary(),
                },
                tx,
            )
            .map_err(fail)?;
            let counter = shown.clone();
            rt.spawn(async move {
                while let Some(ev) = rx.recv().await {
                    if let flightdeck::exec::shell::ExecEvent::Output { chunk, .. } = ev {
                        counter.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            });
            say(format!("started {} {attempt}", event.seq));
            Some(running)
        }
        None => None,
    };
    for n in 0..count {
        let text = format!(
            "append-loop note {n}: {}",
            "x".repeat((n % 7 * 40) as usize)
        );
        let event = journal
            .append(EventKind::Note { text }, None)
            .map_err(fail)?;
        let seen = shown.load(std::sync::atomic::Ordering::SeqCst);
        if !say(format!("seq {}", event.seq)) || !say(format!("shown {seen}")) {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The step `__append-loop --step` runs.
const LOOP_STEP: &str = "count";

/// Runs `export`.
pub fn export(
    home: Option<&Path>,
    run: &str,
    format: ExportFormat,
    output: Option<&Path>,
) -> ExitCode {
    let run = match load(home, run) {
        Ok(run) => run,
        Err(code) => return code,
    };
    let text = match format {
        ExportFormat::Md => export::markdown(&run),
        ExportFormat::Json => match export::json(&run) {
            Ok(t) => t,
            Err(e) => return fail(format!("cannot encode the run as JSON: {e}")),
        },
    };
    write_report(&text, output)
}

/// Writes a report to `output`, else to stdout.
pub fn write_report(text: &str, output: Option<&Path>) -> ExitCode {
    match output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(format!(
                "{}: cannot write the report: {e}; check the directory exists and is writable",
                path.display()
            )),
        },
        None => emit(text),
    }
}
