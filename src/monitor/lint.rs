//! `flightdeck check` rules for monitoring: bad metric declarations, log sources, rollback
//! triggers and watch blocks, each one line naming where and how to fix it.

use std::collections::HashSet;

use crate::monitor::gate::GateSpec;
use crate::monitor::spec::{Source, resolve};
use crate::monitor::threshold::Condition;
use crate::runbook::diagnostic::Diagnostic;
use crate::runbook::model::{Runbook, StepKind};

/// Findings about metrics, logs, `rollback_when` and watch steps.
pub fn lint(text: &str, runbook: &Runbook) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let fm_lines = front_matter_lines(text);
    let line_of = |needle: &dyn Fn(&str) -> bool| {
        fm_lines
            .iter()
            .find(|(_, l)| needle(l))
            .map_or(1, |(n, _)| *n)
    };
    let metric_line = |name: &str| {
        line_of(&|l: &str| {
            let t = l.trim().trim_start_matches("- ").trim();
            t.strip_prefix("name:")
                .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == name)
        })
    };
    let mut names = HashSet::new();
    if let Some(fm) = &runbook.front_matter {
        for m in &fm.metrics {
            let line = metric_line(&m.name);
            match resolve(m, fm) {
                Ok(def) => {
                    if matches!(def.source, Source::Prometheus { .. }) && fm.prometheus.is_none() {
                        found.push(Diagnostic::warning(
                            line,
                            1,
                            format!(
                                "metric `{}` queries Prometheus but front matter has no `prometheus:` URL; set it or ${} at run time",
                                def.name,
                                crate::monitor::source_prometheus::URL_ENV
                            ),
                        ));
                    }
                }
                Err(e) => found.push(Diagnostic::error(line, 1, e)),
            }
            if !m.name.trim().is_empty() && !names.insert(m.name.trim().to_string()) {
                found.push(Diagnostic::error(
                    line,
                    1,
                    format!(
                        "metric `{}` is declared twice; give each a unique name",
                        m.name
                    ),
                ));
            }
        }
        for l in &fm.logs {
            let line = metric_line(&l.name);
            let problem = match (&l.file, &l.command, l.name.trim().is_empty()) {
                (_, _, true) => Some("log source has no `name`; add `name: app`".to_string()),
                (None, None, _) => Some(format!(
                    "log `{}` has no source; add `file: /var/log/app.log` or `command: …`",
                    l.name
                )),
                (Some(_), Some(_), _) => Some(format!(
                    "log `{}` has both `file` and `command`; keep one",
                    l.name
                )),
                _ => None,
            };
            if let Some(p) = problem {
                found.push(Diagnostic::error(line, 1, p));
            }
        }
        if !fm.rollback_when.is_empty() {
            let line = line_of(&|l: &str| l.starts_with("rollback_when"));
            for c in &fm.rollback_when {
                match Condition::parse(c) {
                    Ok(c) if !names.contains(&c.metric) => found.push(Diagnostic::error(
                        line,
                        1,
                        format!(
                            "rollback_when `{c}` names no declared metric; declare `{}` under `metrics:`",
                            c.metric
                        ),
                    )),
                    Ok(_) => {}
                    Err(e) => found.push(Diagnostic::error(line, 1, format!("rollback_when: {e}"))),
                }
            }
            if crate::monitor::rollback_phase(runbook).is_none() {
                found.push(Diagnostic::warning(
                    line,
                    1,
                    "rollback_when is set but no phase is titled \"Rollback …\"; add one or name it with `rollback_phase:`",
                ));
            }
        }
    }
    for (_, step) in runbook.steps().filter(|(_, s)| s.kind == StepKind::Watch) {
        match GateSpec::parse(step.code.as_deref().unwrap_or("")) {
            Ok(g) => {
                for c in g.require.iter().filter(|c| !names.contains(&c.metric)) {
                    found.push(Diagnostic::error(
                        step.line,
                        1,
                        format!(
                            "watch requires `{c}` but no metric `{}` is declared under front-matter `metrics:`",
                            c.metric
                        ),
                    ));
                }
            }
            Err(e) => found.push(Diagnostic::error(step.line, 1, e)),
        }
    }
    found
}

/// (1-based line, text) of the front matter's lines, when the file starts with one.
fn front_matter_lines(text: &str) -> Vec<(usize, &str)> {
    let mut lines = text.lines().enumerate();
    if lines.next().map(|(_, l)| l.trim_end()) != Some("---") {
        return Vec::new();
    }
    lines
        .take_while(|(_, l)| !matches!(l.trim_end(), "---" | "..."))
        .map(|(i, l)| (i + 1, l))
        .collect()
}
