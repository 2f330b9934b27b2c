//! A command that lost its program: authors copy a line from a terminal and drop its first
//! word, so a block runs `endpoint health --endpoints=…` where every other block of the
//! runbook runs `etcdctl endpoint health …`. Run as written it fails on its first word; the
//! runbook itself says which program the subcommand belongs to, so the line runs under it and
//! `check` says so.

use std::collections::{HashMap, HashSet};

use crate::runbook::model::{Phase, StepKind};

/// Programs that run another program: the word after them is a program, not a subcommand.
const RUNNERS: &[&str] = &[
    "sudo", "doas", "env", "time", "nohup", "exec", "watch", "xargs", "timeout", "nice", "command",
    "builtin", "then", "do", "else", "if", "while", "until", "!",
];

/// The words of a command line, its program first (prompts are already stripped).
fn words(line: &str) -> Vec<&str> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let at = crate::runbook::shape::program_index(&tokens);
    tokens[at.min(tokens.len())..].to_vec()
}

/// The first two subcommand words after a program (`etcdctl --endpoints=x endpoint health` →
/// `endpoint health`), past flags written as one word.
fn subcommand<'a>(rest: &[&'a str]) -> Option<(&'a str, &'a str)> {
    let mut plain = rest.iter().filter(|w| !w.starts_with('-'));
    let a = plain.next()?;
    let b = plain.next()?;
    // (`--endpoints x` would hide a flag's value among the words: only `--flag=value`.)
    let flag_with_value = rest
        .iter()
        .take_while(|w| *w != a)
        .any(|w| w.starts_with('-') && !w.contains('='));
    let word = |w: &str| !w.is_empty() && w.bytes().all(|c| c.is_ascii_lowercase() || c == b'-');
    (word(a) && word(b) && !flag_with_value).then_some((*a, *b))
}

/// Puts back the program of shell lines that start with a subcommand the runbook runs under
/// exactly one program elsewhere, and that program's word is never a program of its own
/// there. Returns `(line of the step, message)` for each step changed.
pub fn restore(phases: &mut [Phase]) -> Vec<(usize, String)> {
    let shell = |k: StepKind| k == StepKind::Shell;
    let mut owners: HashMap<(String, String), HashSet<String>> = HashMap::new();
    let mut programs: HashMap<String, usize> = HashMap::new();
    for step in phases.iter().flat_map(|p| &p.steps) {
        let Some(code) = step.code.as_deref().filter(|_| shell(step.kind)) else {
            continue;
        };
        for line in code.lines() {
            let w = words(line);
            let Some((&program, rest)) = w.split_first() else {
                continue;
            };
            *programs.entry(program.to_string()).or_default() += 1;
            if RUNNERS.contains(&program) {
                continue;
            }
            if let Some((a, b)) = subcommand(rest) {
                owners
                    .entry((a.to_string(), b.to_string()))
                    .or_default()
                    .insert(program.to_string());
            }
        }
    }
    let mut changed = Vec::new();
    for step in phases.iter_mut().flat_map(|p| &mut p.steps) {
        let Some(code) = step.code.as_deref().filter(|_| shell(step.kind)) else {
            continue;
        };
        let mut fixed: Vec<String> = Vec::new();
        let mut said = None;
        for line in code.lines() {
            let w = words(line);
            let owner = match w.as_slice() {
                [a, b, ..] if programs.get(*a) == Some(&1) && line.trim_start().starts_with(a) => {
                    owners
                        .get(&(a.to_string(), b.to_string()))
                        .filter(|set| set.len() == 1)
                        .and_then(|set| set.iter().next())
                        .filter(|p| p.as_str() != *a)
                }
                _ => None,
            };
            match owner {
                Some(program) => {
                    let indent = &line[..line.len() - line.trim_start().len()];
                    said.get_or_insert_with(|| {
                        format!(
                            "`{} {}` is run by `{program}` elsewhere in the runbook: this line lacks its program and runs as `{program} {}`",
                            w[0],
                            w[1],
                            line.trim_start()
                        )
                    });
                    fixed.push(format!("{indent}{program} {}", line.trim_start()));
                }
                None => fixed.push(line.to_string()),
            }
        }
        if let Some(message) = said {
            let old_title =
                crate::runbook::title::code_title(code, crate::runbook::command::CodeLang::Shell);
            let mut text = fixed.join("\n");
            if code.ends_with('\n') {
                text.push('\n');
            }
            if step.title == old_title {
                step.title = crate::runbook::title::code_title(
                    &text,
                    crate::runbook::command::CodeLang::Shell,
                );
            }
            if step.dangerous.is_none() {
                step.dangerous = crate::runbook::danger::danger_reason(&text, true, false);
            }
            step.code = Some(text);
            changed.push((step.line, message));
        }
    }
    changed
}
