//! Runbooks: Markdown files read into a checklist model.
//!
//! [`load`] reads a file safely, [`parse`] maps the Markdown (DESIGN.md §2) into a [`Runbook`]
//! with stable step ids, inputs, danger flags and diagnostics. Parsing never fails: whatever the
//! text, a model comes back and problems are reported as [`Diagnostic`]s.

mod blocks;
mod command;
pub mod danger;
pub mod diagnostic;
pub mod duration;
pub mod fence;
pub mod frontmatter;
pub mod heading;
pub mod ids;
pub mod inputs;
mod lint;
mod lint_steps;
mod markdown;
pub mod model;
mod prose;
mod shape;
pub mod source;
mod words;

use std::path::Path;

pub use diagnostic::{Diagnostic, Severity};
pub use model::{Attrs, Choice, Phase, Runbook, Step, StepKind, Var, Window};
pub use source::LoadError;

use crate::runbook::source::LineIndex;

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
    let blocks = blocks::parse_blocks(text);
    let walked = markdown::Walker::new(text, &lines).walk(&blocks);
    let mut diagnostics = walked.diagnostics;
    let front_matter = match walked.front_matter {
        Some((yaml, first_line)) => match frontmatter::parse_front_matter(&yaml, first_line) {
            Ok((fm, warnings)) => {
                diagnostics.extend(warnings);
                Some(fm)
            }
            Err(e) => {
                diagnostics.push(e);
                None
            }
        },
        None => None,
    };
    let mut phases = walked.phases;
    ids::assign_ids(&mut phases, &mut diagnostics);
    let title = front_matter
        .as_ref()
        .and_then(|f| f.title.clone())
        .or(walked.title)
        .unwrap_or_else(|| file_stem(source));
    let mut runbook = Runbook {
        title,
        source: source.to_string(),
        front_matter,
        description: walked.description,
        phases,
        vars: Vec::new(),
        diagnostics,
    };
    runbook.vars = collect_vars(&runbook);
    lint::lint(text, &mut runbook);
    runbook.diagnostics.sort_by_key(|d| (d.line, d.col));
    runbook
}

fn file_stem(source: &str) -> String {
    Path::new(source)
        .file_stem()
        .map_or_else(|| source.to_string(), |s| s.to_string_lossy().into_owned())
}

/// Front-matter vars first, in their order, then step inputs in order of first use.
fn collect_vars(runbook: &Runbook) -> Vec<Var> {
    let fm = runbook.front_matter.as_ref();
    let declared = fm.into_iter().flat_map(|f| f.vars.keys().cloned());
    let used = runbook.steps().flat_map(|(_, s)| s.inputs.iter().cloned());
    let mut vars: Vec<Var> = Vec::new();
    for name in declared.chain(used) {
        if vars.iter().any(|v| v.name == name) {
            continue;
        }
        let secret = fm
            .and_then(|f| f.var_secret(&name))
            .unwrap_or_else(|| inputs::name_looks_secret(&name));
        vars.push(Var { name, secret });
    }
    vars
}
