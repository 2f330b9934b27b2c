//! `flightdeck watch FILE`: the on-call's view. Metrics and logs full screen, no checklist,
//! nothing written; when a run of the runbook is active, its progress comes from following its
//! journal (re-read and replayed when the file grows), the same fold every other view uses.

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
use crate::journal::event::EventKind;
use crate::journal::{file, runs};

/// How often the followed journal is looked at.
const FOLLOW: Duration = Duration::from_secs(1);
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

/// Runs the read-only view until `q`.
pub fn run(mut app: App, run_dir: Option<PathBuf>) -> anyhow::Result<()> {
    app.read_only = true;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let mut terminal = ratatui::try_init()?;
        let _guard = Restore;
        watch_loop(&mut terminal, EventStream::new(), &mut app, run_dir).await
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

/// The loop: keys, readings and journal updates in; a frame after each batch.
pub async fn watch_loop<B, K>(
    terminal: &mut Terminal<B>,
    mut keys: K,
    app: &mut App,
    run_dir: Option<PathBuf>,
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
    let follower = run_dir.map(|dir| tokio::spawn(follow(dir, tx.clone())));
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
            _ = tick.tick() => Some(Action::Tick(Utc::now())),
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

/// Re-reads the run when its journal changes and sends the replayed state. The journal is
/// preallocated (its length moves only every 256 KiB), so a change is length or mtime; as
/// two appends can share one coarse mtime tick, the poll after a change reloads once more.
async fn follow(dir: PathBuf, tx: mpsc::UnboundedSender<Action>) {
    let journal = dir.join(file::JOURNAL_FILE);
    let mut seen = None;
    let mut again = false;
    loop {
        let now = tokio::fs::metadata(&journal)
            .await
            .ok()
            .map(|m| (m.len(), m.modified().ok()));
        if now.is_some() && (now != seen || again) {
            again = now != seen;
            let d = dir.clone();
            let loaded = tokio::task::spawn_blocking(move || runs::load_run(&d)).await;
            if let Ok(Ok(run)) = loaded {
                seen = now;
                if tx.send(Action::Followed(Box::new(run.state))).is_err() {
                    return;
                }
            }
        }
        tokio::time::sleep(FOLLOW).await;
    }
}
