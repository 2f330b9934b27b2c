//! Findings about step blocks that run against systems: a SQL step's database, an `http` or
//! `notify` block that cannot be read, a `timeout=` that is not a duration, hook names. Found
//! by `check` before a captain meets them at run time.

use crate::runbook::diagnostic::Diagnostic;
use crate::runbook::duration::parse_duration;
use crate::runbook::frontmatter::NOTIFY_EVENTS;
use crate::runbook::model::{Runbook, StepKind};

/// Appends the findings for every step and the `notify` front matter.
pub fn lint_steps(runbook: &Runbook) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let fm = runbook.front_matter.as_ref();
    let dbs: Vec<&str> = fm
        .map(|f| f.databases.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for (_, step) in runbook.steps() {
        let code = step.code.as_deref().unwrap_or("");
        if let Some(t) = &step.attrs.timeout
            && parse_duration(t).is_none()
        {
            found.push(Diagnostic::error(
                step.line,
                1,
                format!("timeout={t} is not a duration; write timeout=30s, 5m or 1h"),
            ));
        }
        let problem = match step.kind {
            StepKind::Sql => match (&step.attrs.db, dbs.len()) {
                (Some(name), _) if !dbs.contains(&name.as_str()) => Some(format!(
                    "sql step: db={name} is not under front-matter `databases` ({})",
                    if dbs.is_empty() {
                        "none declared".to_string()
                    } else {
                        dbs.join(", ")
                    }
                )),
                (None, n) if n > 1 => Some(format!(
                    "sql step: several databases are declared ({}); add db=NAME to the fence",
                    dbs.join(", ")
                )),
                _ => None,
            },
            StepKind::Http => crate::exec::request::parse(code)
                .err()
                .map(|e| format!("http block: {e}")),
            StepKind::Notify => crate::exec::notify::parse(code)
                .err()
                .map(|e| format!("notify block: {e}")),
            _ => None,
        };
        if let Some(message) = problem {
            found.push(Diagnostic::error(step.line, 1, message));
        }
    }
    if let Some(n) = fm.and_then(|f| f.notify.as_ref()) {
        if n.webhook.is_none() {
            found.push(Diagnostic::error(
                1,
                1,
                "front-matter `notify` needs `webhook: URL` (for example `webhook: $SLACK_WEBHOOK`)",
            ));
        }
        for event in n.on.iter().filter(|e| !NOTIFY_EVENTS.contains(&e.as_str())) {
            found.push(Diagnostic::warning(
                1,
                1,
                format!(
                    "front-matter `notify.on`: `{event}` is not an event flightdeck posts ({})",
                    NOTIFY_EVENTS.join(", ")
                ),
            ));
        }
    }
    found
}
