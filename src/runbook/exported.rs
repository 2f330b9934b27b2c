//! Values a step typed by hand reads from an earlier step's `export`. The cockpit runs each
//! shell step in a fresh shell: `export CLUSTER_NAME=<cluster-name>` run there sets nothing in
//! the captain's own terminal, so a command shown for the captain to type (`deployer generate
//! … --cluster-name=$CLUSTER_NAME`) would read an empty variable. The step shows the value the
//! export gave instead: its `<placeholder>`, which the run has asked for and the step lists
//! with its value, or the plain word it was set to.

use crate::runbook::inputs::{Dialect, code_inputs};
use crate::runbook::model::{Phase, Step, StepKind};

/// `export NAME=VALUE` or `NAME=VALUE` on a line of its own, with a value the run knows
/// without running anything: a `<placeholder>` or one plain word.
fn exported(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
    let (name, value) = line.split_once('=')?;
    let named = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let value = value.trim_end();
    let placeholder = value.starts_with('<')
        && value.ends_with('>')
        && !value[1..value.len() - 1].contains(['<', '>', '$', '`', '"', '\'']);
    let word = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b));
    (named && (placeholder || word)).then_some((name, value))
}

/// Whether two steps can both be taken: neither is an option of a choice the other takes
/// another option of.
fn together(a: &Step, b: &Step) -> bool {
    match (&a.choice, &b.choice) {
        (Some(x), Some(y)) => x.group != y.group || x.option == y.option,
        _ => true,
    }
}

/// `code` with each `$NAME` / `${NAME}` of `values` written as its value; `None` when none is.
fn with_values(code: &str, values: &[(String, String)]) -> Option<String> {
    let mut out = String::with_capacity(code.len() + 32);
    let mut rest = code;
    let mut changed = false;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(inner) => match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = after
                    .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match values.iter().find(|(n, _)| !name.is_empty() && n == name) {
            Some((_, value)) => {
                out.push_str(value);
                rest = &after[len..];
                changed = true;
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Shows, in each manual step's code, the values earlier shell steps exported for the
/// variables it reads (the latest export a run taking that step also takes).
pub fn show_exported_values(phases: &mut [Phase]) {
    let order = crate::runbook::model::source_order(phases);
    // Exports seen so far: (phase, step, name, value).
    let mut exports: Vec<(usize, usize, String, String)> = Vec::new();
    for (_, p, s) in order {
        let step = &phases[p].steps[s];
        let Some(code) = step.code.as_deref() else {
            continue;
        };
        match step.kind {
            StepKind::Shell => {
                for (name, value) in code.lines().filter_map(exported) {
                    exports.push((p, s, name.to_string(), value.to_string()));
                }
            }
            StepKind::Manual if code.contains('$') && !exports.is_empty() => {
                let mut values: Vec<(String, String)> = Vec::new();
                for (ep, es, name, value) in exports.iter().rev() {
                    if !values.iter().any(|(n, _)| n == name)
                        && together(&phases[*ep].steps[*es], step)
                    {
                        values.push((name.clone(), value.clone()));
                    }
                }
                if let Some(shown) = with_values(code, &values) {
                    let step = &mut phases[p].steps[s];
                    step.inputs = code_inputs(&shown, Dialect::Shell);
                    step.code = Some(shown);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_the_run_knows() {
        assert_eq!(
            exported("export CLUSTER=<cluster-name>"),
            Some(("CLUSTER", "<cluster-name>"))
        );
        assert_eq!(exported("REGION=eu-west-1"), Some(("REGION", "eu-west-1")));
        assert_eq!(exported("export X=$(date)"), None);
        assert_eq!(exported("export X=a b"), None);
        let values = [("A".to_string(), "<a>".to_string())];
        assert_eq!(
            with_values("run --a=$A ${A} $AB $", &values).as_deref(),
            Some("run --a=<a> <a> $AB $")
        );
        assert_eq!(with_values("run $B", &values), None);
    }
}
