//! `flightdeck watch FILE`: load the runbook, find its active run, open the read-only view.

use std::path::{Path, PathBuf};

use anyhow::bail;
use chrono::Utc;
use flightdeck::app::follow;
use flightdeck::app::state::App;
use flightdeck::journal::replay::RunState;
use flightdeck::journal::runs;
use flightdeck::runbook;
use flightdeck::ui::theme::Theme;

pub fn watch(file: &Path, home: Option<PathBuf>, theme: Option<String>) -> anyhow::Result<()> {
    let rb = runbook::load(file)?;
    if rb.has_errors() {
        for d in rb.diagnostics.iter().filter(|d| d.is_error()) {
            eprintln!("{}", d.display(&rb.source));
        }
        bail!(
            "{}: fix the errors above first (`flightdeck check` lists them)",
            rb.source
        );
    }
    crate::terminal::require(&rb.source, "watch")?;
    let home = runs::home_dir(home.as_deref())?;
    let _log = flightdeck::applog::init(&home);
    let run_dir = follow::active_run(&home, file);
    let state = match &run_dir {
        Some(dir) => runs::load_run(dir)
            .map(|r| r.state)
            .unwrap_or_else(|_| RunState::new(&rb)),
        None => RunState::new(&rb),
    };
    let theme = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        Theme::mono()
    } else {
        Theme::load(theme.as_deref().unwrap_or("dark"))
            .map_err(|e| anyhow::anyhow!("theme: {e}"))?
    };
    let operator = flightdeck::journal::default_operator();
    let mut app = App::new(
        rb,
        state,
        operator,
        run_dir.clone().unwrap_or_default(),
        Utc::now(),
    );
    app.theme = theme;
    app.focus = flightdeck::app::state::Pane::Monitor;
    // Step output lives with the captain's cockpit; the first log source is the on-call's.
    if !app.monitor.logs.is_empty() {
        app.monitor.log_tab = 1;
    }
    tracing::info!(runbook = %file.display(), run = ?run_dir, "watch opened");
    follow::run(app, run_dir)
}
