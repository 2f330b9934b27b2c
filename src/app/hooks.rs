//! Front-matter notification hooks: `notify: {webhook, on: [run_started, run_finished,
//! metric_breach, rollback, handoff]}`. A hook is a post the runtime makes on the side; a
//! failure is shown and journaled, and never holds the run.

use crate::app::action::Effect;
use crate::app::prepare::template_value;
use crate::app::state::App;
use crate::exec::notify;
use crate::exec::substitute::fill;
use crate::journal::event::EventKind;
use crate::runbook::StepKind;

/// The post to make for `hook`, if the runbook subscribes to it. `extra` are the event's own
/// fields (`metric`, `value`, `from`, `to`, …) for the message.
pub fn post_for(app: &App, hook: &str, extra: &[(&str, String)]) -> Option<Effect> {
    let spec = app.runbook.front_matter.as_ref()?.notify.as_ref()?;
    if !spec.on.iter().any(|h| h == hook) {
        return None;
    }
    let webhook = spec.webhook.as_deref()?;
    let lookup = |n: &str| {
        extra
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.clone())
            .or_else(|| template_value(app, None, n))
            .or_else(|| app.values.get(n).cloned())
            .or_else(|| std::env::var(n).ok())
    };
    let url = fill(webhook, true, lookup, str::to_string);
    let text = fill(message(hook), false, lookup, str::to_string);
    let body = if spec.format.as_deref() == Some("json") {
        let mut fields = serde_json::Map::new();
        fields.insert("event".into(), hook.into());
        fields.insert("text".into(), text.clone().into());
        for name in ["run.id", "runbook.title", "operator", "progress", "phase"] {
            if let Some(v) = template_value(app, None, name) {
                fields.insert(name.replace('.', "_"), v.into());
            }
        }
        for (k, v) in extra {
            fields.insert((*k).to_string(), v.clone().into());
        }
        serde_json::Value::Object(fields).to_string()
    } else {
        notify::body(&text, false, |_| None).unwrap_or_default()
    };
    Some(Effect::Notify {
        hook: hook.to_string(),
        url,
        body,
    })
}

/// The hook a durable event fires, with its fields; `None` for most events.
pub fn for_event(app: &App, kind: &EventKind, step: Option<&str>) -> Option<Effect> {
    match kind {
        EventKind::RunFinished { outcome } => {
            post_for(app, "run_finished", &[("outcome", outcome.clone())])
        }
        EventKind::MetricBreach {
            metric,
            value,
            threshold,
        } => post_for(
            app,
            "metric_breach",
            &[
                ("metric", metric.clone()),
                ("value", value.to_string()),
                ("threshold", threshold.clone()),
            ],
        ),
        EventKind::Handoff { from, to, note } => post_for(
            app,
            "handoff",
            &[
                ("from", from.clone()),
                ("to", to.clone()),
                ("note", note.clone().unwrap_or_default()),
            ],
        ),
        // The first action taken in a rollback phase is the rollback beginning; notify steps
        // (announcing it) neither start it nor count as having started it.
        EventKind::StepStarted { .. } | EventKind::StepAcknowledged { .. } => {
            let id = step?;
            let (phase, s) = app.runbook.steps().find(|(_, s)| s.id == id)?;
            let phase = app.runbook.phases.get(phase)?;
            if !is_rollback_phase(app, &phase.title)
                || s.kind == StepKind::Notify
                || crate::app::adhoc::is_adhoc(&s.id)
            {
                return None;
            }
            let untouched = |o: &crate::runbook::Step| {
                o.kind == StepKind::Notify
                    || app.state_of(&o.id).is_none_or(|st| {
                        st.attempts == 0 && !st.status.is_done() && st.notes.is_empty()
                    })
            };
            if !phase.steps.iter().all(untouched) {
                return None;
            }
            post_for(app, "rollback", &[("step", s.title.clone())])
        }
        _ => None,
    }
}

/// The rollback phase: front matter's `rollback_phase`, else a title that mentions rollback.
pub fn is_rollback_phase(app: &App, title: &str) -> bool {
    match app
        .runbook
        .front_matter
        .as_ref()
        .and_then(|f| f.rollback_phase.as_deref())
    {
        Some(named) => title.trim() == named.trim(),
        None => title.to_ascii_lowercase().contains("rollback"),
    }
}

fn message(hook: &str) -> &'static str {
    match hook {
        "run_started" => "{{runbook.title}}: run {{run.id}} started by {{operator}}",
        "run_finished" => {
            "{{runbook.title}}: run {{run.id}} finished ({{outcome}}), {{progress}} steps done"
        }
        "metric_breach" => {
            "{{runbook.title}}: {{metric}} = {{value}} breached {{threshold}} (run {{run.id}}, {{phase}})"
        }
        "rollback" => {
            "{{runbook.title}}: ROLLBACK started by {{operator}} with \"{{step}}\" (run {{run.id}}, {{progress}} steps done)"
        }
        "handoff" => "{{runbook.title}}: run {{run.id}} handed from {{from}} to {{to}}. {{note}}",
        _ => "{{runbook.title}}: {{run.id}}",
    }
}
