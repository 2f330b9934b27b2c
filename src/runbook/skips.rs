//! Sections the prose says to skip in some case: "Skip this stage if you are rotating in
//! Staging only", "If you are not following this guide for Production, you can skip the wait".
//! The steps of such a section (and of its subsections) are for the other cases only: they
//! are optional, and each title opens with the case that skips it ("Unless you are rotating in
//! Staging only › Create the user"), so the captain sees when to pass them. What the case does
//! instead ("…, skip the wait and repeat this guide for each environment") is a step of its
//! own, for that case only.

use crate::runbook::model::{Phase, Step};
use crate::runbook::prose::is_instruction;
use crate::runbook::title::sentences;

/// Words that may stand between the case's comma and "skip": "…, you can skip the wait".
const MAY: &[&str] = &[
    "you", "can", "may", "should", "could", "we", "just", "simply",
];

/// What a section calls itself when it says to skip it: "skip this stage", "skip it".
const ITSELF: &[&str] = &["stage", "step", "steps", "section", "part", "phase"];

/// What a case does instead of the section, when it only goes on: no step of its own.
const GOES_ON: &[&str] = &["continue", "proceed", "go", "move", "carry", "jump"];

/// A section skipped in a case: the case without "if", and what the sentence says to do
/// instead, if anything ("…, skip the wait and repeat this guide for each environment").
#[derive(Debug, PartialEq)]
struct Skip {
    case: String,
    instead: Option<String>,
}

/// The case a sentence skips the section in, without "if": "Skip this stage if you are
/// rotating in Staging only - …" → "you are rotating in Staging only"; "If you are not
/// following this guide for Production, you can skip the wait" (in "Wait for the sync") →
/// "you are not following this guide for Production". `heading` is the section's title: "the
/// wait" names a section by a word of it.
fn skip_case(sentence: &str, heading: &str) -> Option<Skip> {
    let text = sentence.replace('`', "");
    let lower = text.to_ascii_lowercase();
    let heading = heading.to_ascii_lowercase();
    let heading_words: Vec<&str> = heading
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3)
        .collect();
    // What is skipped: this section, by what it calls itself or by a word of its title.
    let names_it = |object: &[&str]| match object {
        ["it", ..] | ["this"] => true,
        ["this" | "the", noun, ..] => {
            let noun = noun.trim_matches(|c: char| !c.is_alphanumeric());
            ITSELF.contains(&noun) || heading_words.contains(&noun)
        }
        _ => false,
    };
    let words: Vec<&str> = lower.split_whitespace().collect();
    // "Skip this stage if <case>".
    if words.first() == Some(&"skip") && names_it(&words[1..]) {
        let at = lower.find(" if ")?;
        let case = &text[at + 4..];
        return Some(Skip {
            case: trimmed_case(case),
            instead: None,
        });
    }
    // "If <case>, [you can] skip <it>".
    let rest = lower.strip_prefix("if ")?;
    for (comma, _) in rest.match_indices(", ") {
        let after: Vec<&str> = rest[comma + 2..].split_whitespace().collect();
        let lead = after.iter().take_while(|w| MAY.contains(w)).count();
        if after.get(lead) == Some(&"skip") && names_it(&after[lead + 1..]) {
            let tail = &text[3 + comma + 2..];
            let instead = tail
                .find(" and ")
                .map(|at| tail[at + 5..].trim())
                .filter(|t| {
                    let first = t
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    is_instruction(t) && !GOES_ON.contains(&first.as_str())
                });
            return Some(Skip {
                case: text[3..3 + comma].trim().to_string(),
                instead: instead.map(|t| {
                    let t = t.trim_end_matches('.');
                    let mut c = t.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect())
                        .unwrap_or_default()
                }),
            });
        }
    }
    None
}

/// A case cut where its reason starts: " - any changes …", "; …", ", as …".
fn trimmed_case(case: &str) -> String {
    let end = [" - ", " – ", " — ", "; ", ", as ", ", because ", ", since "]
        .iter()
        .filter_map(|sep| case.find(sep))
        .min()
        .unwrap_or(case.len());
    case[..end].trim().trim_end_matches(['.', ':']).to_string()
}

/// Marks the steps of each section whose prose says when to skip it: optional, titled by the
/// cases that skip them. The cases of a section hold in its subsections too.
pub fn skipped_sections(phases: &mut [Phase]) {
    // (level, "Unless …") of the open sections that said when to skip them.
    let mut open: Vec<(u8, String)> = Vec::new();
    for phase in phases.iter_mut() {
        open.retain(|(level, _)| *level < phase.level);
        let skips: Vec<Skip> = phase
            .description
            .split("\n\n")
            .flat_map(|p| sentences(p.trim()))
            .filter_map(|s| skip_case(s, &phase.title))
            .collect();
        if !skips.is_empty() {
            let cases: Vec<&str> = skips.iter().map(|s| s.case.as_str()).collect();
            open.push((phase.level, format!("Unless {}", cases.join(", or "))));
        }
        let Some((_, unless)) = open.last() else {
            continue;
        };
        for step in &mut phase.steps {
            step.optional = true;
            step.title = format!("{unless} › {}", step.title);
        }
        // What a case does instead, after the steps it skips (taken with them, in the same
        // option of a choice).
        let choice = phase.steps.last().and_then(|s| s.choice.clone());
        for skip in skips {
            if let Some(instead) = skip.instead {
                let mut step = Step::manual(
                    format!("If {} › {instead}", skip.case),
                    phase.line,
                    String::new(),
                );
                step.optional = true;
                step.choice = choice.clone();
                phase.steps.push(step);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Skip, skip_case};

    #[test]
    fn the_case_that_skips_a_section() {
        assert_eq!(
            skip_case(
                "Skip this stage if you are rotating in Staging only - changes are undone",
                "Create the user"
            )
            .map(|s| s.case)
            .as_deref(),
            Some("you are rotating in Staging only")
        );
        assert_eq!(
            skip_case(
                "If you are not on Production, you can skip the wait and go on.",
                "Wait for the nightly sync"
            ),
            Some(Skip {
                case: "you are not on Production".into(),
                instead: None
            })
        );
        assert_eq!(
            skip_case(
                "If the keys leaked, skip the wait and rotate them in each region",
                "Wait for the nightly sync"
            ),
            Some(Skip {
                case: "the keys leaked".into(),
                instead: Some("Rotate them in each region".into())
            })
        );
        assert_eq!(
            skip_case("If you use S3, skip this step.", "Copy the files").map(|s| s.case),
            Some("you use S3".into())
        );
        // Another thing skipped, or a tool that skips: no case for the section.
        assert_eq!(
            skip_case("If the tests pass, skip the manual check.", "Deploy"),
            None
        );
        assert_eq!(
            skip_case(
                "This will skip the migrations if you pass --readonly.",
                "Upgrade"
            ),
            None
        );
    }
}
