//! Step titles from what the author wrote: the sentence leading into a block, a numbered
//! heading without its number, a leading comment, else the block's first line.

use std::borrow::Cow;

use crate::runbook::command::CodeLang;
use crate::runbook::prose::is_time_marker;

/// `3. Tag`, `2.1. Build`, `Step 4: Restore`, `**5.** Verify`: a heading that numbers a step.
pub(crate) fn is_numbered_heading(title: &str) -> bool {
    let t = title.trim_start_matches('*').trim_start();
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("step ") {
        return rest.starts_with(|c: char| c.is_ascii_digit());
    }
    let digits = t
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    digits > 0 && t.as_bytes()[0].is_ascii_digit() && t[digits..].starts_with([' ', ')', '*'])
        || t.split_whitespace().next().is_some_and(is_time_marker)
}

/// A heading without its numbering: `3. Tag the release` → `Tag the release`.
pub(crate) fn strip_numbering(title: &str) -> &str {
    let t = title.trim_start_matches('*').trim_start();
    let rest = t.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let rest = rest.trim_start_matches(['*', ')', ':']).trim_start();
    if rest.len() < t.len() && !rest.is_empty() {
        rest
    } else {
        title
    }
}

/// The text of a comment on a block's first line (`# Watch errors`, `-- Backfill`).
pub(crate) fn leading_comment(code: &str, lang: CodeLang) -> Option<&str> {
    let first = code
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("#!"))?;
    let text = if lang.is_shell() {
        first.strip_prefix('#')?
    } else {
        first.strip_prefix("--")?
    };
    let text = text.trim_start_matches(['#', '-', ' ']).trim();
    (!text.is_empty()).then_some(text)
}

/// A title from the block's first line: a leading comment (`# …`, `-- …`) or the command itself.
pub(crate) fn code_title(code: &str, lang: CodeLang) -> String {
    let first = code.lines().map(str::trim).find(|l| {
        // (Not the activation or the folder entered before the author's first command.)
        let added = crate::runbook::environment::is_activation_run(l)
            || l.starts_with("cd ") && l.ends_with(" || exit");
        !(l.is_empty() || l.starts_with("#!") || added)
    });
    let Some(first) = first else {
        return lang.name().to_string();
    };
    let comment = if lang.is_shell() {
        first.strip_prefix('#')
    } else {
        first.strip_prefix("--")
    };
    let text = comment.map_or(first, |c| c.trim_start_matches(['#', '-', ' ']));
    let text = text.trim_end_matches('\\').trim_end();
    if text.is_empty() {
        lang.name().to_string()
    } else {
        short_title(text).into_owned()
    }
}

/// A checklist title: the text without a trailing colon. Never cut here: the screen cuts to its
/// width, and `plan --format json` keeps the whole title.
pub(crate) fn short_title(text: &str) -> Cow<'_, str> {
    let short = text.trim().trim_end_matches(':').trim_end();
    if short.contains("]({{") {
        return Cow::Owned(shortcode_links_as_text(short));
    }
    Cow::Borrowed(short)
}

/// "[Production Guide]({{< relref "install" >}})": a link to a site generator's shortcode,
/// which Markdown leaves as text (its target has blanks), shows as its text.
fn shortcode_links_as_text(text: &str) -> String {
    links_as_text(text, "]({{", "}})")
}

/// Markdown links in raw text (a section's description) as their text: "Follow the [owner
/// roles guide](/guides/owner-roles.html)" reads "Follow the owner roles guide".
pub(crate) fn markdown_links_as_text(text: &str) -> String {
    links_as_text(text, "](", ")")
}

/// `[text]` + `open` … `close` → `text`, for each such link in `text`.
fn links_as_text(text: &str, open_target: &str, close_target: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(open_target) {
        let Some(open) = rest[..at].rfind('[') else {
            break;
        };
        let Some(close) = rest[at..]
            .find(close_target)
            .map(|c| at + c + close_target.len())
        else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..at]);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// An item's text without a closing "For example:" that only leads into its block ("Then
/// upgrade the submodules and commit. For example:"): the label says nothing of the step.
pub(crate) fn without_closing_label(text: &str) -> &str {
    let t = text.trim_end();
    let Some(cut) = t.trim_end_matches(':').rfind(". ") else {
        return text;
    };
    if is_bare_label(&t[cut + 2..]) {
        &t[..cut + 1]
    } else {
        text
    }
}

/// The sentence of a paragraph that says what the block under it does: the last one when it
/// leads into the block ("…, then run the upgrade script:"), else the first. A closing "For
/// example:" leads into the block but says nothing about it: the sentence before does.
pub(crate) fn sentence_for_title(text: &str) -> &str {
    let mut sentences = sentences(text.trim());
    // "It's time to perform the migration. To do so, stop the services and the servers.": the
    // sentence that says how, as an instruction, is what the block does.
    if let Some(how) = sentences.iter().skip(1).find_map(|s| {
        let lower = s.to_ascii_lowercase();
        ["to do so, ", "to do this, ", "to do that, "]
            .iter()
            .find_map(|p| lower.starts_with(p).then(|| s.get(p.len()..)).flatten())
            .filter(|rest| crate::runbook::prose::is_instruction(rest) && !says_only_how(rest))
    }) {
        return how;
    }
    // "For example:", and "The command:" too short to say anything of its own.
    let says_nothing =
        |l: &str| is_bare_label(l) || l.ends_with(':') && l.split_whitespace().count() <= 2;
    // "Publish the crate. To do so, run the following:": the instruction titles the block.
    let how_after_what = sentences.len() > 1
        && sentences.last().is_some_and(|l| says_only_how(l))
        && sentences
            .get(sentences.len() - 2)
            .is_some_and(|w| crate::runbook::prose::is_instruction(w));
    if sentences.len() > 1 && (sentences.last().is_some_and(|l| says_nothing(l)) || how_after_what)
    {
        sentences.pop();
        if let Some(before) = sentences.last() {
            return before;
        }
    }
    match sentences.last() {
        Some(last) if sentences.len() > 1 && last.trim_end().ends_with(':') => last,
        // "In the example output, the node reports 7.10.2. You can confirm the version by
        // calling `/_nodes`, as in the following command. See Nodes API.": the sentence that
        // points at the block, when the first only states.
        _ => match sentences.first() {
            // "DON'T CLOSE the prompt. Wait for it. Open another shell to restart the daemon.":
            // a warning first; the instruction nearest the block says what it does.
            Some(first) if forbids(first) => sentences
                .iter()
                .rev()
                .find(|s| !forbids(s) && crate::runbook::prose::is_instruction(s))
                .unwrap_or(first),
            Some(first) if !crate::runbook::prose::is_instruction(first) => sentences
                .iter()
                .skip(1)
                .find(|s| points_at_a_command(s))
                .or_else(|| {
                    // "This will update it for the release branch only. You will also need to
                    // pull this change into main …": what the block before did, then what
                    // this one does.
                    sentences
                        .iter()
                        .skip(1)
                        .find(|s| asks_the_reader(s))
                        .filter(|_| says_what_happened(first))
                })
                .unwrap_or(first),
            Some(first) => first,
            None => text,
        },
    }
}

/// "You will also need to …", "You must …": a sentence that tells the reader to act.
fn asks_the_reader(sentence: &str) -> bool {
    let lower = sentence.trim_start().to_ascii_lowercase();
    ASKS.iter().any(|p| lower.starts_with(p)) && !perceives(&lower)
}

/// How a sentence tells the reader to act.
const ASKS: &[&str] = &[
    "you will also need to ",
    "you will need to ",
    "you also need to ",
    "you need to ",
    "you must ",
    "you should also ",
    "you should ",
];

/// "There is no need to repeat these steps", "Do not repeat this process if …": a sentence
/// that says not to do something, so it asks for no act.
fn negated(lower: &str) -> bool {
    let lower = lower.replace('’', "'");
    ["no need", "not ", "n't ", "never "]
        .iter()
        .any(|n| lower.starts_with(n) || lower.contains(&format!(" {n}")))
}

/// "You should see …", "you should now be able to …": what the reader will find, no act.
/// Nor a warning or a reassurance ("You must not delete …", "You should never need to …",
/// "You should already have access …", "You should expect a short blip …").
fn perceives(lower: &str) -> bool {
    [
        "see", "get", "be", "notice", "receive", "now", "have", "find", "not", "never", "already",
        "expect",
    ]
    .iter()
    .any(|v| ASKS.iter().any(|p| lower.contains(&format!("{p}{v} "))))
}

/// "From here on just repeat this process, continuously testing until …": the part of a
/// sentence of `text` that says to do the steps before again, from "repeat" on.
pub(crate) fn repeat_of_the_process(text: &str) -> Option<&str> {
    /// What the steps before are called when the prose says to do them again.
    const AGAIN: &[&str] = &[
        "repeat this process",
        "repeat the process",
        "repeat these steps",
        "repeat the steps above",
        "repeat the above steps",
        // "you can repeat the same steps as installing the agent": another section's steps.
        "repeat the same steps",
    ];
    sentences(text.trim()).into_iter().find_map(|s| {
        let lower = s.to_ascii_lowercase();
        if negated(&lower) {
            return None;
        }
        AGAIN
            .iter()
            .find_map(|a| lower.find(a))
            .map(|at| s[at..].trim_end_matches('.'))
    })
}

/// Whether a sentence of `text` tells the reader to act in so many words ("Once you have a
/// key you need to add it to the KEYS file").
pub(crate) fn tells_the_reader(text: &str) -> bool {
    sentences(text.trim()).iter().any(|s| {
        let lower = s.to_ascii_lowercase();
        ASKS.iter()
            .any(|p| lower.starts_with(p) || lower.contains(&format!(" {p}")))
            && !perceives(&lower)
    })
}

/// The first sentence of `text` that tells the reader to act, after a leading clause too
/// ("Once you have a signing key you need to add it to the KEYS file"), or that is an
/// instruction after a first sentence that is none ("It is now worth … . Send a request out
/// to #dev for review."). `None` when `text` says nothing of the kind.
pub(crate) fn asked_of_the_reader(text: &str) -> Option<&str> {
    all_asked_of_the_reader(text).into_iter().next()
}

/// Every sentence of `text` that [`asked_of_the_reader`] would take, in order: a known
/// issue's prose with no steps of its own says each thing to do in turn ("you should
/// increase the volume … After that, you should also update the cluster …").
pub(crate) fn all_asked_of_the_reader(text: &str) -> Vec<&str> {
    let all = sentences(text.trim());
    all.iter()
        .enumerate()
        .filter_map(|(k, s)| {
            let lower = s.to_ascii_lowercase();
            let asks = ASKS.iter().any(|p| {
                lower.starts_with(p)
                    || lower.contains(&format!(" {p}"))
                    || lower.contains(&format!(", {p}"))
            }) && !perceives(&lower);
            // (Not a remark: "Please note that …", "See …".)
            let plain = lower.strip_prefix("please ").unwrap_or(&lower);
            let told = k > 0
            && crate::runbook::prose::is_instruction(s)
            // ("Please look at the … section": a reference too.)
            && !["see ", "note ", "keep in mind", "remember ", "look at "]
                .iter()
                .any(|r| plain.starts_with(r));
            (asks || told).then_some(*s)
        })
        .collect()
}

/// The act a workaround names ("You can work around this issue by setting `X` in the operator
/// configuration." → "Set `X` in the operator configuration"): a known issue's one remedy,
/// said as a possibility, is still what the captain does for it.
pub(crate) fn workaround(text: &str) -> Option<String> {
    sentences(text.trim()).into_iter().find_map(|s| {
        let lower = s.to_ascii_lowercase();
        let rest = ["work around this", "workaround for this", "work around it"]
            .iter()
            .find_map(|p| lower.find(p).map(|at| at + p.len()))?;
        let by = lower.get(rest..)?.find(" by ")? + rest + " by ".len();
        let act = s.get(by..)?.trim_end_matches('.');
        let (first, after) = act.split_once(' ')?;
        let verb = crate::runbook::prose::imperative_of(first)?;
        Some(format!(
            "{} {after}",
            crate::runbook::markdown::capitalized(verb)
        ))
    })
}

/// The act a sentence asks for, from after "you should (also)" on ("If the disk is full,
/// you should grow the volume" → "grow the volume"); the sentence itself otherwise, less a
/// leading "Please".
pub(crate) fn the_act_asked(sentence: &str) -> &str {
    let lower = sentence.to_ascii_lowercase();
    ASKS.iter()
        .filter_map(|p| lower.find(p).map(|at| (at, p.len())))
        // ("you should also " over "you should " where both start.)
        .min_by_key(|&(at, len)| (at, usize::MAX - len))
        .and_then(|(at, len)| sentence.get(at + len..))
        .or_else(|| {
            lower
                .starts_with("please ")
                .then(|| sentence.get("please ".len()..))
                .flatten()
        })
        .unwrap_or(sentence)
}

/// "This will update …", "This updates …", "That created …": a sentence about what the block
/// before did.
fn says_what_happened(sentence: &str) -> bool {
    let lower = sentence.trim_start().to_ascii_lowercase();
    [
        "this will ",
        "that will ",
        "this updates ",
        "this changes ",
        "this creates ",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// "Don't close the prompt", "Never run this twice": a warning, not what a block does.
fn forbids(sentence: &str) -> bool {
    let lower = sentence.trim_start().to_ascii_lowercase().replace('’', "'");
    ["don't ", "do not ", "never "]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// "On your old machine, as the root user, run:", "To do so, run the following:", "Use this
/// command:": a sentence that says only where or how to run the block below, not what it does.
pub(crate) fn says_only_how(sentence: &str) -> bool {
    let lower = sentence.to_ascii_lowercase();
    let how = lower.trim_end_matches([':', ' ', '.']);
    let last = how
        .rsplit(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    // "… by running the following command" after "determine the latest release" says what
    // too: only a sentence that starts with how and ends pointing at the block.
    let starts_with_how = [
        "to do so",
        "to do this",
        "for this",
        "use ",
        "using ",
        "run ",
        // "Next, check that the port is open. You can do this by running:"
        "you can do this",
        "you can do so",
    ]
    .iter()
    .any(|p| how.starts_with(p));
    let points_below = [
        "the following",
        "following command",
        "following commands",
        "this command",
        "these commands",
        "the command below",
        "the commands below",
    ]
    .iter()
    .any(|e| how.ends_with(e));
    ["run", "execute", "type", "enter"].contains(&last)
        || starts_with_how && (points_below || ["running", "executing"].contains(&last))
}

/// "… as in the following command", "run the command below": a sentence about the block.
fn points_at_a_command(sentence: &str) -> bool {
    let lower = sentence.to_ascii_lowercase();
    [
        "following command",
        "command below",
        "commands below",
        "with this command",
        "as follows",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

/// A list item's title: the paragraph when it is short, else its first sentence, the
/// instruction ("Stop the node you are upgrading."), or what comes before a `<br>`; the
/// sentences after it (caveats, background, "The following command …") go in the detail.
pub(crate) fn item_title(text: &str) -> (&str, Option<&str>) {
    /// Longer than this, a title no longer fits beside the checklist's marks.
    const LONG: usize = 100;
    let text = text.trim();
    // An explicit line break ends the title: what follows is a note or a link.
    if let Some((first, rest)) = text.split_once("<br>")
        && !first.trim().is_empty()
    {
        let rest = rest.trim();
        return (first.trim(), (!rest.is_empty()).then_some(rest));
    }
    let all = sentences(text);
    match all.first() {
        Some(first) if text.len() > LONG && all.len() > 1 => {
            // "If there are deprecations, add them. Otherwise, remove the section.": the case
            // and its other case are one instruction.
            let title = match all.get(1) {
                Some(second) if second.trim_start().starts_with("Otherwise,") => second,
                _ => first,
            };
            let end = title.as_ptr() as usize - text.as_ptr() as usize + title.len();
            let first = &text[..end];
            let rest = text[end..].trim_start_matches(['.', '!', '?']).trim();
            (first, (!rest.is_empty()).then_some(rest))
        }
        // "Publish to Homebrew by bumping the version.<br>**Notes**:" read as text: the label
        // of the notes below is no part of the instruction.
        _ => match text
            .strip_suffix(" Notes")
            .or_else(|| text.strip_suffix(" Note"))
            .filter(|t| t.ends_with('.'))
        {
            Some(title) => (title, None),
            None => (text, None),
        },
    }
}

/// "Please be aware that …", "Note: …", "Remember to …": a caveat about the block, which
/// titles it only when nothing else leads into it.
pub(crate) fn is_caveat(text: &str) -> bool {
    // "Remember to flush the cache afterwards:" leads into its block.
    if text.trim_end().ends_with(':') {
        return false;
    }
    let lower = text
        .trim_start()
        .trim_start_matches(['*', '_', '>', ' '])
        .to_ascii_lowercase();
    [
        "please be aware",
        "be aware",
        "please note",
        "note:",
        "note that",
        "note,",
        "remember",
        "warning",
        "caution",
        "important:",
        "beware",
    ]
    .iter()
    .any(|c| lower.starts_with(c))
        // "The command below will also create a snapshot …": an addition to what an earlier
        // paragraph said the block does.
        || lower.split_whitespace().take(6).any(|w| w == "also")
}

/// "The command below will delete a database instance, …": a paragraph that says what the
/// block under it does, and so titles it, though it is no instruction.
pub(crate) fn describes_the_block_below(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    [
        "the command below",
        "the commands below",
        "the following command",
        "the following commands",
        "the script below",
        "the query below",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// A paragraph cut into sentences at `. `, `! `, `? `, not after "e.g.", "i.e.", "etc." or a
/// short word, nor inside parentheses.
pub(crate) fn sentences(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut depth) = (0, 0i32);
    for (i, c) in t.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '.' | '!' | '?' if depth <= 0 && t[i + 1..].starts_with(' ') => {
                let piece = &t[start..i];
                let last = piece
                    .split_whitespace()
                    .next_back()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let abbreviation =
                    ["e.g", "i.e", "etc", "vs", "cf", "eg", "ie"].contains(&last.as_str());
                // (`take`: "x. x. x. …" must not count the growing piece again each time.)
                if !abbreviation && piece.split_whitespace().take(3).count() >= 3 {
                    out.push(piece.trim());
                    start = i + 2;
                }
            }
            _ => {}
        }
    }
    if start < t.len() {
        out.push(t[start..].trim());
    }
    out
}

/// A heading's or item's words, lowercased, without numbering and punctuation: `### 2.1.
/// Create a test issue` and `1. Create a test issue` give the same.
pub(crate) fn heading_words(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether an overview item and a later heading name one task: they start with the same verb,
/// and "Create a new user (in Production)" and "Create new user for Postgres database" share
/// three words; "Delete the old users" and "Deleting the old user" share all the heading's
/// words, read without endings.
pub(crate) fn names_the_same_task(item: &str, heading: &str) -> bool {
    let heading = task_words(heading);
    if heading.len() < 2 {
        return false;
    }
    let item = task_words(item);
    // The same task starts with the same verb: "The load balancer rejects the certificate" is
    // no spelling-out of "Renew the certificate on the load balancer".
    if heading.first() != item.first() {
        return false;
    }
    let shared = heading.iter().filter(|w| item.contains(w)).count();
    shared == heading.len() || shared >= 3
}

/// The words that say what a task is, without their endings ("deleting" → "delet").
fn task_words(text: &str) -> Vec<String> {
    const FILLER: &[&str] = &[
        "a", "an", "the", "to", "of", "in", "on", "for", "and", "or", "with", "into", "from", "by",
        "at", "is", "are", "be", "your", "you", "it", "this", "that", "all", "each", "any", "if",
        "as", "up", "step", "steps",
    ];
    let mut words: Vec<String> = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        let w = w.to_lowercase();
        if w.is_empty() || FILLER.contains(&w.as_str()) || w.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let stem = ["ing", "ed", "es", "s", "e"]
            .iter()
            .find_map(|end| w.strip_suffix(end).filter(|s| s.len() >= 3))
            .unwrap_or(&w)
            .to_string();
        if !words.contains(&stem) {
            words.push(stem);
        }
    }
    words
}

/// "Example", "Example:", "Example of output": a label, not a title.
pub(crate) fn is_bare_label(text: &str) -> bool {
    let t = text.trim().trim_end_matches(':').to_ascii_lowercase();
    t == "example"
        || t == "examples"
        || t.starts_with("example of")
        || t == "for example"
        || t == "for instance"
        || t == "e.g."
        || t == "like this"
        || t == "like so"
}

pub(crate) fn with_context(context: &[String], title: String) -> String {
    if context.is_empty() {
        title
    } else {
        format!("{} › {title}", context.join(" › "))
    }
}
/// A short blockquote that labels the block after it (`> **(One-time) Login:**`), as plain
/// text without its markup; `None` for a quote that says more than a label.
pub(crate) fn quote_label(raw: &str) -> Option<String> {
    let lines: Vec<&str> = raw.lines().filter(|l| !l.trim().is_empty()).collect();
    let [line] = lines.as_slice() else {
        return None;
    };
    let md = line.trim_start().strip_prefix('>')?.trim();
    // `[text](url)` → `text`; emphasis and code marks go.
    let mut text = String::with_capacity(md.len());
    let mut rest = md;
    while let Some(open) = rest.find('[') {
        text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.split_once("](") {
            Some((label, tail)) if !label.contains('[') => {
                text.push_str(label);
                rest = tail.split_once(')').map_or("", |(_, t)| t);
            }
            _ => {
                text.push('[');
                rest = after;
            }
        }
    }
    text.push_str(rest);
    let text = text.replace(['*', '`'], "").replace("__", "");
    let text = text.trim().trim_end_matches(':').trim();
    let words = text.split_whitespace().count();
    ((1..=12).contains(&words) && md.trim_end_matches(['*', '_']).ends_with(':'))
        .then(|| text.to_string())
}

/// The language a step's code is titled in.
fn title_lang(step: &crate::runbook::model::Step) -> CodeLang {
    if step.kind == crate::runbook::model::StepKind::Sql {
        CodeLang::Sql
    } else {
        CodeLang::Shell
    }
}

/// For each step in order, its code when the step is titled by that code's first line: the
/// later rewrites of the code (values made inputs, a lost program) must retitle it.
pub(crate) fn titled_by_code(phases: &[crate::runbook::model::Phase]) -> Vec<Option<String>> {
    phases
        .iter()
        .flat_map(|p| &p.steps)
        .map(|s| {
            s.code
                .as_deref()
                .filter(|c| !s.title.is_empty() && s.title == code_title(c, title_lang(s)))
                .map(str::to_string)
        })
        .collect()
}

/// Titles again by their final code the steps `titled_by_code` found titled by their code,
/// when the code changed since. Steps added or removed in between leave the titles alone.
pub(crate) fn retitle_by_code(
    phases: &mut [crate::runbook::model::Phase],
    before: &[Option<String>],
) {
    let count: usize = phases.iter().map(|p| p.steps.len()).sum();
    if count != before.len() {
        return;
    }
    let steps = phases.iter_mut().flat_map(|p| p.steps.iter_mut());
    for (step, old) in steps.zip(before) {
        let Some(old) = old else { continue };
        let lang = title_lang(step);
        let Some(code) = step.code.as_deref().filter(|c| *c != old) else {
            continue;
        };
        if step.title == code_title(old, lang) {
            step.title = code_title(code, lang);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shortcode_link_shows_its_text() {
        assert_eq!(
            shortcode_links_as_text("Follow the [Setup Guide]({{< relref \"setup\" >}}) first"),
            "Follow the Setup Guide first"
        );
        assert_eq!(shortcode_links_as_text("[a]({{ x"), "[a]({{ x");
    }

    #[test]
    fn an_overview_item_and_the_heading_that_spells_it_out() {
        assert!(names_the_same_task(
            "Create a new user (in Production)",
            "Create new user for Postgres database"
        ));
        assert!(names_the_same_task(
            "Delete the old users in each environment",
            "Deleting the old user"
        ));
        // Words in common, but not the same task.
        assert!(!names_the_same_task(
            "Renew the certificate on the load balancer",
            "The load balancer rejects the new certificate"
        ));
    }
}
