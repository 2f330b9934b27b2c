//! Instructions written in the passive: "Once finished, the services depending on PostgreSQL
//! can be restarted", "It needs to be updated before we proceed". Said after a block, such a
//! sentence asks the captain to act; left as a note, the run ends with the services down.
//! Only verbs that act on something, so "the logs can be found in …" stays a fact.

use crate::runbook::title::sentences;

/// The modal phrases of a passive instruction.
const MODALS: &[&str] = &[
    " can be ",
    " can now be ",
    " should be ",
    " should now be ",
    " must be ",
    " needs to be ",
    " need to be ",
    " has to be ",
    " have to be ",
];

/// Participles of verbs that act, with their imperative.
const ACTS: &[(&str, &str)] = &[
    ("restarted", "Restart"),
    ("started", "Start"),
    ("re-enabled", "Re-enable"),
    ("enabled", "Enable"),
    ("resumed", "Resume"),
    ("unpaused", "Unpause"),
    ("updated", "Update"),
    ("generated", "Generate"),
    ("created", "Create"),
    ("uploaded", "Upload"),
];

/// Words after the modal that say the thing happens without the captain, or only may be done.
const BY_ITSELF: &[&str] = &["automatically", "by itself", "for you", "at any time"];

/// Subjects that point back at the sentence before: the title keeps the whole text.
const POINTERS: &[&str] = &["it", "this", "that", "they", "these", "those"];

/// The instruction a passive sentence of `text` gives, as an imperative title ("Restart the
/// services depending on PostgreSQL"), or the text itself when its subject is a pronoun.
pub fn passive_instruction(text: &str) -> Option<String> {
    let all = sentences(text.trim());
    for sentence in &all {
        let lower = sentence.to_ascii_lowercase();
        for modal in MODALS {
            let Some(at) = lower.find(modal) else {
                continue;
            };
            let after = &lower[at + modal.len()..];
            let mut words = after
                .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
                .filter(|w| !w.is_empty());
            // "need to be manually generated": one adverb before the participle, kept after
            // the subject in the title.
            let mut participle = words.next().unwrap_or("");
            let mut how = "";
            if participle.ends_with("ly") {
                how = participle;
                participle = words.next().unwrap_or("");
            }
            let Some((_, verb)) = ACTS.iter().find(|(p, _)| *p == participle) else {
                continue;
            };
            // "… can be created by the deploy job": done by something else, no instruction.
            if words.next() == Some("by") {
                continue;
            }
            // "… should be created automatically", "… can be created … at any time": what
            // happens by itself, or what may be done, not what the captain must do now.
            if how == "automatically" || BY_ITSELF.iter().any(|b| after.contains(b)) {
                continue;
            }
            // The subject: after a leading clause ("Once finished, …").
            let head = &sentence[..at];
            let subject = head.rsplit_once(", ").map_or(head, |(_, s)| s).trim();
            // "All of the signature files (`*.asc`)": the aside is no part of the subject.
            let subject = match subject.split_once(" (") {
                Some((said, aside)) if aside.ends_with(')') => said.trim(),
                _ => subject,
            };
            // "…, so the settings file needs to be …": the conjunction is no subject.
            let subject = ["so ", "and ", "but ", "then "]
                .iter()
                .find_map(|c| subject.strip_prefix(c))
                .unwrap_or(subject);
            let words = subject.split_whitespace().count();
            if words == 0 || subject.contains(['(', '`']) {
                continue;
            }
            // "A new pod should be created for each replica": what the reader should expect to
            // find, said of some thing, not of one the runbook names.
            let indefinite = ["a ", "an "]
                .iter()
                .any(|d| subject.to_ascii_lowercase().starts_with(d));
            if indefinite && modal.starts_with(" should") {
                continue;
            }
            if words == 1 && POINTERS.contains(&subject.to_ascii_lowercase().as_str()) {
                return Some(text.split_whitespace().collect::<Vec<_>>().join(" "));
            }
            // "the services …" keeps its case after the verb; "The services" does not.
            let subject = match subject.split_once(' ') {
                Some((first, rest))
                    if ["the", "all", "each", "every", "any", "both", "a", "an"]
                        .iter()
                        .any(|d| first.eq_ignore_ascii_case(d)) =>
                {
                    format!("{} {rest}", first.to_ascii_lowercase())
                }
                _ => subject.to_string(),
            };
            return Some(match how {
                "" => format!("{verb} {subject}"),
                how => format!("{verb} {subject} {how}"),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::passive_instruction;

    #[test]
    fn an_acting_verb_in_the_passive_is_an_instruction() {
        assert_eq!(
            passive_instruction("Once done, the workers can be restarted and should catch up.")
                .as_deref(),
            Some("Restart the workers")
        );
        assert_eq!(
            passive_instruction("The cache is stale. It needs to be updated first.").as_deref(),
            Some("The cache is stale. It needs to be updated first.")
        );
        assert_eq!(
            passive_instruction("The logs can be found in /var/log."),
            None
        );
    }
}
