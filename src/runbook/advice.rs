//! The author's own voice about a step: urging it ("… a backup is a clever idea. No
//! seriously, do it now.") makes it a step even in a note; declining it ("I usually keep the
//! old data around") after the block that would do it makes that step optional.

use crate::runbook::prose::imperative_of;
use crate::runbook::title::sentences;

/// Adjectives of "X is a good idea".
const GOOD: &[&str] = &["good", "clever", "great", "smart", "wise", "sensible"];

/// Adverbs of habit between "I" and what the author does.
const HABITS: &[&str] = &[
    "usually",
    "normally",
    "generally",
    "often",
    "always",
    "typically",
    "personally",
];

/// What the author does instead of the step: keeps, skips or leaves what it would remove.
const DECLINES: &[&str] = &["keep", "skip", "leave", "don't", "never"];

/// The title of the step a paragraph urges: a sentence "do it now" / "do this first" after
/// the sentence that says what ("performing a backup of the old cluster is a clever idea" →
/// "Perform a backup of the old cluster").
pub fn urged(text: &str) -> Option<String> {
    let all = sentences(text.trim());
    let at = all.iter().position(|s| urges(s))?;
    let what = all.get(at.checked_sub(1)?)?;
    Some(recommended(what).unwrap_or_else(|| what.trim_end_matches('.').to_string()))
}

/// "No seriously, do it now before it's too late.", "Do this first!": an instruction whose
/// object is the sentence before.
fn urges(sentence: &str) -> bool {
    let lower = sentence.to_ascii_lowercase();
    lower.split(',').any(|clause| {
        let words: Vec<&str> = clause
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .collect();
        matches!(
            words.as_slice(),
            [
                "do",
                "it" | "this" | "that" | "so",
                "now" | "first" | "today",
                ..
            ]
        )
    })
}

/// "With the services stopped, performing a backup of the old cluster is a clever idea" →
/// "Perform a backup of the old cluster".
fn recommended(sentence: &str) -> Option<String> {
    let clause = sentence.rsplit(", ").next().unwrap_or(sentence);
    let words: Vec<&str> = clause.split_whitespace().collect();
    let is = words.iter().position(|w| *w == "is")?;
    let tail: Vec<String> = words[is + 1..]
        .iter()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_ascii_lowercase()
        })
        .collect();
    let good = matches!(tail.as_slice(), [a, g, idea, ..] if (a == "a" || a == "an") && GOOD.contains(&g.as_str()) && idea == "idea");
    let verb = imperative_of(words.first()?)?;
    if !good || is < 2 {
        return None;
    }
    let title = crate::runbook::markdown::capitalized(verb);
    Some(format!("{title} {}", words[1..is].join(" ")))
}

/// "… about a day in advance", "ahead of time", "the day before": an instruction for before
/// the run begins. Only in the instruction's own sentence (the first) and said of its doing,
/// not of something done earlier ("the TTL change you made in advance").
pub fn ahead_of_time(text: &str) -> bool {
    let all = sentences(text.trim());
    let Some(first) = all.first() else {
        return false;
    };
    let lower = first.to_ascii_lowercase();
    [
        "in advance",
        "ahead of time",
        "the day before",
        "a day before",
    ]
    .iter()
    .any(|p| {
        lower.match_indices(p).any(|(at, _)| {
            let before = lower[..at].split_whitespace().next_back().unwrap_or("");
            !(before.ends_with("ed") || DONE.contains(&before))
        })
    })
}

/// Past participles without "-ed" that tie "in advance" to something already done.
const DONE: &[&str] = &[
    "made", "done", "set", "sent", "given", "written", "taken", "built", "run",
];

/// "You'll need to disable branch protection to push the new branch.", said after the block
/// that pushes (`code`): a need of that block, so done before it.
pub fn needed_first(text: &str, code: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase().replace('’', "'");
    let need = [
        "you'll need to ",
        "you will need to ",
        "you need to ",
        "you'll have to ",
        "you have to ",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    // "You'll need to restart the pods to apply it": a step after the block, not a need of it.
    let needed = lower
        .split_once(" to ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or("");
    if FOLLOW_UPS.contains(&needed) {
        return false;
    }
    // The purpose: the verb after the last " to ", which the block's own command does
    // (`git push` for "to push"): its program or subcommand.
    let purpose = lower
        .rsplit_once(" to ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()));
    need && purpose.is_some_and(|verb| {
        verb.len() > 2
            && code.lines().any(|line| {
                line.split_whitespace()
                    .take(2)
                    .any(|w| w.rsplit('/').next() == Some(verb))
            })
    })
}

/// What a captain does after a block to make it take effect: never a need of that block.
const FOLLOW_UPS: &[&str] = &[
    "restart", "reload", "wait", "refresh", "rerun", "re-run", "check",
];

/// "I usually keep the old data around …", "We skip this on staging": the author declines
/// the step just before.
pub fn declines(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .take(4)
        .map(|w| w.to_ascii_lowercase().replace('’', "'"))
        .collect();
    let mut words = words.iter().map(String::as_str);
    if !matches!(words.next(), Some("i" | "we")) {
        return false;
    }
    let mut word = words.next();
    if word.is_some_and(|w| HABITS.contains(&w)) {
        word = words.next();
    }
    // "We don't recommend skipping this step": advice to do it.
    let advice = ["recommend", "suggest", "advise", "need", "want"];
    word.is_some_and(|w| DECLINES.contains(&w))
        && !(matches!(word, Some("don't" | "never"))
            && words.next().is_some_and(|w| advice.contains(&w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_urged_sentence_is_a_step() {
        assert_eq!(
            urged("**Note:** With the app stopped, taking a snapshot of the disk is a good idea. Really, do it now.").as_deref(),
            Some("Take a snapshot of the disk")
        );
        assert_eq!(urged("A snapshot is useful. It is done now."), None);
    }

    #[test]
    fn a_need_of_the_block_before_comes_first() {
        let need = "You'll need to unlock the branch to push the new tag.";
        assert!(needed_first(need, "git tag v1\ngit push origin v1\n"));
        assert!(!needed_first(need, "git tag v1\n"));
        assert!(!needed_first(
            "Unlock the branch to push the tag.",
            "git push\n"
        ));
        // A follow-up after the block, not a need of it.
        assert!(!needed_first(
            "You'll need to restart the web pods to apply the new config.",
            "kubectl apply -f deploy/\n"
        ));
    }

    #[test]
    fn ahead_of_time_is_said_of_the_instruction_itself() {
        assert!(ahead_of_time(
            "Set a short TTL a day in advance, so readers switch."
        ));
        assert!(!ahead_of_time(
            "Delete the old DNS records. Keep the TTL change you made in advance until next week."
        ));
        assert!(!ahead_of_time(
            "Notify the on-call team. They like to know about releases in advance."
        ));
        assert!(!ahead_of_time("Keep the change you prepared in advance."));
    }

    #[test]
    fn a_habit_declines() {
        assert!(declines("I usually keep the old files for a month."));
        assert!(declines("We never run this on staging."));
        assert!(!declines("I usually run it twice."));
        assert!(!declines("Keep the old files."));
        assert!(!declines(
            "We don't recommend skipping this step on production."
        ));
        assert!(!declines("We never suggest skipping it."));
    }
}
