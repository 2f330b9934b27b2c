//! Sections the prose says to skip in some case: "Skip this stage if you are rotating in
//! Staging only", "If you are not following this guide for Production, you can skip the wait".
//! The steps of such a section (and of its subsections) are for the other cases only: they
//! are optional, and each title opens with the case that skips it ("Unless you are rotating in
//! Staging only › Create the user"), so the captain sees when to pass them. What the case does
//! instead ("…, skip the wait and repeat this guide for each environment") is a step of its
//! own, for that case only.

use crate::runbook::model::{Phase, Step};
use crate::runbook::prose::is_instruction;
use crate::runbook::source::LineIndex;
use crate::runbook::title::sentences;

/// Words that may stand between the case's comma and "skip": "…, you can skip the wait".
const MAY: &[&str] = &[
    "you", "can", "may", "should", "could", "we", "just", "simply",
];

/// What a section calls itself when it says to skip it: "skip this stage", "skip it". Not
/// "this step": that is the block the sentence introduces, not the section.
const ITSELF: &[&str] = &["stage", "section", "part", "phase"];

/// Words an object may hold besides the heading's own words: "the wait for the overnight sync"
/// still names "Wait for the sync overnight".
const GLUE: &[&str] = &[
    "the", "this", "for", "of", "and", "to", "a", "an", "on", "in",
];

/// Words that end what "skip" takes as its object: "skip the wait and …", "skip it if …".
const OBJECT_ENDS: &[&str] = &["if", "and", "unless", "when", "then", "or", "but"];

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
    // The whole object, not a thing inside the section: "the build cache warmup" under
    // "Build and test" names the warmup, "the wait for the sync" names "Wait for the sync".
    let names_it = |after: &[&str]| {
        let mut object: Vec<&str> = Vec::new();
        for word in after {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
            if OBJECT_ENDS.contains(&bare) || bare.is_empty() {
                break;
            }
            object.push(bare);
            if word.ends_with([',', '.', ';', ':']) {
                break;
            }
        }
        match object.as_slice() {
            ["it"] | ["this"] => true,
            ["this", noun] if ITSELF.contains(noun) => true,
            ["the" | "this", rest @ ..] if !rest.is_empty() => rest
                .iter()
                .filter(|w| !GLUE.contains(w))
                .all(|w| heading_words.contains(w)),
            _ => false,
        }
    };
    let words: Vec<&str> = lower.split_whitespace().collect();
    // "Skip this stage if <case>".
    if words.first() == Some(&"skip") && names_it(&words[1..]) {
        let at = lower.find(" if ")?;
        let case = trimmed_case(&text[at + 4..]);
        // (No case written, "Skip this section if ." : nothing to title the steps with.)
        return (!case.is_empty()).then_some(Skip {
            case,
            instead: None,
        });
    }
    // "If <case>, [you can] skip <it>".
    let rest = lower.strip_prefix("if ")?;
    for (comma, _) in rest.match_indices(", ") {
        let after: Vec<&str> = rest[comma + 2..].split_whitespace().collect();
        let lead = after.iter().take_while(|w| MAY.contains(w)).count();
        if after.get(lead) == Some(&"skip")
            && names_it(&after[lead + 1..])
            && !text[3..3 + comma].trim().is_empty()
        {
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

/// The section's lead prose: its source lines after the heading and before its first block
/// or item (or the next heading when it has none). Only that prose speaks of the section as a
/// whole; a sentence further down is about the step it stands by.
fn lead_prose<'a>(src: &'a str, lines: &LineIndex, phases: &[Phase], at: usize) -> &'a str {
    let phase = &phases[at];
    let next_heading = phases.get(at + 1).map(|p| p.line).unwrap_or(usize::MAX);
    let end_line = phase
        .steps
        .iter()
        .map(|s| s.line)
        .filter(|&l| l > phase.line)
        .min()
        .unwrap_or(next_heading)
        .min(next_heading);
    let start = lines.line_start(phase.line + 1);
    let end = if end_line > lines.line_count() {
        src.len()
    } else {
        lines.line_start(end_line)
    };
    if phase.line + 1 > lines.line_count() || start > end {
        return "";
    }
    src.get(start..end).unwrap_or("")
}

/// Marks the steps of each section whose lead prose says when to skip it: optional, titled by
/// the cases that skip them. The cases of a section hold in its subsections too.
pub fn skipped_sections(phases: &mut [Phase], src: &str, lines: &LineIndex) {
    // (level, "Unless …") of the open sections that said when to skip them.
    let mut open: Vec<(u8, String)> = Vec::new();
    for at in 0..phases.len() {
        let lead = lead_prose(src, lines, phases, at);
        let phase = &mut phases[at];
        open.retain(|(level, _)| *level < phase.level);
        let skips: Vec<Skip> = lead
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
            skip_case("If you use S3, skip this section.", "Copy the files").map(|s| s.case),
            Some("you use S3".into())
        );
        // A thing inside the section, or the step the sentence stands by: not the section.
        assert_eq!(
            skip_case(
                "If it is a hotfix, skip the cache warmup.",
                "Build the cache"
            ),
            None
        );
        assert_eq!(
            skip_case("Skip this step if you have Docker.", "Install"),
            None
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
