//! The services that use what a block stops. "Stop all the services using PostgreSQL and the
//! old and new database servers", over a block that stops the two servers: the block runs on
//! the database host and cannot know the applications that connect to it, so stopping them is
//! a manual step of its own, before the block, and the block is titled by what it does.

use crate::runbook::title::sentences;

/// Verbs that stop or start services.
const SERVICE_VERBS: &[&str] = &["stop", "restart", "start", "pause", "disable", "shut"];

/// Nouns for the things that use a service.
const DEPENDENTS: &[&str] = &[
    "services",
    "applications",
    "apps",
    "clients",
    "consumers",
    "workers",
];

/// Words after such a noun that say it uses the service ("services using X", "apps that
/// depend on X").
const USING: &[&str] = &[
    "using",
    "that use",
    "which use",
    "depending on",
    "that depend on",
    "which depend on",
    "connected to",
    "that connect to",
];

/// For a lead that asks to stop (or start) the services using something *and* something
/// else: the manual step for the services ("Stop all the services using PostgreSQL") and the
/// title of the block, which does the rest ("Stop the old and new database servers").
pub fn dependents_left(lead: &str) -> Option<(String, String)> {
    for sentence in sentences(lead.trim()) {
        let lower = sentence.to_ascii_lowercase();
        let mut at = 0;
        for word in lower.split_inclusive(char::is_whitespace) {
            let start = at;
            at += word.len();
            let bare = word.trim().trim_matches(|c: char| !c.is_alphanumeric());
            if !SERVICE_VERBS.contains(&bare) {
                continue;
            }
            // The clause runs to the next comma, semicolon or full stop.
            let rest = lower.get(at..).unwrap_or("");
            let end = rest.find([',', ';']).unwrap_or(rest.len());
            let clause = rest[..end].trim_end_matches(['.', ':', ' ']);
            let Some(and) = clause.find(" and ") else {
                continue;
            };
            let (first, others) = (&clause[..and], clause[and + 5..].trim());
            let names_users = DEPENDENTS.iter().any(|noun| {
                first.match_indices(noun).any(|(n, _)| {
                    let after = first[n + noun.len()..].trim_start();
                    USING.iter().any(|u| after.starts_with(u))
                })
            });
            if !names_users || others.is_empty() {
                continue;
            }
            // The author's own words and case, from the sentence itself.
            let verb = capitalized(sentence.get(start..at).unwrap_or(bare).trim());
            // The author's own words and case, from the sentence itself (the lowercase copy
            // has the same byte offsets).
            let from = at + and + 5;
            let lead_blank = clause[and + 5..].len() - clause[and + 5..].trim_start().len();
            let first_words = sentence.get(at..at + and).unwrap_or(first).trim();
            let other_words = sentence
                .get(from + lead_blank..from + lead_blank + others.len())
                .unwrap_or(others);
            return Some((
                format!("{verb} {first_words}"),
                format!("{verb} {other_words}"),
            ));
        }
    }
    None
}

/// The service verb a one-sentence instruction opens with ("Restart mysql on server1 so
/// that …" → "restart"), lowercase.
pub fn service_verb_first(lead: &str) -> Option<&'static str> {
    let text = lead.trim();
    if sentences(text).len() != 1 {
        return None;
    }
    let first = text.split_whitespace().next()?.to_ascii_lowercase();
    SERVICE_VERBS
        .iter()
        .find(|v| **v == first && **v != "shut")
        .copied()
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|f| f.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::dependents_left;

    #[test]
    fn the_services_using_it_are_left_to_the_captain() {
        assert_eq!(
            dependents_left("To do so, stop the apps using Redis and the old and new servers."),
            Some((
                "Stop the apps using Redis".to_string(),
                "Stop the old and new servers".to_string()
            ))
        );
        assert_eq!(dependents_left("Stop the old and new servers."), None);
        assert_eq!(dependents_left("Stop the apps using Redis."), None);
    }
}
