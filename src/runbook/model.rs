//! The parsed runbook: what every other part of flightdeck reads.
//!
//! The model is plain data, built once by [`crate::runbook::parse`]; nothing in it refers back to
//! the Markdown parser, so the TUI, the journal and the exporters can use it freely.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::runbook::diagnostic::Diagnostic;
use crate::runbook::frontmatter::FrontMatter;

/// A runbook as the captain walks it: a title, phases in document order, and what the file said
/// about itself in front matter.
#[derive(Debug, Clone, Default)]
pub struct Runbook {
    /// The front-matter `title`, else the first heading of any level, else the file name.
    pub title: String,
    /// Where the runbook was read from, as the user named it.
    pub source: String,
    /// Typed front matter; `None` when the file has none (or none of it could be read).
    pub front_matter: Option<FrontMatter>,
    /// Markdown text between the title and the first phase: the runbook's own introduction.
    pub description: String,
    /// Every phase, flat and in document order; nesting is given by `level` and `parent`.
    pub phases: Vec<Phase>,
    /// The inputs a run asks the captain for: front-matter vars first, then step inputs in order
    /// of use, except those an earlier step sets (they flow from it; see [`Step::sets`]).
    pub vars: Vec<Var>,
    /// Problems found while reading: `flightdeck check` prints them, `run` refuses on errors.
    pub diagnostics: Vec<Diagnostic>,
}

/// A heading of the runbook; steps belong to the phase whose heading precedes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    /// The heading text as written, suffixes such as `(30 min)` included.
    pub title: String,
    /// Heading level 1–6.
    pub level: u8,
    /// 1-based line of the heading in the source.
    pub line: usize,
    /// Index in [`Runbook::phases`] of the enclosing phase, if any.
    pub parent: Option<usize>,
    /// Planned duration from a heading suffix like `(30 min)` or `(45-60 minutes)` (upper bound).
    pub timebox_secs: Option<u64>,
    /// Planned clock window from a heading suffix like `(02:00-02:20 UTC)`.
    pub window: Option<Window>,
    /// Planned start relative to the go time, from `T-15`, `T+0`, `T+1hr`, `T-6 days` in the
    /// heading: negative before go.
    pub offset_secs: Option<i64>,
    /// Reference text of the phase (paragraphs, tables, bullets, non-runnable blocks) as Markdown.
    pub description: String,
    /// The phase's own steps (not those of nested phases), in document order.
    pub steps: Vec<Step>,
}

/// A planned clock window, kept as written so that time zones are not guessed at parse time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
    /// Time zone as written (`UTC`, `CET`, …), or `local` when none was given.
    pub tz: String,
}

/// One thing the captain does: acknowledge, run a command, run SQL, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Stable id: explicit `id=` or derived from the phase path and title.
    pub id: String,
    pub kind: StepKind,
    /// What the checklist shows: the list item, the paragraph before a fence, or the first line.
    pub title: String,
    /// 1-based line where the step starts (the list item, or the opening fence).
    pub line: usize,
    /// The action: commands to run (prompts stripped), SQL, or a later kind's block text.
    pub code: Option<String>,
    /// For `console` blocks: the lines that are not prompts, i.e. what the author saw printed.
    pub expected_output: Option<String>,
    /// Names of the values the step needs, in order of first appearance, without duplicates.
    pub inputs: Vec<String>,
    /// Shell variables the step's script sets: where later steps' `$VAR` inputs may come from.
    pub sets: Vec<String>,
    /// Attributes from the fence info string (`{id=x confirm timeout=20m}`).
    pub attrs: Attrs,
    /// Why the step needs confirmation before it runs, when it does.
    pub dangerous: Option<String>,
    /// Markdown under the step (nested bullets, notes) shown in the detail pane.
    pub detail: String,
    /// Whether the command was read from prose rather than a labelled fence (a bullet's
    /// inline code, a paragraph, indented or unlabelled code): the captain confirms it before
    /// its first run, since flightdeck guessed it.
    pub inferred: bool,
    /// The alternative this step belongs to ("Option A", "Alternatively, …", a per-OS
    /// variant): taking one option skips the steps of the others.
    pub choice: Option<Choice>,
    /// Inside `<details>`: done only when wanted; `n` passes it and the run finishes without it.
    pub optional: bool,
    /// How long the step says it takes ("Watch the dashboards for 10 minutes", "(takes ~5
    /// min)"): the cockpit times it against this.
    pub estimate_secs: Option<u64>,
    /// "# repeat for each commit you want in the release": the step runs once per value, and
    /// each run asks for its inputs again. Holds what it repeats for ("each commit …").
    pub repeat: Option<String>,
    /// The sub-folder a block enters for a task of its own after entering its working folder
    /// (`cd rust` … `cd src/tools/cargo`): the steps after it go on in the working folder, as
    /// the author wrote them, not inside the sub-folder. Also the folder a note told this
    /// block alone to run in ("run this command inside the `docs` directory").
    pub subtask_folder: Option<String>,
    /// Inputs this step asks for again, offering the value they hold: it is the first step of
    /// its section to use a value of a kind a runbook picks anew where it needs one (a commit,
    /// a pod), so the value an earlier section gave may not be this section's.
    pub renew: Vec<String>,
}

/// One option of a choice between alternatives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// Which choice: steps with the same group are alternatives to each other.
    pub group: usize,
    /// The option this step belongs to, as the runbook names it.
    pub option: String,
}

/// Every step as `(line, phase, step)`, in the order the source writes them: a choice's options
/// and sections an option names are walked out of place, yet what one step leaves for the next
/// (a folder, an export, a value) follows the text.
pub fn source_order(phases: &[Phase]) -> Vec<(usize, usize, usize)> {
    let mut order: Vec<(usize, usize, usize)> = phases
        .iter()
        .enumerate()
        .flat_map(|(p, phase)| {
            phase
                .steps
                .iter()
                .enumerate()
                .map(move |(s, st)| (st.line, p, s))
        })
        .collect();
    order.sort_unstable();
    order
}

impl Step {
    /// The code the cockpit runs in a shell, for rules that rewrite or read only that (a manual
    /// step's code is shown, never run).
    pub fn shell_code(&self) -> Option<&str> {
        self.code
            .as_deref()
            .filter(|_| self.kind == StepKind::Shell)
    }

    /// A step done by hand and acknowledged: no code, no inputs; the walker fills in the rest.
    pub fn manual(title: String, line: usize, detail: String) -> Step {
        Step {
            id: String::new(),
            kind: StepKind::Manual,
            title,
            line,
            code: None,
            expected_output: None,
            inputs: Vec::new(),
            sets: Vec::new(),
            attrs: Attrs::default(),
            dangerous: None,
            detail,
            inferred: false,
            choice: None,
            optional: false,
            estimate_secs: None,
            repeat: None,
            subtask_folder: None,
            renew: Vec::new(),
        }
    }

    /// Whether running the step means executing something (as opposed to acknowledging it).
    pub fn is_executable(&self) -> bool {
        !matches!(self.kind, StepKind::Check | StepKind::Manual)
    }
}

/// The kinds of step; later kinds are parsed now so that old binaries can still plan new files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// A `- [ ]` task-list item: acknowledge it.
    Check,
    /// An ordered-list item without code: do it by hand, then acknowledge.
    Manual,
    /// A shell block run with `bash -c`.
    Shell,
    /// A `sql` block run on the runbook's database.
    Sql,
    /// An `http` block: a request with expectations.
    Http,
    /// A `watch` block: a soak gate over metrics.
    Watch,
    /// A `notify` block: a webhook post.
    Notify,
}

impl StepKind {
    /// The lowercase name used in `plan` output and the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Check => "check",
            StepKind::Manual => "manual",
            StepKind::Shell => "shell",
            StepKind::Sql => "sql",
            StepKind::Http => "http",
            StepKind::Watch => "watch",
            StepKind::Notify => "notify",
        }
    }
}

/// Runme-style attributes of a fence; the well-known ones typed, the rest kept verbatim.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs {
    pub id: Option<String>,
    /// Ask for confirmation before running, whatever the code looks like.
    pub confirm: bool,
    /// Raw duration text such as `20m`; see [`crate::runbook::duration::parse_duration`].
    pub timeout: Option<String>,
    pub role: Option<String>,
    /// Which front-matter database a `sql` step runs on.
    pub db: Option<String>,
    /// Name of the input that receives the step's last stdout line.
    pub capture: Option<String>,
    /// Any other `key=value` (or bare `key`, stored as `true`).
    pub other: BTreeMap<String, String>,
}

/// An input a run can ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Var {
    pub name: String,
    /// Masked everywhere it is shown or written.
    pub secret: bool,
}

impl Runbook {
    /// Every step in document order, with the index of its phase.
    pub fn steps(&self) -> impl Iterator<Item = (usize, &Step)> {
        self.phases
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.steps.iter().map(move |s| (i, s)))
    }

    /// The step with this id, if any.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps().map(|(_, s)| s).find(|s| s.id == id)
    }

    /// Adds a shell step the captain made from code shown in the detail pane (`step_added` in
    /// the journal) to phase `phase` (the last phase when that index is gone); no-op when the
    /// id exists. The journal is the record: every view that replays a run adds them again.
    pub fn add_adhoc_step(&mut self, phase: usize, id: &str, title: &str, code: &str) {
        if self.step(id).is_some() {
            return;
        }
        let Some(last) = self.phases.len().checked_sub(1) else {
            return;
        };
        let step = Step {
            id: id.to_string(),
            kind: StepKind::Shell,
            title: title.to_string(),
            line: self.phases[phase.min(last)].line,
            code: Some(code.to_string()),
            expected_output: None,
            inputs: crate::runbook::inputs::code_inputs(
                code,
                crate::runbook::inputs::Dialect::Shell,
            ),
            sets: Vec::new(),
            attrs: Attrs::default(),
            dangerous: crate::runbook::danger::danger_reason(code, true, false),
            detail: "Ad hoc: run from the detail pane; not in the runbook file.".into(),
            inferred: false,
            choice: None,
            optional: false,
            estimate_secs: None,
            repeat: None,
            subtask_folder: None,
            renew: Vec::new(),
        };
        self.phases[phase.min(last)].steps.push(step);
    }

    /// [`Runbook::add_adhoc_step`] for every `step_added` event of a run, before replaying it.
    pub fn add_adhoc_steps(&mut self, events: &[crate::journal::Event]) {
        for e in events {
            if let (crate::journal::EventKind::StepAdded { phase, title, code }, Some(id)) =
                (&e.kind, e.step.as_deref())
            {
                self.add_adhoc_step(*phase, id, title, code);
            }
        }
    }

    /// Whether any diagnostic is an error (the runbook should not be run as is).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Whether the named input is secret (front matter says so, or its name looks like one).
    pub fn is_secret(&self, name: &str) -> bool {
        self.vars.iter().find(|v| v.name == name).map_or_else(
            || crate::runbook::inputs::name_looks_secret(name),
            |v| v.secret,
        )
    }
}
