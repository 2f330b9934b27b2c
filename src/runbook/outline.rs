//! A procedure written inside one indented block: sentences at the block's margin ("On the
//! primary, flush the logs:", "Rewrite the config file:"), each over the commands indented
//! under it, and `# notes` between them. Markdown reads the whole of it as one code block;
//! the author meant one step per sentence, with the commands under it as its code.

use crate::runbook::prose::is_instruction;

/// One step of an indented procedure.
#[derive(Debug, PartialEq)]
pub struct Part {
    /// The sentence over the commands, without its colon; `None` for the commands before the
    /// first sentence (the paragraph before the block titles them).
    pub title: Option<String>,
    /// 0-based line in the block where the part starts.
    pub line: usize,
    /// The commands under the sentence, dedented.
    pub body: String,
    /// Notes at the margin before the part (`# From here on, be quick.`).
    pub note: String,
    /// 0-based line in the block of each line of `note`, in order.
    pub note_lines: Vec<usize>,
}

/// The steps of an indented block written as a procedure, or `None` when fewer than two of
/// its sentences stand over commands of their own (plain indented code).
pub fn outline(code: &str) -> Option<Vec<Part>> {
    let lines: Vec<&str> = code.lines().collect();
    let blank = |l: &str| l.trim().is_empty();
    let base = lines
        .iter()
        .filter(|l| !blank(l))
        .map(|l| indent(l))
        .min()?;
    let at_margin = |i: usize| indent(lines[i]) < base + 2;
    // The next non-blank line after `i` is indented deeper: the commands under it.
    let over_commands = |i: usize| {
        lines[i + 1..]
            .iter()
            .find(|l| !blank(l))
            .is_some_and(|l| indent(l) > indent(lines[i]) + 1)
    };
    let starts: Vec<bool> = (0..lines.len())
        .map(|i| {
            let text = lines[i].trim();
            is_prose(text) && over_commands(i) && (at_margin(i) || is_instruction(text))
        })
        .collect();
    if starts.iter().filter(|s| **s).count() < 2 {
        return None;
    }
    // At the margin stand only sentences and `# notes`: `KeyError: 'id'` between
    // `Traceback (most recent call last):` and the frames under it says output.
    let output_at_margin = |i: usize| {
        let text = lines[i].trim();
        let label = text
            .split_whitespace()
            .next()
            .is_some_and(|w| w.ends_with(':'));
        !text.starts_with('#') && (label || !is_prose(text))
    };
    if (0..lines.len())
        .any(|i| !blank(lines[i]) && at_margin(i) && !starts[i] && output_at_margin(i))
    {
        return None;
    }
    let mut parts: Vec<Part> = Vec::new();
    let mut note = String::new();
    let mut note_lines: Vec<usize> = Vec::new();
    let mut body: Vec<&str> = Vec::new();
    // The part being read: its title, first line and the notes before it.
    let mut current: Option<Part> = None;
    let flush = |parts: &mut Vec<Part>, current: &mut Option<Part>, body: &mut Vec<&str>| {
        if let Some(mut part) = current.take()
            && (part.title.is_some() || body.iter().any(|l| !l.trim().is_empty()))
        {
            part.body = dedent(body);
            parts.push(part);
        }
        body.clear();
    };
    for (i, line) in lines.iter().enumerate() {
        if starts[i] {
            flush(&mut parts, &mut current, &mut body);
            current = Some(Part {
                title: Some(line.trim().trim_end_matches(':').trim_end().to_string()),
                line: i,
                body: String::new(),
                note: std::mem::take(&mut note),
                note_lines: std::mem::take(&mut note_lines),
            });
        } else if blank(line) {
            body.push(line);
        } else if at_margin(i) {
            // A note at the margin goes with the next part; it ends the commands before the
            // first sentence.
            if current.as_ref().is_some_and(|p| p.title.is_none()) {
                flush(&mut parts, &mut current, &mut body);
            }
            if !note.is_empty() {
                note.push('\n');
            }
            note.push_str(line.trim().trim_start_matches('#').trim());
            note_lines.push(i);
        } else {
            if current.is_none() {
                current = Some(Part {
                    title: None,
                    line: i,
                    body: String::new(),
                    note: std::mem::take(&mut note),
                    note_lines: std::mem::take(&mut note_lines),
                });
            }
            body.push(line);
        }
    }
    flush(&mut parts, &mut current, &mut body);
    // What stands under each sentence reads as commands, not as log lines.
    let all_commands = parts.iter().all(|p| {
        use crate::runbook::shape::{Shape, block_shape, looks_like_output};
        // (A capital alone makes no log line here: `SELECT …`; a prompt makes a command.)
        block_shape(&p.body) != Shape::Output
            || p.body
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .is_none_or(|l| {
                    l.starts_with(|c: char| c.is_ascii_uppercase()) || !looks_like_output(l)
                })
    });
    all_commands.then_some(parts)
}

/// Whether commands under a sentence have sentences between them ("In the meantime, this
/// script will log in to each box …"): the author narrates, so the captain types them.
pub fn narrated(body: &str) -> bool {
    body.lines().any(|l| is_prose(l.trim()))
}

/// The commands of a narrated part apart from its narration: the sentences between them
/// ("In the meantime, this script will log in …") and a file named with a remark
/// (`/etc/app.json (updated copy below)`) are the author talking, not code to copy.
pub fn without_narration(body: &str) -> (String, String) {
    let (mut code, mut told) = (String::new(), String::new());
    for line in body.lines() {
        let t = line.trim();
        if is_prose(t) || names_a_file_with_a_remark(t) {
            if !told.is_empty() {
                told.push('\n');
            }
            told.push_str(t);
        } else {
            code.push_str(line);
            code.push('\n');
        }
    }
    let code = code.trim_matches('\n');
    (format!("{code}\n"), told)
}

/// `/opt/app/db.json (updated copy below)`: one path, then words in parentheses.
fn names_a_file_with_a_remark(text: &str) -> bool {
    let Some((path, remark)) = text.split_once(" (") else {
        return false;
    };
    path.starts_with(['/', '~'])
        && !path.contains(char::is_whitespace)
        && remark.ends_with(')')
        && remark.split_whitespace().count() >= 2
        && remark
            .trim_end_matches(')')
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-')
}

/// Columns of a line's indentation (a tab to the next multiple of four).
fn indent(line: &str) -> usize {
    let mut cols = 0;
    for c in line.chars() {
        match c {
            ' ' => cols += 1,
            '\t' => cols = cols / 4 * 4 + 4,
            _ => break,
        }
    }
    cols
}

/// A sentence, not a command: it starts with a capital letter, has three words or more, and
/// no option, path, variable, pipe, redirect, statement end or quoted name (`File "w.py", …`).
fn is_prose(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_uppercase())
        && text.split_whitespace().count() >= 3
        && !text.split_whitespace().any(|w| w.starts_with('-'))
        && !text.contains(['/', '$', '|', '<', '>', '=', ';', '`', '{', '}', '\\', '"'])
}

/// The lines without the indentation they all share.
fn dedent(lines: &[&str]) -> String {
    let common = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in lines {
        let mut cols = 0;
        let mut rest = *line;
        while cols < common {
            match rest.chars().next() {
                Some(' ') => cols += 1,
                Some('\t') => cols = cols / 4 * 4 + 4,
                _ => break,
            }
            rest = &rest[1..];
        }
        out.push_str(rest);
        out.push('\n');
    }
    let trimmed = out.trim_matches('\n');
    format!("{trimmed}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_over_commands_are_the_steps() {
        let code = "\tapp status\n\nCheck the disk first:\n\n\tdf -h\n\n# From here on, be quick.\nOn the primary, flush the logs:\n\tdb> flush logs;\n";
        let parts = outline(code).unwrap();
        let titles: Vec<_> = parts.iter().map(|p| p.title.as_deref()).collect();
        assert_eq!(
            titles,
            [
                None,
                Some("Check the disk first"),
                Some("On the primary, flush the logs")
            ]
        );
        assert_eq!(parts[2].body, "db> flush logs;\n");
        assert_eq!(parts[2].note, "From here on, be quick.");
        // Plain indented code: no sentence over commands.
        assert!(outline("make\nmake install\n").is_none());
        // A traceback: its margin lines are no instructions.
        let traceback = "Traceback (most recent call last):\n  File \"w.py\", line 10, in run\n    job()\nKeyError: 'id'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"w.py\", line 12, in run\n    retry()\nRuntimeError: gave up\n";
        assert!(outline(traceback).is_none());
        // Frames under instructions are no commands.
        assert!(
            outline("Check the log:\n  [1] worker one ready\nCheck the log again:\n  df -h\n")
                .is_none()
        );
    }
}
