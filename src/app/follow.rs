//! `flightdeck watch`: the on-call's read-only view of a run the captain drives: the checklist
//! with who did what, the running step's output, the monitoring pane (sampled here), and a
//! status bar naming the run and its captain. Nothing is written. What happens comes from a
//! [`Source`]: the captain's journal on this machine (`watch FILE`) or the shared copy in
//! PostgreSQL (`watch --share URL`); both send `Action::Follow` through the same channel and
//! the same fold (`app::followed`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::action::{Action, Effect};
use crate::app::state::App;
use crate::app::update::update;
use crate::follow::Sink;
use crate::follow::chain::Chain;
use crate::journal::event::EventKind;
use crate::journal::replay::StepStatus;
use crate::journal::{file, runs};
use std::sync::Arc;

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(33);

/// The newest unfinished run of the runbook at `runbook_path`, whether or not a cockpit holds
/// it now (the one it holds is the one to follow).
pub fn active_run(home: &Path, runbook_path: &Path) -> Option<PathBuf> {
    let wanted = std::fs::canonicalize(runbook_path).ok()?;
    let dirs = runs::run_dirs(home).ok()?;
    let mut unfinished = dirs.into_iter().filter(|dir| {
        let Ok(events) = file::read_events(dir) else {
            return false;
        };
        let same = matches!(events.first().map(|e| &e.kind),
            Some(EventKind::RunStarted { runbook_path, .. }) if Path::new(runbook_path) == wanted);
        same && !events
            .iter()
            .any(|e| matches!(e.kind, EventKind::RunFinished { .. }))
    });
    let all: Vec<PathBuf> = unfinished.by_ref().collect();
    all.iter()
        .find(|d| file::is_locked(d))
        .or(all.first())
        .cloned()
}

/// Where the followed run is read from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The run folder of the captain's cockpit on this machine.
    Journal(PathBuf),
    /// The shared copy: the URL and the run id.
    Shared { url: String, run_id: String },
}

impl Source {
    /// Starts the source's task, sending into `tx` from where `app` stands.
    pub fn spawn(
        self,
        app: &App,
        tx: mpsc::UnboundedSender<Action>,
    ) -> tokio::task::JoinHandle<()> {
        let sink: Sink = Arc::new(move |ev| tx.send(Action::Follow(ev)).is_ok());
        let chain = Chain::at(app.run.last_seq, &app.run.head);
        match self {
            Source::Journal(dir) => {
                let running = app
                    .run
                    .steps
                    .iter()
                    .filter(|(_, s)| s.status == StepStatus::Running && s.attempts > 0)
                    .map(|(id, s)| (id.clone(), s.attempts))
                    .collect();
                tokio::spawn(crate::follow::journal::follow(dir, chain, running, sink))
            }
            Source::Shared { url, run_id } => {
                tokio::spawn(crate::follow::shared::follow(url, run_id, chain, sink))
            }
        }
    }
}

/// Runs the read-only view until `q`.
pub fn run(mut app: App, source: Option<Source>) -> anyhow::Result<()> {
    app.read_only = true;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let mut terminal = ratatui::try_init()?;
        let _guard = Restore;
        watch_loop(&mut terminal, EventStream::new(), &mut app, source).await
    });
    rt.shutdown_timeout(Duration::from_millis(200));
    result
}

struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// The loop: keys, readings and what the source follows in; a frame after each batch. The
/// 1 s tick runs only while the run's clock counts on screen.
pub async fn watch_loop<B, K>(
    terminal: &mut Terminal<B>,
    mut keys: K,
    app: &mut App,
    source: Option<Source>,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    K: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let _monitors = crate::app::runtime::start_monitors(app, &tx);
    let follower = source.map(|s| s.spawn(app, tx.clone()));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    terminal.draw(|f| crate::ui::render(f, app))?;
    let mut last_draw = Instant::now();
    let mut dirty = false;
    let result = loop {
        let draw_at = dirty.then_some(last_draw + FRAME);
        let first = tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => Some(Action::Key(k)),
                Some(Ok(TermEvent::Resize(w, h))) => Some(Action::Resize(w, h)),
                Some(Ok(_)) => None,
                Some(Err(e)) => break Err(e.into()),
                None => break Ok(()),
            },
            Some(a) = rx.recv() => Some(a),
            _ = tick.tick(), if app.run.started.is_some() && app.clock_visible() => {
                Some(Action::Tick(Utc::now()))
            }
            () = async {
                match draw_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => None,
        };
        let mut batch: Vec<Action> = first.into_iter().collect();
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(a) => batch.push(a),
                Err(_) => break,
            }
        }
        let mut quit = false;
        for action in batch {
            dirty = true;
            // Read-only: the only effect honoured is quitting.
            quit |= update(app, action).contains(&Effect::Quit);
        }
        if quit {
            break Ok(());
        }
        if dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| crate::ui::render(f, app))?;
            last_draw = Instant::now();
            dirty = false;
        }
    };
    if let Some(f) = follower {
        f.abort();
    }
    result
}
