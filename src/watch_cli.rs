//! `flightdeck watch`: the read-only view of a run, from its journal on this machine
//! (`watch FILE`) or from its shared copy on any machine (`watch --share URL [RUN]`).

use std::path::{Path, PathBuf};

use anyhow::bail;
use chrono::Utc;
use flightdeck::app::follow::{self, Source};
use flightdeck::app::followed::FollowView;
use flightdeck::app::state::App;
use flightdeck::follow::chain::Chain;
use flightdeck::journal::replay::RunState;
use flightdeck::journal::runs;
use flightdeck::runbook::{self, Runbook};
use flightdeck::share;
use flightdeck::ui::theme::Theme;

/// `watch FILE`, `watch --share URL [RUN]`, or `watch` alone with `$FLIGHTDECK_SHARE` set.
pub fn dispatch(
    target: Option<String>,
    share: Option<String>,
    home: Option<PathBuf>,
    theme: Option<String>,
) -> anyhow::Result<()> {
    let env_share = std::env::var(share::SHARE_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty());
    match (share, target) {
        (Some(url), run) => watch_shared(&url, run.as_deref(), home, theme),
        (None, Some(file)) => watch(Path::new(&file), home, theme),
        (None, None) if env_share.is_some() => watch_shared("-", None, home, theme),
        (None, None) => bail!(
            "watch needs a runbook FILE (this machine's run) or --share URL (a shared run); e.g. `flightdeck watch go-live.md`"
        ),
    }
}

/// `watch FILE`: the newest unfinished run of FILE on this machine, followed through its journal.
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
    // The run's own copy of the runbook (its ad-hoc steps too) when there is a run.
    let loaded = run_dir.as_ref().and_then(|dir| runs::load_run(dir).ok());
    let (rb, state) = match loaded {
        Some(run) => (run.runbook, run.state),
        None => {
            let state = RunState::new(&rb);
            (rb, state)
        }
    };
    let mut app = app(rb, state, theme, run_dir.clone().unwrap_or_default())?;
    app.follow = Some(FollowView::new("journal"));
    tracing::info!(runbook = %file.display(), run = ?run_dir, "watch opened");
    follow::run(app, run_dir.map(Source::Journal))
}

/// `watch --share URL [RUN]`: a shared run (RUN, or the newest active one) followed from any
/// machine, with nothing local but the application log.
pub fn watch_shared(
    url_arg: &str,
    run: Option<&str>,
    home: Option<PathBuf>,
    theme: Option<String>,
) -> anyhow::Result<()> {
    let url = share::resolve_url(Some(url_arg)).map_err(anyhow::Error::msg)?;
    share::check_url_syntax(&url).map_err(anyhow::Error::msg)?;
    let shown = share::display_url(&url);
    crate::terminal::require(&shown, "watch")?;
    let home = runs::home_dir(home.as_deref())?;
    let _log = flightdeck::applog::init(&home);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (row, rb, events, broken) = rt
        .block_on(async {
            let db = share::connect(&url).await?;
            let row = match run {
                Some(spec) => share::timed(share::remote::find(&db.client, spec)).await?,
                None => share::timed(share::remote::list(&db.client))
                    .await?
                    .into_iter()
                    .find(|r| r.status == "active")
                    .ok_or_else(|| {
                        share::ShareError::Local(
                            "no active shared run; name one (`flightdeck journal list --share URL` lists them)"
                                .into(),
                        )
                    })?,
            };
            let text =
                share::timed(share::remote::runbook_text(&db.client, &row.run_id)).await?;
            let rb = runbook::parse(&text, &format!("share:{}", row.run_id));
            let mut chain = Chain::genesis();
            let (events, stopped) =
                flightdeck::follow::shared::fetch_events(&db.client, &row.run_id, &mut chain)
                    .await?;
            Ok::<_, share::ShareError>((row, rb, events, stopped))
        })
        .map_err(|e| anyhow::anyhow!("{}: {e}", shown))?;
    drop(rt);
    let mut rb: Runbook = rb;
    rb.add_adhoc_steps(&events);
    let mut state = RunState::new(&rb);
    let mut broken_at = broken.and_then(|b| match b {
        flightdeck::follow::chain::ChainError::Broken { seq, why } => Some((seq, why)),
        flightdeck::follow::chain::ChainError::Gap(_) => None,
    });
    for e in &events {
        if let Err(err) = state.apply(e) {
            broken_at = Some((e.seq, err.to_string()));
            break;
        }
    }
    let mut app = app(rb, state, theme, PathBuf::new())?;
    let refused = app.monitor.refuse_commands(&app.runbook);
    if refused > 0 {
        app.message = Some(format!(
            "{refused} command source(s) not sampled here: a follower never runs commands from the shared runbook"
        ));
    }
    let host = url
        .parse::<tokio_postgres::Config>()
        .ok()
        .map(|c| {
            let host = c
                .get_hosts()
                .first()
                .map(|h| match h {
                    tokio_postgres::config::Host::Tcp(h) => h.clone(),
                    #[cfg(unix)]
                    tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
                })
                .unwrap_or_default();
            format!("{host}/{}", c.get_dbname().unwrap_or(""))
        })
        .unwrap_or_default();
    let mut view = FollowView::new(format!("share {host}"));
    if let Some((seq, why)) = broken_at.clone() {
        app.message = Some(format!(
            "✖ the run's record is BROKEN at seq {seq}: {why}; nothing from there on is shown"
        ));
        view.broken = Some((seq, why));
    }
    app.follow = Some(view);
    tracing::info!(run = %row.run_id, "watch --share opened");
    let source = broken_at.is_none().then(|| Source::Shared {
        url,
        run_id: row.run_id.clone(),
    });
    follow::run(app, source)
}

/// The read-only view's state over a run.
fn app(
    rb: Runbook,
    state: RunState,
    theme: Option<String>,
    run_dir: PathBuf,
) -> anyhow::Result<App> {
    let theme = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        Theme::mono()
    } else {
        Theme::load(theme.as_deref().unwrap_or("dark"))
            .map_err(|e| anyhow::anyhow!("theme: {e}"))?
    };
    let operator = flightdeck::journal::default_operator();
    let mut app = App::new(rb, state, operator, run_dir, Utc::now());
    app.theme = theme;
    app.read_only = true;
    // The captain's step first: the one running, else the next to do.
    let running = app
        .runbook
        .steps()
        .find(|(_, s)| app.status_of(&s.id) == flightdeck::journal::replay::StepStatus::Running)
        .and_then(|(_, s)| app.row_of(&s.id));
    if let Some(row) = running {
        app.reveal(row);
    }
    Ok(app)
}
