//! `flightdeck plan`: the parsed checklist as an indented tree for people, or stable JSON for tools.

use std::fmt::Write as _;

use serde::Serialize;

use crate::runbook::{Runbook, Var, Window};

/// The JSON shape of `plan --format json`; field names are a contract with users' scripts.
#[derive(Debug, Serialize)]
pub struct PlanJson<'a> {
    pub title: &'a str,
    pub source: &'a str,
    pub vars: &'a [Var],
    pub phases: Vec<PhaseJson<'a>>,
}

#[derive(Debug, Serialize)]
pub struct PhaseJson<'a> {
    pub title: &'a str,
    pub level: u8,
    pub line: usize,
    pub timebox_secs: Option<u64>,
    pub window: Option<&'a Window>,
    pub steps: Vec<StepJson<'a>>,
}

#[derive(Debug, Serialize)]
pub struct StepJson<'a> {
    pub id: &'a str,
    pub kind: &'static str,
    pub title: &'a str,
    pub line: usize,
    pub code: Option<&'a str>,
    pub inputs: &'a [String],
    pub dangerous: bool,
}

/// Builds the JSON view of a runbook.
pub fn plan_json(rb: &Runbook) -> PlanJson<'_> {
    PlanJson {
        title: &rb.title,
        source: &rb.source,
        vars: &rb.vars,
        phases: rb
            .phases
            .iter()
            .map(|p| PhaseJson {
                title: &p.title,
                level: p.level,
                line: p.line,
                timebox_secs: p.timebox_secs,
                window: p.window.as_ref(),
                steps: p
                    .steps
                    .iter()
                    .map(|s| StepJson {
                        id: &s.id,
                        kind: s.kind.as_str(),
                        title: &s.title,
                        line: s.line,
                        code: s.code.as_deref(),
                        inputs: &s.inputs,
                        dangerous: s.dangerous.is_some(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The plan as a person reads it: phases indented by level, one line per step.
pub fn plan_text(rb: &Runbook) -> String {
    let mut out = String::new();
    let steps = rb.steps().count();
    let _ = writeln!(out, "{}", rb.title);
    let _ = writeln!(
        out,
        "{} · {} steps in {} phases",
        rb.source,
        steps,
        rb.phases.len()
    );
    if !rb.vars.is_empty() {
        let vars: Vec<String> = rb
            .vars
            .iter()
            .map(|v| {
                if v.secret {
                    format!("{} (secret)", v.name)
                } else {
                    v.name.clone()
                }
            })
            .collect();
        let _ = writeln!(out, "inputs: {}", vars.join(", "));
    }
    let base = rb.phases.iter().map(|p| p.level).min().unwrap_or(1);
    for phase in &rb.phases {
        let indent = "  ".repeat(usize::from(phase.level.saturating_sub(base)));
        let mut plan = String::new();
        if let Some(t) = phase.timebox_secs {
            let _ = write!(plan, "  [timebox {}]", human_secs(t));
        }
        if let Some(w) = &phase.window {
            let _ = write!(plan, "  [window {}–{} {}]", w.start, w.end, w.tz);
        }
        let done = phase.steps.len();
        let _ = writeln!(
            out,
            "\n{indent}{} {}{plan}  (L{}, {done} steps)",
            "#".repeat(usize::from(phase.level)),
            phase.title,
            phase.line
        );
        for s in &phase.steps {
            let warn = if s.dangerous.is_some() { "⚠ " } else { "  " };
            let _ = write!(
                out,
                "{indent}  {warn}{:<7} L{:<5} {}  [{}]",
                s.kind.as_str(),
                s.line,
                s.title,
                s.id
            );
            if !s.inputs.is_empty() {
                let _ = write!(out, "  inputs: {}", s.inputs.join(", "));
            }
            if let Some(why) = &s.dangerous {
                let _ = write!(out, "  — {why}");
            }
            out.push('\n');
        }
    }
    out
}

/// `5400` → `1h30m`, `1800` → `30m`, `45` → `45s`.
pub fn human_secs(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}
