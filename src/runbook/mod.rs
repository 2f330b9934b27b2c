//! Runbooks: Markdown files read into a checklist model.
//!
//! [`load`] reads a file safely, [`parse`] maps the Markdown (DESIGN.md §2) into a [`Runbook`]
//! with stable step ids, inputs, danger flags and diagnostics. Parsing never fails: whatever the
//! text, a model comes back and problems are reported as [`Diagnostic`]s.

mod advice;
mod asks;
mod attached_disks;
mod automatic;
mod blocks;
mod cases;
mod choice;
mod command;
pub mod danger;
mod dependents;
pub mod diagnostic;
pub mod duration;
mod edits;
mod environment;
mod example_addresses;
mod example_values;
mod exported;
pub mod fence;
mod folders;
pub mod frontmatter;
pub mod heading;
pub mod ids;
pub mod inputs;
mod lint;
mod lint_steps;
mod lost_program;
mod markdown;
pub mod model;
mod named_after;
mod notation;
mod outline;
mod passive;
mod prose;
mod reentered;
mod series;
mod shape;
mod skips;
mod some_example;
pub mod source;
mod standing;
mod title;
mod values;
mod words;

use std::path::Path;

pub use diagnostic::{Diagnostic, Severity};
pub use model::{Attrs, Choice, Phase, Runbook, Step, StepKind, Var, Window};
pub use source::LoadError;

use crate::runbook::frontmatter::Leading;
use crate::runbook::source::LineIndex;

/// The code a piece of runbook Markdown shows (fenced and indented blocks, and inline code
/// that reads as a command), in order: what the captain can still run when the mapping left it
/// as reference.
pub fn code_shown(markdown: &str) -> Vec<String> {
    fn walk(blocks: &[blocks::Block<'_>], out: &mut Vec<String>) {
        for b in blocks {
            match b {
                blocks::Block::Code { code, .. } if !code.trim().is_empty() => {
                    out.push(code.trim_end().to_string() + "\n");
                }
                blocks::Block::Paragraph { spans, .. } => out.extend(
                    spans
                        .code
                        .iter()
                        .map(|c| c.trim())
                        .filter(|c| shape::is_command_line(c))
                        .map(|c| format!("{c}\n")),
                ),
                blocks::Block::List { items, .. } => {
                    for item in items {
                        walk(&item.blocks, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&blocks::parse_blocks(markdown), &mut out);
    out.dedup();
    out
}

/// Reads and parses the runbook at `path`; fails only when the file cannot be read as text.
pub fn load(path: &Path) -> Result<Runbook, LoadError> {
    let text = source::read_source(path)?;
    let mut runbook = parse(&text.text, &path.display().to_string());
    runbook.diagnostics.splice(0..0, text.warnings);
    Ok(runbook)
}

/// Parses runbook Markdown; `source` names it in the model and in messages.
pub fn parse(text: &str, source: &str) -> Runbook {
    let lines = LineIndex::new(text);
    let (walked, leading) = walk(text, &lines);
    let markdown::Walked {
        title: first_h1,
        front_matter: _,
        description,
        mut phases,
        mut diagnostics,
    } = walked;
    let front_matter = match leading {
        Some(Leading::FrontMatter(fm, found)) => {
            diagnostics.extend(found);
            fm.map(|fm| *fm)
        }
        Some(Leading::Markdown) | None => None,
    };
    ids::assign_ids(&mut phases, &mut diagnostics);
    // Front-matter `title`, else the first heading of any level, else the file name.
    let title = front_matter
        .as_ref()
        .and_then(|f| f.title.clone())
        .or(first_h1)
        .or_else(|| first_heading(&phases))
        .unwrap_or_else(|| file_stem(source));
    let mut runbook = Runbook {
        title,
        source: source.to_string(),
        front_matter,
        description,
        phases,
        vars: Vec::new(),
        diagnostics,
    };
    runbook.vars = collect_vars(&runbook);
    lint::lint(text, &mut runbook);
    runbook.diagnostics.sort_by_key(|d| (d.line, d.col));
    runbook
}

/// Passes over the block tree at most this many times to read stray `---` blocks as Markdown.
const MAX_PASSES: usize = 8;

/// Walks the block tree, and reads a `---` block at the very start of the text.
///
/// pulldown-cmark takes any `---` … `---` block for metadata, wherever it stands. Only one at the
/// very start that is a YAML mapping is front matter: the others are parsed again as the
/// Markdown they are, their opening `---` (a thematic break there) given to the parser as the
/// same-length `***`, so that every byte range still points into `text`. Unmasking a block can
/// reveal another one further down; after [`MAX_PASSES`] what is left stays unread.
fn walk(text: &str, lines: &LineIndex) -> (markdown::Walked, Option<Leading>) {
    let mut masked: Option<String> = None;
    let mut leading: Option<Leading> = None;
    let mut pass = 0;
    loop {
        let blocks = blocks::parse_blocks(masked.as_deref().unwrap_or(text));
        let mut stray = Vec::new();
        metadata_blocks(&blocks, &mut |start, yaml| {
            if start == 0 && pass == 0 {
                match frontmatter::read_leading(yaml, lines.line(0) + 1) {
                    Leading::Markdown => stray.push(0),
                    read => leading = Some(read),
                }
            } else if start > 0 || leading.is_none() {
                stray.push(start);
            }
        });
        if stray.is_empty() || pass == MAX_PASSES {
            return (markdown::Walker::new(text, lines).walk(&blocks), leading);
        }
        drop(blocks);
        let m = masked.get_or_insert_with(|| text.to_string());
        for start in stray {
            if m.get(start..start + 3) == Some("---") {
                m.replace_range(start..start + 3, "***");
            }
        }
        pass += 1;
    }
}

/// Calls `f` with the start and text of every metadata block, in lists too.
fn metadata_blocks(found: &[blocks::Block<'_>], f: &mut impl FnMut(usize, &str)) {
    for block in found {
        match block {
            blocks::Block::FrontMatter { yaml, range } => f(range.start, yaml),
            blocks::Block::List { items, .. } => {
                for item in items {
                    metadata_blocks(&item.blocks, f);
                }
            }
            _ => {}
        }
    }
}

/// The title of the first phase that comes from a heading. A phase the walker opened for steps
/// before any heading starts at line 1 with level 1, where a heading would have been the title.
fn first_heading(phases: &[Phase]) -> Option<String> {
    phases
        .iter()
        .find(|p| !(p.level == 1 && p.line == 1))
        .map(|p| p.title.clone())
}

fn file_stem(source: &str) -> String {
    Path::new(source)
        .file_stem()
        .map_or_else(|| source.to_string(), |s| s.to_string_lossy().into_owned())
}

/// Front-matter vars first, in their order, then step inputs in order of first use. An input
/// that an earlier step sets (`NEWVER=1.2`, `export X=…`, `capture=X`) is left out: its value
/// flows from that step (the run still asks for it when the setter has not run).
fn collect_vars(runbook: &Runbook) -> Vec<Var> {
    let fm = runbook.front_matter.as_ref();
    let declared = fm.into_iter().flat_map(|f| f.vars.keys().cloned());
    // (Sets, not lists: a step with thousands of inputs must not make this quadratic.)
    let mut set_earlier: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut used: Vec<String> = Vec::new();
    for (_, step) in runbook.steps() {
        let flows = |name: &&String| set_earlier.contains(name.as_str());
        used.extend(step.inputs.iter().filter(|n| !flows(n)).cloned());
        set_earlier.extend(step.sets.iter().map(String::as_str));
        set_earlier.extend(step.attrs.capture.as_deref());
    }
    let mut vars: Vec<Var> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for name in declared.chain(used) {
        if !seen.insert(name.clone()) {
            continue;
        }
        let secret = fm
            .and_then(|f| f.var_secret(&name))
            .unwrap_or_else(|| inputs::name_looks_secret(&name));
        vars.push(Var { name, secret });
    }
    vars
}
