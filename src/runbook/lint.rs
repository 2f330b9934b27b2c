//! Whole-runbook findings that no single block can see: no steps, unclosed front matter,
//! inputs nothing defines.

use crate::runbook::diagnostic::Diagnostic;
use crate::runbook::inputs::{Dialect, assigned_vars, env_inputs};
use crate::runbook::model::{Runbook, StepKind};

/// Appends the whole-runbook findings to `runbook.diagnostics`.
pub fn lint(text: &str, runbook: &mut Runbook) {
    let mut found = Vec::new();
    if runbook.steps().next().is_none() {
        found.push(Diagnostic::error(
            1,
            1,
            "runbook has no steps; add `- [ ]` items, numbered steps or ```bash blocks",
        ));
    }
    if runbook.front_matter.is_none()
        && starts_front_matter(text)
        && !runbook
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with("front matter"))
    {
        found.push(Diagnostic::error(
            1,
            1,
            "front matter opened with `---` at line 1 is never closed; end it with a `---` line",
        ));
    }
    // `$VAR` inputs that no step sets and front matter does not declare.
    let mut defined: Vec<String> = runbook
        .front_matter
        .iter()
        .flat_map(|f| f.vars.keys().cloned())
        .collect();
    for (_, step) in runbook.steps() {
        if step.kind == StepKind::Shell {
            defined.extend(assigned_vars(step.code.as_deref().unwrap_or("")));
        }
        defined.extend(step.attrs.capture.iter().cloned());
    }
    for (_, step) in runbook.steps() {
        let dialect = match step.kind {
            StepKind::Shell => Dialect::Shell,
            StepKind::Sql => Dialect::Sql,
            _ => Dialect::Text,
        };
        for name in env_inputs(step.code.as_deref().unwrap_or(""), dialect) {
            if !defined.contains(&name) {
                found.push(Diagnostic::warning(
                    step.line,
                    1,
                    format!("input `${name}` is never set by a step nor declared under front-matter `vars`; it will be asked for at run time"),
                ));
                defined.push(name);
            }
        }
    }
    runbook.diagnostics.extend(found);
}

/// A `---` first line followed by a `key:` line: front matter meant, whatever the parser saw.
fn starts_front_matter(text: &str) -> bool {
    let mut lines = text.lines();
    lines.next().is_some_and(|l| l.trim_end() == "---")
        && lines.find(|l| !l.trim().is_empty()).is_some_and(|l| {
            let key = l.split(':').next().unwrap_or("");
            l.contains(':')
                && !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}
