//! The one place the cockpit state changes: `update(state, action) -> effects`, pure and
//! synchronous, so every key in every mode is unit-tested without a terminal or a process.
//!
//! Run facts change only when the journal says an event is durable (`Action::Journaled`): a
//! step shows ✓ after its acknowledgement is on disk, never before.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};
use ratatui_textarea::TextArea;

use crate::app::action::{Action, Effect};
use crate::app::keymap::Command;
use crate::app::state::{App, Dialog, InputField, Pane, RING_LINES, Row, StepLog, TextPurpose};
use crate::exec::ring::OutputRing;
use crate::exec::shell::ExecEvent;
use crate::exec::substitute::{is_env_name, substitute};
use crate::journal::event::EventKind;
use crate::journal::replay::StepStatus;
use crate::journal::secrets::MASK;
use crate::runbook::StepKind;
use crate::ui::layout;

/// Lines of output kept in `step_finished`.
const LAST_LINES: usize = 10;

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
        }
        Action::Exec(ev) => exec_event(app, ev, &mut fx),
        Action::Journaled(event) => {
            app.in_flight = app.in_flight.saturating_sub(1);
            let step = event.step.clone();
            let selected_before = app.selected_step().map(|s| s.id.clone());
            if let Err(e) = app.run.apply(&event) {
                app.journal_error = Some(e.to_string());
            }
            match (&event.kind, step) {
                (EventKind::StepStarted { attempt, .. }, Some(id)) => {
                    if let Some((script, env)) = app.pending_starts.remove(&id) {
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
                        fx.push(Effect::StartShell {
                            step_id: id,
                            attempt: *attempt,
                            script,
                            env,
                        });
                    }
                }
                (EventKind::Handoff { to, .. }, _) => app.operator = to.clone(),
                (_, Some(id))
                    if Some(&id) == selected_before.as_ref() && app.status_of(&id).is_done() =>
                {
                    // The captain's step is done: move on to the next one that needs work.
                    if let Some(row) = next_pending_after(app, app.selected) {
                        app.selected = row;
                    }
                }
                _ => {}
            }
        }
        Action::JournalFailed(msg) => {
            app.in_flight = app.in_flight.saturating_sub(1);
            app.message = Some(format!("journal write failed: {msg}"));
            app.journal_error = Some(msg);
        }
        Action::Exported(Ok(path)) => {
            app.message = Some(format!("handoff report written to {path}"))
        }
        Action::Exported(Err(e)) => app.message = Some(format!("export failed: {e}")),
    }
    fx
}

fn append(app: &mut App, kind: EventKind, step: Option<&str>, fx: &mut Vec<Effect>) {
    app.in_flight += 1;
    fx.push(Effect::Append {
        kind,
        step: step.map(str::to_string),
    });
}

fn normal_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
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
            Some(r) => app.selected = r,
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
        Command::Handoff => app.dialog = Some(text_dialog(TextPurpose::Handoff)),
        Command::Cancel => {
            let Some(step) = app.selected_step() else {
                return;
            };
            let id = step.id.clone();
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
        Command::Search => {
            app.dialog = Some(Dialog::Search {
                query: app.search.clone().unwrap_or_default(),
            })
        }
        Command::FocusNext => app.focus = app.focus.next(),
        Command::Zoom => app.zoom = !app.zoom,
        Command::Help => app.dialog = Some(Dialog::Help),
        Command::Quit => {
            if app.running.is_empty() {
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
                !app.status_of(&s.id).is_done() && !app.running.contains_key(&s.id)
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
        StepKind::Shell => {
            if app.running.contains_key(&step.id) || app.pending_starts.contains_key(&step.id) {
                app.message = Some("already running; `c` cancels it".into());
            } else if status == StepStatus::Succeeded && !rerun {
                app.message = Some("already succeeded; `r` runs it again".into());
            } else {
                begin(app, &step.id, fx);
            }
        }
        other => {
            app.message = Some(format!(
                "{} steps do not run from the cockpit yet: do it by hand, then `a` to acknowledge or `s` to skip",
                other.as_str()
            ));
        }
    }
}

/// Asks for missing inputs, then for confirmation when dangerous, then launches.
fn begin(app: &mut App, step_id: &str, fx: &mut Vec<Effect>) {
    let Some(step) = app.runbook.step(step_id).cloned() else {
        return;
    };
    let missing = app.missing_inputs(&step);
    if !missing.is_empty() {
        let fm = app.runbook.front_matter.as_ref();
        let fields = missing
            .into_iter()
            .map(|name| {
                let spec = fm.and_then(|f| f.vars.get(&name)).and_then(|s| s.as_ref());
                InputField {
                    secret: app.runbook.is_secret(&name),
                    prompt: spec.and_then(|s| s.prompt.clone()),
                    value: spec.and_then(|s| s.default.clone()).unwrap_or_default(),
                    name,
                }
            })
            .collect();
        app.dialog = Some(Dialog::Inputs {
            step_id: step.id.clone(),
            fields,
            focus: 0,
        });
        return;
    }
    let script = substitute(step.code.as_deref().unwrap_or(""), &app.values);
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
            command: script,
            reason: reason.clone(),
        });
        return;
    }
    launch(app, &step.id, script, fx);
}

/// Journals `step_started`; the process starts when that event is durable.
fn launch(app: &mut App, step_id: &str, script: String, fx: &mut Vec<Effect>) {
    let attempt = app.state_of(step_id).map_or(0, |s| s.attempts) + 1;
    let mut env: Vec<(String, String)> = app
        .values
        .iter()
        .filter(|(k, _)| is_env_name(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    env.sort();
    env.push(("FLIGHTDECK_RUN_ID".into(), app.run.run_id.clone()));
    env.push(("FLIGHTDECK_STEP_ID".into(), step_id.to_string()));
    app.pending_starts
        .insert(step_id.to_string(), (script.clone(), env));
    app.message = None;
    append(
        app,
        EventKind::StepStarted {
            attempt,
            command: Some(script),
        },
        Some(step_id),
        fx,
    );
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
            let kind = EventKind::StepFinished {
                attempt,
                exit_code: outcome.exit_code,
                signal: outcome.signal,
                duration_ms: outcome.duration_ms,
                bytes: outcome.bytes,
                output_sha256: outcome.output_sha256,
                last_lines,
            };
            append(app, kind, Some(&step_id), fx);
            if app.quit_when_idle() {
                fx.push(Effect::Quit);
            }
        }
    }
}

impl App {
    /// After "quit and cancel": quit once nothing runs any more.
    fn quit_when_idle(&self) -> bool {
        self.quit && self.running.is_empty()
    }
}

fn dialog_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(dialog) = app.dialog.take() else {
        return;
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match dialog {
        Dialog::Help => {}
        Dialog::Text {
            purpose, mut area, ..
        } => {
            let save = (ctrl && matches!(key.code, KeyCode::Char('s') | KeyCode::Enter))
                || (key.modifiers.contains(KeyModifiers::ALT) && key.code == KeyCode::Enter);
            if key.code == KeyCode::Esc {
                return;
            }
            if !save {
                area.input(key);
                app.dialog = Some(Dialog::Text {
                    purpose,
                    area,
                    error: None,
                });
                return;
            }
            let text = area.lines().join("\n").trim().to_string();
            if purpose.required() && text.is_empty() {
                app.dialog = Some(Dialog::Text {
                    purpose,
                    area,
                    error: Some("this needs some text".into()),
                });
                return;
            }
            save_text(app, purpose, text, fx);
        }
        Dialog::Inputs {
            step_id,
            mut fields,
            mut focus,
        } => {
            match key.code {
                KeyCode::Esc => return,
                KeyCode::Tab | KeyCode::Down => focus = (focus + 1) % fields.len().max(1),
                KeyCode::BackTab | KeyCode::Up => {
                    focus = (focus + fields.len().max(1) - 1) % fields.len().max(1)
                }
                KeyCode::Backspace => {
                    if let Some(f) = fields.get_mut(focus) {
                        f.value.pop();
                    }
                }
                KeyCode::Char(c) if !ctrl => {
                    if let Some(f) = fields.get_mut(focus) {
                        f.value.push(c);
                    }
                }
                KeyCode::Enter => {
                    if let Some(empty) = fields.iter().position(|f| f.value.is_empty()) {
                        focus = empty;
                        app.message = Some(format!("`{}` needs a value", fields[empty].name));
                    } else {
                        for f in &fields {
                            if f.secret {
                                fx.push(Effect::AddSecret(f.value.clone()));
                            }
                            let shown = if f.secret {
                                MASK.to_string()
                            } else {
                                f.value.clone()
                            };
                            app.values.insert(f.name.clone(), f.value.clone());
                            let kind = EventKind::InputSet {
                                name: f.name.clone(),
                                value: shown,
                                secret: f.secret,
                                source: Some("prompt".into()),
                            };
                            append(app, kind, None, fx);
                        }
                        app.message = None;
                        begin(app, &step_id, fx);
                        return;
                    }
                }
                _ => {}
            }
            app.dialog = Some(Dialog::Inputs {
                step_id,
                fields,
                focus,
            });
        }
        Dialog::Confirm {
            step_id,
            word,
            mut typed,
            command,
            reason,
        } => match key.code {
            KeyCode::Esc => app.message = Some("not run".into()),
            KeyCode::Enter if typed == word => launch(app, &step_id, command, fx),
            KeyCode::Enter => {
                app.message = Some(format!("type `{word}` to run it, Esc to go back"));
                app.dialog = Some(Dialog::Confirm {
                    step_id,
                    word,
                    typed,
                    command,
                    reason,
                });
            }
            KeyCode::Backspace => {
                typed.pop();
                app.dialog = Some(Dialog::Confirm {
                    step_id,
                    word,
                    typed,
                    command,
                    reason,
                });
            }
            KeyCode::Char(c) if !ctrl => {
                typed.push(c);
                app.dialog = Some(Dialog::Confirm {
                    step_id,
                    word,
                    typed,
                    command,
                    reason,
                });
            }
            _ => {
                app.dialog = Some(Dialog::Confirm {
                    step_id,
                    word,
                    typed,
                    command,
                    reason,
                })
            }
        },
        Dialog::QuitRunning { mut choice } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Left | KeyCode::BackTab | KeyCode::Char('h') => {
                choice = (choice + 2) % 3;
                app.dialog = Some(Dialog::QuitRunning { choice });
            }
            KeyCode::Right | KeyCode::Tab | KeyCode::Char('l') => {
                choice = (choice + 1) % 3;
                app.dialog = Some(Dialog::QuitRunning { choice });
            }
            KeyCode::Enter => match choice {
                0 => {
                    app.message =
                        Some("waiting for running steps; `q` again when they are done".into())
                }
                1 => {
                    app.quit = true;
                    app.message =
                        Some("cancelling running steps; flightdeck quits when they stop".into());
                    let ids: Vec<String> = app.running.keys().cloned().collect();
                    fx.extend(ids.into_iter().map(|step_id| Effect::Cancel { step_id }));
                }
                _ => {
                    let running: Vec<(String, u32)> =
                        app.running.iter().map(|(k, v)| (k.clone(), *v)).collect();
                    for (id, attempt) in running {
                        append(app, EventKind::StepInterrupted { attempt }, Some(&id), fx);
                    }
                    app.quit = true;
                    fx.push(Effect::Quit);
                }
            },
            _ => app.dialog = Some(Dialog::QuitRunning { choice }),
        },
        Dialog::Search { mut query } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                app.search = (!query.is_empty()).then_some(query);
                jump_to_match(app);
            }
            KeyCode::Backspace => {
                query.pop();
                app.dialog = Some(Dialog::Search { query });
            }
            KeyCode::Char(c) if !ctrl => {
                query.push(c);
                app.dialog = Some(Dialog::Search { query });
            }
            _ => app.dialog = Some(Dialog::Search { query }),
        },
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
    let areas = layout::areas(app.size, app.zoom.then_some(app.focus));
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
            if let Some(list) = areas.checklist.filter(|r| inside(*r)) {
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
