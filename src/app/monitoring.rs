//! The cockpit's monitoring decisions, kept out of `update.rs`: readings in, crit crossings
//! journaled, soak gates held or broken, `rollback_when` prompts, and the monitoring keys.
//! Pure like `update`: state changes here, effects go out.

use crossterm::event::{KeyCode, KeyEvent};

use crate::app::action::Effect;
use crate::app::keymap::Command;
use crate::app::state::{App, Dialog, Pane, Row};
use crate::journal::event::{Event, EventKind};
use crate::monitor::gate::{GateRun, GateSpec, Verdict, clock};
use crate::monitor::metric::{Level, format_value};
use crate::monitor::sample::MonitorEvent;
use crate::runbook::Step;

fn append(app: &mut App, kind: EventKind, step: Option<&str>, fx: &mut Vec<Effect>) {
    app.in_flight += 1;
    fx.push(Effect::Append {
        kind,
        step: step.map(str::to_string),
    });
}

/// A reading or log lines arrived.
pub fn on_event(app: &mut App, ev: MonitorEvent, fx: &mut Vec<Effect>) {
    match ev {
        MonitorEvent::Sample(s) => {
            if s.at > app.now {
                app.now = s.at;
            }
            let Some(m) = app.monitor.metrics.get_mut(s.metric) else {
                return;
            };
            m.record(s.at, &s.value);
            let Ok(value) = s.value else { return };
            let name = m.name.clone();
            if app.read_only {
                return;
            }
            crit_crossing(app, s.metric, value, fx);
            observe_gates(app, &name, value, s.at, fx);
            triggers(app, &name, value);
        }
        MonitorEvent::LogLines { source, lines } => {
            if let Some(tab) = app.monitor.logs.get_mut(source) {
                tab.push(lines);
            }
        }
        MonitorEvent::LogStatus { source, text } => {
            if let Some(tab) = app.monitor.logs.get_mut(source) {
                tab.status = Some(text);
            }
        }
    }
}

/// Into crit: `metric_breach`; back out: `metric_recovered`. Both flagged in the status bar.
fn crit_crossing(app: &mut App, index: usize, value: f64, fx: &mut Vec<Effect>) {
    let now = app.now;
    let Some(m) = app.monitor.metrics.get_mut(index) else {
        return;
    };
    let Some(crit) = m.def.as_ref().and_then(|d| d.crit) else {
        return;
    };
    let is_crit = m.level(now) == Level::Crit;
    let name = m.name.clone();
    if is_crit && !m.breached {
        m.breached = true;
        app.message = Some(format!(
            "CRIT {name} = {} (threshold {crit})",
            format_value(value)
        ));
        let kind = EventKind::MetricBreach {
            metric: name,
            value,
            threshold: crit.to_string(),
        };
        append(app, kind, None, fx);
    } else if !is_crit && m.breached && !crit.holds(value) {
        m.breached = false;
        app.message = Some(format!("{name} recovered: {}", format_value(value)));
        append(
            app,
            EventKind::MetricRecovered {
                metric: name,
                value,
            },
            None,
            fx,
        );
    }
}

fn observe_gates(
    app: &mut App,
    metric: &str,
    value: f64,
    at: chrono::DateTime<chrono::Utc>,
    fx: &mut Vec<Effect>,
) {
    let mut verdicts = Vec::new();
    for (id, gate) in app.monitor.gates.iter_mut() {
        if let Some(v) = gate.observe(metric, value, at) {
            verdicts.push((id.clone(), v));
        }
    }
    for (id, v) in verdicts {
        settle(app, &id, v, fx);
    }
}

/// Time passed: gates may pass or run out of `max`.
pub fn on_tick(app: &mut App, fx: &mut Vec<Effect>) {
    if app.read_only || app.monitor.gates.is_empty() {
        return;
    }
    let now = app.now;
    let monitor = &app.monitor;
    let fresh = |name: &str| monitor.metric(name).and_then(|m| m.fresh_value(now));
    let verdicts: Vec<(String, Verdict)> = monitor
        .gates
        .iter()
        .filter_map(|(id, g)| g.check(now, &fresh).map(|v| (id.clone(), v)))
        .collect();
    for (id, v) in verdicts {
        settle(app, &id, v, fx);
    }
}

/// Journals what a gate decided; a finished gate stops being held.
fn settle(app: &mut App, id: &str, verdict: Verdict, fx: &mut Vec<Effect>) {
    match verdict {
        Verdict::Passed(figures) => {
            app.monitor.gates.remove(id);
            app.message = Some(format!("soak gate {id} passed"));
            append(app, EventKind::GatePassed { figures }, Some(id), fx);
        }
        Verdict::Failed {
            metric,
            value,
            requirement,
        } => {
            app.monitor.gates.remove(id);
            app.message = Some(format!(
                "soak gate {id} failed: {metric} = {} broke `{requirement}`",
                format_value(value)
            ));
            let kind = EventKind::MetricBreach {
                metric,
                value,
                threshold: requirement,
            };
            append(app, kind, Some(id), fx);
        }
        Verdict::Reset {
            metric,
            value,
            requirement,
        } => {
            let text = format!(
                "soak gate reset: {metric} = {} broke `{requirement}`; the span starts again",
                format_value(value)
            );
            app.message = Some(text.clone());
            append(app, EventKind::Note { text }, Some(id), fx);
        }
        Verdict::TimedOut { note } => {
            app.monitor.gates.remove(id);
            app.message = Some(format!("soak gate {id} failed: out of time"));
            append(app, EventKind::StepFailedManual { note }, Some(id), fx);
        }
    }
}

/// `rollback_when`: a trigger turning true opens the prompt (once until it stops holding).
fn triggers(app: &mut App, metric: &str, value: f64) {
    for i in 0..app.monitor.triggers.len() {
        let t = &mut app.monitor.triggers[i];
        if t.condition.metric != metric {
            continue;
        }
        if !t.condition.holds(value) {
            t.armed = true;
            continue;
        }
        if t.armed && app.dialog.is_none() {
            t.armed = false;
            let condition = t.condition.to_string();
            app.dialog = Some(Dialog::Rollback {
                condition,
                metric: metric.to_string(),
                value,
                phase: crate::monitor::rollback_phase(&app.runbook),
            });
        }
    }
}

/// Keys of the rollback prompt: Enter/`y` jumps to the rollback phase, Esc/`n` stays; both
/// are journaled.
pub fn rollback_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(Dialog::Rollback {
        condition,
        metric,
        value,
        phase,
    }) = &app.dialog
    else {
        return;
    };
    let jump = match key.code {
        KeyCode::Enter | KeyCode::Char('y') => true,
        KeyCode::Esc | KeyCode::Char('n') => false,
        _ => return,
    };
    let (condition, metric, value, phase) = (condition.clone(), metric.clone(), *value, *phase);
    app.dialog = None;
    let seen = format!(
        "rollback_when `{condition}` held ({metric} = {})",
        format_value(value)
    );
    let text = match (jump, phase) {
        (true, Some(p)) => {
            app.reveal(Row::Phase(p));
            app.focus = Pane::Checklist;
            let title = app.runbook.phases[p].title.clone();
            app.message = Some(format!("rollback: jumped to `{title}`"));
            format!("{seen}: jumped to the rollback phase `{title}`")
        }
        (true, None) => {
            app.message = Some("no rollback phase in this runbook".into());
            format!("{seen}: rollback chosen, but the runbook has no rollback phase")
        }
        (false, _) => {
            app.message = Some("rollback declined; the prompt returns if it holds again".into());
            format!("{seen}: rollback declined, the run goes on")
        }
    };
    append(app, EventKind::Note { text }, None, fx);
}

/// Enter on a watch step: check its body and journal `step_started`; holding starts when that
/// is durable.
pub fn start_gate(app: &mut App, step: &Step, rerun: bool, fx: &mut Vec<Effect>) {
    let status = app.status_of(&step.id);
    if app.monitor.gates.contains_key(&step.id) || app.monitor.pending_gates.contains_key(&step.id)
    {
        app.message = Some("the soak gate is already holding; `c` stops it".into());
        return;
    }
    if status.is_done() && !rerun {
        app.message = Some(format!("already {}; `r` soaks it again", status.as_str()));
        return;
    }
    let spec = match GateSpec::parse(step.code.as_deref().unwrap_or("")) {
        Ok(s) => s,
        Err(e) => {
            app.message = Some(e);
            return;
        }
    };
    let attempt = app.state_of(&step.id).map_or(0, |s| s.attempts) + 1;
    app.monitor.pending_gates.insert(step.id.clone(), spec);
    app.message = None;
    let command = step.code.as_deref().map(|c| c.trim_end().to_string());
    append(
        app,
        EventKind::StepStarted { attempt, command },
        Some(&step.id),
        fx,
    );
}

/// A durable event: a gate's `step_started` starts its span; its end stops it.
pub fn journaled(app: &mut App, event: &Event) {
    let Some(id) = &event.step else { return };
    match &event.kind {
        EventKind::StepStarted { .. } => {
            if let Some(spec) = app.monitor.pending_gates.remove(id) {
                app.monitor
                    .gates
                    .insert(id.clone(), GateRun::new(spec, event.ts));
            }
        }
        EventKind::GatePassed { .. }
        | EventKind::MetricBreach { .. }
        | EventKind::StepFailedManual { .. }
        | EventKind::StepSkipped { .. }
        | EventKind::StepInterrupted { .. }
        | EventKind::StepAcknowledged { .. } => {
            app.monitor.gates.remove(id);
        }
        _ => {}
    }
}

/// `c` on a holding gate stops it (journaled as interrupted, so it can be soaked again).
pub fn cancel_gate(app: &mut App, id: &str, fx: &mut Vec<Effect>) -> bool {
    let Some(gate) = app.monitor.gates.remove(id) else {
        return false;
    };
    let attempt = app.state_of(id).map_or(1, |s| s.attempts);
    app.message = Some(format!(
        "soak gate {id} stopped after {}",
        clock(gate.held_secs(app.now))
    ));
    append(app, EventKind::StepInterrupted { attempt }, Some(id), fx);
    true
}

/// Quitting: gates still holding are journaled as interrupted.
pub fn before_quit(app: &mut App, fx: &mut Vec<Effect>) {
    let ids: Vec<String> = app.monitor.gates.keys().cloned().collect();
    for id in ids {
        let attempt = app.state_of(&id).map_or(1, |s| s.attempts);
        app.monitor.gates.remove(&id);
        append(app, EventKind::StepInterrupted { attempt }, Some(&id), fx);
    }
}

/// The countdown of a holding gate for the checklist: `soaking 12:31 / 30:00`.
pub fn countdown(app: &App, step_id: &str) -> Option<String> {
    let g = app.monitor.gates.get(step_id)?;
    let held = g.held_secs(app.now).min(g.spec.hold_secs);
    let resets = if g.resets > 0 {
        format!(" · {} reset(s)", g.resets)
    } else {
        String::new()
    };
    Some(format!(
        "soaking {} / {}{resets}",
        clock(held),
        clock(g.spec.hold_secs)
    ))
}

/// Keys the monitoring features take before the checklist's: the chart, the metric cursor,
/// log tabs, and the read-only limits of `flightdeck watch`. True when the key was used.
pub fn key(app: &mut App, key: &KeyEvent, fx: &mut Vec<Effect>) -> bool {
    if app.monitor.chart.is_some() {
        match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => app.monitor.chart = None,
            KeyCode::Down | KeyCode::Char('j') => move_metric(app, 1),
            KeyCode::Up | KeyCode::Char('k') => move_metric(app, -1),
            _ => {}
        }
        if app.monitor.chart.is_some() {
            app.monitor.chart = Some(app.monitor.selected);
        }
        return true;
    }
    let Some(cmd) = app.keymap.command(key) else {
        return false;
    };
    if cmd == Command::LogTab {
        let tabs = app.monitor.logs.len() + 1;
        app.monitor.log_tab = (app.monitor.log_tab + 1) % tabs;
        app.log_offset = 0;
        return true;
    }
    if app.focus == Pane::Monitor && !app.monitor.metrics.is_empty() {
        match cmd {
            Command::Down => {
                move_metric(app, 1);
                return true;
            }
            Command::Up => {
                move_metric(app, -1);
                return true;
            }
            Command::Run => {
                app.monitor.chart = Some(app.monitor.selected.min(app.monitor.metrics.len() - 1));
                return true;
            }
            _ => {}
        }
    }
    if app.read_only {
        match cmd {
            Command::Quit => {
                app.quit = true;
                fx.push(Effect::Quit);
            }
            Command::Run
                if app.focus == Pane::Checklist && matches!(app.selected, Row::Phase(_)) =>
            {
                return false;
            }
            Command::FocusNext
            | Command::Collapse
            | Command::Expand
            | Command::NextPending
            | Command::Down
            | Command::Up
            | Command::First
            | Command::Last
            | Command::PageDown
            | Command::PageUp
            | Command::Search
            | Command::Zoom
            | Command::Help => return false,
            _ => {
                app.message =
                    Some("read-only view: run the runbook with `flightdeck run` to act".into())
            }
        }
        return true;
    }
    false
}

fn move_metric(app: &mut App, delta: isize) {
    let n = app.monitor.metrics.len();
    if n == 0 {
        return;
    }
    app.monitor.selected =
        (app.monitor.selected as isize + delta).clamp(0, n as isize - 1) as usize;
}

/// Lines in the log tab shown (0 when the step-output tab is).
pub fn tab_len(app: &App) -> Option<usize> {
    let i = app.monitor.log_tab.checked_sub(1)?;
    app.monitor.logs.get(i).map(|t| t.lines.len())
}

/// `/` over a log tab: scrolls to the last line containing the query.
pub fn search_tab(app: &mut App) -> bool {
    let Some(i) = app.monitor.log_tab.checked_sub(1) else {
        return false;
    };
    let Some(q) = app.search.clone() else {
        return true;
    };
    let Some(tab) = app.monitor.logs.get(i) else {
        return true;
    };
    match tab.lines.iter().rposition(|l| l.contains(&q)) {
        Some(pos) => app.log_offset = tab.lines.len() - 1 - pos,
        None => app.message = Some(format!("`{q}` not found in log {}", tab.name)),
    }
    true
}
