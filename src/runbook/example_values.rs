//! Values the prose shows as examples of the reader's own, used in the code after it: "Suppose,
//! for example, that we have a core dump file:" over a block holding `/data/core.14177`, or "For
//! example, in the listing above, `deny-all` seems a likely culprit. You can drill into it:".
//! The commands after it name that value because the author picked one to show; the captain
//! has their own, so it becomes an input.

/// The example value a paragraph introduces and the name of the input it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The value as the code after it writes it (a file's name, not its folder).
    pub value: String,
    /// The input's name (`core-dump-file`); `None` while the code must name it
    /// ([`input_name_in`]).
    pub name: Option<String>,
}

/// How a sentence supposes a case the author made up to show the steps with.
const SUPPOSES: &[&str] = &[
    "suppose, for example, ",
    "suppose ",
    "for example, suppose ",
];

/// The thing "Suppose, for example, that we have a core dump file:" says it shows in the block
/// below (`block`, a single value on one line): its file name (`core.14177` of
/// `/var/lib/data/core.14177`) and the input named for the thing (`core-dump-file`).
pub fn supposed(text: &str, block: &str) -> Option<Example> {
    // (The paragraph's last sentence: "This should return nothing. Suppose, …:")
    let lower = text.trim().to_ascii_lowercase();
    let lower = lower.rsplit(". ").next().unwrap_or(&lower).trim_start();
    let rest = SUPPOSES.iter().find_map(|s| lower.strip_prefix(s))?;
    let rest = rest.strip_prefix("that ").unwrap_or(rest);
    let thing = rest.strip_suffix(':')?;
    // "we have a core dump file": the words after the article name the thing.
    let at = [" a ", " an ", " one "]
        .iter()
        .find_map(|a| thing.find(a).map(|i| i + a.len()))?;
    let words: Vec<&str> = thing[at..].split_whitespace().collect();
    let plain = |w: &&str| w.chars().all(|c| c.is_ascii_alphabetic());
    if words.is_empty() || words.len() > 4 || !words.iter().all(plain) {
        return None;
    }
    let mut lines = block.lines().map(str::trim).filter(|l| !l.is_empty());
    let line = lines.next()?;
    if lines.next().is_some() || line.contains(char::is_whitespace) {
        return None;
    }
    let value = line.rsplit('/').next().filter(|v| token(v))?;
    Some(Example {
        value: value.to_string(),
        name: Some(words.join("-")),
    })
}

/// The value "For example, in the listing above, `deny-all` seems a likely culprit." names: the
/// paragraph opens with "For example," and holds one inline code span that is one word.
pub fn named(text: &str, spans: &[std::borrow::Cow<'_, str>]) -> Option<Example> {
    let lower = text.trim_start().to_ascii_lowercase();
    if !["for example, ", "for instance, "]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return None;
    }
    // The sentence points at the reader's own case ("in the listing above, `x` seems a likely
    // culprit"), not at a fact about a program or a fixed name ("`nginx` does not pick up …",
    // "the release branch is always `main`").
    if !PICKS_A_SAMPLE.iter().any(|w| lower.contains(w)) {
        return None;
    }
    let [value] = spans else { return None };
    token(value).then(|| Example {
        value: value.to_string(),
        name: None,
    })
}

/// Words with which a "For example," sentence picks one of the reader's things out of what was
/// shown: the value stands for theirs.
const PICKS_A_SAMPLE: &[&str] = &[
    " above",
    "in the listing",
    "in the output",
    " seems ",
    " looks like ",
    " likely ",
];

/// A word that is a value: letters, digits, `-`, `_`, `.`, with a letter, three characters
/// or more, no flag.
fn token(value: &str) -> bool {
    value.len() >= 3
        && !value.starts_with(['-', '.'])
        && value.chars().any(|c| c.is_ascii_alphabetic())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The input a value in `code` is named for when the prose does not say: the plain word
/// before it (`kubectl get networkpolicies deny-all` → `networkpolicy`), in the singular.
pub fn input_name_in(code: &str, value: &str) -> Option<String> {
    for line in code.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(i) = words.iter().position(|w| *w == value) else {
            continue;
        };
        // Not the program nor its subcommand (`kubectl deny-all`, `systemctl reload nginx` say
        // nothing about what it is): a kind named after a verb (`get networkpolicies x`).
        let before = i.checked_sub(1).filter(|&b| b > 1).map(|b| words[b])?;
        if before.len() < 3 || !before.chars().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        // Only a plain plural loses its `s` (`status`, `access` keep theirs).
        let one = match before.strip_suffix("ies") {
            Some(stem) => format!("{stem}y"),
            None if ["ss", "us", "is"].iter().any(|e| before.ends_with(e)) => before.to_string(),
            None => before.strip_suffix('s').unwrap_or(before).to_string(),
        };
        return Some(one);
    }
    None
}

/// `code` with `value` replaced by `<name>` where it stands whole: as a word or as the last part
/// of a path (`pod:/data/core.14177`); `None` when it does not stand there.
pub fn replace(code: &str, value: &str, name: &str) -> Option<String> {
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut out = String::with_capacity(code.len() + name.len());
    let mut copied = 0;
    for (at, _) in code.match_indices(value) {
        let before = code[..at].chars().next_back();
        let after = code[at + value.len()..].chars().next();
        if before.is_some_and(part) || after.is_some_and(|c| part(c) || c == '/') {
            continue;
        }
        out.push_str(&code[copied..at]);
        out.push('<');
        out.push_str(name);
        out.push('>');
        copied = at + value.len();
    }
    (copied > 0).then(|| {
        out.push_str(&code[copied..]);
        out
    })
}

/// The variables the prose tells the reader to set to their own value: "ensure to export the
/// `TEST_INFRA_DIR` variable, specifying the location of …", "set `REPO_DIR` to your clone".
pub fn told_to_set(text: &str) -> Vec<String> {
    const CUES: &[&str] = &["export the ", "set the ", "export ", "set "];
    let lower = text.to_ascii_lowercase();
    let mut names = Vec::new();
    for cue in CUES {
        for (at, _) in lower.match_indices(cue) {
            let word_start = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
            let rest = &text[at + cue.len()..];
            let quoted = rest.starts_with('`');
            let rest = rest.trim_start_matches('`');
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..len];
            let after = rest[len..].trim_start_matches('`');
            // In code (`` `X` ``) or named a variable ("the X variable"): a name, not a word.
            let named = quoted || after.starts_with(" variable");
            let ident = name.len() >= 2
                && name.contains('_')
                && name.starts_with(|c: char| c.is_ascii_uppercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if word_start && named && ident && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// `code` where a statement assigns one of `names` a literal (`TEST_INFRA_DIR=../test-infra
/// make jobs`) assigning the input of that name instead: the literal is the author's own
/// path. `None` when nothing changes.
pub fn ask_told(code: &str, names: &[String]) -> Option<String> {
    let mut out = String::with_capacity(code.len() + 8);
    let mut changed = false;
    for line in code.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        let rest = &line[indent..];
        let rest_no_export = rest.strip_prefix("export ").unwrap_or(rest);
        let lead = line.len() - rest_no_export.len();
        let found = names.iter().find_map(|n| {
            let value = rest_no_export.strip_prefix(n.as_str())?.strip_prefix('=')?;
            let len = value.find(char::is_whitespace).unwrap_or(value.len());
            let literal = &value[..len];
            let plain = !literal.is_empty()
                && !literal.starts_with('<')
                && !literal.contains(['$', '`', '(', '"', '\'', ';', '|', '&']);
            plain.then_some((n, len))
        });
        match found {
            Some((name, len)) => {
                let value_at = lead + name.len() + 1;
                out.push_str(&line[..value_at]);
                out.push_str(&format!("<{name}>"));
                out.push_str(&line[value_at + len..]);
                changed = true;
            }
            None => out.push_str(line),
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supposed_file_is_named_for_its_thing() {
        let ex = supposed(
            "It should be empty. Suppose, for example, that we have a crash file:",
            "/srv/x/crash.7\n",
        );
        assert_eq!(ex.as_ref().map(|e| e.value.as_str()), Some("crash.7"));
        assert_eq!(ex.and_then(|e| e.name).as_deref(), Some("crash-file"));
        // Two lines, or a sentence that supposes nothing, show no one value.
        assert_eq!(supposed("Suppose we have a file:", "a\nb\n"), None);
        assert_eq!(supposed("We have a crash file:", "/srv/crash.7\n"), None);
    }

    #[test]
    fn a_variable_the_prose_says_to_set_is_asked() {
        let names = told_to_set("First export the `REPO_DIR` variable, the clone's path.");
        assert_eq!(names, ["REPO_DIR"]);
        assert_eq!(
            ask_told("  REPO_DIR=../repo make jobs\n", &names).as_deref(),
            Some("  REPO_DIR=<REPO_DIR> make jobs\n")
        );
        assert_eq!(ask_told("REPO_DIR=$(pwd) make\n", &names), None);
    }

    #[test]
    fn a_named_example_is_replaced_where_it_stands_whole() {
        let spans = [std::borrow::Cow::Borrowed("deny-all")];
        let ex = named(
            "For example, in the listing above, `deny-all` looks wrong.",
            &spans,
        );
        // A fact about a program is no sample of the reader's.
        let fact = named("For example, `deny-all` is always loaded first.", &spans);
        assert_eq!(fact, None);
        assert_eq!(ex.map(|e| e.value).as_deref(), Some("deny-all"));
        assert_eq!(named("Here `deny-all` looks wrong.", &spans), None);
        let code = "kubectl get policies deny-all -o yaml\n";
        assert_eq!(input_name_in(code, "deny-all").as_deref(), Some("policy"));
        assert_eq!(
            replace("cp p:/d/core.1 core.1 core.10\n", "core.1", "f").as_deref(),
            Some("cp p:/d/<f> <f> core.10\n")
        );
    }
}
