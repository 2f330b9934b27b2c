//! Instructions that stand in prose the walker reads as reference: a section of notes,
//! limitations or breaking changes has no steps of its own, yet its author says there what to
//! do before the procedure ("Do not upgrade until …", "Before upgrading, always test …", "The
//! `a` chart should be upgraded before `b`", a fact followed by "Upgrade X before …"), or how
//! long to wait between the repeats of a later step ("wait for 2 minutes between upgrading
//! each member"). Each function reads one such sentence; the walker decides where it stands.

use crate::runbook::markdown::capitalized;
use crate::runbook::prose::is_instruction;
use crate::runbook::title::sentences;

/// Labels a note opens with ("**NOTE:**", "Warning:"), left out of what it says.
const NOTE_LABELS: &[&str] = &["note", "warning", "important", "caution", "attention"];

/// Verbs of sentences that send the reader elsewhere rather than ask for work ("For more
/// info, see …"): never a step of their own.
const POINTS_ELSEWHERE: &[&str] = &["see", "refer", "note", "read", "consult"];

/// Phrases that advise the action after them ("it is advised to upgrade …").
const ADVISED: &[&str] = &[
    "it is strongly advised to ",
    "it is advised to ",
    "it is strongly recommended to ",
    "it is recommended to ",
    "we recommend that you ",
    "you are advised to ",
];

/// Participles a passive order names ("should be upgraded before"), with their imperative.
const ORDERED: &[(&str, &str)] = &[
    ("upgraded", "Upgrade"),
    ("updated", "Update"),
    ("installed", "Install"),
    ("applied", "Apply"),
    ("deployed", "Deploy"),
    ("migrated", "Migrate"),
    ("restarted", "Restart"),
    ("stopped", "Stop"),
];

/// Modals of a passive order.
const MODALS: &[&str] = &[" should be ", " must be ", " needs to be ", " has to be "];

/// Words that join a gate's action to its condition: "Do not upgrade until …", "Do NOT
/// execute these commands unless …" (both: not before the condition holds). "Never X unless
/// C" is a standing rule for any day ("Never create migrations unless you change the
/// schema"), not a gate of this run: "unless" gates only after "do not".
const GATE_JOINS: &[&str] = &[" until ", " unless "];

/// `text` without a leading note label ("**NOTE:** If …" → "If …") or admonition opener
/// (`:::danger`, `!!! warning`: the line that names the box).
fn without_label(text: &str) -> &str {
    let t = text.trim_start();
    if let Some(rest) = t.strip_prefix(":::").or_else(|| t.strip_prefix("!!!")) {
        let rest = rest.trim_start();
        let kind = rest.split_whitespace().next().unwrap_or("");
        return rest[kind.len()..].trim_start();
    }
    let t = t.trim_start_matches(['*', '_']);
    if let Some((label, rest)) = t.split_once(':')
        && NOTE_LABELS.contains(
            &label
                .trim_end_matches(['*', '_'])
                .to_ascii_lowercase()
                .as_str(),
        )
    {
        return rest.trim_start_matches(['*', '_']).trim_start();
    }
    t
}

/// A gate in a note ("**NOTE:** …"): "Do not upgrade to newer versions until the server contains v3 data." or
/// "If your cluster enables auth, rolling upgrade … isn't supported because …". The title of
/// the step that confirms its condition before going on.
/// Only in a note: elsewhere such a sentence explains the step its section is. Whether the
/// step is optional: the note opens with the case it holds in ("When migrating …, …").
pub fn gate(text: &str) -> Option<(String, bool)> {
    let body = without_label(text);
    if body.len() == text.trim_start().trim_start_matches(['*', '_']).len() {
        return None;
    }
    note_gate(body)
}

/// [`gate`] in what a note says, its label left off (the cell of a [`boxed_note`]).
pub fn note_gate(body: &str) -> Option<(String, bool)> {
    for sentence in sentences(body) {
        let s = without_label(sentence).trim_end_matches('.');
        let lower = s.to_ascii_lowercase();
        // "Do not X until C" → "Confirm C before you X".
        if let Some(rest) = ["do not ", "don't ", "never "]
            .iter()
            .find_map(|p| lower.strip_prefix(p))
            && let Some((at, join)) = GATE_JOINS
                .iter()
                .filter(|j| **j == " until " || !lower.starts_with("never "))
                .find_map(|j| rest.find(j).map(|at| (at, *j)))
        {
            let skip = s.len() - rest.len();
            let what = &s[skip..skip + at];
            let until = &s[skip + at + join.len()..];
            if what.split_whitespace().count() >= 2 && until.split_whitespace().count() >= 2 {
                let title = format!("Confirm {until} before you {what}");
                // "When migrating from v2 with no v3 data, etcd panics … Do not upgrade until
                // …": the note's opening case is the gate's.
                return Some(match opening_case(body) {
                    Some(case) => (format!("{title} ({case})"), true),
                    None => (title, false),
                });
            }
        }
        // "If C, X isn't supported (because …)" → "Confirm whether C: X isn't supported".
        if lower.starts_with("if ")
            && let Some((case, then)) = s.split_once(", ")
        {
            let then = then.split(" because ").next().unwrap_or(then);
            let t = then.to_ascii_lowercase();
            let unsupported = ["isn't supported", "is not supported", "is unsupported"]
                .iter()
                .any(|p| t.ends_with(p));
            if unsupported && case.split_whitespace().count() >= 3 {
                let case = &case["if ".len()..];
                return Some((format!("Confirm whether {case}: {then}"), false));
            }
        }
    }
    None
}

/// The text of a warning box written as a one-cell table (`| Do NOT … |` over `| :--- |`,
/// no other rows): a note, though it has no label.
pub fn boxed_note(table: &str) -> Option<&str> {
    let mut lines = table.trim().lines().map(str::trim);
    let head = lines.next()?;
    let rule = lines.next()?;
    if lines.next().is_some() {
        return None;
    }
    let one_cell = |l: &str| {
        l.starts_with('|') && l.ends_with('|') && l.len() > 1 && !l[1..l.len() - 1].contains('|')
    };
    let is_rule = |l: &str| {
        one_cell(l) && l.contains('-') && l.chars().all(|c| matches!(c, '-' | ':' | ' ' | '|'))
    };
    (one_cell(head) && is_rule(rule)).then(|| head[1..head.len() - 1].trim())
}

/// Words that say a command does not serve in the note's case.
const CANNOT: &[&str] = &["can't", "cannot", "can not", "won't work", "does not work"];

/// A note that a command does not serve in one case and what to do there instead: "For
/// client applications, the script can't be resurrected with `pm2 resurrect`. Deploy them
/// from scratch instead." → (`pm2 resurrect`, "not for client applications: deploy them from
/// scratch"). The step that later runs that command carries it.
/// Only in a note (labelled or an admonition): elsewhere the section explains itself.
pub fn not_for(text: &str) -> Option<(String, String)> {
    let body = without_label(text);
    if body.len() == text.trim_start().trim_start_matches(['*', '_']).len() {
        return None;
    }
    let all = sentences(body);
    let (first, later) = all.split_first()?;
    let (case, said) = first.split_once(", ")?;
    let case = case.strip_prefix("For ")?;
    let lower = said.to_ascii_lowercase();
    if !CANNOT.iter().any(|w| lower.contains(w)) || case.split_whitespace().count() > 4 {
        return None;
    }
    // The one command it names.
    let mut quoted = said.split('`').skip(1).step_by(2);
    let command = quoted.next()?.trim();
    if quoted.next().is_some() || command.is_empty() {
        return None;
    }
    let instead = later.first()?.trim().trim_end_matches('.');
    let instead = instead.strip_suffix(" instead")?;
    if !is_instruction(instead) {
        return None;
    }
    let mut chars = instead.chars();
    let verb = chars
        .next()?
        .to_lowercase()
        .chain(chars)
        .collect::<String>();
    Some((command.to_string(), format!("not for {case}: {verb}")))
}

/// The case a note's first sentence opens with ("When migrating from v2 with no v3 data, …"
/// → "when migrating from v2 with no v3 data").
fn opening_case(body: &str) -> Option<String> {
    let first = *sentences(body).first()?;
    let (case, _) = first.split_once(", ")?;
    let lower = case.to_ascii_lowercase();
    let opens = lower.starts_with("when ") || lower.starts_with("if ");
    (opens && case.split_whitespace().count() >= 3).then_some(lower)
}

/// "Before upgrading etcd, always test the services … in a staging environment": an
/// instruction for before the procedure, said where the author prepares for it. Its title
/// (the instruction without the "Before …" clause).
pub fn preparation(text: &str) -> Option<String> {
    let first = *sentences(text.trim()).first()?;
    let lower = first.to_ascii_lowercase();
    let rest = lower.strip_prefix("before ")?;
    let gerund = rest.split_whitespace().next()?;
    let gerund = gerund.trim_matches(|c: char| !c.is_alphanumeric());
    if !gerund.ends_with("ing") {
        return None;
    }
    let (_, main) = first.split_once(", ")?;
    let main = ["always ", "first ", "please "]
        .iter()
        .fold(main.trim_start(), |m, w| {
            if m.to_ascii_lowercase().starts_with(w) {
                m[w.len()..].trim_start()
            } else {
                m
            }
        });
    if !is_instruction(main) || points_elsewhere(main) {
        return None;
    }
    Some(capitalized(main.trim_end_matches('.')))
}

/// "The `rook-ceph` chart should be upgraded before `rook-ceph-cluster`, so …": an order the
/// captain keeps, said in the passive. The instruction ("Upgrade the `rook-ceph` chart before
/// `rook-ceph-cluster`").
pub fn ordered_passive(text: &str) -> Option<String> {
    for sentence in sentences(text.trim()) {
        let lower = sentence.to_ascii_lowercase();
        for modal in MODALS {
            let Some(at) = lower.find(modal) else {
                continue;
            };
            let after = &sentence[at + modal.len()..];
            let mut words = after.splitn(2, ' ');
            let participle = words.next().unwrap_or("").to_ascii_lowercase();
            let rest = words.next().unwrap_or("");
            let Some((_, verb)) = ORDERED.iter().find(|(p, _)| *p == participle) else {
                continue;
            };
            if !rest.to_ascii_lowercase().starts_with("before ") {
                continue;
            }
            let subject = sentence[..at].trim();
            if subject.split_whitespace().count() < 2 || subject.contains(", ") {
                continue;
            }
            let subject = match subject.split_once(' ') {
                Some((the, noun)) if the.eq_ignore_ascii_case("the") => format!("the {noun}"),
                _ => subject.to_string(),
            };
            // The order without its reason (", so the latest operator …").
            let order = rest
                .split([',', ';'])
                .next()
                .unwrap_or(rest)
                .trim_end_matches('.')
                .trim();
            return Some(format!("{verb} {subject} {order}"));
        }
    }
    None
}

/// A list item that states a fact and then instructs ("The minimum supported version is
/// v1.23. Upgrade to v1.23 or higher before upgrading."): the first later sentence that asks
/// for work, advice rewritten as the instruction it gives ("If X, it is advised to upgrade
/// …" → "If X, upgrade …").
pub fn later_instruction(text: &str) -> Option<String> {
    let all = sentences(text.trim());
    let (first, later) = all.split_first()?;
    if is_instruction(first) {
        return None;
    }
    later.iter().find_map(|s| {
        let s = s.trim().trim_end_matches('.');
        let advised = advice_taken(s);
        let s = advised.as_deref().unwrap_or(s);
        (is_instruction(s) && !points_elsewhere(s)).then(|| verb_in_case(s))
    })
}

/// "If a lower version is deployed, [Upgrade Ceph](…) before …": the verb after the case
/// lowercase, as in the rest of the sentence (a link's text keeps its own capital).
fn verb_in_case(sentence: &str) -> String {
    match sentence.split_once(", ") {
        Some((case, rest))
            if case.to_ascii_lowercase().starts_with("if ")
                && rest.starts_with(|c: char| c.is_ascii_uppercase())
                && is_instruction(rest) =>
        {
            let mut chars = rest.chars();
            let first = chars.next().map(|c| c.to_ascii_lowercase());
            format!(
                "{case}, {}{}",
                first.map(String::from).unwrap_or_default(),
                chars.as_str()
            )
        }
        _ => sentence.to_string(),
    }
}

/// "If X, it is advised to upgrade …" → "If X, upgrade …"; `None` when no advice phrase.
fn advice_taken(sentence: &str) -> Option<String> {
    let lower = sentence.to_ascii_lowercase();
    ADVISED.iter().find_map(|p| {
        let at = lower.find(p)?;
        let head = &sentence[..at];
        let tail = &sentence[at + p.len()..];
        Some(if head.trim().is_empty() {
            capitalized(tail)
        } else {
            format!("{head}{tail}")
        })
    })
}

/// Whether an instruction only sends the reader elsewhere ("For more info, see …").
fn points_elsewhere(sentence: &str) -> bool {
    let main = sentence.rsplit(", ").next().unwrap_or(sentence);
    let verb = main
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase();
    POINTS_ELSEWHERE.contains(&verb.as_str())
}

/// The case a paragraph opens with ("If the cluster is serving a v2 data set larger than
/// 50MB, …" → "if the cluster is serving a v2 data set larger than 50MB").
pub fn leading_case(text: &str) -> Option<String> {
    let t = without_label(text);
    let (case, _) = t.split_once(", ")?;
    let lower = case.to_ascii_lowercase();
    (lower.starts_with("if ") && case.split_whitespace().count() >= 3 && !case.contains('.'))
        .then(|| lower[..2].to_string() + &case[2..])
}

/// "it is safest to wait for 2 minutes between upgrading each member": the seconds to wait
/// and the action repeated ("upgrading"), when the thing waited between is `one` ("member").
pub fn wait_between(text: &str, one: &str) -> Option<(u64, String, String)> {
    for sentence in sentences(text.trim()) {
        let lower = sentence.to_ascii_lowercase();
        let Some(at) = lower.find("wait ") else {
            continue;
        };
        let rest = &lower[at + "wait ".len()..];
        let rest = rest.strip_prefix("for ").unwrap_or(rest);
        let Some((duration, after)) = rest.split_once(" between ") else {
            continue;
        };
        let Some(secs) = crate::runbook::duration::parse_duration(duration) else {
            continue;
        };
        let mut words = after.split_whitespace();
        let gerund = words.next().unwrap_or("");
        let each = words.next().unwrap_or("");
        let thing = words
            .next()
            .unwrap_or("")
            .trim_matches(|c: char| !c.is_alphanumeric());
        let thing = thing.strip_suffix('s').unwrap_or(thing);
        if gerund.ends_with("ing") && each == "each" && thing == one && secs > 0 {
            return Some((secs, duration.to_string(), gerund.to_string()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gates() {
        assert_eq!(
            gate(
                "NOTE: The store panics on start. Do not upgrade to newer versions until the server holds an index."
            ),
            Some((
                "Confirm the server holds an index before you upgrade to newer versions".into(),
                false
            ))
        );
        assert_eq!(
            gate(
                "Note: If your store enables encryption, a rolling upgrade isn't supported because keys change."
            ),
            Some((
                "Confirm whether your store enables encryption: a rolling upgrade isn't supported"
                    .into(),
                false
            ))
        );
        assert_eq!(gate("Note: If you like, the upgrade is supported."), None);
        assert_eq!(
            gate("Don't start a release until the project is empty."),
            None
        );
        assert_eq!(
            gate("!!! warning\n    Do not deploy the new build unless the tests pass.")
                .map(|g| g.0),
            Some("Confirm the tests pass before you deploy the new build".into())
        );
        assert_eq!(
            gate("Note: Never create new migrations unless you change the schema."),
            None
        );
        assert_eq!(
            boxed_note("| Do not go on unless it works. |\n| :--- |\n"),
            Some("Do not go on unless it works.")
        );
        assert_eq!(
            not_for("Note: For old hosts, it can't be read with `x load`. Copy it instead."),
            Some(("x load".into(), "not for old hosts: copy it".into()))
        );
        assert_eq!(
            not_for("For old hosts, it can't be read with `x load`. Copy it instead."),
            None
        );
        assert_eq!(boxed_note("| a | b |\n| - | - |"), None);
        assert_eq!(boxed_note("| a |\n| - |\n| b |"), None);
    }

    #[test]
    fn reads_orders_and_waits() {
        assert_eq!(
            ordered_passive("The `a` chart should be upgraded before `b`, so it can act.")
                .as_deref(),
            Some("Upgrade the `a` chart before `b`")
        );
        assert_eq!(ordered_passive("The chart should be upgraded."), None);
        assert_eq!(
            wait_between(
                "It is safest to wait for 2 minutes between upgrading each node.",
                "node"
            ),
            Some((120, "2 minutes".into(), "upgrading".into()))
        );
        assert_eq!(
            later_instruction("Support was removed. If it is on, it is advised to upgrade first.")
                .as_deref(),
            Some("If it is on, upgrade first")
        );
        assert_eq!(
            later_instruction("Support was removed. For more info, see the PR."),
            None
        );
    }
}
