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

/// A section labelled by an option's name, "2. Major/Minor releases: Change the version" after
/// the "Major/Minor Releases" / "Patch releases" choice: it belongs to that option, so the
/// other path skips it. This gives the label's words, to look up among the options'
/// headings (compared by [`crate::runbook::title::heading_words`]).
pub(crate) fn option_label(title: &str) -> Option<String> {
    let title = crate::runbook::title::strip_numbering(title);
    let (label, rest) = title.split_once(':')?;
    let label = crate::runbook::title::heading_words(label);
    (!label.is_empty() && !rest.trim().is_empty()).then_some(label)
}

/// An option whose text only sends the reader elsewhere: "Manual: See …", "Follow …",
/// "Refer to …" (after its way label).
pub(crate) fn points_elsewhere(title: &str) -> bool {
    let t = title.trim();
    let t = match way_label(t) {
        Some(_) => t.split_once(':').map_or(t, |(_, rest)| rest),
        None => t,
    };
    let lower = t.trim_start().to_ascii_lowercase();
    ["see ", "refer to ", "follow ", "as described in "]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// The anchor a heading gets on GitHub: lower case, punctuation and emoji dropped, each
/// space a hyphen, nothing trimmed ("Manual release pull request" → `manual-release-pull-request`,
/// "📦 Publish by hand" → `-publish-by-hand`).
pub(crate) fn anchor_slug(title: &str) -> String {
    title
        .trim()
        .chars()
        .filter(|&c| c == ' ' || c == '-' || c == '_' || c.is_alphanumeric())
        .flat_map(|c| match c {
            ' ' => '-'.to_lowercase(),
            c => c.to_lowercase(),
        })
        .collect()
}

/// The anchors of the links in a piece of Markdown (`[x](#manual-release)`,
/// `[x](https://…/RELEASE.md#manual-release)`), lower-cased.
pub(crate) fn linked_anchors(text: &str) -> Vec<String> {
    text.match_indices("](")
        .filter_map(|(i, _)| {
            let target = text[i + 2..].split([')', ' ']).next()?;
            let (_, anchor) = target.split_once('#')?;
            (!anchor.is_empty()).then(|| anchor.to_ascii_lowercase())
        })
        .collect()
}

/// Two one-line commands that are one command with the value of one option changed, past
/// its program and subcommand (`kubectl wait --for=condition=Ready …` / `… --for=condition=Backup
/// …`): the two values. Commands that differ by a plain word (`systemctl stop api` / `start
/// api`, `drain node-1` / `node-2`) are steps one after the other, never cases.
pub(crate) fn option_values_apart<'a>(a: &'a str, b: &'a str) -> Option<(&'a str, &'a str)> {
    let (a, b) = (a.trim(), b.trim());
    if a.lines().count() != 1 || b.lines().count() != 1 {
        return None;
    }
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    let apart: Vec<usize> = (0..a.len().min(b.len()))
        .filter(|&i| a[i] != b[i])
        .collect();
    let [i] = apart[..] else { return None };
    let ((ka, va), (kb, vb)) = (a[i].split_once('=')?, b[i].split_once('=')?);
    (a.len() == b.len() && i >= 2 && !ka.is_empty() && ka == kb).then_some((va, vb))
}

/// Whether a case's label names the value it sets, case aside ("Backup" in
/// `condition=LastBackupSucceeded`): the label picks that value, it is no step of a sequence.
pub(crate) fn label_names_value(label: &str, value: &str) -> bool {
    let head = label.split('(').next().unwrap_or(label).trim();
    let head: String = head
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    !head.is_empty() && value.to_ascii_lowercase().contains(&head)
}

/// Words by which a heading or lead-in offers the reader one of several cases ("How to wait
/// for a particular condition", "Depending on the release, run one of:").
const CHOICE_CUES: &[&str] = &[
    "a particular",
    "a specific",
    "one of",
    "depending on",
    "either",
    "which",
];

/// Whether a heading or lead-in offers a choice among cases (see [`CHOICE_CUES`]).
pub(crate) fn offers_a_choice(text: &str) -> bool {
    let lower = format!(" {} ", text.to_ascii_lowercase());
    CHOICE_CUES.iter().any(|cue| {
        lower.match_indices(cue).any(|(i, _)| {
            let before = lower[..i].chars().next_back();
            let after = lower[i + cue.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// A short label that names a case of the block below it ("Backup", "Ready (cluster is
/// ready or not)"): three words at most before any parenthesis, no instruction, not the
/// block's own first words, not an item's context ("Migrations › Apply …").
pub(crate) fn names_a_case(title: &str, code: &str) -> bool {
    let head = title.split('(').next().unwrap_or(title).trim();
    let words = head.split_whitespace().count();
    // "Install pm2 globally.", "Stop the service": instructions, steps one after the other.
    let instructs = head.ends_with('.') || words > 1 && crate::runbook::prose::is_instruction(head);
    (1..=3).contains(&words)
        && !instructs
        && !title.contains('›')
        && !code.trim_start().starts_with(head)
}

/// A heading's task restated in its body with a condition at the end ("3. Update Ceph CSI"
/// over "Update to the latest drivers if custom images are specified."): the step is for
/// that case only. A condition in the middle ("Drain it, if …, and reboot") qualifies a part.
pub(crate) fn task_on_a_condition(heading: &str, body: &str) -> bool {
    let verb = |t: &str| {
        t.split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_ascii_lowercase()
    };
    let task = verb(crate::runbook::title::strip_numbering(heading));
    if task.is_empty() {
        return false;
    }
    body.split("\n\n")
        .flat_map(|p| crate::runbook::title::sentences(p.trim()))
        .any(|s| {
            let lower = s.to_ascii_lowercase();
            verb(&lower) == task
                && lower.split_once(" if ").is_some_and(|(before, cond)| {
                    !cond.contains(',') && !cond.contains(" and ") && !asks_whether(before)
                })
        })
}

/// Text before an " if " that makes it "whether" ("Verify the cluster to see if all pods
/// run", "check if …"): the if is what to find out, no condition on the step.
fn asks_whether(before: &str) -> bool {
    const FIND_OUT: &[&str] = &[
        "see",
        "check",
        "verify",
        "confirm",
        "know",
        "ask",
        "test",
        "determine",
        "whether",
    ];
    let last = before.split_whitespace().next_back().unwrap_or("");
    FIND_OUT.contains(&last) || before.ends_with("find out")
}

/// A section for one kind of release beside the general procedure of the same thing
/// ("Patch Release Upgrades" / "Rook Operator Upgrade") is one of two ways: the first opens
/// with a kind of release, the second names no variant of any kind, and both end in the same
/// word. This gives that word (without a plural `s`) for the first kind of title.
pub(crate) fn release_kind_topic(title: &str) -> Option<String> {
    let words = title_words(title);
    let releases = VARIANTS[3];
    // (It opens with the kind: "Set a date for the next minor release" is a task. The kind
    // qualifies a release: "Patch the cluster", "Minor dependencies", "Patch notes" are not.)
    let qualified = [
        "release", "releases", "version", "versions", "upgrade", "upgrades",
    ];
    let opens = words
        .first()
        .is_some_and(|w| releases.contains(&w.as_str()))
        && words
            .get(1)
            .is_some_and(|w| qualified.contains(&w.as_str()))
        && words
            .iter()
            .filter(|w| releases.contains(&w.as_str()))
            .count()
            == 1;
    (opens && words.len() >= 2).then(|| stem(words.last()))?
}

/// The same word for the general kind of title, which names no variant ("Rook Operator
/// Upgrade"); see [`release_kind_topic`].
pub(crate) fn general_topic(title: &str) -> Option<String> {
    let words = title_words(title);
    let plain = !words
        .iter()
        .any(|w| VARIANTS.iter().any(|row| row.contains(&w.as_str())));
    (plain && words.len() >= 2).then(|| stem(words.last()))?
}

fn title_words(title: &str) -> Vec<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// A title's last word without its plural `s` ("upgrades" → "upgrade"; "process" stays).
fn stem(word: Option<&String>) -> Option<String> {
    word.map(|w| match w.strip_suffix('s') {
        Some(one) if !one.ends_with('s') => one.to_string(),
        _ => w.clone(),
    })
    .filter(|w| !w.is_empty())
}

/// Two blocks that run one command under different settings, at least one titled as an
/// example ("RC example: `RELEASE_TAG=v1.7.x-rc.1 PREV=… make release-notes`" / "`RELEASE_TAG=v1.7.x
/// make release-notes`"): the same command's cases, one choice.
pub(crate) fn settings_apart(a: &str, b: &str) -> bool {
    let last = |code: &str| -> Option<(String, Vec<String>)> {
        let line = code
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty() && !l.starts_with('#'))?;
        let mut words = line.split_whitespace().peekable();
        let mut names = Vec::new();
        while let Some(w) = words.next_if(|w| {
            w.split_once('=').is_some_and(|(n, _)| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            })
        }) {
            names.push(w.to_string());
        }
        let rest: Vec<&str> = words.collect();
        (!names.is_empty() && !rest.is_empty()).then(|| (rest.join(" "), names))
    };
    let only_line = |code: &str| {
        code.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .count()
            == 1
    };
    matches!((last(a), last(b)), (Some((x, p)), Some((y, q))) if x == y && p != q)
        && only_line(a)
        && only_line(b)
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
/// A lead that offers its step as useful ("Sometimes it is useful to …", "It could also be
/// useful to …"): the words before "useful to" are a short hedge, not an instruction, so
/// "Run the smoke tests; this is useful to catch regressions" stays mandatory.
fn offered_as_useful(lower: &str) -> bool {
    let Some(at) = lower.find("useful to ") else {
        return false;
    };
    let head: Vec<&str> = lower[..at].split_whitespace().collect();
    head.len() <= 7
        && head
            .first()
            .is_some_and(|w| ["it", "it's", "sometimes", "sometimes,", "in"].contains(w))
        && head
            .iter()
            .all(|w| !["run", "use", "check", "verify"].contains(&w.trim_end_matches(',')))
}

/// A step for a thing in a bad state ("… from a pod that has crashed"): there only when one
/// is, so the step is for that case.
const FAILED_THING: &[&str] = &[
    " that has crashed",
    " that have crashed",
    " that has failed",
    " that have failed",
];

/// `title` without the words that limit it to a thing that has crashed or failed, for a runbook
/// or section that is itself about that failure ("Recover a crashed worker"): there, "Cordon the
/// node that has crashed" is the work, not a case. `None` when `title` names no such thing.
pub(crate) fn without_failed_thing(title: &str) -> Option<String> {
    let lower = title.to_ascii_lowercase();
    let cue = FAILED_THING.iter().find(|c| lower.contains(**c))?;
    Some(lower.replace(cue, ""))
}

/// Whether a runbook's or section's title names a failure it handles ("Recover a crashed
/// worker", "When the primary fails").
pub(crate) fn about_a_failure(title: &str) -> bool {
    let lower = title.to_ascii_lowercase();
    ["crash", "fail", "outage", "recover"]
        .iter()
        .any(|w| lower.contains(w))
}

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
        || for_a_kind_of_release(&t)
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
        // "Sometimes is useful to double-check the StorageClass …", "In this case, it could
        // also be useful to check events …": a step offered as useful, not required.
        || offered_as_useful(&t)
        || on_optional_things(&t)
        // "Check logs from a specific pod that has crashed": for the time one has.
        || FAILED_THING.iter().any(|c| t.contains(c))
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
        // "(One-time) Install the CLI": set-up done once, passed on the runs after.
        "(one-time)",
        "(one time)",
        "(once)",
        "(first time only)",
        "one-time:",
    ]
    .iter()
    .any(|p| t.starts_with(p))
        || t.ends_with("(optional)")
        || t.ends_with("[optional]")
        || conditional && !gate
}

/// Verbs that add something or bring it up to date: on an optional thing, a step one may
/// pass.
const ADDING: &[&str] = &[
    "add",
    "install",
    "update",
    "upgrade",
    "enable",
    "deploy",
    "apply",
    "configure",
    "create",
    "include",
];

/// "Also update optional resources like Prometheus monitoring", "Install the optional
/// plugins": an instruction whose object the author calls optional (the word right after the
/// verb, or after an article), so the step is too.
fn on_optional_things(lower: &str) -> bool {
    let words: Vec<&str> = lower
        .split_whitespace()
        .skip_while(|w| ["also", "then", "and", "next,", "then,"].contains(w))
        .take(4)
        .collect();
    let Some(verb) = words.first() else {
        return false;
    };
    // (Only what adds or brings up to date: "Remove the optional block", "Set the optional
    // field to 0", "Disable any optional plugins" are the work whatever the block is.)
    if !crate::runbook::prose::is_instruction(verb) || !ADDING.contains(verb) {
        return false;
    }
    let mut rest = words[1..]
        .iter()
        .skip_while(|w| ["the", "any", "all", "your"].contains(w));
    rest.next() == Some(&"optional") && rest.next().is_some()
}

/// "**For minor releases** Set the EOL date …", "For latest stable releases: index the CRDs":
/// a step for one kind of release (a few words before "release(s)"), not "For each release".
fn for_a_kind_of_release(lower: &str) -> bool {
    let Some(rest) = lower.strip_prefix("for ") else {
        return false;
    };
    let words: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || ",:*_/".contains(c))
        .filter(|w| !w.is_empty())
        .take(4)
        .collect();
    let Some(at) = words
        .iter()
        .position(|w| *w == "release" || *w == "releases")
    else {
        return false;
    };
    // Only kinds of release ("For minor releases", "For latest stable releases"; not "For
    // GitHub releases", "For your release", where the word names a place or an owner).
    const KINDS: &[&str] = &[
        "major",
        "minor",
        "patch",
        "stable",
        "latest",
        "rc",
        "beta",
        "alpha",
        "pre-release",
        "prerelease",
        "lts",
        "candidate",
    ];
    (1..=3).contains(&at) && words[..at].iter().all(|w| KINDS.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_drop_one_plural_s() {
        assert_eq!(
            general_topic("Jaeger Release Process").as_deref(),
            Some("process")
        );
        assert_eq!(
            release_kind_topic("Patch Release Upgrades").as_deref(),
            Some("upgrade")
        );
        assert_eq!(release_kind_topic("Patch the cluster"), None);
    }

    #[test]
    fn anchors_follow_github() {
        assert_eq!(anchor_slug("📦 Publish by hand"), "-publish-by-hand");
        assert_eq!(anchor_slug("Manual release (v2)"), "manual-release-v2");
        assert_eq!(anchor_slug("Ünïcode Step"), "ünïcode-step");
    }

    #[test]
    fn a_step_for_one_kind_of_release_is_optional() {
        assert!(says_optional("**For minor releases** Set the EOL date"));
        assert!(says_optional("For latest stable releases: index the CRDs"));
        assert!(!says_optional("For each release, tag the branch"));
        assert!(!says_optional("For the release, tag the branch"));
        assert!(!says_optional("For GitHub releases, attach the tarballs"));
        assert!(!says_optional(
            "For your release, write a short announcement"
        ));
        assert!(!says_optional("For Docker releases push the image"));
    }

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
