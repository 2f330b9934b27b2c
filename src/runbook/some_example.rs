//! Names written as "some" thing: `gds aws govuk-some-environment-developer -l`. The author
//! spells the placeholder in words ("some environment") where elsewhere they write
//! `[environmentname]`; run as written, the command asks for an environment that does not
//! exist. The words are an input, named as the runbook already names that thing.

use crate::runbook::model::Phase;

/// Where `some-<noun>` / `some_<noun>` starts in `code`, its byte range and the noun: at the
/// start of a word or after a separator, the noun of four letters or more, then a separator.
fn some_nouns(code: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("some") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let rest = &code[at + 4..];
        if !rest.starts_with(['-', '_']) {
            continue;
        }
        let noun: String = rest[1..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        let after = rest[1 + noun.len()..].chars().next();
        if noun.len() < 4 || after.is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        out.push((at, at + 5 + noun.len(), noun));
    }
    out
}

/// Turns each `some-<noun>` in the steps' code into an input: the runbook's own input for
/// that noun (`environment`, else one starting with it, `environmentname`), else the noun.
pub fn ask_for_some_examples(phases: &mut [Phase]) {
    let mut known: Vec<String> = Vec::new();
    let codes: Vec<String> = phases
        .iter()
        .flat_map(|p| &p.steps)
        .filter_map(|s| s.code.clone())
        .collect();
    for step in phases.iter().flat_map(|p| &p.steps) {
        for input in &step.inputs {
            if !known.contains(input) {
                known.push(input.clone());
            }
        }
    }
    let mut seen: std::collections::HashMap<(String, String), Option<String>> =
        std::collections::HashMap::new();
    for step in phases.iter_mut().flat_map(|p| p.steps.iter_mut()) {
        let Some(code) = step.code.as_deref() else {
            continue;
        };
        let found = some_nouns(code);
        if found.is_empty() {
            continue;
        }
        let mut text = String::with_capacity(code.len());
        let mut last = 0;
        for (start, end, noun) in found {
            // The input another command puts in the same place (`govuk-<environmentname>-…`).
            let prefix = code[..start]
                .rsplit(char::is_whitespace)
                .next()
                .unwrap_or("");
            let same_place = |k: &&String| {
                let k = k.as_str();
                !prefix.is_empty()
                    && k.to_ascii_lowercase().contains(&noun)
                    && codes.iter().any(|c| c.contains(&format!("{prefix}<{k}>")))
            };
            // (Each place looked up once: the scan over all code stays linear in the runbook.)
            let key = (prefix.to_string(), noun.clone());
            let placed = match seen.get(&key) {
                Some(hit) => hit.clone(),
                // (A few places at most: no example spells out hundreds.)
                None if seen.len() >= 32 => None,
                None => {
                    let hit = known.iter().find(same_place).cloned();
                    seen.insert(key, hit.clone());
                    hit
                }
            };
            let name = placed
                .as_ref()
                .or_else(|| known.iter().find(|k| k.eq_ignore_ascii_case(&noun)))
                .or_else(|| {
                    known
                        .iter()
                        .find(|k| k.to_ascii_lowercase().starts_with(&noun))
                })
                .cloned()
                .unwrap_or(noun);
            text.push_str(&code[last..start]);
            text.push_str(&format!("<{name}>"));
            last = end;
            if !step.inputs.contains(&name) {
                step.inputs.push(name);
            }
        }
        text.push_str(&code[last..]);
        step.code = Some(text);
    }
}

#[cfg(test)]
mod tests {
    use super::some_nouns;

    #[test]
    fn some_noun_is_a_placeholder_in_words() {
        let found = some_nouns("gds aws govuk-some-environment-developer -l");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].2, "environment");
        // (Part of a word, or too short to name a thing.)
        assert!(some_nouns("awesome-thing some-db handsome_users").is_empty());
    }
}
