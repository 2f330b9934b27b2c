//! Addresses of an example the prose declares to run on one machine: "This example shows how
//! to upgrade a 3-member cluster running on a local machine." The section's commands then talk
//! to `localhost:2379`, `localhost:22379`, … which are the example's members, not the reader's.
//! Each such address is an input named by the order the example meets it
//! (`<MEMBER_1_ENDPOINT>`), asked once and used wherever the example used that address.
//!
//! A block that asks every member the same question and then acts on one of them
//! (`curl …/metrics | grep is_leader` on each, then `snapshot save` from the first) picked that
//! one by the answers: on the reader's cluster it may be another. The acting part is a step of
//! its own, after the answers, and asks for the member it acts on.

use crate::runbook::model::{Phase, Step};

/// Whether a phase's text declares its commands an example run on the local machine.
fn declares_local_example(description: &str) -> bool {
    description.split("\n\n").any(|para| {
        let lower = para.to_ascii_lowercase();
        // ("The example commands below run locally" is about the commands, not a cluster the
        // example runs.)
        let example = lower.contains("this example");
        let local = ["local machine", "locally", "on localhost", "single machine"]
            .iter()
            .any(|w| lower.contains(w));
        example && local && !lower.trim_start().starts_with(['`', '>', '-', '|'])
    })
}

/// `localhost:2379` and `127.0.0.1:2379` in `code`: each distinct one, in order.
pub(crate) fn addresses(code: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let forwarded = forwarded_ports(code);
    for host in ["localhost:", "127.0.0.1:"] {
        for (at, _) in code.match_indices(host) {
            // (Part of a longer name: `my-localhost:1`.)
            if code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            {
                continue;
            }
            let rest = &code[at + host.len()..];
            let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if port.is_empty() || port.len() > 5 {
                continue;
            }
            // A port the block forwards itself (`kubectl port-forward`, `ssh -L`) is the
            // captain's own way through, not an example's member.
            if forwarded.contains(&port) {
                continue;
            }
            let text = format!("{host}{port}");
            if seen.insert(text.clone()) {
                out.push(text);
                // (Beyond a few members it is no example cluster: stop reading.)
                if out.len() > MAX_MEMBERS {
                    return out;
                }
            }
        }
    }
    out
}

/// The most members an example cluster has.
const MAX_MEMBERS: usize = 16;

/// The local ports `code` forwards: `kubectl port-forward svc/db 5432:5432`, `ssh -L
/// 5432:db:5432 host`.
fn forwarded_ports(code: &str) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for line in code.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let forwarding = words.contains(&"port-forward");
        for (k, w) in words.iter().enumerate() {
            let spec = if forwarding && w.contains(':') && !w.starts_with('-') {
                Some(*w)
            } else if *w == "-L" {
                words.get(k + 1).copied()
            } else {
                w.strip_prefix("-L").filter(|r| !r.is_empty())
            };
            if let Some(spec) = spec {
                let port: String = spec
                    .trim_start_matches(|c: char| !c.is_ascii_digit())
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if !port.is_empty() {
                    out.insert(port);
                }
            }
        }
    }
    out
}

/// The phases of each section that declares a local example, its subsections included: the
/// passes over such a section read its description and level, which they do not change.
fn local_example_sections(phases: &[Phase]) -> Vec<std::ops::Range<usize>> {
    let mut sections = Vec::new();
    let mut k = 0;
    while k < phases.len() {
        if !declares_local_example(&phases[k].description) {
            k += 1;
            continue;
        }
        let level = phases[k].level;
        let end = (k + 1..phases.len())
            .find(|&i| phases[i].level <= level)
            .unwrap_or(phases.len());
        sections.push(k..end);
        k = end;
    }
    sections
}

/// Makes the local addresses in the shell steps of each phase that declares a local example
/// (and of its subsections) inputs.
pub fn ask_for_example_addresses(phases: &mut [Phase]) {
    for std::ops::Range { start: k, end } in local_example_sections(phases) {
        // Each member named by the order the example first talks to it, across the section.
        let mut names: Vec<(String, String)> = Vec::new();
        for phase in &mut phases[k..end] {
            for step in &mut phase.steps {
                let Some(code) = step.shell_code() else {
                    continue;
                };
                let found = addresses(code);
                // (Beyond a few members it is no example cluster: leave it, and the work linear.)
                if found.is_empty() || found.len() > MAX_MEMBERS || names.len() > MAX_MEMBERS {
                    continue;
                }
                let mut text = code.to_string();
                for address in &found {
                    let name = match names.iter().find(|(a, _)| a == address) {
                        Some((_, name)) => name.clone(),
                        None => {
                            let name = format!("MEMBER_{}_ENDPOINT", names.len() + 1);
                            names.push((address.clone(), name.clone()));
                            name
                        }
                    };
                    text = replace_address(&text, address, &format!("<{name}>"));
                    if !step.inputs.contains(&name) {
                        step.inputs.push(name);
                    }
                }
                step.code = Some(text);
            }
        }
    }
}

/// Splits, in each section that declares a local example, the blocks that ask every member
/// the same thing and then act on one (`split_at_pick`). Run after the titles are final: the
/// acting part keeps the block's title.
pub fn act_on_the_picked_member(phases: &mut [Phase]) {
    for std::ops::Range { start: k, end } in local_example_sections(phases) {
        let mut members: Vec<String> = Vec::new();
        for input in phases[k..end]
            .iter()
            .flat_map(|p| &p.steps)
            .flat_map(|s| &s.inputs)
        {
            if is_member(input) && !members.contains(input) {
                members.push(input.clone());
            }
        }
        if members.len() >= 2 && members.len() <= MAX_MEMBERS {
            for phase in &mut phases[k..end] {
                let mut steps = Vec::with_capacity(phase.steps.len() + 1);
                for step in std::mem::take(&mut phase.steps) {
                    match split_at_pick(&step, &members) {
                        Some((asks, acts)) => {
                            steps.push(asks);
                            steps.push(acts);
                        }
                        None => steps.push(step),
                    }
                }
                phase.steps = steps;
            }
        }
    }
}

/// Whether an input is one of the example's members (`MEMBER_2_ENDPOINT`).
fn is_member(input: &str) -> bool {
    input
        .strip_prefix("MEMBER_")
        .and_then(|r| r.strip_suffix("_ENDPOINT"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The command lines of a shell block, by line index: not blank, not a comment, not inside a
/// here-document (`<<COMMENT` … `COMMENT`, which these examples use to show output).
fn command_lines(lines: &[&str]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut heredoc: Option<String> = None;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if let Some(end) = &heredoc {
            if t == end {
                heredoc = None;
            }
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(word) = crate::runbook::command::heredoc_word(t) {
            heredoc = Some(word);
        }
        if !t.starts_with("<<") {
            out.push((i, t.to_string()));
        }
    }
    out
}

/// The members a command line names, and the line with each of them as `<>`.
fn members_in<'m>(line: &str, members: &'m [String]) -> (Vec<&'m String>, String) {
    let mut named = Vec::new();
    let mut shape = line.to_string();
    for m in members {
        let placeholder = format!("<{m}>");
        if shape.contains(&placeholder) {
            named.push(m);
            shape = shape.replace(&placeholder, "<>");
        }
    }
    (named, shape)
}

/// A block that asks each member the same thing (two or more lines alike but for the member)
/// and then acts on one member: the asking part, then the acting part as a step of its own
/// whose member is a new input, named after what the answers pick when the title and the
/// question share that word ("… fetch snapshot from leader" over `grep is_leader`:
/// `LEADER_ENDPOINT`).
fn split_at_pick(step: &Step, members: &[String]) -> Option<(Step, Step)> {
    let code = step.shell_code()?;
    let lines: Vec<&str> = code.split_inclusive('\n').collect();
    let commands = command_lines(&lines);
    let shaped: Vec<(Vec<&String>, String)> = commands
        .iter()
        .map(|(_, c)| members_in(c, members))
        .collect();
    let mut j = 0;
    while j < shaped.len() {
        let (named, shape) = &shaped[j];
        let run = shaped[j..]
            .iter()
            .take_while(|(n, s)| n.len() == 1 && s == shape)
            .count();
        if named.len() != 1 || run < 2 {
            j += 1;
            continue;
        }
        let asked: Vec<&String> = shaped[j..j + run].iter().map(|(n, _)| n[0]).collect();
        let mut distinct = asked.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() != run {
            j += run;
            continue;
        }
        // The next command names one of the members asked, and asks something else.
        let (acting, _) = shaped.get(j + run)?;
        let [one] = acting.as_slice() else {
            return None;
        };
        if !asked.contains(one) {
            return None;
        }
        let at = commands.get(j + run)?.0;
        let question = &commands[j].1;
        // Only a question whose answer picks one of them ("… | grep is_leader"): asking each
        // for its health and then writing through the first picks nothing.
        if !picks_one(question) {
            j += run;
            continue;
        }
        let word = picked_word(&step.title, question);
        let name = match &word {
            Some(w) => format!("{}_ENDPOINT", w.to_ascii_uppercase()),
            None => "PICKED_ENDPOINT".to_string(),
        };
        let before = format!("{}\n", lines[..at].concat().trim_end());
        let after: String = lines[at..]
            .concat()
            .replace(&format!("<{one}>"), &format!("<{name}>"));
        let keep = |text: &str, inputs: &[String]| -> Vec<String> {
            inputs
                .iter()
                .filter(|i| text.contains(i.as_str()))
                .cloned()
                .collect()
        };
        let mut asks = step.clone();
        asks.title = match &word {
            Some(w) => format!("Find the {w}: ask each member"),
            None => "Ask each member".to_string(),
        };
        asks.inputs = keep(&before, &step.inputs);
        asks.code = Some(before);
        asks.expected_output = None;
        let mut acts = step.clone();
        let mut inputs = keep(&after, &step.inputs);
        inputs.push(name);
        acts.inputs = inputs;
        acts.code = Some(after);
        acts.line = step.line + 1 + at;
        acts.id = String::new();
        return Some((asks, acts));
    }
    None
}

/// Words for the one member a question's answers single out.
const PICKED: &[&str] = &[
    "leader",
    "primary",
    "master",
    "writer",
    "active",
    "coordinator",
];

/// Whether a question asked of each member (its placeholders left out) singles one out: it
/// asks which is the leader, the primary, ….
fn picks_one(question: &str) -> bool {
    without_placeholders(question)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| PICKED.contains(&w.to_ascii_lowercase().as_str()))
}

/// A line without its `<PLACEHOLDERS>`, whose names are no words of the command.
fn without_placeholders(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut inside = false;
    for c in line.chars() {
        match c {
            '<' => inside = true,
            '>' if inside => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// A word (four letters or more) of the title that the question asks about, the title's last
/// first: "… thus fetch snapshot from leader" over `grep etcd_server_is_leader` → `leader`.
fn picked_word(title: &str, question: &str) -> Option<String> {
    let asked: Vec<String> = without_placeholders(question)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .collect();
    title
        .split(|c: char| !c.is_ascii_alphabetic())
        .rev()
        .map(str::to_ascii_lowercase)
        .find(|w| w.len() >= 4 && asked.contains(w))
}

/// Replaces `address` where it is not followed by another digit (`localhost:2379` is not
/// part of `localhost:23790`).
pub(crate) fn replace_address(code: &str, address: &str, with: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut last = 0;
    for (at, _) in code.match_indices(address) {
        let after = code[at + address.len()..].chars().next();
        let before = code[..at].chars().next_back();
        if after.is_some_and(|c| c.is_ascii_digit())
            || before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            continue;
        }
        out.push_str(&code[last..at]);
        out.push_str(with);
        last = at + address.len();
    }
    out.push_str(&code[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_example_addresses() {
        assert!(declares_local_example(
            "This example shows how to upgrade a 3-member cluster running on a local machine."
        ));
        assert!(!declares_local_example("Run the server locally first."));
        assert!(!declares_local_example(
            "The example commands below run locally, through the port-forward to the database."
        ));
        // A port the block forwards is the captain's own.
        assert!(
            addresses(
                "kubectl port-forward svc/db 5432:5432 &\npsql postgres://app@localhost:5432/app"
            )
            .is_empty()
        );
        assert!(
            addresses("ssh -L 6379:cache:6379 bastion\nredis-cli -h localhost:6379").is_empty()
        );
        let found = addresses("curl localhost:2379/v; etcdctl --endpoints=localhost:22379");
        assert_eq!(found[1], "localhost:22379");
        assert_eq!(
            replace_address("a=localhost:2379,localhost:23790", "localhost:2379", "<E>"),
            "a=<E>,localhost:23790"
        );
    }
}
