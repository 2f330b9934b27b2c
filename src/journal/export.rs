//! The handoff report: Markdown for the next captain (renders on GitHub, Mermaid gantt included)
//! and JSON for tools. Both are views of a replayed run; nothing here reads the clock.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::journal::event::{human_ms, short};
use crate::journal::replay::{PhaseState, RunState, StepState, StepStatus};
use crate::journal::runs::LoadedRun;

const TIME: &str = "%Y-%m-%d %H:%M:%S UTC";

/// The Markdown handoff report of a run.
pub fn markdown(run: &LoadedRun) -> String {
    let s = &run.state;
    let mut out = String::new();
    header(&mut out, run);
    progress(&mut out, run);
    left(&mut out, run);
    phases(&mut out, s);
    gantt(&mut out, s);
    timeline(&mut out, run);
    results(&mut out, run);
    breaches(&mut out, s);
    out
}

/// The JSON export: identity, the replayed state and every event.
pub fn json(run: &LoadedRun) -> Result<String, serde_json::Error> {
    let value = serde_json::json!({
        "run_id": run.state.run_id,
        "status": run.status,
        "runbook": {
            "title": run.runbook.title,
            "source": run.runbook.source,
            "sha256": run.state.runbook_sha256,
        },
        "head": run.state.head,
        "progress": { "done": run.state.done_count().0, "total": run.state.done_count().1 },
        "state": run.state,
        "events": run.events,
    });
    serde_json::to_string_pretty(&value).map(|s| s + "\n")
}

fn header(out: &mut String, run: &LoadedRun) {
    let s = &run.state;
    let _ = writeln!(out, "# Handoff: {}\n", cell(&s.runbook_title));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| Runbook | `{}` (sha256 `{}`) |",
        cell(&run.runbook.source),
        short(&s.runbook_sha256)
    );
    let _ = writeln!(out, "| Run | `{}` ({}) |", s.run_id, run.status.as_str());
    let _ = writeln!(
        out,
        "| Operators | {} (now: **{}**) |",
        cell(&s.operators.join(", ")),
        cell(&s.operator)
    );
    let _ = writeln!(out, "| Started | {} |", when(s.started));
    let ended = match (&s.finished, &s.outcome) {
        (Some(t), Some(o)) => format!("{} ({})", t.format(TIME), cell(o)),
        _ => format!("not yet (last event {})", when(s.last_event)),
    };
    let _ = writeln!(out, "| Ended | {ended} |");
    let _ = writeln!(out, "| Journal head | `{}` |", s.head);
    if !s.inputs.is_empty() {
        let _ = writeln!(out, "\n**Inputs**\n\n| Name | Value |\n|---|---|");
        for (name, value) in &s.inputs {
            let _ = writeln!(out, "| `{name}` | `{}` |", cell(value));
        }
    }
    for r in &s.repairs {
        let _ = writeln!(out, "\n> Journal repaired after a crash: {r}.");
    }
    if !s.vanished.is_empty() {
        let _ = writeln!(
            out,
            "\n> The runbook changed during the run; steps no longer in it: {}.",
            ids(&s.vanished)
        );
    }
}

fn progress(out: &mut String, run: &LoadedRun) {
    let s = &run.state;
    let (done, total) = s.done_count();
    let _ = writeln!(out, "\n## Progress\n");
    let _ = writeln!(out, "**{done} of {total} steps done.**");
    let counts: Vec<String> = [
        StepStatus::Succeeded,
        StepStatus::Acknowledged,
        StepStatus::Skipped,
        StepStatus::Failed,
        StepStatus::Interrupted,
        StepStatus::Running,
        StepStatus::Pending,
    ]
    .iter()
    .map(|st| (st, s.steps.values().filter(|x| x.status == *st).count()))
    .filter(|(_, n)| *n > 0)
    .map(|(st, n)| format!("{n} {}", st.as_str()))
    .collect();
    let _ = writeln!(out, "{}.", counts.join(" · "));
}

fn left(out: &mut String, run: &LoadedRun) {
    let s = &run.state;
    let _ = writeln!(out, "\n## What is left\n");
    let Some(current) = s.current_phase() else {
        let _ = writeln!(out, "Nothing: every step is done.");
        return;
    };
    let _ = writeln!(out, "Current phase: **{}**\n", cell(&s.phase_path(current)));
    for (id, step) in s.pending() {
        let title = run.runbook.step(id).map_or(id.as_str(), |x| &x.title);
        let phase = s.phases.get(step.phase).map_or("", |p| &p.title);
        let _ = writeln!(
            out,
            "1. {} {} `{id}` — {}{}",
            icon(step.status),
            cell(title),
            cell(phase),
            match step.status {
                StepStatus::Pending => String::new(),
                other => format!(" ({})", other.as_str()),
            }
        );
    }
}

fn phases(out: &mut String, s: &RunState) {
    let _ = writeln!(out, "\n## Phases\n");
    let mut rows = Vec::new();
    for p in s.phases.iter().filter(|p| !p.step_ids.is_empty()) {
        let planned = match (&p.window, p.timebox_secs) {
            (Some(w), _) => format!("{}–{} {}", w.start, w.end, w.tz),
            (None, Some(secs)) => human_ms(secs * 1000),
            (None, None) => "—".into(),
        };
        let actual = match (p.started, p.finished) {
            (Some(a), Some(b)) => format!(
                "{}–{} ({})",
                a.format("%H:%M"),
                b.format("%H:%M"),
                human_ms(ms(b - a))
            ),
            (Some(a), None) => format!("{}– (going on)", a.format("%H:%M")),
            _ => "—".into(),
        };
        let status = if p.done == p.step_ids.len() {
            "✅ done"
        } else if p.started.is_some() {
            "⏳ in progress"
        } else {
            "⬜ not started"
        };
        rows.push(vec![
            cell(&p.title),
            planned,
            actual,
            format!("{}/{}", p.done, p.step_ids.len()),
            status.to_string(),
        ]);
    }
    table(
        out,
        &["Phase", "Planned", "Actual", "Steps", "Status"],
        rows,
    );
}

/// A GitHub Markdown table; cells must already be [`cell`]-safe.
fn table(out: &mut String, headers: &[&str], rows: Vec<Vec<String>>) {
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(headers.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
}

/// The planned span of a phase: its window on the run's start day (UTC windows only), else its
/// timebox from when it actually started.
fn planned_span(p: &PhaseState, day: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if let Some(w) = p
        .window
        .as_ref()
        .filter(|w| w.tz.eq_ignore_ascii_case("UTC"))
    {
        let at = |hm: &str| {
            NaiveTime::parse_from_str(hm, "%H:%M")
                .ok()
                .map(|t| day.date_naive().and_time(t).and_utc())
        };
        let (a, mut b) = (at(&w.start)?, at(&w.end)?);
        if b <= a {
            b += Duration::days(1);
        }
        return Some((a, b));
    }
    let secs = i64::try_from(p.timebox_secs?).ok()?;
    let start = p.started?;
    Some((start, start + Duration::seconds(secs)))
}

fn gantt(out: &mut String, s: &RunState) {
    let Some(day) = s.started else { return };
    let end_now = s.finished.or(s.last_event).unwrap_or(day);
    let mut rows = String::new();
    for p in s.phases.iter().filter(|p| !p.step_ids.is_empty()) {
        let planned = planned_span(p, day);
        let actual = p.started.map(|a| (a, p.finished.unwrap_or(end_now).max(a)));
        if planned.is_none() && actual.is_none() {
            continue;
        }
        let _ = writeln!(rows, "    section {}", mermaid_text(&p.title));
        if let Some((a, b)) = planned {
            let _ = writeln!(rows, "    planned :{}, {}", gt(a), gt(b));
        }
        if let Some((a, b)) = actual {
            let tag = if p.finished.is_some() {
                "done"
            } else {
                "active"
            };
            let _ = writeln!(rows, "    actual :{tag}, {}, {}", gt(a), gt(b));
        }
    }
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n## Planned vs actual\n\n```mermaid\ngantt\n    title Phases, planned and actual (UTC)\n    dateFormat YYYY-MM-DD HH:mm:ss\n    axisFormat %H:%M\n{rows}```"
    );
}

fn gt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Mermaid gantt names may not hold `:` `#` `;`.
fn mermaid_text(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if matches!(c, ':' | '#' | ';') { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn timeline(out: &mut String, run: &LoadedRun) {
    let _ = writeln!(out, "\n## Timeline\n");
    let rows = run.events.iter().map(|e| {
        vec![
            e.ts.format("%m-%d %H:%M:%S").to_string(),
            cell(&e.operator),
            cell(&run.describe(e, true)),
        ]
    });
    table(out, &["Time (UTC)", "Operator", "Event"], rows.collect());
}

fn results(out: &mut String, run: &LoadedRun) {
    let s = &run.state;
    let _ = writeln!(out, "\n## Step results");
    for p in &s.phases {
        let touched: Vec<(&String, &StepState)> = p
            .step_ids
            .iter()
            .filter_map(|id| s.steps.get_key_value(id))
            .filter(|(_, st)| st.status != StepStatus::Pending)
            .collect();
        if touched.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {}\n", cell(&p.title));
        for (id, st) in touched {
            step_result(out, run, id, st);
        }
    }
}

fn step_result(out: &mut String, run: &LoadedRun, id: &str, st: &StepState) {
    let title = run.runbook.step(id).map_or(id, |x| &x.title);
    let mut facts = vec![st.status.as_str().to_string()];
    if let Some(code) = st.last_exit {
        facts.push(format!("exit {code}"));
    }
    if let Some(d) = st.duration_ms {
        facts.push(human_ms(d));
    }
    if st.attempts > 1 {
        facts.push(format!("{} attempts", st.attempts));
    }
    if let Some(by) = &st.by {
        facts.push(format!("by {}", cell(by)));
    }
    if let Some(t) = st.finished.or(st.started) {
        facts.push(t.format("%H:%M:%S").to_string());
    }
    let _ = writeln!(
        out,
        "- {} **{}** `{id}` — {}",
        icon(st.status),
        cell(title),
        facts.join(" · ")
    );
    for n in &st.notes {
        let _ = writeln!(out, "  - {}", cell(n));
    }
    if !st.last_lines.is_empty() {
        let body = st.last_lines.join("\n");
        let fence = if body.contains("```") { "````" } else { "```" };
        let _ = writeln!(out, "\n  {fence}text");
        for l in &st.last_lines {
            let _ = writeln!(out, "  {l}");
        }
        let _ = writeln!(out, "  {fence}");
    }
}

fn breaches(out: &mut String, s: &RunState) {
    if s.breaches.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Breaches\n");
    let rows = s.breaches.iter().map(|b| {
        vec![
            b.at.format("%H:%M:%S").to_string(),
            cell(&b.metric),
            b.value.to_string(),
            cell(&b.threshold),
            b.recovered
                .map_or("not yet".to_string(), |t| t.format("%H:%M:%S").to_string()),
        ]
    });
    table(
        out,
        &["At (UTC)", "Metric", "Value", "Threshold", "Recovered"],
        rows.collect(),
    );
}

fn icon(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Pending => "⬜",
        StepStatus::Running => "⏳",
        StepStatus::Succeeded => "✅",
        StepStatus::Failed => "❌",
        StepStatus::Acknowledged => "☑️",
        StepStatus::Skipped => "⏭️",
        StepStatus::Interrupted => "⚠️",
    }
}

/// Text safe inside a Markdown table cell or list item: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace("\r\n", " ")
        .replace(['\n', '\r'], " ")
}

fn ids(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or("—".into(), |t| t.format(TIME).to_string())
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.num_milliseconds()).unwrap_or(0)
}
