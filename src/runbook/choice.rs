//! Alternatives and optional steps as runbooks write them: "Option A" / "Option B" headings,
//! headings that differ by a variant of one kind (MySQL / Postgres), "**OR**" and
//! "Automated:" / "Manual:" items, and steps the text calls optional or conditional.

/// The label of an item that names one way of doing its parent ("Automated: `make x`",
/// "Manual: see …"): consecutive items so labelled are alternatives.
pub(crate) fn way_label(text: &str) -> Option<&'static str> {
    let (label, _) = text.split_once(':')?;
    let label = label.trim().to_ascii_lowercase();
    [
        "automated",
        "automatic",
        "automatically",
        "manual",
        "manually",
        "by hand",
        "cli",
        "ui",
        "web",
        "web ui",
        "gui",
        "console",
        "script",
        "scripted",
    ]
    .into_iter()
    .find(|l| *l == label)
}

/// Whether two sibling headings name alternatives: both an "Option …" / "Method …" /
/// per-OS heading, or one title with different trailing parentheses.
pub(crate) fn are_alternatives(a: &str, b: &str) -> bool {
    // "1. Manual Updates - Used for …" / "2. Rolling updates - Used for …": the names, without
    // their numbers and what each is used for.
    let name = |t: &str| -> String {
        let t = crate::runbook::title::strip_numbering(t);
        [" - ", " – ", " — ", ": "]
            .iter()
            .fold(t, |t, sep| t.split(sep).next().unwrap_or(t))
            .to_string()
    };
    if names_an_option(a) && names_an_option(b)
        || differ_by_variant(a, b)
        || differ_by_variant(&name(a), &name(b))
    {
        return true;
    }
    let stem = |t: &str| {
        let t = t.trim();
        t.strip_suffix(')')
            .and_then(|s| s.rfind(" (").map(|i| t[..i].trim().to_string()))
    };
    matches!((stem(a), stem(b)), (Some(x), Some(y)) if !x.is_empty() && x == y && a != b)
}

/// Words that name a variant of the same procedure, by kind: a platform, a cloud, a database
/// engine, a kind of release, a way to install, a way to do it. Two titles are alternatives
/// only when they differ by variants of one kind ("MySQL" / "Postgres", not "Manual" / "Patch").
pub(crate) const VARIANTS: &[&[&str]] = &[
    &[
        "linux", "macos", "mac", "osx", "darwin", "windows", "ubuntu", "debian", "centos", "rhel",
        "fedora", "alpine",
    ],
    &[
        "aws",
        "gcp",
        "google",
        "cloud",
        "azure",
        "digitalocean",
        "digital",
        "ocean",
    ],
    &["mysql", "postgres", "postgresql", "mariadb", "sqlite"],
    &["major", "minor", "patch"],
    &["helm", "manifest", "manifests", "docker", "podman"],
    &["manual", "manually", "automated", "automatic", "rolling"],
];

/// `Managing credentials for MySQL instances` / `… for Postgres instances`, `Major/Minor
/// releases` / `Patch releases`: titles that differ only in variant words of one kind.
pub(crate) fn differ_by_variant(a: &str, b: &str) -> bool {
    let words = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let (a, b) = (words(a), words(b));
    let front = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let back = a[front..]
        .iter()
        .rev()
        .zip(b[front..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (da, db) = (&a[front..a.len() - back], &b[front..b.len() - back]);
    let kind = |d: &[String]| -> Option<usize> {
        let head = d.first()?.as_str();
        let first = VARIANTS.iter().position(|k| k.contains(&head))?;
        d.iter()
            .all(|w| VARIANTS[first].contains(&w.as_str()))
            .then_some(first)
    };
    let same_kind = matches!((kind(da), kind(db)), (Some(x), Some(y)) if x == y);
    // With no words in common, both must be short names of a variant ("Azure", "Digital Ocean").
    same_kind && (front + back > 0 || da.len() <= 3 && db.len() <= 3)
}

/// `Option A: Download`, `Method 2 – Portainer`, `Alternative: …`, `Linux`, `On macOS`.
pub(crate) fn names_an_option(title: &str) -> bool {
    let lower = title.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let words = match words.first() {
        Some(&("on" | "for" | "using" | "with")) => &words[1..],
        _ => &words[..],
    };
    match words {
        [first, ..]
            if ["option", "method", "alternative", "approach", "variant"].contains(first) =>
        {
            true
        }
        [os, rest @ ..] if rest.len() <= 2 => [
            "linux", "macos", "mac", "osx", "darwin", "windows", "ubuntu", "debian", "centos",
            "rhel", "fedora", "alpine",
        ]
        .contains(os),
        _ => false,
    }
}

/// A paragraph that offers what follows as an alternative: "**OR**", "Or:", "Alternatively,
/// you can …".
pub(crate) fn offers_an_alternative(text: &str) -> bool {
    let t = text
        .trim()
        .trim_matches(|c: char| c == '*' || c == '_' || c.is_whitespace())
        .to_ascii_lowercase();
    t == "or" || t == "or:" || t.starts_with("or, ") || t.starts_with("alternatively")
}

/// "(optional) …", "[Optional] …", "Optionally, …", "Optional: …", "… (optional)": a step the
/// runbook leaves to the captain.
pub(crate) fn says_optional(title: &str) -> bool {
    // "2.7. If necessary, fix issues": the condition follows the number.
    let t = crate::runbook::title::strip_numbering(title)
        .trim()
        .trim_start_matches(['*', '_'])
        .to_ascii_lowercase();
    // "Based on the above results, if …": the condition after a short leading phrase.
    let t = match t.split_once(", ") {
        Some((head, rest))
            if rest.starts_with("if ")
                && [
                    "based on",
                    "depending on",
                    "according to",
                    "in that case",
                    "at this point",
                ]
                .iter()
                .any(|l| head.starts_with(l))
                && head.split_whitespace().count() <= 5 =>
        {
            rest.to_string()
        }
        _ => t,
    };
    // "If that looks good, …", "If the step above succeeded, …": a gate on the step before,
    // which the captain checks; the step itself is still to do.
    let gate = [
        "if that",
        "if this",
        "if the step",
        "if everything",
        "if all",
        "if successful",
        "if so",
        "if the above",
        "if the previous",
        "if no ",
    ]
    .iter()
    // Whole words: "if so" is not "if something goes wrong".
    .any(|g| {
        t.strip_prefix(g)
            .is_some_and(|r| !r.starts_with(|c: char| c.is_alphanumeric()))
    }) || t.starts_with("if ") && {
        // "If none, remove --check to start the upgrade", "If you're satisfied with the
        // plan, apply it", "If the tests pass, merge", "If CI is green, deploy": the
        // condition is the outcome of what came before. Only the condition is read (up to
        // its comma or "you …"), word by word: "are updating" is not "are up".
        let clause = t.split([',', ';']).next().unwrap_or(&t);
        let clause = [" you ", " then "]
            .iter()
            .fold(clause, |c, cut| c.split(cut).next().unwrap_or(c));
        let words: Vec<&str> = clause
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty())
            .collect();
        let outcome = [
            "pass",
            "passes",
            "passed",
            "succeed",
            "succeeds",
            "succeeded",
            "successful",
            "works",
            "worked",
            "green",
            "healthy",
            "complete",
            "completes",
            "completed",
            "finished",
            "finishes",
            "approved",
            "returns",
            "ok",
            "satisfied",
        ];
        let phrases: [&[&str]; 10] = [
            &["if", "none"],
            &["is", "ready"],
            &["are", "ready"],
            &["is", "up"],
            &["are", "up"],
            &["looks", "good"],
            &["look", "good"],
            &["went", "well"],
            &["no", "errors"],
            &["happy", "with"],
        ];
        words.iter().any(|w| outcome.contains(w))
            || phrases
                .iter()
                .any(|p| words.windows(p.len()).any(|w| w == *p))
    };
    // "If a PDB is causing …", "Otherwise, if …", "In case …": a step for one case only.
    let conditional = ["if ", "otherwise, if ", "otherwise if ", "in case "]
        .iter()
        .any(|p| t.starts_with(p))
        || [
            "only to be used if",
            "if you don't",
            "if you do not",
            "if you haven't",
            "if you need to",
            "if you want to",
            "if you wish to",
        ]
        .iter()
        .any(|p| t.contains(p))
        // "Repeat in the other environments (if necessary)"; not "Notify stakeholders including
        // (if required) legal", where it qualifies one word.
        || ["(if needed)", "(if necessary)", "(if required)"]
            .iter()
            .any(|p| t.trim_end_matches(['.', ':', ' ']).ends_with(p))
        || {
            // "Repeat steps 3 and 5 if needed": a short instruction that is all conditional
            // (a trailing "if necessary" on a longer one qualifies only its last part).
            let body = t.trim_end_matches(['.', '!', ')']);
            let trailing = ["if needed", "if necessary", "if required"]
                .iter()
                .any(|c| body.ends_with(c));
            let again = ["repeat", "retry", "redo", "rerun"]
                .iter()
                .any(|v| t.starts_with(v));
            trailing && (again || body.split_whitespace().count() <= 6)
        }
        // "You'll want to re-run this if any of the files change": a repeat for a case.
        || ["re-run", "rerun", "repeat", "redo", "retry"].iter().any(|v| {
            t.split_whitespace()
                .position(|w| w == *v)
                .is_some_and(|at| t.split_whitespace().skip(at + 1).take(4).any(|w| w == "if"))
        });
    [
        "(optional)",
        "[optional]",
        "optional:",
        "optionally",
        "optional -",
        "optional –",
    ]
    .iter()
    .any(|p| t.starts_with(p))
        || t.ends_with("(optional)")
        || t.ends_with("[optional]")
        || conditional && !gate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_is_read_where_it_stands() {
        assert!(says_optional(
            "Based on the above results, if new users were created, take the following steps:"
        ));
        assert!(says_optional(
            "Repeat in the other environments (if necessary)"
        ));
        assert!(!says_optional(
            "Notify the stakeholders, including (if required) legal"
        ));
        // A condition inside the instruction qualifies a part of it.
        assert!(!says_optional(
            "Drain the node, if it is not already drained, and reboot it."
        ));
    }
}
