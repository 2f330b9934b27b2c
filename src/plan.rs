//! `flightdeck plan`: the parsed checklist as an indented tree for people, or stable JSON for tools.

use std::fmt::Write as _;

use serde::Serialize;

use crate::runbook::{Choice, Runbook, Var, Window};

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
    /// Planned start relative to the go time (`T-15` → -900).
    pub offset_secs: Option<i64>,
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
    /// The command was read from prose, not a labelled fence (asked before its first run).
    pub inferred: bool,
    /// The alternative the step belongs to: taking one option skips the others.
    pub choice: Option<&'a Choice>,
    /// Inside `<details>`: done only when wanted.
    pub optional: bool,
    /// How long the step says it takes.
    pub estimate_secs: Option<u64>,
    /// What the step runs once for, each time with new inputs ("each commit …").
    pub repeat: Option<&'a str>,
    /// Inputs asked again at this step, offering the value they hold (a new section's commit).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub renew: &'a [String],
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
                offset_secs: p.offset_secs,
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
                        inferred: s.inferred,
                        choice: s.choice.as_ref(),
                        optional: s.optional,
                        estimate_secs: s.estimate_secs,
                        repeat: s.repeat.as_deref(),
                        renew: &s.renew,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The plan as a person reads it: phases indented by level, one line per step.
pub fn plan_text(rb: &Runbook) -> String {
    let steps = rb.steps().count();
    // About one line per step and two per phase: one allocation for most runbooks.
    let mut out = String::with_capacity(256 + 120 * steps + 100 * rb.phases.len());
    let _ = writeln!(out, "{}", rb.title);
    let _ = writeln!(
        out,
        "{} · {} steps in {} phases",
        rb.source,
        steps,
        rb.phases.len()
    );
    if !rb.vars.is_empty() {
        out.push_str("inputs: ");
        for (i, v) in rb.vars.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&v.name);
            if v.secret {
                out.push_str(" (secret)");
            }
        }
        out.push('\n');
    }
    let base = rb.phases.iter().map(|p| p.level).min().unwrap_or(1);
    for phase in &rb.phases {
        let indent = usize::from(phase.level.saturating_sub(base)) * 2;
        out.push('\n');
        pad(&mut out, indent);
        out.extend(std::iter::repeat_n('#', usize::from(phase.level)));
        out.push(' ');
        out.push_str(&phase.title);
        if let Some(t) = phase.timebox_secs {
            let _ = write!(out, "  [timebox {}]", human_secs(t));
        }
        if let Some(w) = &phase.window {
            let _ = write!(out, "  [window {}–{} {}]", w.start, w.end, w.tz);
        }
        if let Some(o) = phase.offset_secs {
            let _ = write!(out, "  [{}]", t_offset_text(o));
        }
        let _ = writeln!(out, "  (L{}, {} steps)", phase.line, phase.steps.len());
        for s in &phase.steps {
            pad(&mut out, indent + 2);
            out.push_str(if s.dangerous.is_some() { "⚠ " } else { "  " });
            let kind = s.kind.as_str();
            out.push_str(kind);
            // Columns as `{kind:<7} L{line:<5} `: at least one space after each.
            pad(&mut out, 8usize.saturating_sub(kind.len()).max(1));
            let line_start = out.len();
            let _ = write!(out, "L{}", s.line);
            let written = out.len() - line_start;
            pad(&mut out, 7usize.saturating_sub(written).max(1));
            out.push_str(&s.title);
            if let Some(c) = &s.choice {
                let _ = write!(out, "  (choice {}: {})", c.group, c.option);
            }
            if s.optional {
                out.push_str("  (optional)");
            }
            if let Some(each) = &s.repeat {
                let _ = write!(out, "  (repeat for {each})");
            }
            if let Some(e) = s.estimate_secs {
                let _ = write!(out, "  (~{})", human_secs(e));
            }
            out.push_str("  [");
            out.push_str(&s.id);
            out.push(']');
            if !s.inputs.is_empty() {
                out.push_str("  inputs: ");
                for (i, name) in s.inputs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(name);
                }
            }
            if !s.renew.is_empty() {
                let _ = write!(out, "  (asks anew: {})", s.renew.join(", "));
            }
            if let Some(why) = &s.dangerous {
                out.push_str("  — ");
                out.push_str(why);
            }
            out.push('\n');
        }
    }
    out
}

/// `-900` → `T-15m`, `0` → `T+0`.
pub fn t_offset_text(secs: i64) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    match secs.unsigned_abs() {
        0 => "T+0".into(),
        n => format!("T{sign}{}", human_secs(n)),
    }
}

/// Appends `n` spaces: the plan's columns, without a format string per cell.
fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
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

#[cfg(test)]
mod tests {
    use super::plan_text;
    use crate::runbook::parse;

    #[test]
    fn step_columns_keep_a_space_past_their_width() {
        let text = format!("# R\n\n## P\n{}- [ ] far down\n", "\n".repeat(100_000));
        let plan = plan_text(&parse(&text, "r.md"));
        let step = plan.lines().last().unwrap_or_default();
        assert_eq!(step, "    check   L100004 far down  [p.far-down]", "{plan}");
    }
}
