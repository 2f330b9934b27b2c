//! Whole-runbook findings that no single block can see: no steps, unclosed front matter,
//! inputs nothing defines.

use std::collections::HashSet;

use crate::runbook::diagnostic::Diagnostic;
use crate::runbook::frontmatter;
use crate::runbook::model::Runbook;

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
        // Without its closing line the block is read as Markdown: only front matter written for
        // flightdeck is worth refusing the run over.
        let block = text
            .lines()
            .skip(1)
            .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'));
        let message =
            "front matter opened with `---` at line 1 is never closed; end it with a `---` line";
        found.push(if frontmatter::names_flightdeck_section(block) {
            Diagnostic::error(1, 1, message)
        } else {
            Diagnostic::warning(1, 1, message)
        });
    }
    // `$VAR` inputs that no step sets and front matter does not declare.
    let mut defined: HashSet<&str> = runbook
        .front_matter
        .iter()
        .flat_map(|f| f.vars.keys().map(String::as_str))
        .collect();
    for (_, step) in runbook.steps() {
        defined.extend(step.sets.iter().map(String::as_str));
        defined.extend(step.attrs.capture.as_deref());
    }
    for (_, step) in runbook.steps() {
        let code = step.code.as_deref().unwrap_or("");
        // Only `$NAME` inputs: placeholders and templates are meant to be asked for.
        let refs = if step.inputs.is_empty() {
            std::collections::HashSet::new()
        } else {
            env_refs(code)
        };
        let env = step.inputs.iter().filter(|n| refs.contains(n.as_str()));
        for name in env {
            if !defined.contains(name.as_str()) {
                found.push(Diagnostic::warning(
                    step.line,
                    1,
                    format!("input `${name}` is never set by a step nor declared under front-matter `vars`; it will be asked for at run time"),
                ));
                defined.insert(name);
            }
        }
    }
    found.extend(crate::monitor::lint::lint(text, runbook));
    found.extend(crate::runbook::lint_steps::lint_steps(runbook));
    runbook.diagnostics.extend(found);
}

/// The names `code` refers to as `$NAME` or `${NAME}`, read once from each `$` (checking
/// each input against the whole code was quadratic in a step with many inputs).
fn env_refs(code: &str) -> std::collections::HashSet<&str> {
    memchr::memchr_iter(b'$', code.as_bytes())
        .filter_map(|i| {
            let after = code.get(i + 1..)?;
            let (braced, body) = match after.strip_prefix('{') {
                Some(rest) => (true, rest),
                None => (false, after),
            };
            let len = body
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(body.len());
            let name = &body[..len];
            let closed = !braced || body[len..].starts_with('}');
            (!name.is_empty() && closed).then_some(name)
        })
        .collect()
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

#[cfg(test)]
mod tests {
    #[test]
    fn env_refs_are_whole_names() {
        let refs = super::env_refs("PODNAME=<POD>\nkubectl delete pod/$PODNAME ${NS} $");
        assert!(refs.contains("PODNAME") && refs.contains("NS"));
        // `$PODNAME` does not mention the placeholder input `POD`.
        assert!(!refs.contains("POD"));
    }
}
