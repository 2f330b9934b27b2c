//! The `flightdeck` command line.

mod emit;
mod journal_cli;
mod run_cli;
mod share_cli;
mod takeover_cli;
mod terminal;
mod watch_cli;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use flightdeck::plan::{plan_json, plan_text};
use flightdeck::runbook::{self, Runbook};

use crate::emit::emit;
use crate::journal_cli::{ExportFormat, JournalCommand};

const EXAMPLES: &str = "\
Examples:
  flightdeck runbooks/demo.md                 open the cockpit on a runbook (same as `run`)
  flightdeck run go-live.md --operator maksim resume or start a run as maksim
  flightdeck watch go-live.md                 the on-call's view: metrics, logs, the run's progress
  flightdeck plan runbooks/demo.md            show the checklist a runbook gives
  flightdeck plan go-live.md --format json    the same, for scripts
  flightdeck check runbooks/*.md              lint runbooks (exit 1 on errors)
  flightdeck journal list                     runs, newest first
  flightdeck export latest -o handoff.md      the handoff report of the latest run
  flightdeck run go-live.md --share \"$DB\"     share the run with the team through PostgreSQL";

/// A terminal cockpit for running release and go-live runbooks live.
#[derive(Parser)]
#[command(name = "flightdeck", version, about, after_help = EXAMPLES)]
struct Cli {
    /// A runbook to open in the cockpit (shorthand for `flightdeck run FILE`).
    file: Option<PathBuf>,
    /// Data directory holding `runs/` (default: the platform's data dir for flightdeck).
    #[arg(long, global = true, env = "FLIGHTDECK_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Supervise one shell step for the cockpit that starts it: run it, record its output and
    /// its end in the run folder, whatever becomes of the cockpit.
    #[command(hide = true)]
    Supervise {
        /// A private file describing the step; deleted once read.
        #[arg(long)]
        job: PathBuf,
    },
    /// Serve the demo runbook's health endpoint and webhook on 127.0.0.1 (used by its steps).
    #[command(hide = true)]
    DemoEndpoint {
        /// 0 picks a free port; the URL is printed once listening.
        #[arg(long, default_value_t = 18787)]
        port: u16,
        /// Stop when this process (the cockpit, `$FLIGHTDECK_PID` in a step) exits.
        #[arg(long, value_name = "PID")]
        owner: Option<i32>,
        /// Stop after this many seconds.
        #[arg(long, default_value_t = 600)]
        seconds: u64,
        /// File that receives each webhook body.
        #[arg(long, default_value = "/tmp/flightdeck-demo-hooks.log")]
        hooks: PathBuf,
    },
    /// Open the cockpit on a runbook: walk it, run steps, acknowledge, hand off.
    ///
    /// An unfinished run of the same runbook is offered for resuming; --resume RUN or --new
    /// decide without asking.
    #[command(
        after_help = "Examples:\n  flightdeck run runbooks/demo.md\n  flightdeck run go-live.md --new --operator maksim\n  flightdeck run go-live.md --resume latest"
    )]
    Run {
        /// The Markdown runbook.
        file: PathBuf,
        /// Resume this run (id, unique prefix, `latest`, or a run folder).
        #[arg(long, value_name = "RUN", conflicts_with = "new")]
        resume: Option<String>,
        /// Start a new run even when an unfinished one exists.
        #[arg(long)]
        new: bool,
        /// Who is at the keyboard (default: config `operator`, then $FLIGHTDECK_OPERATOR, $USER).
        #[arg(long, value_name = "NAME")]
        operator: Option<String>,
        /// Directory steps run in (default: the runbook's folder).
        #[arg(long, value_name = "DIR")]
        workdir: Option<PathBuf>,
        /// dark, light, high-contrast, or a theme file (NO_COLOR gives monochrome).
        #[arg(long, value_name = "NAME|PATH")]
        theme: Option<String>,
        /// Share the run through this PostgreSQL URL (libpq URL, `sslmode` honoured): every
        /// event is pushed after its local fsync; on --resume the whole journal is uploaded.
        #[arg(
            long,
            env = "FLIGHTDECK_SHARE",
            hide_env_values = true,
            value_name = "URL"
        )]
        share: Option<String>,
    },
    /// Share runs through PostgreSQL: the DDL for a DBA, and a check of what works.
    #[command(
        after_help = "Examples:\n  flightdeck share sql | psql \"$ADMIN_URL\"\n  flightdeck share check postgres://fd@db.internal/ops?sslmode=verify-full"
    )]
    Share {
        #[command(subcommand)]
        command: share_cli::ShareCommand,
    },
    /// Print the checklist a runbook gives: phases, steps, inputs, dangerous steps.
    #[command(
        after_help = "Examples:\n  flightdeck plan runbooks/demo.md\n  flightdeck plan go-live.md --format json | jq '.phases[].steps[].id'"
    )]
    Plan {
        /// The Markdown runbook.
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Lint runbooks: `file:line:col: error|warning: message` per finding.
    ///
    /// Exit status: 0 without errors (warnings allowed), 1 when any file has errors,
    /// 2 when a file could not be read.
    #[command(
        after_help = "Examples:\n  flightdeck check runbooks/*.md\n  flightdeck check docs/go-live.md && echo ok"
    )]
    Check {
        /// One or more Markdown runbooks.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// The on-call's view, read-only: the checklist, the running step's output, the metrics.
    ///
    /// `watch FILE` follows the active (or unfinished) run of FILE on this machine through its
    /// journal; `watch --share URL [RUN]` follows a shared run (RUN, or the newest active one)
    /// from any machine, through LISTEN/NOTIFY.
    #[command(
        after_help = "Examples:\n  flightdeck watch runbooks/demo.md\n  flightdeck watch --share postgres://fd@db.internal/ops\n  FLIGHTDECK_SHARE=postgres://fd@db.internal/ops flightdeck watch --share - 2026-12-07T1412"
    )]
    Watch {
        /// The Markdown runbook (FILE); with --share, the shared run to follow (RUN: an id, a
        /// unique prefix, or `latest`; the newest active run when left out).
        #[arg(value_name = "FILE|RUN")]
        target: Option<String>,
        /// Follow a run shared to this PostgreSQL URL; `-` reads `$FLIGHTDECK_SHARE`.
        #[arg(long, value_name = "URL")]
        share: Option<String>,
        /// dark, light, high-contrast, or a theme file (NO_COLOR gives monochrome).
        #[arg(long, value_name = "NAME|PATH")]
        theme: Option<String>,
    },
    /// Runs recorded in the journal: list them, show one, verify its hash chain.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
    /// The handoff report of a run: Markdown (default) or JSON.
    ///
    /// RUN is a run id, a unique prefix of one, `latest`, or a path to a run folder.
    #[command(
        after_help = "Examples:\n  flightdeck export latest > handoff.md\n  flightdeck export 2026-11-21T0412 --format json -o run.json"
    )]
    Export {
        /// Run id, unique prefix of one, `latest`, or run folder.
        run: String,
        /// `md`: the Markdown handoff report; `json`: replayed state plus every event.
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
        /// Write the report to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Export the run shared to this PostgreSQL URL (no local copy needed); `-` reads
        /// `$FLIGHTDECK_SHARE`.
        #[arg(long, value_name = "URL")]
        share: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = match (cli.command, cli.file) {
        (Some(c), _) => c,
        (None, Some(file)) => Command::Run {
            file,
            resume: None,
            new: false,
            operator: None,
            workdir: None,
            theme: None,
            share: std::env::var("FLIGHTDECK_SHARE")
                .ok()
                .filter(|s| !s.is_empty()),
        },
        (None, None) => {
            let _ = <Cli as clap::CommandFactory>::command().print_help();
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Run {
            file,
            resume,
            new,
            operator,
            workdir,
            theme,
            share,
        } => {
            let args = run_cli::RunArgs {
                file,
                home: cli.home,
                resume,
                new,
                operator,
                workdir,
                theme,
                share,
            };
            match run_cli::run(args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("flightdeck: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Watch {
            target,
            share,
            theme,
        } => match watch_cli::dispatch(target, share, cli.home, theme) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("flightdeck: {e:#}");
                ExitCode::from(1)
            }
        },
        Command::Plan { file, format } => plan(&file, format),
        // Its stderr is the step's `.supervisor.log` in the run folder.
        Command::Supervise { job } => match flightdeck::exec::supervisor::supervise(&job) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("flightdeck supervise: {e}");
                ExitCode::from(1)
            }
        },
        Command::DemoEndpoint {
            port,
            owner,
            seconds,
            hooks,
        } => match flightdeck::demo_endpoint::serve(port, seconds, hooks, owner) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("flightdeck: demo endpoint on 127.0.0.1:{port}: {e}");
                ExitCode::from(1)
            }
        },
        Command::Check { files } => check(&files),
        Command::Journal { command } => journal_cli::journal(cli.home.as_deref(), command),
        Command::Share { command } => share_cli::share_command(command),
        Command::Export {
            run,
            format,
            output,
            share: Some(url),
        } => share_cli::export(&url, &run, format, output.as_deref()),
        Command::Export {
            run,
            format,
            output,
            share: None,
        } => journal_cli::export(cli.home.as_deref(), &run, format, output.as_deref()),
    }
}

fn load(file: &std::path::Path) -> Result<Runbook, ExitCode> {
    runbook::load(file).map_err(|e| {
        eprintln!("flightdeck: {e}");
        ExitCode::from(2)
    })
}

fn plan(file: &std::path::Path, format: Format) -> ExitCode {
    let rb = match load(file) {
        Ok(rb) => rb,
        Err(code) => return code,
    };
    let out = match format {
        Format::Text => plan_text(&rb),
        Format::Json => match serde_json::to_string_pretty(&plan_json(&rb)) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("flightdeck: cannot encode the plan as JSON: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let written = emit(&out);
    for d in rb.diagnostics.iter().filter(|d| d.is_error()) {
        eprintln!("{}", d.display(&rb.source));
    }
    if rb.has_errors() {
        ExitCode::from(1)
    } else {
        written
    }
}

fn check(files: &[PathBuf]) -> ExitCode {
    let mut worst = 0u8;
    let mut out = String::new();
    for file in files {
        match load(file) {
            Ok(rb) => {
                for d in &rb.diagnostics {
                    let _ = writeln!(out, "{}", d.display(&rb.source));
                }
                if rb.has_errors() {
                    worst = worst.max(1);
                }
            }
            Err(_) => worst = 2,
        }
    }
    if emit(&out) != ExitCode::SUCCESS {
        worst = worst.max(2);
    }
    ExitCode::from(worst)
}
