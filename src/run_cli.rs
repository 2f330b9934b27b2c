//! `flightdeck run FILE`: choose or start the run, then hand over to the cockpit.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::Utc;
use flightdeck::app::keymap::Keymap;
use flightdeck::app::runtime;
use flightdeck::app::state::App;
use flightdeck::journal::{self, Journal, JournalWriter, file, replay, runs};
use flightdeck::runbook;
use flightdeck::ui::theme::Theme;
use serde::Deserialize;

/// What `run` was asked for.
pub struct RunArgs {
    pub file: PathBuf,
    pub home: Option<PathBuf>,
    pub resume: Option<String>,
    pub new: bool,
    pub operator: Option<String>,
    pub workdir: Option<PathBuf>,
    pub theme: Option<String>,
    /// `--share URL` or `$FLIGHTDECK_SHARE`; else the front matter's `share:`.
    pub share: Option<String>,
}

/// `<config dir>/config.toml` (or `$FLIGHTDECK_CONFIG`): operator, theme and `[keys]`.
#[derive(Deserialize, Default)]
struct Config {
    operator: Option<String>,
    theme: Option<String>,
}

fn config_text() -> anyhow::Result<(Option<String>, PathBuf)> {
    let path = match std::env::var_os("FLIGHTDECK_CONFIG") {
        Some(p) => PathBuf::from(p),
        None => match directories::ProjectDirs::from("", "", "flightdeck") {
            Some(d) => d.config_dir().join("config.toml"),
            None => return Ok((None, PathBuf::new())),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(t) => Ok((Some(t), path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((None, path)),
        Err(e) => {
            Err(e).with_context(|| format!("{}: cannot read the config file", path.display()))
        }
    }
}

pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let rb = runbook::load(&args.file)?;
    if rb.has_errors() {
        for d in rb.diagnostics.iter().filter(|d| d.is_error()) {
            eprintln!("{}", d.display(&rb.source));
        }
        bail!(
            "{}: fix the errors above before running it (`flightdeck check` lists them)",
            rb.source
        );
    }
    // A literal share URL (no `$INPUT` in it) is checked before anything is created.
    if let Some(url) = args
        .share
        .as_deref()
        .filter(|u| !u.contains(['$', '<', '{']))
    {
        flightdeck::share::check_url_syntax(url).map_err(anyhow::Error::msg)?;
    }
    // Before anything is created, the run folder above all.
    crate::terminal::require(&rb.source, "run")?;

    let (config_text, config_path) = config_text()?;
    let config: Config = match &config_text {
        Some(t) => toml::from_str(t)
            .map_err(|e| anyhow::anyhow!("{}: {}", config_path.display(), e.message()))?,
        None => Config::default(),
    };
    let keymap = match &config_text {
        Some(t) => {
            Keymap::from_config(t).map_err(|e| anyhow::anyhow!("{}: {e}", config_path.display()))?
        }
        None => Keymap::default(),
    };
    let theme = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        Theme::mono()
    } else {
        let name = args
            .theme
            .clone()
            .or(config.theme)
            .unwrap_or_else(|| "dark".into());
        Theme::load(&name).map_err(|e| anyhow::anyhow!("theme: {e}"))?
    };
    let operator = args
        .operator
        .clone()
        .or(config.operator)
        .unwrap_or_else(journal::default_operator);
    let home = runs::home_dir(args.home.as_deref())?;
    let _log = flightdeck::applog::init(&home);
    let workdir = match &args.workdir {
        Some(w) => w.clone(),
        None => args
            .file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    if !workdir.is_dir() {
        bail!(
            "{}: the working directory does not exist; pass --workdir DIR",
            workdir.display()
        );
    }

    // An unfinished run whose shell step still runs is worth a word before starting anew:
    // the same migration must not be started twice unknowingly.
    let mut left_running: Option<(String, Vec<String>)> = None;
    // The next captain on another machine: the run is not here, but in the share.
    let mut takeover: Option<flightdeck::journal::EventKind> = None;
    let resume_dir = match (&args.resume, args.new) {
        (Some(spec), _) => match (runs::resolve(&home, spec), args.share.as_deref()) {
            (Ok(dir), _) => Some(dir),
            (Err(runs::RunsError::NoMatch { .. }), Some(share)) => {
                let (dir, took) = crate::takeover_cli::pull(share, spec, &home, &operator)?;
                takeover = took;
                Some(dir)
            }
            (Err(e), _) => return Err(e.into()),
        },
        (None, new) => match runs::find_resumable(&home, &args.file)? {
            Some(dir) if !new && ask_resume(&dir)? => Some(dir),
            Some(dir) => {
                let running = still_running(&dir);
                if !running.is_empty() {
                    left_running = Some((runs::run_id_of(&dir), running));
                }
                None
            }
            None => None,
        },
    };
    let (journal, runbook, state, messages) = match resume_dir {
        Some(dir) => {
            let mut r = journal::resume(&dir, &args.file, &operator)?;
            // A takeover after an expired lease is journaled with both names.
            if let Some(kind) = takeover {
                let event = r.journal.append(kind, None)?;
                r.state.apply(&event)?;
            }
            (r.journal, r.runbook, r.state, r.messages)
        }
        None => {
            let text = runbook::source::read_source(&args.file)?.text;
            let journal = Journal::create(&home, &rb, &text, &operator)?;
            let events = file::read_events(journal.run_dir())?;
            let state = replay::replay(&rb, &events)?;
            (journal, rb, state, Vec::new())
        }
    };
    let run_dir = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    let mut app = App::new(runbook, state, operator, run_dir, Utc::now());
    app.keymap = keymap;
    app.theme = theme;
    app.share_url = args.share.clone().or_else(|| {
        app.runbook
            .front_matter
            .as_ref()
            .and_then(|f| f.share.clone())
            .filter(|s| !s.trim().is_empty())
    });
    // A share URL whose value is known is checked before the terminal is taken over.
    if let Some(url) = app
        .share_url
        .as_deref()
        .and_then(|t| flightdeck::app::prepare::share_url(&app, t))
    {
        flightdeck::share::check_url_syntax(&url).map_err(anyhow::Error::msg)?;
    }
    app.message = (!messages.is_empty()).then(|| messages.join("; "));
    if let Some((id, running)) = left_running {
        app.message = Some(format!(
            "this is a new run; run {id} still has a step running: {} (resume it with `flightdeck run {} --resume {id}`)",
            running.join(", "),
            args.file.display()
        ));
    }
    tracing::info!(run = %run_id, runbook = %args.file.display(), operator = %app.operator, "cockpit opened");
    let writer = JournalWriter::spawn(journal).context("cannot start the journal writer")?;
    let result = runtime::run(app, writer, workdir);
    tracing::info!(run = %run_id, ok = result.is_ok(), "cockpit closed");
    result?;
    eprintln!(
        "flightdeck: run {run_id} is saved. `flightdeck export {run_id}` writes the handoff report; `flightdeck run {}` resumes it.",
        args.file.display()
    );
    Ok(())
}

/// The titles of an unfinished run's steps that still run (their supervisor lives).
fn still_running(dir: &Path) -> Vec<String> {
    runs::load_run(dir)
        .map(|run| running_titles(&run))
        .unwrap_or_default()
}

fn running_titles(run: &runs::LoadedRun) -> Vec<String> {
    run.state
        .steps
        .iter()
        .filter(|(_, s)| s.status == flightdeck::journal::replay::StepStatus::Running)
        .map(|(id, _)| run.runbook.step(id).map_or(id.clone(), |s| s.title.clone()))
        .collect()
}

/// Asks on the terminal whether to resume an unfinished run; refuses to guess without one.
fn ask_resume(dir: &Path) -> anyhow::Result<bool> {
    let id = runs::run_id_of(dir);
    let summary = runs::load_run(dir).map(|r| {
        let (done, total) = r.state.done_count();
        let running = running_titles(&r);
        if running.is_empty() {
            format!("{done}/{total} done")
        } else {
            format!("{done}/{total} done, still running: {}", running.join(", "))
        }
    });
    let summary = summary.unwrap_or_else(|e| e.to_string());
    if !std::io::stdin().is_terminal() {
        bail!(
            "an unfinished run of this runbook exists ({id}, {summary}); pass --resume {id} or --new"
        );
    }
    eprint!("An unfinished run of this runbook exists: {id} ({summary}). Resume it? [Y/n] ");
    std::io::stderr().flush()?;
    let answer = one_key()?;
    eprintln!("{}", if answer { "y" } else { "n" });
    Ok(answer)
}

/// One key answers the prompt, no Enter needed: `y` or Enter resumes, `n` starts anew; Esc,
/// `q` or Ctrl-C leave without starting anything.
fn one_key() -> anyhow::Result<bool> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    crossterm::terminal::enable_raw_mode()?;
    let answer = loop {
        let key = match event::read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => k,
            Ok(_) => continue,
            Err(e) => break Err(e.into()),
        };
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                break Err(anyhow::anyhow!("cancelled; nothing was started"));
            }
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => break Ok(true),
            KeyCode::Char('n' | 'N') => break Ok(false),
            KeyCode::Esc | KeyCode::Char('q') => {
                break Err(anyhow::anyhow!("cancelled; nothing was started"));
            }
            _ => {}
        }
    };
    crossterm::terminal::disable_raw_mode()?;
    if answer.is_err() {
        eprintln!();
    }
    answer
}
