//! One placeholder that stands for several values. Inputs are asked once per run and reused,
//! which is right for the same value written again (`<VERSION>` in every tag and push) and
//! wrong where the author wrote one stand-in for two different values: the same `<YYYY-MM-DD>`
//! given to `--since` and to `--until` of one command is two dates, each named after its flag.
//! Between those lie values of a kind a runbook picks where it needs one: the `<commit-id>` of
//! a backport in one section and of a release note in another, the `POD` that is the operator
//! in one troubleshooting section and a pending replica in the next. Such a value is offered
//! again, to keep or change, at the first step of each new section that uses it.

use crate::runbook::model::{Phase, StepKind};

/// Renames a placeholder given to two or more different flags of one command line to one
/// input per flag (`--since <YYYY-MM-DD> --until <YYYY-MM-DD>` → `<SINCE_YYYY-MM-DD>`,
/// `<UNTIL_YYYY-MM-DD>`), in the code and in the step's inputs.
pub fn split_by_flag(phases: &mut [Phase]) {
    for step in phases.iter_mut().flat_map(|p| &mut p.steps) {
        if !matches!(step.kind, StepKind::Shell | StepKind::Manual) {
            continue;
        }
        let Some(code) = step.code.as_deref() else {
            continue;
        };
        if !code.contains("--") {
            continue;
        }
        let mut renamed: Vec<(String, Vec<String>)> = Vec::new();
        let mut text = String::with_capacity(code.len());
        for line in code.split_inclusive('\n') {
            let mut split: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for (name, flags) in flag_values(line) {
                let mut distinct: Vec<&str> = flags.clone();
                distinct.sort_unstable();
                distinct.dedup();
                if distinct.len() < 2 || !step.inputs.iter().any(|i| *i == name) {
                    continue;
                }
                split.insert(name);
                let news = flags.iter().map(|flag| flag_input(flag, name)).collect();
                renamed.push((name.to_string(), news));
            }
            if split.is_empty() {
                text.push_str(line);
            } else {
                rename_flag_values(line, &split, &mut text);
            }
        }
        if renamed.is_empty() {
            continue;
        }
        // The inputs rebuilt once: each renamed one in the place of the old (kept too where
        // the old name is still written elsewhere).
        let mut news_of: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for (old, news) in renamed {
            news_of.entry(old).or_default().extend(news);
        }
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut inputs = Vec::with_capacity(step.inputs.len());
        for input in std::mem::take(&mut step.inputs) {
            match news_of.remove(&input) {
                Some(news) => {
                    if text.contains(&format!("<{input}>")) && seen.insert(input.clone()) {
                        inputs.push(input);
                    }
                    for new in news {
                        if seen.insert(new.clone()) {
                            inputs.push(new);
                        }
                    }
                }
                None => {
                    if seen.insert(input.clone()) {
                        inputs.push(input);
                    }
                }
            }
        }
        step.inputs = inputs;
        step.code = Some(text);
    }
}

/// Words of an input's name for things a runbook handles one of at a time and picks where it
/// needs one (`commit-id`, `POD`, `pvc-name`, `source-server-ip`), unlike the run's own
/// subject (`VERSION`, `NAMESPACE`, `environment`), which stays one value.
const PICKED_WHERE_NEEDED: &[&str] = &[
    "commit", "sha", "hash", "pod", "pvc", "pid", "server", "member", "replica",
];

/// Words after the kind that only say which form of it (`commit-id`, `pvc-name`).
const FORMS: &[&str] = &[
    "id", "name", "ip", "ref", "addr", "address", "public", "private", "internal", "external",
];

/// Words before the kind that make it the run's own one (`GIT_SHA`, `API_SERVER`): one value.
const RUN_OWN: &[&str] = &["git", "release", "api", "build", "app", "head"];

/// Whether an input's name says it is a value picked where it is needed: its last word (after
/// any form word) is such a kind, not qualified as the run's own.
fn picked_where_needed(name: &str) -> bool {
    let words: Vec<&str> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|w| w.trim_end_matches(|c: char| c.is_ascii_digit()))
        .filter(|w| !w.is_empty())
        .collect();
    let is = |w: &str, list: &[&str]| list.iter().any(|k| k.eq_ignore_ascii_case(w));
    let mut end = words.len();
    while end > 1 && is(words[end - 1], FORMS) {
        end -= 1;
    }
    let Some(kind) = end.checked_sub(1).map(|k| words[k]) else {
        return false;
    };
    is(kind, PICKED_WHERE_NEEDED) && !words[..end - 1].iter().any(|w| is(w, RUN_OWN))
}

/// Marks, for each input picked where it is needed, the first step of each later section
/// (phase) that uses it: that step asks for it again, offering the value it holds.
pub fn mark_renewed(phases: &mut [Phase]) {
    let mut last_phase: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (k, phase) in phases.iter_mut().enumerate() {
        for step in &mut phase.steps {
            if !step.is_executable() {
                continue;
            }
            for name in &step.inputs {
                if !picked_where_needed(name) {
                    continue;
                }
                match last_phase.insert(name.clone(), k) {
                    Some(before) if before != k && !step.renew.contains(name) => {
                        step.renew.push(name.clone())
                    }
                    _ => {}
                }
            }
            // `<username>@<source-server-ip>`: the login to a host asked anew is asked anew
            // with it (another server may take another user).
            // One pass over the code for its `<user>@<host>` pairs, not one per input and host.
            let code = step.code.as_deref().unwrap_or("");
            let renewed: std::collections::HashSet<&str> =
                step.renew.iter().map(String::as_str).collect();
            let inputs: std::collections::HashSet<&str> =
                step.inputs.iter().map(String::as_str).collect();
            let mut found: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for (at, _) in code.match_indices(">@<") {
                let user = code[..at].rsplit('<').next().unwrap_or("");
                let host = code[at + 3..].split('>').next().unwrap_or("");
                let named = |w: &str| !w.is_empty() && !w.contains(['<', '>', '\n', ' ']);
                if named(user)
                    && named(host)
                    && code[..at].contains('<')
                    && renewed.contains(host)
                    && !renewed.contains(user)
                    && inputs.contains(user)
                {
                    found.insert(user);
                }
            }
            // In the order the step asks them.
            let users: Vec<String> = step
                .inputs
                .iter()
                .filter(|user| found.contains(user.as_str()))
                .cloned()
                .collect();
            step.renew.extend(users);
        }
    }
}

/// `NAME=VALUE` on a line of its own (`export` and quotes aside): the name, the value, and
/// where the value starts in the line.
fn assignment(line: &str) -> Option<(&str, &str, usize)> {
    let lead = line.len() - line.trim_start().len();
    let body = line.trim();
    let body_at = lead + body.len() - body.strip_prefix("export ").unwrap_or(body).len();
    let body = body.strip_prefix("export ").unwrap_or(body);
    let (name, value) = body.split_once('=')?;
    let named = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let quoted = value.len() >= 2 && value.starts_with('"') && value.ends_with('"');
    let inner = if quoted {
        &value[1..value.len() - 1]
    } else {
        value
    };
    let at = body_at + name.len() + 1 + usize::from(quoted);
    named.then_some((name, inner, at))
}

/// The one run of digits where `a` and `b` differ, the rest the same: its place in `b`.
fn counter_apart(a: &str, b: &str) -> Option<(usize, usize)> {
    let head = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let tail = a
        .bytes()
        .rev()
        .zip(b.bytes().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let digit = |c: char| c.is_ascii_digit();
    // The number around the first difference, in each.
    let start = |s: &str| Some(s.get(..head)?.trim_end_matches(digit).len());
    let end = |s: &str| {
        let from = s.len().checked_sub(tail.min(s.len()))?;
        Some(s.len() - s.get(from..)?.trim_start_matches(digit).len())
    };
    let (a_start, a_end, b_start, b_end) = (start(a)?, end(a)?, start(b)?, end(b)?);
    let (a_num, b_num) = (a.get(a_start..a_end)?, b.get(b_start..b_end)?);
    let digits = |n: &str| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit());
    (a_start == b_start
        && digits(a_num)
        && digits(b_num)
        && a_num != b_num
        && a.get(a_end..) == b.get(b_end..))
    .then_some((b_start, b_end))
}

/// A variable the runbook sets again to the value it set before with another number
/// (`RC="$RELEASE-rc.1"`, later `RC="$RELEASE-rc.2"`): the later number is a count the captain
/// keeps (the second candidate, then the third), asked for (`rc.<rc-number>`) and asked anew
/// each time the step runs, not the literal `2` of the author's example.
pub fn count_reassigned(phases: &mut [Phase]) {
    let order = crate::runbook::model::source_order(phases);
    /// The words a count follows when the number is one the captain keeps (the second release
    /// candidate, the third attempt); `REPLICAS=3` or `worker-2` after `worker-1` is a value.
    const COUNTERS: &[&str] = &["rc", "beta", "alpha", "attempt", "try", "round", "pre"];
    // Values set so far: name → the value it was last set to that was no count.
    let mut set: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (_, p, s) in order {
        let step = &mut phases[p].steps[s];
        if step.kind != StepKind::Shell {
            continue;
        }
        let Some(code) = step.code.clone() else {
            continue;
        };
        let mut rewritten = String::with_capacity(code.len() + 16);
        let mut counted: Vec<String> = Vec::new();
        for line in code.split_inclusive('\n') {
            let Some((name, value, at)) = assignment(line.trim_end_matches('\n')) else {
                rewritten.push_str(line);
                continue;
            };
            let apart = set
                .get(name)
                .and_then(|before| counter_apart(before, value));
            // Named after the word before the number: `rc.2` → `rc-number`.
            let word = |start: usize| -> String {
                value[..start]
                    .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                    .chars()
                    .rev()
                    .take_while(char::is_ascii_alphabetic)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<String>()
                    .to_ascii_lowercase()
            };
            match apart {
                Some((start, end))
                    if !value.contains('<') && COUNTERS.contains(&word(start).as_str()) =>
                {
                    let input = format!("{}-number", word(start));
                    rewritten.push_str(&line[..at + start]);
                    rewritten.push_str(&format!("<{input}>"));
                    rewritten.push_str(&line[at + end..]);
                    counted.push(input);
                }
                _ => {
                    set.insert(name.to_string(), value.to_string());
                    rewritten.push_str(line);
                }
            }
        }
        if !counted.is_empty() {
            step.inputs = crate::runbook::inputs::code_inputs(
                &rewritten,
                crate::runbook::inputs::Dialect::Shell,
            );
            step.code = Some(rewritten);
            for input in counted {
                if !step.renew.contains(&input) {
                    step.renew.push(input);
                }
            }
        }
    }
}

/// `line` with each `--flag <NAME>` / `--flag=<NAME>` whose name is in `split` written as
/// `--flag <FLAG_NAME>`, in one pass over the line.
fn rename_flag_values(line: &str, split: &std::collections::HashSet<&str>, out: &mut String) {
    let mut rest = line;
    while let Some(at) = rest.find("--") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let flag_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(after.len());
        let flag = &after[..flag_len];
        let tail = &after[flag_len..];
        let renamed = tail
            .get(..1)
            .filter(|sep| *sep == " " || *sep == "=")
            .and_then(|sep| {
                let value = tail[1..].strip_prefix('<')?;
                let end = value.find('>')?;
                let name = &value[..end];
                (!flag.is_empty() && split.contains(name)).then(|| {
                    let new = flag_input(flag, name);
                    (
                        format!("--{flag}{sep}<{new}>"),
                        2 + flag_len + 1 + 1 + end + 1,
                    )
                })
            });
        match renamed {
            Some((text, len)) => {
                out.push_str(&text);
                rest = &rest[at + len..];
            }
            None => {
                out.push_str("--");
                out.push_str(flag);
                rest = tail;
            }
        }
    }
    out.push_str(rest);
}

/// `--since <X>` and `--since=<X>` in a line: each placeholder with the flags it is given to,
/// in order.
fn flag_values(line: &str) -> Vec<(&str, Vec<&str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let words: Vec<&str> = line.split_whitespace().collect();
    for (k, w) in words.iter().enumerate() {
        let Some(flag) = w.strip_prefix("--") else {
            continue;
        };
        let (flag, value) = match flag.split_once('=') {
            Some((f, v)) => (f, v),
            None => (flag, words.get(k + 1).copied().unwrap_or("")),
        };
        let Some(name) = value.strip_prefix('<').and_then(|v| v.strip_suffix('>')) else {
            continue;
        };
        let plain = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !plain(flag) || !plain(name) {
            continue;
        }
        match index.get(name) {
            Some(&k) => out[k].1.push(flag),
            None => {
                index.insert(name, out.len());
                out.push((name, vec![flag]));
            }
        }
    }
    out
}

/// The input for a placeholder given to `--flag`: the flag's name before it, in the
/// placeholder's case (`since` + `YYYY-MM-DD` → `SINCE_YYYY-MM-DD`).
fn flag_input(flag: &str, name: &str) -> String {
    let flag = flag.replace('-', "_");
    let upper = name.bytes().any(|b| b.is_ascii_uppercase())
        && !name.bytes().any(|b| b.is_ascii_lowercase());
    let flag = if upper {
        flag.to_ascii_uppercase()
    } else {
        flag
    };
    format!("{flag}_{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_of_one_placeholder() {
        let uses = flag_values("weekly --since <D> --until=<D> --branch <b>\n");
        assert_eq!(uses[0], ("D", vec!["since", "until"]));
        let mut out = String::new();
        let split = std::collections::HashSet::from(["D"]);
        rename_flag_values(
            "weekly --since <D> --until=<D> --branch <b> -- x\n",
            &split,
            &mut out,
        );
        assert_eq!(
            out,
            "weekly --since <SINCE_D> --until=<UNTIL_D> --branch <b> -- x\n"
        );
        assert_eq!(flag_input("since", "YYYY-MM-DD"), "SINCE_YYYY-MM-DD");
        assert_eq!(flag_input("from-ref", "commit-id"), "from_ref_commit-id");
        assert!(picked_where_needed("commit-id") && picked_where_needed("POD2"));
        assert!(!picked_where_needed("VERSION") && !picked_where_needed("NAMESPACE"));
        assert!(picked_where_needed("source-server-ip") && picked_where_needed("pvc-name"));
        // The run's own: one value throughout.
        assert!(!picked_where_needed("GIT_SHA") && !picked_where_needed("API_SERVER"));
        // Only the last word names the kind.
        assert!(!picked_where_needed("POD_COUNT"));
    }
}
