//! The event loop: one task owns the state and the terminal. Keys, step output, journal replies
//! and timers arrive as actions; `update` turns them into effects performed here; the screen is
//! redrawn after a batch, at most ~30 times a second, and never while nothing changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::action::{Action, Effect};
use crate::app::state::App;
use crate::app::update::update;
use crate::exec::job::Job;
use crate::exec::output::StepTarget;
use crate::exec::shell::{self, ExecEvent, Outcome, Running, ShellJob};
use crate::exec::sql::{self, SqlJob};
use crate::journal::EventKind;
use crate::journal::secrets::Masker;
use crate::journal::supervised::{self, Probe};
use crate::journal::{JournalWriter, export, runs};
use crate::share::{Pusher, Share, ShareConfig};

/// Shortest time between two frames under a flood of output.
const FRAME: Duration = Duration::from_millis(33);
/// How long a shared run's pusher may take to catch up when the cockpit closes.
const SHARE_FLUSH: Duration = Duration::from_secs(3);
/// Spinner speed while a step runs.
const SPIN: Duration = Duration::from_millis(120);

/// Restores the terminal however the loop ends (`?`, panic, signal); true when keyboard
/// enhancement was pushed and must be popped.
struct TerminalGuard(bool);

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.0 {
            let _ = execute!(std::io::stdout(), PopKeyboardEnhancementFlags);
        }
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

/// Runs the cockpit until the captain quits; the journal writer is closed (queue served) after.
pub fn run(mut app: App, writer: JournalWriter, workdir: PathBuf) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut pusher = None;
    let result = rt.block_on(async {
        let mut terminal = ratatui::try_init()?;
        // Terminals that speak the kitty keyboard protocol report Ctrl-Enter (save a note);
        // elsewhere Ctrl-S does the same.
        let enhanced = crossterm::terminal::supports_keyboard_enhancement().unwrap_or(false)
            && execute!(
                std::io::stdout(),
                PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
            )
            .is_ok();
        let _guard = TerminalGuard(enhanced);
        let _ = execute!(std::io::stdout(), EnableMouseCapture);
        event_loop_sharing(
            &mut terminal,
            EventStream::new(),
            &mut app,
            &writer,
            &workdir,
            &mut pusher,
        )
        .await
    });
    // Every queued append is made durable before we go.
    let closed = writer.close();
    // Then the shared copy gets a little while to catch up (it says so in its row).
    if let Some(pusher) = pusher {
        if let Some(status) = rt.block_on(pusher.finish(SHARE_FLUSH)) {
            tracing::info!(behind = status.behind(), fork = ?status.fork, "share: closed");
        } else {
            tracing::warn!(
                "share: not caught up on exit; the next cockpit on this run pushes the rest"
            );
        }
    }
    rt.shutdown_timeout(Duration::from_millis(200));
    result?;
    closed
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("journal: {e}"))
}

/// The loop itself, over any backend and any source of terminal events: the real terminal
/// in `run`, a `TestBackend` and scripted keys in benchmarks. A shared run's pusher is given
/// a little while to catch up at the end.
pub async fn event_loop<B, K>(
    terminal: &mut Terminal<B>,
    keys: K,
    app: &mut App,
    writer: &JournalWriter,
    workdir: &Path,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    K: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let mut pusher = None;
    let result = event_loop_sharing(terminal, keys, app, writer, workdir, &mut pusher).await;
    if let Some(pusher) = pusher {
        pusher.finish(SHARE_FLUSH).await;
    }
    result
}

/// [`event_loop`], leaving the pusher of a shared run (started once `app.share_url` has a
/// value) in `pusher` for the caller to finish after the journal is closed.
pub async fn event_loop_sharing<B, K>(
    terminal: &mut Terminal<B>,
    mut keys: K,
    app: &mut App,
    writer: &JournalWriter,
    workdir: &Path,
    pusher: &mut Option<Pusher>,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    K: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let size = terminal.size()?;
    app.size = (size.width, size.height);

    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let (exec_tx, mut exec_rx) = mpsc::channel::<ExecEvent>(64);
    let mut handles: HashMap<String, Running> = HashMap::new();
    let mut masker = Masker::default();
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    // Samplers and log followers report as actions; dropping the guard stops them.
    let mut monitors = start_monitors(app, &tx);
    // A database URL that reads an input gets its value later: then its metrics reconnect.
    let db_inputs = crate::app::prepare::database_inputs(app);
    let db_values = |app: &App| -> Vec<Option<String>> {
        db_inputs
            .iter()
            .map(|n| app.values.get(n).cloned())
            .collect()
    };
    let mut db_seen = db_values(app);
    let mut share = start_share(app, writer, &tx, pusher, &mut masker);
    // After a takeover: the shared run followed, read-only.
    let mut follower: Option<FollowTask> = None;
    app.share_waiting = share
        .is_none()
        .then(|| crate::app::prepare::share_waiting(app))
        .flatten();

    // Handled by the loop like any other action, once the first frame is up.
    let _ = tx.send(Action::Started);
    terminal.draw(|f| crate::ui::render(f, app))?;
    let mut last_draw = Instant::now();
    let mut dirty = false;
    loop {
        let tick_at = next_tick(app);
        let draw_at = dirty.then_some(last_draw + FRAME);
        let first = tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => Some(Action::Key(k)),
                Some(Ok(TermEvent::Mouse(m))) => Some(Action::Mouse(m)),
                Some(Ok(TermEvent::Resize(w, h))) => Some(Action::Resize(w, h)),
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(a) = rx.recv() => Some(a),
            Some(e) = exec_rx.recv() => Some(Action::Exec(e)),
            () = sleep_until(tick_at) => Some(Action::Tick(Utc::now())),
            () = sleep_until(draw_at) => None,
            _ = sigterm.recv() => {
                tracing::info!("SIGTERM: leaving shell steps running, closing the journal and exiting");
                break;
            }
            _ = sighup.recv() => {
                // A dropped SSH session must not kill a two-hour index build: shell steps
                // belong to their supervisors and run on; a later cockpit re-attaches.
                tracing::info!("SIGHUP: leaving shell steps running, closing the journal and exiting");
                break;
            }
        };
        // Drain what else is queued before drawing once.
        let mut batch: Vec<Action> = first.into_iter().collect();
        while batch.len() < 512 {
            match exec_rx.try_recv() {
                Ok(e) => batch.push(Action::Exec(e)),
                Err(_) => match rx.try_recv() {
                    Ok(a) => batch.push(a),
                    Err(_) => break,
                },
            }
        }
        for action in batch {
            dirty = true;
            log_action(&action);
            if let Action::Exec(
                ExecEvent::Finished { step_id, .. } | ExecEvent::Lost { step_id, .. },
            ) = &action
            {
                handles.remove(step_id);
            }
            if let (Some(share), Action::Exec(ev)) = (&share, &action) {
                match ev {
                    ExecEvent::Output {
                        step_id, attempt, ..
                    } => share.output_grew(step_id, *attempt),
                    ExecEvent::Finished {
                        step_id, attempt, ..
                    }
                    | ExecEvent::Lost { step_id, attempt } => share.output_ended(step_id, *attempt),
                    _ => {}
                }
            }
            for effect in update(app, action) {
                if effect == Effect::FollowShared {
                    follower = follower.or_else(|| follow_shared(app, &tx));
                    continue;
                }
                if perform(
                    effect,
                    app,
                    writer,
                    workdir,
                    &tx,
                    &exec_tx,
                    &mut handles,
                    &mut masker,
                ) {
                    stop_running(app, writer, &handles, &mut exec_rx).await;
                    return Ok(());
                }
            }
        }
        if share.is_none() && app.share_url.is_some() {
            share = start_share(app, writer, &tx, pusher, &mut masker);
            app.share_waiting = share
                .is_none()
                .then(|| crate::app::prepare::share_waiting(app))
                .flatten();
        }
        if !db_inputs.is_empty() {
            let now = db_values(app);
            if now != db_seen {
                db_seen = now;
                drop(std::mem::take(&mut monitors));
                monitors = start_monitors(app, &tx);
            }
        }
        if dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| crate::ui::render(f, app))?;
            last_draw = Instant::now();
            dirty = false;
        }
    }
    stop_running(app, writer, &handles, &mut exec_rx).await;
    Ok(())
}

/// Stops the follow source when the loop ends.
struct FollowTask(tokio::task::JoinHandle<()>);

impl Drop for FollowTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Follows the shared copy from where this cockpit's run stands (the next captain took it).
fn follow_shared(app: &App, tx: &mpsc::UnboundedSender<Action>) -> Option<FollowTask> {
    let template = app.share_url.as_deref()?;
    let url = crate::app::prepare::share_url(app, template)?;
    let source = crate::app::follow::Source::Shared {
        url,
        run_id: runs::run_id_of(&app.run_dir),
    };
    tracing::info!(run = %runs::run_id_of(&app.run_dir), "share: taken over; following");
    Some(FollowTask(source.spawn(app, tx.clone())))
}

/// Starts the pusher of a shared run once its URL has a value: it is told each durable seq by
/// the journal writer's thread and reports its status as [`Action::Share`].
fn start_share(
    app: &App,
    writer: &JournalWriter,
    tx: &mpsc::UnboundedSender<Action>,
    pusher: &mut Option<Pusher>,
    masker: &mut Masker,
) -> Option<Share> {
    let template = app.share_url.as_deref()?;
    let url = crate::app::prepare::share_url(app, template)?;
    // The URL and its password are secrets from now on: masked in the journal and in every
    // step's output (a step that prints them never uploads them).
    for secret in crate::share::url_secrets(&url) {
        masker.add(&secret);
        writer.add_secret(&secret);
    }
    let report_tx = tx.clone();
    let (share, started) = Share::start(
        ShareConfig::new(
            url,
            app.run_dir.clone(),
            runs::run_id_of(&app.run_dir),
            app.operator.clone(),
        ),
        std::sync::Arc::new(move |status| {
            let _ = report_tx.send(Action::Share(status));
        }),
    );
    let durable = share.clone();
    writer.on_durable(Box::new(move |seq| durable.durable(seq)));
    tracing::info!(run = %runs::run_id_of(&app.run_dir), "share: pushing the run");
    *pusher = Some(started);
    Some(share)
}

/// Starts the samplers and log followers of the runbook, each reading arriving as an action;
/// dropping the guard stops them (the cockpit and `flightdeck watch` alike).
pub(crate) fn start_monitors(
    app: &App,
    tx: &mpsc::UnboundedSender<Action>,
) -> crate::monitor::sampler::Monitors {
    let tx = tx.clone();
    crate::monitor::sampler::start_for(
        &app.runbook,
        &app.monitor,
        &app.values,
        std::sync::Arc::new(move |e| {
            let _ = tx.send(Action::Monitor(e));
        }),
    )
}

/// On the way out (quit, SIGTERM, SIGHUP): shell steps run on under their supervisors (the
/// journal keeps them running; the next cockpit re-attaches). Steps that are not processes
/// (a statement on the server, an HTTP poll) cannot outlive the cockpit: they are journaled as
/// interrupted and stopped by request, and waited for a little so that nothing keeps running
/// unseen.
async fn stop_running(
    app: &App,
    writer: &JournalWriter,
    handles: &HashMap<String, Running>,
    exec_rx: &mut mpsc::Receiver<ExecEvent>,
) {
    let mut waiting = Vec::new();
    for (id, attempt) in &app.running {
        let handle = handles.get(id);
        if handle.is_some_and(|h| h.outlives) {
            tracing::info!(step = %id, attempt, "step left running under its supervisor");
            continue;
        }
        tracing::info!(step = %id, attempt, "step interrupted by exit");
        let _ = writer.append(
            EventKind::StepInterrupted { attempt: *attempt },
            Some(id),
            Box::new(|_| {}),
        );
        if let Some(h) = handle {
            h.cancel();
            waiting.push(id.as_str());
        }
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while !waiting.is_empty() {
        match tokio::time::timeout_at(deadline, exec_rx.recv()).await {
            Ok(Some(ExecEvent::Finished { step_id, .. })) => waiting.retain(|id| **id != step_id),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
}

/// What the application log keeps of an action: ids, states and errors, never values.
fn log_action(action: &Action) {
    match action {
        Action::Exec(ExecEvent::Finished {
            step_id,
            attempt,
            outcome,
        }) => tracing::info!(
            step = %step_id,
            attempt,
            exit_code = ?outcome.exit_code,
            signal = ?outcome.signal,
            duration_ms = outcome.duration_ms,
            bytes = outcome.bytes,
            error = ?outcome.error,
            "step finished"
        ),
        Action::Exec(ExecEvent::Signalled {
            step_id, signal, ..
        }) => tracing::info!(step = %step_id, signal, "cancel stage"),
        Action::JournalFailed { step, error, .. } => {
            tracing::error!(step = ?step, error = %error, "journal append failed")
        }
        Action::Exported(Ok(path)) => tracing::info!(path = %path, "handoff report exported"),
        Action::Exported(Err(e)) => tracing::warn!(error = %e, "export failed"),
        _ => {}
    }
}

/// When the next timer should fire: the spinner while steps run, the second boundary while a
/// clock counts, never when idle.
fn next_tick(app: &App) -> Option<Instant> {
    if !app.running.is_empty() || !app.pending_starts.is_empty() {
        return Some(Instant::now() + SPIN);
    }
    if app.clock_visible() {
        let into_second = Utc::now().timestamp_subsec_millis() as u64;
        return Some(Instant::now() + Duration::from_millis(1000 - into_second.min(999)));
    }
    None
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Carries out one effect; returns true when the loop must end.
#[allow(clippy::too_many_arguments)]
fn perform(
    effect: Effect,
    app: &App,
    writer: &JournalWriter,
    workdir: &Path,
    tx: &mpsc::UnboundedSender<Action>,
    exec_tx: &mpsc::Sender<ExecEvent>,
    handles: &mut HashMap<String, Running>,
    masker: &mut Masker,
) -> bool {
    match effect {
        Effect::Append { kind, step } => {
            let reply_tx = tx.clone();
            let started = matches!(kind, EventKind::StepStarted { .. });
            let failed_step = step.clone();
            let reply = Box::new(
                move |r: Result<crate::journal::Event, crate::journal::file::JournalError>| {
                    let _ = reply_tx.send(match r {
                        Ok(e) => Action::Journaled(e),
                        Err(e) => Action::JournalFailed {
                            step: failed_step,
                            started,
                            error: e.to_string(),
                        },
                    });
                },
            );
            if !writer.append(kind, step.as_deref(), reply) {
                let error = "the journal writer stopped".to_string();
                let _ = tx.send(Action::JournalFailed {
                    step,
                    started,
                    error,
                });
            }
        }
        Effect::Start {
            step_id,
            attempt,
            job,
        } => {
            let output_path = crate::journal::file::output_path(&app.run_dir, &step_id, attempt);
            tracing::info!(step = %step_id, attempt, "step started");
            let target = |output_path| StepTarget {
                step_id: step_id.clone(),
                attempt,
                output_path,
                masker: masker.clone(),
            };
            let started = match job {
                Job::Shell {
                    script,
                    mut env,
                    capture_vars,
                } => shell::spawn(
                    ShellJob {
                        env: {
                            // Steps may call flightdeck itself (the demo serves its endpoint so,
                            // for as long as this cockpit lives).
                            env.push(("FLIGHTDECK_EXE".into(), app.exe_path.display().to_string()));
                            env.push(("FLIGHTDECK_PID".into(), std::process::id().to_string()));
                            env
                        },
                        program: app.program.clone(),
                        output_path,
                        step_id: step_id.clone(),
                        attempt,
                        script,
                        // A `cd` in an earlier step carries on, as in a terminal.
                        workdir: crate::app::values::workdir_for(app, workdir),
                        masker: masker.clone(),
                        capture_vars,
                    },
                    exec_tx.clone(),
                ),
                Job::Http(spec) => Ok(crate::exec::http::spawn(
                    crate::exec::http::HttpJob {
                        target: target(output_path),
                        spec,
                    },
                    exec_tx.clone(),
                )),
                Job::Notify { url, body } => Ok(crate::exec::notify::spawn(
                    crate::exec::notify::NotifyJob {
                        target: target(output_path),
                        url,
                        body,
                    },
                    exec_tx.clone(),
                )),
                Job::Sql { url, sql, timeout } => Ok(sql::spawn(
                    SqlJob {
                        target: target(output_path),
                        url,
                        sql,
                        timeout,
                    },
                    exec_tx.clone(),
                )),
            };
            match started {
                Ok(handle) => {
                    handles.insert(step_id, handle);
                }
                Err(e) => {
                    let outcome = Outcome {
                        error: Some(e),
                        ..Outcome::default()
                    };
                    let _ = tx.send(Action::Exec(ExecEvent::Finished {
                        step_id,
                        attempt,
                        outcome,
                    }));
                }
            }
        }
        Effect::Attach { step_id, attempt } => {
            let output_path = crate::journal::file::output_path(&app.run_dir, &step_id, attempt);
            let pgid = match supervised::probe(&output_path) {
                Probe::Running { pgid } => pgid,
                Probe::Ended(_) | Probe::Gone => 0,
            };
            tracing::info!(step = %step_id, attempt, pgid, "re-attached to a step left running");
            let handle =
                shell::attach(step_id.clone(), attempt, output_path, pgid, exec_tx.clone());
            handles.insert(step_id, handle);
        }
        Effect::Cancel { step_id } => {
            if let Some(h) = handles.get(&step_id) {
                h.cancel();
            }
        }
        Effect::AddSecret(value) => {
            masker.add(&value);
            writer.add_secret(&value);
        }
        Effect::SetOperator(op) => writer.set_operator(&op),
        Effect::Export => {
            let dir = app.run_dir.clone();
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let result = runs::load_run(&dir)
                    .map_err(|e| e.to_string())
                    .and_then(|run| {
                        let path = dir.join("handoff.md");
                        std::fs::write(&path, export::markdown(&run))
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        Ok(path.display().to_string())
                    });
                let _ = tx.send(Action::Exported(result));
            });
        }
        Effect::Notify { hook, url, body } => {
            let tx = tx.clone();
            tokio::spawn(async move {
                let result = crate::exec::notify::post(&url, body).await;
                tracing::info!(hook = %hook, ok = result.is_ok(), "notification");
                let _ = tx.send(Action::Notified { hook, result });
            });
        }
        // Taken by the event loop before it gets here.
        Effect::FollowShared => {}
        Effect::Quit => return true,
    }
    false
}
