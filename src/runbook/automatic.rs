//! A note that says a section's work happens by itself in a named setup: "!!! hint Common
//! resources and CRDs are automatically updated when using Helm charts." In that setup the
//! captain passes the section's steps; in the others they are the work. So the section's own
//! steps are optional, and each title says when to pass it.

use crate::runbook::model::Phase;

/// How a note opens: an admonition (`!!! hint`, `::: tip`, `> [!NOTE]`) or a labelled
/// paragraph (`**Note:**`, `Hint:`). Lowercase, compared with the paragraph's start.
const NOTE_OPENINGS: &[&str] = &[
    "!!!", ":::", "> [!", "> **note", "> **hint", "> **tip", "**note", "**hint", "**tip", "note:",
    "hint:", "tip:",
];

/// The condition a note gives for the section's work being automatic: "Common resources are
/// automatically updated when using Helm charts." under "Update common resources" →
/// `("when", "using Helm charts")`. `None` when the note says nothing is automatic, names no
/// case ("Backups run automatically."), or is about something else than what the heading
/// does ("The pull request will be closed automatically when …" under "Land the proposal").
fn automatic_when(paragraph: &str, heading: &str) -> Option<(&'static str, String)> {
    let lower = paragraph.to_ascii_lowercase();
    let start = lower.trim_start();
    if !NOTE_OPENINGS.iter().any(|o| start.starts_with(o)) {
        return None;
    }
    let at = lower.find("automatically")?;
    if !about_the_heading(&lower[..at], heading) || negated(&lower[..at]) {
        return None;
    }
    let rest = &lower[at..];
    // The sentence that says it, up to its end.
    let end = rest.find(['.', ';', '!']).unwrap_or(rest.len());
    let said = &rest[..end];
    let (word, from) = [" when ", " if "]
        .iter()
        .filter_map(|w| said.find(w).map(|k| (w.trim(), k + w.len())))
        .min_by_key(|(_, k)| *k)?;
    let word = if word == "when" { "when" } else { "if" };
    // (The condition as written, with its capitals: `Helm`.)
    let written = paragraph.get(at + from..at + end)?;
    let condition = written.split_whitespace().collect::<Vec<_>>().join(" ");
    // (Up to a clause of its own: "…, so watch them come back".)
    let condition = condition.split(", ").next().unwrap_or("");
    let condition = condition.trim_matches(|c: char| c == '*' || c == '`' || c == ',');
    (!condition.is_empty() && is_setup(condition)).then(|| (word, condition.to_string()))
}

/// How a condition names a setup the reader has ("using Helm charts", "you use the module",
/// "installed with …"), lowercase, compared with its start.
const SETUP_OPENINGS: &[&str] = &[
    "using ",
    "you use ",
    "you are using ",
    "you're using ",
    "installed ",
    "deployed ",
    "running ",
];

/// Whether a condition is a setup the reader is in, not an event that may happen on the way
/// ("if the health check fails", "when their config map changes"): it opens as a setup, or
/// says how things are ("custom images are not set").
fn is_setup(condition: &str) -> bool {
    let lower = condition.to_ascii_lowercase();
    SETUP_OPENINGS.iter().any(|o| lower.starts_with(o))
        || lower
            .split_whitespace()
            .any(|w| ["is", "are", "isn't", "aren't"].contains(&w))
}

/// Whether the sentence before "automatically" denies it: "The operator is not updated
/// automatically …".
fn negated(before: &str) -> bool {
    let sentence = before.rsplit(['.', '\n']).next().unwrap_or(before);
    sentence
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .any(|w| ["not", "never", "isn't", "aren't", "doesn't", "won't"].contains(&w))
}

/// Whether the subject of a note's sentence (`said`, the text before "automatically") is the
/// section's own work: "This …", or a word of four letters or more that the heading has
/// ("The operator is …" under "Update the Rook Operator").
fn about_the_heading(said: &str, heading: &str) -> bool {
    let sentence = said
        .rsplit(['.', '\n'])
        .find(|s| !s.trim().is_empty() && !s.trim_start().starts_with("!!!"))
        .unwrap_or(said);
    // (Without the note's own label: "**Note:** This is …".)
    let words: Vec<&str> = sentence
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .skip_while(|w| ["note", "hint", "tip"].contains(w))
        .collect();
    if words.first().is_some_and(|w| ["this", "it"].contains(w)) {
        return true;
    }
    let heading = heading.to_ascii_lowercase();
    let stem = |w: &str| w.trim_end_matches('s').to_string();
    let own: Vec<String> = heading
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 4)
        .map(stem)
        .collect();
    words
        .iter()
        .filter(|w| w.len() >= 4)
        .any(|w| own.contains(&stem(w)))
}

/// Makes the own steps of each section whose note says its work is automatic in a named case
/// optional, titled with that case ("Apply the resources (pass when using Helm charts: done
/// automatically)").
pub fn pass_automatic_sections(phases: &mut [Phase]) {
    for phase in phases.iter_mut() {
        if phase.steps.is_empty() || !phase.description.contains("utomatically") {
            continue;
        }
        let heading = phase.title.clone();
        let Some((word, condition)) = phase
            .description
            .split("\n\n")
            .find_map(|p| automatic_when(p, &heading))
        else {
            continue;
        };
        for step in &mut phase.steps {
            step.optional = true;
            let title = step.title.trim_end_matches(['.', ':']).to_string();
            step.title = format!("{title} (pass {word} {condition}: done automatically)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_case_for_a_denial_or_an_event() {
        assert_eq!(
            automatic_when(
                "> **Note:** The operator is not updated automatically when using Helm charts.",
                "Update the operator"
            ),
            None
        );
        assert_eq!(
            automatic_when(
                "!!! warning\n    It is automatically rolled back if the health check fails.",
                "Update the database"
            ),
            None
        );
        assert_eq!(
            automatic_when(
                "Note: The workers restart automatically when their config map changes, so watch.",
                "Restart the workers"
            ),
            None
        );
    }

    #[test]
    fn the_case_a_note_says_is_automatic() {
        assert_eq!(
            automatic_when(
                "!!! hint\nThe operator is automatically updated when using Helm charts.",
                "2. Update the Operator"
            ),
            Some(("when", "using Helm charts".to_string()))
        );
        assert_eq!(
            automatic_when(
                "**Note:** This is automatically updated if custom images are not set.",
                "Update the drivers"
            ),
            Some(("if", "custom images are not set".to_string()))
        );
        // Not a note, or no case named.
        assert_eq!(
            automatic_when(
                "Certificates are automatically renewed when due.",
                "Renew certificates"
            ),
            None
        );
        assert_eq!(
            automatic_when("!!! note\nBackups run automatically.", "Backups"),
            None
        );
        // About something else than the section's work.
        assert_eq!(
            automatic_when(
                "Note: The pull request will be closed automatically when the proposal is merged.",
                "Land the proposal"
            ),
            None
        );
    }
}
