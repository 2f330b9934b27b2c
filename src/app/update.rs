//! The one place the cockpit state changes: `update(state, action) -> effects`, pure and
//! synchronous, so every key in every mode is unit-tested without a terminal or a process.
//!
//! Run facts change only when the journal says an event is durable (`Action::Journaled`): a
//! step shows ✓ after its acknowledgement is on disk, never before.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};
use ratatui_textarea::TextArea;

use crate::app::action::{Action, Effect};
use crate::app::keymap::Command;
use crate::app::monitoring;
use crate::app::prepare::prepare;
use crate::app::state::{App, Dialog, InputField, Pane, RING_LINES, Row, StepLog, TextPurpose};
use crate::exec::ring::OutputRing;
use crate::exec::shell::ExecEvent;
use crate::journal::event::{EventKind, LAST_LINES};
use crate::journal::replay::StepStatus;
use crate::journal::secrets::MASK;
use crate::runbook::StepKind;
use crate::ui::layout;

/// Applies one action; returns what the runtime must do.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Key(key) if key.kind != KeyEventKind::Release => {
            if app.dialog.is_some() {
                dialog_key(app, key, &mut fx);
            } else {
                normal_key(app, key, &mut fx);
            }
        }
        Action::Key(_) => {}
        Action::Mouse(m) => mouse(app, m),
        Action::Resize(w, h) => app.size = (w, h),
        Action::Tick(now) => {
            app.now = now;
            app.spinner = app.spinner.wrapping_add(1);
            monitoring::on_tick(app, &mut fx);
        }
        Action::Monitor(ev) => monitoring::on_event(app, ev, &mut fx),
        Action::Follow(ev) => crate::app::followed::on_follow(app, ev),
        Action::Exec(ev) => exec_event(app, ev, &mut fx),
        Action::Journaled(event) => {
            app.in_flight = app.in_flight.saturating_sub(1);
            let step = event.step.clone();
            let selected_before = app.selected_step().map(|s| s.id.clone());
            // Hooks look at the state before the event (is this the rollback's first step?).
            fx.extend(crate::app::hooks::for_event(
                app,
                &event.kind,
                event.step.as_deref(),
            ));
            if let Err(e) = app.run.apply(&event) {
                app.journal_error = Some(e.to_string());
            }
            monitoring::journaled(app, &event);
            if let (Some(id), EventKind::StepStarted { .. } | EventKind::StepAcknowledged { .. }) =
                (event.step.as_deref(), &event.kind)
            {
                take_choice(app, id, &mut fx);
            }
            if event.step.is_some() {
                maybe_finish(app, &mut fx);
            }
            match (&event.kind, step) {
                (EventKind::StepAdded { phase, title, code }, Some(id)) => {
                    app.runbook.add_adhoc_step(*phase, &id, title, code);
                    if app.pending_adhoc.remove(&id) {
                        if let Some(row) = app.row_of(&id) {
                            app.reveal(row);
                        }
                        begin(app, &id, &mut fx);
                    }
                }
                (EventKind::StepStarted { attempt, .. }, Some(id)) => {
                    if let Some(job) = app.pending_starts.remove(&id) {
                        app.running.insert(id.clone(), *attempt);
                        app.logs.insert(
                            id.clone(),
                            StepLog {
                                ring: OutputRing::new(RING_LINES),
                                attempt: *attempt,
                                signal: None,
                            },
                        );
                        app.log_offset = 0;
                        app.last_started = Some(id.clone());
                        fx.push(Effect::Start {
                            step_id: id,
                            attempt: *attempt,
                            job,
                        });
                    }
                }
                (EventKind::Handoff { to, .. }, _) => app.operator = to.clone(),
                (_, Some(id))
                    if Some(&id) == selected_before.as_ref() && app.status_of(&id).is_done() =>
                {
                    // The captain's step is done: move on to the next one that needs work,
                    // unless it repeats for each value and succeeded; then Enter runs it for
                    // the next value and `n` moves on.
                    let repeats = app.runbook.step(&id).is_some_and(|s| s.repeat.is_some())
                        && app.status_of(&id) == StepStatus::Succeeded;
                    if repeats {
                        app.message =
                            Some("done for one: Enter runs it for the next, `n` moves on".into());
                    } else if let Some(row) = next_pending_after(app, app.selected) {
                        app.reveal(row);
                    }
                }
                _ => {}
            }
        }
        Action::JournalFailed {
            step,
            started,
            error,
        } => {
            app.in_flight = app.in_flight.saturating_sub(1);
            if started && let Some(id) = &step {
                // Not journaled, so not started: the step can be run again.
                app.pending_starts.remove(id);
            }
            app.message = Some(format!("journal write failed: {error}"));
            app.journal_error = Some(error);
        }
        Action::Started => {
            reattach(app, &mut fx);
            ask_share_inputs(app);
            if app.run.last_seq <= 1
                && let Some(post) = crate::app::hooks::post_for(app, "run_started", &[])
            {
                fx.push(post);
            }
        }
        Action::Notified { hook, result } => {
            if let Err(error) = result {
                app.message = Some(format!("notification {hook} not sent: {error}"));
                append(app, EventKind::NotifyFailed { hook, error }, None, &mut fx);
            }
        }
        Action::Exported(Ok(path)) => {
            app.message = Some(format!("handoff report written to {path}"))
        }
        Action::Exported(Err(e)) => app.message = Some(format!("export failed: {e}")),
        Action::Share(status) => {
            if let (Some(seq), None) = (status.fork, app.share.as_ref().and_then(|s| s.fork)) {
                app.message = Some(format!(
                    "SHARE FORK at seq {seq}: the shared copy holds a different line; pushing stopped, nothing overwritten (`flightdeck journal verify --share URL {}`)",
                    app.run.run_id
                ));
            }
            let known = app.share.as_ref().and_then(|s| s.problem.as_ref());
            if let Some(problem) = status.problem.as_ref().filter(|p| Some(*p) != known) {
                app.message = Some(format!("SHARE FAILED: {problem}"));
            }
            if let Some(by) = status.taken_over.as_ref().filter(|_| !app.read_only) {
                crate::app::followed::taken_over(app, by);
                fx.push(Effect::FollowShared);
            }
            app.share = Some(status);
        }
    }
    fx
}

/// Journals `run_finished` once the run is over: every step outside the rollback phase done
/// (`completed`), or the rollback phase begun and done (`rolled_back`).
/// Taking one option of a choice (running or acknowledging one of its steps) skips the steps
/// of the other options that nobody has touched, each journaled with the option taken.
fn take_choice(app: &mut App, step_id: &str, fx: &mut Vec<Effect>) {
    let Some(taken) = app.runbook.step(step_id).and_then(|s| s.choice.clone()) else {
        return;
    };
    let others: Vec<String> = app
        .runbook
        .steps()
        .map(|(_, s)| s)
        .filter(|s| {
            s.choice
                .as_ref()
                .is_some_and(|c| c.group == taken.group && c.option != taken.option)
        })
        .filter(|s| {
            app.state_of(&s.id)
                .is_none_or(|st| st.attempts == 0 && !st.status.is_done())
                && !app.running.contains_key(&s.id)
        })
        .map(|s| s.id.clone())
        .collect();
    for id in others {
        append(
            app,
            EventKind::StepSkipped {
                reason: format!("alternative taken: {}", taken.option),
            },
            Some(&id),
            fx,
        );
    }
}

fn maybe_finish(app: &mut App, fx: &mut Vec<Effect>) {
    if app.run.finished.is_some() || app.finish_sent {
        return;
    }
    let (mut forward_done, mut rollback_done, mut rollback_begun) = (true, true, false);
    for (p, s) in app.runbook.steps() {
        // Ad-hoc steps look around; they neither begin the rollback nor hold the run open.
        if crate::app::adhoc::is_adhoc(&s.id) {
            continue;
        }
        let done = app.status_of(&s.id).is_done();
        let title = app.runbook.phases.get(p).map_or("", |ph| ph.title.as_str());
        if crate::app::hooks::is_rollback_phase(app, title) {
            // A rollback once begun is walked whole: "(if needed)" makes the phase optional,
            // not its steps once the captain is in it.
            rollback_done &= done;
            rollback_begun |= done || app.state_of(&s.id).is_some_and(|st| st.attempts > 0);
        } else {
            // An optional step never holds the run open.
            forward_done &= done || s.optional;
        }
    }
    let outcome = if rollback_begun && rollback_done {
        "rolled_back"
    } else if forward_done && !rollback_begun {
        "completed"
    } else {
        return;
    };
    app.finish_sent = true;
    app.message = Some(format!("run {outcome}: `e` exports the handoff report"));
    append(
        app,
        EventKind::RunFinished {
            outcome: outcome.into(),
        },
        None,
        fx,
    );
}

/// Records an input value: in memory for the next steps, in the journal (masked when secret),
/// and in the masker when secret.
fn set_input(app: &mut App, name: String, value: String, source: &str, fx: &mut Vec<Effect>) {
    let secret = app.is_secret(&name);
    if secret && !value.is_empty() {
        app.masker.add(&value);
        fx.push(Effect::AddSecret(value.clone()));
    }
    let kind = EventKind::InputSet {
        name: name.clone(),
        value: if secret {
            MASK.to_string()
        } else {
            value.clone()
        },
        secret,
        source: Some(source.to_string()),
    };
    app.values.insert(name, value);
    append(app, kind, None, fx);
}

fn append(app: &mut App, kind: EventKind, step: Option<&str>, fx: &mut Vec<Effect>) {
    app.in_flight += 1;
    fx.push(Effect::Append {
        kind,
        step: step.map(str::to_string),
    });
}

fn normal_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    if monitoring::key(app, &key, fx) {
        return;
    }
    if key.code == KeyCode::Esc {
        app.message = None;
        app.search = None;
        app.zoom = false;
        return;
    }
    let Some(cmd) = app.keymap.command(&key) else {
        return;
    };
    match cmd {
        Command::Down => move_by(app, 1),
        Command::Up => move_by(app, -1),
        Command::PageDown => move_by(app, page(app)),
        Command::PageUp => move_by(app, -page(app)),
        Command::First => {
            if app.focus == Pane::Logs {
                app.log_offset = log_len(app);
            } else if let Some(r) = app.rows().first() {
                app.selected = *r;
            }
        }
        Command::Last => {
            if app.focus == Pane::Logs {
                app.log_offset = 0;
            } else if let Some(r) = app.rows().last() {
                app.selected = *r;
            }
        }
        Command::Collapse => match app.selected {
            Row::Phase(p) => {
                app.collapsed.insert(p);
            }
            Row::Step(p, _) => app.selected = Row::Phase(p),
        },
        Command::Expand => {
            if let Row::Phase(p) = app.selected {
                app.collapsed.remove(&p);
            }
        }
        Command::NextPending => match next_pending_after(app, app.selected) {
            Some(r) => app.reveal(r),
            None => app.message = Some("every step is done".into()),
        },
        Command::Run => match app.selected {
            Row::Phase(p) => {
                if !app.collapsed.remove(&p) {
                    app.collapsed.insert(p);
                }
            }
            Row::Step(..) => run_selected(app, false, fx),
        },
        Command::Rerun => run_selected(app, true, fx),
        Command::AckWithNote => open_text(app, TextPurpose::Ack),
        Command::Skip => open_text(app, TextPurpose::Skip),
        Command::MarkFailed => open_text(app, TextPurpose::Fail),
        Command::RunNote => app.dialog = Some(text_dialog(TextPurpose::RunNote)),
        Command::Handoff => {
            // A shared run handed off while a step runs would fork: the step's end would be
            // journaled here after the next captain took the run over there.
            let running = app
                .run
                .steps
                .values()
                .any(|s| s.status == StepStatus::Running)
                || !app.running.is_empty();
            if running && app.share_url.is_some() {
                app.message = Some(
                    "a step is running: wait for it to end or cancel it with c, then hand off (H)"
                        .into(),
                );
            } else {
                app.dialog = Some(text_dialog(TextPurpose::Handoff));
            }
        }
        Command::Cancel => {
            let Some(step) = app.selected_step() else {
                return;
            };
            let id = step.id.clone();
            if monitoring::cancel_gate(app, &id, fx) {
                return;
            }
            if app.running.contains_key(&id) {
                app.message = Some(format!(
                    "cancelling {id}: SIGINT, then SIGTERM and SIGKILL after 5 s each"
                ));
                fx.push(Effect::Cancel { step_id: id });
            } else {
                app.message = Some("the selected step is not running".into());
            }
        }
        Command::Export => fx.push(Effect::Export),
        Command::RunShown => crate::app::adhoc::open(app),
        Command::EditInputs => edit_inputs(app),
        Command::Search => {
            app.dialog = Some(Dialog::Search {
                query: app.search.clone().unwrap_or_default(),
            })
        }
        Command::FocusNext => {
            // Panes that take no room on this screen (monitoring without metrics) are passed.
            for _ in 0..4 {
                app.focus = app.focus.next();
                if layout::for_app(app).pane(app.focus).is_some() {
                    break;
                }
            }
        }
        // Handled by `monitoring::key` before the checklist sees it.
        Command::LogTab => {}
        Command::Zoom => app.zoom = !app.zoom,
        Command::Help => app.dialog = Some(Dialog::Help),
        Command::Quit => {
            if app.running.is_empty() && app.pending_starts.is_empty() {
                monitoring::before_quit(app, fx);
                app.quit = true;
                fx.push(Effect::Quit);
            } else {
                app.dialog = Some(Dialog::QuitRunning { choice: 0 });
            }
        }
    }
}

fn page(app: &App) -> isize {
    (app.size.1 as isize / 2).max(1)
}

fn log_len(app: &App) -> usize {
    if let Some(n) = monitoring::tab_len(app) {
        return n;
    }
    app.log_step()
        .and_then(|id| app.logs.get(id))
        .map_or(0, |l| l.ring.len())
}

fn move_by(app: &mut App, delta: isize) {
    if app.focus == Pane::Logs {
        let max = log_len(app);
        app.log_offset = (app.log_offset as isize - delta).clamp(0, max as isize) as usize;
        return;
    }
    let rows = app.rows();
    let Some(pos) = rows.iter().position(|r| *r == app.selected) else {
        if let Some(r) = rows.first() {
            app.selected = *r;
        }
        return;
    };
    let new = (pos as isize + delta).clamp(0, rows.len() as isize - 1) as usize;
    app.selected = rows[new];
}

/// The next step after `from` (wrapping) that still needs work.
fn next_pending_after(app: &App, from: Row) -> Option<Row> {
    let all: Vec<Row> = (0..app.runbook.phases.len())
        .flat_map(|p| (0..app.runbook.phases[p].steps.len()).map(move |s| Row::Step(p, s)))
        .collect();
    let start = all.iter().position(|r| *r == from).map_or(0, |i| i + 1);
    (0..all.len())
        .map(|k| all[(start + k) % all.len()])
        .find(|r| {
            app.step_at(*r).is_some_and(|s| {
                !s.optional && !app.status_of(&s.id).is_done() && !app.running.contains_key(&s.id)
            })
        })
}

fn text_dialog(purpose: TextPurpose) -> Dialog {
    let mut area = TextArea::default();
    area.set_placeholder_text("Ctrl-S saves · Esc cancels");
    Dialog::Text {
        purpose,
        area: Box::new(area),
        error: None,
    }
}

fn open_text(app: &mut App, purpose: impl FnOnce(String) -> TextPurpose) {
    match app.selected_step() {
        Some(step) if app.is_busy(&step.id) => {
            app.message =
                Some("the step is running: cancel it (`c`) first, its result will follow".into());
        }
        Some(step) => {
            let id = step.id.clone();
            app.dialog = Some(text_dialog(purpose(id)));
        }
        None => app.message = Some("select a step first".into()),
    }
}

/// Enter on a step: acknowledge a check/manual step, or start an executable one.
fn run_selected(app: &mut App, rerun: bool, fx: &mut Vec<Effect>) {
    let Some(step) = app.selected_step().cloned() else {
        return;
    };
    let status = app.status_of(&step.id);
    match step.kind {
        StepKind::Check | StepKind::Manual => {
            if status.is_done() && !rerun {
                app.message = Some(format!(
                    "already {}; `a` adds a note, `x` marks it failed",
                    status.as_str()
                ));
            } else {
                append(
                    app,
                    EventKind::StepAcknowledged { note: None },
                    Some(&step.id),
                    fx,
                );
            }
        }
        StepKind::Watch => monitoring::start_gate(app, &step, rerun, fx),
        _ => {
            if app.running.contains_key(&step.id) || app.pending_starts.contains_key(&step.id) {
                app.message = Some("already running; `c` cancels it".into());
            } else if status == StepStatus::Succeeded && step.repeat.is_some() && !rerun {
                repeat(app, &step);
            } else if status == StepStatus::Succeeded && !rerun {
                app.message = Some("already succeeded; `r` runs it again".into());
            } else {
                begin(app, &step.id, fx);
            }
        }
    }
}

/// A share URL that reads inputs (`share: $SHARE_DB`) without values: asked once, as
/// secrets, when the cockpit opens; the pusher starts when they are saved.
fn ask_share_inputs(app: &mut App) {
    let names = crate::app::prepare::share_inputs(app);
    if names.is_empty() || app.dialog.is_some() {
        return;
    }
    let fields = names
        .into_iter()
        .map(|name| InputField {
            secret: true,
            prompt: Some(format!("{name} (PostgreSQL URL the run is shared to)")),
            value: String::new(),
            name,
        })
        .collect();
    app.dialog = Some(Dialog::Inputs {
        step_id: SHARE_DIALOG.into(),
        fields,
        focus: 0,
        run: false,
    });
}

/// What the share inputs' form says it is for.
const SHARE_DIALOG: &str = "Sharing this run";

/// Enter on a step that repeats ("for each commit …") and has run: it runs again, with its
/// inputs asked anew, so that each run takes the next value. A step that says which of its
/// inputs are new each time (`Step::renew`: the disk number, not the user) offers the others
/// as they are.
fn repeat(app: &mut App, step: &crate::runbook::Step) {
    let fields: Vec<InputField> = step
        .inputs
        .iter()
        .map(|name| InputField {
            secret: app.is_secret(name),
            prompt: None,
            value: if step.renew.is_empty() || step.renew.contains(name) {
                String::new()
            } else {
                app.values.get(name).cloned().unwrap_or_default()
            },
            name: name.clone(),
        })
        .collect();
    if fields.is_empty() {
        app.message = Some("already succeeded; `r` runs it again".into());
        return;
    }
    app.dialog = Some(Dialog::Inputs {
        step_id: step.id.clone(),
        fields,
        focus: 0,
        run: true,
    });
}

/// `i`: a form with every input of the selected step, filled with the values it has now.
fn edit_inputs(app: &mut App) {
    let Some(step) = app.selected_step().cloned() else {
        return;
    };
    let names = crate::app::prepare::needed_inputs(app, &step);
    if names.is_empty() {
        app.message = Some("this step reads no inputs".into());
        return;
    }
    let fields = names
        .into_iter()
        .map(|name| InputField {
            secret: app.is_secret(&name),
            prompt: None,
            value: app.values.get(&name).cloned().unwrap_or_default(),
            name,
        })
        .collect();
    app.dialog = Some(Dialog::Inputs {
        step_id: step.id,
        fields,
        focus: 0,
        run: false,
    });
}

/// Asks for missing inputs, then for confirmation when dangerous, then launches.
fn begin(app: &mut App, step_id: &str, fx: &mut Vec<Effect>) {
    begin_asking(app, step_id, fx, true);
}

/// The values `step` offers again on its first run: its own `Step::renew`, and those its
/// section picks anew at an earlier step (the section's first to use the value) that no step
/// of the section has run with yet: a first step skipped or passed leaves the offer to the
/// next one that needs the value.
fn section_renewals(app: &App, step: &crate::runbook::Step) -> Vec<String> {
    let mut names = step.renew.clone();
    let Some(phase) = app
        .runbook
        .phases
        .iter()
        .find(|p| p.steps.iter().any(|s| s.id == step.id))
    else {
        return names;
    };
    let ran = |s: &crate::runbook::Step| app.state_of(&s.id).is_some_and(|st| st.attempts > 0);
    for earlier in phase.steps.iter().take_while(|s| s.id != step.id) {
        for name in &earlier.renew {
            let given_here = phase
                .steps
                .iter()
                .any(|s| s.inputs.contains(name) && ran(s));
            if !given_here && !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// [`begin`]; `renew`: a step's first run also offers again the values it picks anew for its
/// section (`Step::renew`: an earlier section's commit or pod), to keep or change. Not after
/// the form that just asked.
fn begin_asking(app: &mut App, step_id: &str, fx: &mut Vec<Effect>, renew: bool) {
    let Some(step) = app.runbook.step(step_id).cloned() else {
        return;
    };
    let missing = app.missing_inputs(&step);
    let first_run = app.state_of(&step.id).is_none_or(|s| s.attempts == 0);
    let again: Vec<String> = if renew && first_run {
        let needed = crate::app::prepare::needed_inputs(app, &step);
        section_renewals(app, &step)
            .into_iter()
            .filter(|n| app.values.contains_key(n) && needed.contains(n))
            .collect()
    } else {
        Vec::new()
    };
    if !missing.is_empty() || !again.is_empty() {
        let fm = app.runbook.front_matter.as_ref();
        let mut fields: Vec<InputField> = again
            .into_iter()
            .map(|name| InputField {
                secret: app.is_secret(&name),
                prompt: Some(format!("{name} (for this section; Enter keeps it)")),
                value: app.values.get(&name).cloned().unwrap_or_default(),
                name,
            })
            .collect();
        fields.extend(missing.into_iter().map(|name| {
            let spec = fm.and_then(|f| f.vars.get(&name)).and_then(|s| s.as_ref());
            InputField {
                secret: app.is_secret(&name),
                prompt: spec.and_then(|s| s.prompt.clone()),
                value: spec.and_then(|s| s.default.clone()).unwrap_or_default(),
                name,
            }
        }));
        app.dialog = Some(Dialog::Inputs {
            step_id: step.id.clone(),
            fields,
            focus: 0,
            run: true,
        });
        return;
    }
    let job = match prepare(app, &step) {
        Ok(job) => job,
        Err(e) => {
            app.message = Some(e);
            return;
        }
    };
    if let Some(reason) = &step.dangerous {
        let word = app
            .runbook
            .front_matter
            .as_ref()
            .and_then(|f| f.environment.clone())
            .unwrap_or_else(|| "run".into());
        app.dialog = Some(Dialog::Confirm {
            step_id: step.id.clone(),
            word,
            typed: String::new(),
            command: job.shown(),
            reason: reason.clone(),
        });
        return;
    }
    // A command flightdeck read from prose is shown once before it first runs; Enter runs it.
    let never_run = app.state_of(&step.id).is_none_or(|s| s.attempts == 0);
    if step.inferred && step.is_executable() && never_run {
        app.dialog = Some(Dialog::Confirm {
            step_id: step.id.clone(),
            word: String::new(),
            typed: String::new(),
            command: job.shown(),
            reason:
                "was read from the runbook's prose, not from a labelled fence: check the command"
                    .into(),
        });
        return;
    }
    launch(app, &step.id, fx);
}

/// Journals `step_started`; the process starts when that event is durable.
fn launch(app: &mut App, step_id: &str, fx: &mut Vec<Effect>) {
    let Some(step) = app.runbook.step(step_id).cloned() else {
        return;
    };
    let job = match prepare(app, &step) {
        Ok(job) => job,
        Err(e) => {
            app.message = Some(e);
            return;
        }
    };
    let attempt = app.state_of(step_id).map_or(0, |s| s.attempts) + 1;
    let command = job.shown();
    app.pending_starts.insert(step_id.to_string(), job);
    app.message = None;
    append(
        app,
        EventKind::StepStarted {
            attempt,
            command: Some(command),
        },
        Some(step_id),
        fx,
    );
}

/// Steps the journal has running when the cockpit opens still have their supervisor (opening
/// the journal settled the others): follow them again, as if this cockpit had started them.
fn reattach(app: &mut App, fx: &mut Vec<Effect>) {
    let running: Vec<(String, u32)> = app
        .run
        .steps
        .iter()
        .filter(|(id, s)| s.status == StepStatus::Running && !app.running.contains_key(*id))
        .map(|(id, s)| (id.clone(), s.attempts))
        .collect();
    for (id, attempt) in running {
        app.running.insert(id.clone(), attempt);
        app.logs.insert(
            id.clone(),
            StepLog {
                ring: OutputRing::new(RING_LINES),
                attempt,
                signal: None,
            },
        );
        app.last_started = Some(id.clone());
        fx.push(Effect::Attach {
            step_id: id,
            attempt,
        });
    }
}

fn exec_event(app: &mut App, ev: ExecEvent, fx: &mut Vec<Effect>) {
    match ev {
        ExecEvent::Output {
            step_id,
            attempt,
            chunk,
            stderr,
        } => {
            if let Some(log) = app.logs.get_mut(&step_id).filter(|l| l.attempt == attempt) {
                log.ring.push_chunk(&chunk, stderr);
            }
        }
        ExecEvent::Progress { step_id, text, .. } => match text {
            Some(t) => {
                app.progress.insert(step_id, t);
            }
            None => {
                app.progress.remove(&step_id);
            }
        },
        ExecEvent::Signalled {
            step_id, signal, ..
        } => {
            if let Some(log) = app.logs.get_mut(&step_id) {
                log.signal = Some(signal);
            }
            app.message = Some(format!("{step_id}: {signal} sent to its process group"));
        }
        ExecEvent::Finished {
            step_id,
            attempt,
            outcome,
        } => {
            app.running.remove(&step_id);
            app.progress.remove(&step_id);
            let last_lines = match app.logs.get_mut(&step_id) {
                Some(log) => {
                    log.ring.finish();
                    log.ring.last_lines(LAST_LINES)
                }
                None => Vec::new(),
            };
            if let Some(e) = &outcome.error {
                app.message = Some(format!("{step_id}: {e}"));
            }
            let handed = crate::app::values::handed_on(app, &step_id, &outcome);
            // A secret the step produced is masked before its last lines reach the journal.
            for (name, value) in &handed {
                if app.is_secret(name) && !value.is_empty() {
                    app.masker.add(value);
                    fx.push(Effect::AddSecret(value.clone()));
                }
            }
            let kind = EventKind::StepFinished {
                attempt,
                exit_code: outcome.exit_code,
                signal: outcome.signal,
                duration_ms: outcome.duration_ms,
                bytes: outcome.bytes,
                output_sha256: outcome.output_sha256,
                last_lines,
                ended_at: outcome.ended_at,
            };
            append(app, kind, Some(&step_id), fx);
            for (name, value) in handed {
                set_input(app, name, value, &format!("capture:{step_id}"), fx);
            }
            if let Some(e) = outcome.error {
                // The output was not captured in full: never let the step pass as succeeded.
                append(
                    app,
                    EventKind::StepFailedManual {
                        note: format!("output capture failed: {e}"),
                    },
                    Some(&step_id),
                    fx,
                );
            }
            // After "cancel them, then quit": quit once nothing runs any more.
            if app.quit && app.running.is_empty() {
                fx.push(Effect::Quit);
            }
        }
        ExecEvent::Lost { step_id, attempt } => {
            app.running.remove(&step_id);
            app.progress.remove(&step_id);
            let output = crate::journal::file::output_path(&app.run_dir, &step_id, attempt);
            let log = crate::journal::supervised::log_path(&output);
            app.message = Some(format!(
                "{step_id}: its supervisor went away without recording the end; interrupted (its errors, if any: {})",
                log.display()
            ));
            append(
                app,
                EventKind::StepInterrupted { attempt },
                Some(&step_id),
                fx,
            );
            if app.quit && app.running.is_empty() {
                fx.push(Effect::Quit);
            }
        }
    }
}

/// What a key did to a dialog, decided while the dialog is borrowed and carried out after.
enum Outcome {
    Stay,
    /// Stay, and say why in the status bar.
    Hint(String),
    Close,
    Save(TextPurpose, String),
    /// Values entered for a step; run it after when the flag is set.
    Inputs(String, Vec<InputField>, bool),
    Launch(String),
    /// Run this code as an ad-hoc step of the phase.
    AddStep(usize, String),
    Quit(usize),
    Search(String),
}

fn dialog_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    if matches!(app.dialog, Some(Dialog::Rollback { .. })) {
        monitoring::rollback_key(app, key, fx);
        return;
    }
    let Some(dialog) = app.dialog.as_mut() else {
        return;
    };
    match edit_dialog(dialog, key) {
        Outcome::Stay => {}
        Outcome::Hint(msg) => app.message = Some(msg),
        Outcome::Close => app.dialog = None,
        Outcome::Save(purpose, text) => {
            app.dialog = None;
            save_text(app, purpose, text, fx);
        }
        Outcome::Inputs(step_id, fields, run) => {
            app.dialog = None;
            for f in fields {
                if app.values.get(&f.name) != Some(&f.value) {
                    set_input(
                        app,
                        f.name,
                        f.value,
                        if run { "prompt" } else { "edit" },
                        fx,
                    );
                }
            }
            app.message = None;
            if run {
                begin_asking(app, &step_id, fx, false);
            }
        }
        Outcome::AddStep(phase, code) => {
            app.dialog = None;
            let id = crate::app::adhoc::next_id(app);
            let title = crate::app::adhoc::title(&code);
            app.pending_adhoc.insert(id.clone());
            append(
                app,
                EventKind::StepAdded { phase, title, code },
                Some(&id),
                fx,
            );
        }
        Outcome::Launch(step_id) => {
            app.dialog = None;
            launch(app, &step_id, fx);
        }
        Outcome::Quit(choice) => {
            app.dialog = None;
            quit_choice(app, choice, fx);
        }
        Outcome::Search(query) => {
            app.dialog = None;
            app.search = (!query.is_empty()).then_some(query);
            jump_to_match(app);
        }
    }
}

/// Applies a key to the dialog in place.
fn edit_dialog(dialog: &mut Dialog, key: KeyEvent) -> Outcome {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if key.code == KeyCode::Esc {
        return Outcome::Close;
    }
    match dialog {
        Dialog::Help => Outcome::Close,
        Dialog::Adhoc {
            phase,
            options,
            cursor,
        } => match key.code {
            KeyCode::Enter => options
                .get(*cursor)
                .map_or(Outcome::Close, |c| Outcome::AddStep(*phase, c.clone())),
            KeyCode::Down | KeyCode::Right | KeyCode::Char('j' | 'l') | KeyCode::Tab => {
                *cursor = (*cursor + 1) % options.len().max(1);
                Outcome::Stay
            }
            KeyCode::Up | KeyCode::Left | KeyCode::Char('k' | 'h') | KeyCode::BackTab => {
                *cursor = (*cursor + options.len().max(1) - 1) % options.len().max(1);
                Outcome::Stay
            }
            _ => Outcome::Stay,
        },
        Dialog::Rollback { .. } => Outcome::Stay,
        Dialog::Text {
            purpose,
            area,
            error,
        } => {
            let save = (ctrl && matches!(key.code, KeyCode::Char('s') | KeyCode::Enter))
                || (key.modifiers.contains(KeyModifiers::ALT) && key.code == KeyCode::Enter);
            if !save {
                area.input(key);
                *error = None;
                return Outcome::Stay;
            }
            let text = area.lines().join("\n").trim().to_string();
            if purpose.required() && text.is_empty() {
                *error = Some("this needs some text".into());
                return Outcome::Stay;
            }
            Outcome::Save(purpose.clone(), text)
        }
        Dialog::Inputs {
            step_id,
            fields,
            focus,
            run,
        } => {
            let n = fields.len().max(1);
            match key.code {
                KeyCode::Tab | KeyCode::Down => *focus = (*focus + 1) % n,
                KeyCode::BackTab | KeyCode::Up => *focus = (*focus + n - 1) % n,
                KeyCode::Backspace => {
                    if let Some(f) = fields.get_mut(*focus) {
                        f.value.pop();
                    }
                }
                KeyCode::Char(c) if !ctrl => {
                    if let Some(f) = fields.get_mut(*focus) {
                        f.value.push(c);
                    }
                }
                KeyCode::Enter => match fields.iter().position(|f| f.value.is_empty()) {
                    Some(empty) => {
                        *focus = empty;
                        return Outcome::Hint(format!("`{}` needs a value", fields[empty].name));
                    }
                    None => return Outcome::Inputs(step_id.clone(), fields.clone(), *run),
                },
                _ => {}
            }
            Outcome::Stay
        }
        Dialog::Confirm {
            step_id,
            word,
            typed,
            ..
        } => match key.code {
            KeyCode::Enter if typed == word => Outcome::Launch(step_id.clone()),
            KeyCode::Enter => Outcome::Hint(format!("type `{word}` to run it, Esc to go back")),
            KeyCode::Backspace => {
                typed.pop();
                Outcome::Stay
            }
            KeyCode::Char(c) if !ctrl => {
                typed.push(c);
                Outcome::Stay
            }
            _ => Outcome::Stay,
        },
        Dialog::QuitRunning { choice } => {
            match key.code {
                KeyCode::Left | KeyCode::BackTab | KeyCode::Char('h') => {
                    *choice = (*choice + 2) % 3
                }
                KeyCode::Right | KeyCode::Tab | KeyCode::Char('l') => *choice = (*choice + 1) % 3,
                KeyCode::Enter => return Outcome::Quit(*choice),
                _ => {}
            }
            Outcome::Stay
        }
        Dialog::Search { query } => match key.code {
            KeyCode::Enter => Outcome::Search(query.clone()),
            KeyCode::Backspace => {
                query.pop();
                Outcome::Stay
            }
            KeyCode::Char(c) if !ctrl => {
                query.push(c);
                Outcome::Stay
            }
            _ => Outcome::Stay,
        },
    }
}

/// The quit dialog's answer: 0 wait, 1 cancel running steps then quit, 2 leave them running.
fn quit_choice(app: &mut App, choice: usize, fx: &mut Vec<Effect>) {
    match choice {
        0 => app.message = Some("waiting for running steps; `q` again when they are done".into()),
        1 => {
            // Steps not started yet never will be; running ones are cancelled, then we quit.
            app.pending_starts.clear();
            app.quit = true;
            if app.running.is_empty() {
                fx.push(Effect::Quit);
                return;
            }
            app.message = Some("cancelling running steps; flightdeck quits when they stop".into());
            let ids: Vec<String> = app.running.keys().cloned().collect();
            fx.extend(ids.into_iter().map(|step_id| Effect::Cancel { step_id }));
        }
        _ => {
            // Shell steps run on under their supervisors, still running in the journal: the
            // next cockpit on this run re-attaches. SQL and HTTP steps cannot: on the way out
            // they are stopped and journaled as interrupted.
            app.pending_starts.clear();
            app.quit = true;
            fx.push(Effect::Quit);
        }
    }
}

fn save_text(app: &mut App, purpose: TextPurpose, text: String, fx: &mut Vec<Effect>) {
    match purpose {
        TextPurpose::Ack(id) => {
            let note = (!text.is_empty()).then_some(text);
            append(app, EventKind::StepAcknowledged { note }, Some(&id), fx);
        }
        TextPurpose::Skip(id) => {
            append(app, EventKind::StepSkipped { reason: text }, Some(&id), fx)
        }
        TextPurpose::Fail(id) => append(
            app,
            EventKind::StepFailedManual { note: text },
            Some(&id),
            fx,
        ),
        TextPurpose::RunNote => append(app, EventKind::Note { text }, None, fx),
        TextPurpose::Handoff => {
            let (to, note) = match text.split_once('\n') {
                Some((to, note)) => (
                    to.trim().to_string(),
                    Some(note.trim().to_string()).filter(|n| !n.is_empty()),
                ),
                None => (text.trim().to_string(), None),
            };
            let from = app.operator.clone();
            append(
                app,
                EventKind::Handoff {
                    from,
                    to: to.clone(),
                    note,
                },
                None,
                fx,
            );
            fx.push(Effect::SetOperator(to));
        }
    }
}

/// Scrolls the log so that the last line matching the search is on screen.
fn jump_to_match(app: &mut App) {
    if monitoring::search_tab(app) {
        return;
    }
    let Some(q) = app.search.clone() else { return };
    let Some(log) = app.log_step().and_then(|id| app.logs.get(id)) else {
        return;
    };
    match log.ring.rfind(&q) {
        Some(i) => app.log_offset = log.ring.len() - 1 - i,
        None => app.message = Some(format!("`{q}` not found in this output")),
    }
}

fn mouse(app: &mut App, m: crossterm::event::MouseEvent) {
    let areas = layout::for_app(app);
    let inside = |r: ratatui::layout::Rect| {
        m.column >= r.x && m.column < r.x + r.width && m.row >= r.y && m.row < r.y + r.height
    };
    let over_logs = areas.logs.is_some_and(inside);
    match m.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let delta = if m.kind == MouseEventKind::ScrollDown {
                3
            } else {
                -3
            };
            let before = app.focus;
            if over_logs {
                app.focus = Pane::Logs;
            }
            move_by(app, delta);
            app.focus = before;
        }
        MouseEventKind::Down(_) => {
            // Inside the borders only: a click on the frame selects nothing.
            let in_rows =
                |r: &ratatui::layout::Rect| inside(*r) && m.row > r.y && m.row + 1 < r.y + r.height;
            if let Some(list) = areas.checklist.filter(in_rows) {
                let rows = app.rows();
                let selected = rows.iter().position(|r| *r == app.selected).unwrap_or(0);
                let visible = list.height.saturating_sub(2) as usize;
                let offset = layout::list_offset(selected, visible, rows.len());
                let clicked = offset + (m.row.saturating_sub(list.y + 1)) as usize;
                if let Some(r) = rows.get(clicked) {
                    app.selected = *r;
                }
                app.focus = Pane::Checklist;
            } else if over_logs {
                app.focus = Pane::Logs;
            }
        }
        _ => {}
    }
}
