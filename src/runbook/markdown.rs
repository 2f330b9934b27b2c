//! Turns the block tree into phases and steps, following the zero-annotation mapping of
//! DESIGN.md §2: headings are phases, task items are checks, numbered items are manual steps,
//! shell and SQL fences are runnable steps titled by the item or paragraph they belong to.

use std::borrow::Cow;
use std::ops::Range;

use crate::runbook::blocks::{Block, Item};
use crate::runbook::command::{CodeLang, split_code};
use crate::runbook::danger::{danger_in, danger_reason, names_production};
use crate::runbook::diagnostic::Diagnostic;
use crate::runbook::fence::{info_lang, parse_info};
use crate::runbook::heading::{HeadingPlan, heading_plan};
use crate::runbook::inputs::{CodeVars, Dialect, strip_shell_comments, vars_in};
use crate::runbook::model::{Attrs, Phase, Step, StepKind};
use crate::runbook::source::LineIndex;

/// Longest step title kept; the full text stays in the step's detail.
const MAX_TITLE_CHARS: usize = 100;

/// What the walk produces; ids and vars are filled in afterwards by [`crate::runbook::parse`].
pub struct Walked {
    pub title: Option<String>,
    pub front_matter: Option<(String, usize)>,
    pub description: String,
    pub phases: Vec<Phase>,
    pub diagnostics: Vec<Diagnostic>,
}

pub struct Walker<'a> {
    src: &'a str,
    lines: &'a LineIndex,
    out: Walked,
    /// Open phases, innermost last.
    open: Vec<usize>,
    /// Per phase: whether its title names production (asked for every fence under it).
    production: Vec<bool>,
    /// Steps made so far.
    made: usize,
    /// Steps of phase `pending.0` not yet moved into it: a phase's steps are gathered here and
    /// moved once, into a vector of exactly their number (a `Step` is a few hundred bytes).
    pending: (usize, Vec<Step>),
}

impl<'a> Walker<'a> {
    pub fn new(src: &'a str, lines: &'a LineIndex) -> Self {
        let out = Walked {
            title: None,
            front_matter: None,
            description: String::new(),
            phases: Vec::new(),
            diagnostics: Vec::new(),
        };
        Self {
            src,
            lines,
            out,
            open: Vec::new(),
            production: Vec::new(),
            made: 0,
            pending: (0, Vec::new()),
        }
    }

    pub fn walk(mut self, blocks: &[Block]) -> Walked {
        let mut prev_paragraph: Option<&str> = None;
        for block in blocks {
            let mut paragraph = None;
            match block {
                Block::FrontMatter { yaml, range } => {
                    let first = self.lines.line(range.start) + 1;
                    self.out.front_matter = Some((yaml.clone(), first));
                }
                Block::Heading { level, text, range } => self.heading(*level, text, range),
                Block::Paragraph { text, range, .. } => {
                    self.describe(range.clone());
                    paragraph = Some(&**text);
                }
                Block::Code {
                    fenced: true,
                    info,
                    code,
                    range,
                } => {
                    let title = prev_paragraph.map(short_title);
                    if !self.fence(info, code, range, title, &[], None) {
                        self.describe(range.clone());
                    }
                }
                Block::List { ordered, items, .. } => self.list(*ordered, items, &[], true),
                Block::Code { range, .. } | Block::Other { range } => self.describe(range.clone()),
            }
            prev_paragraph = paragraph;
        }
        self.flush_steps();
        self.out
    }

    fn heading(&mut self, level: u8, text: &str, range: &Range<usize>) {
        let line = self.lines.line(range.start);
        if level == 1 && self.out.title.is_none() && self.out.phases.is_empty() {
            self.out.title = Some(text.to_string());
            return;
        }
        while self
            .open
            .last()
            .is_some_and(|&i| self.out.phases[i].level >= level)
        {
            self.open.pop();
        }
        self.open_phase(text.to_string(), level, line, heading_plan(text));
    }

    /// Adds a phase inside the innermost open one and makes it the current phase.
    fn open_phase(&mut self, title: String, level: u8, line: usize, plan: HeadingPlan) {
        self.production.push(names_production(&title));
        self.out.phases.push(Phase {
            title,
            level,
            line,
            parent: self.open.last().copied(),
            timebox_secs: plan.timebox_secs,
            window: plan.window,
            description: String::new(),
            steps: Vec::new(),
        });
        self.open.push(self.out.phases.len() - 1);
    }

    /// The index of the phase new steps go to; steps before any heading get a phase named after
    /// the runbook.
    fn phase(&mut self) -> usize {
        if self.open.is_empty() {
            let title = self
                .out
                .title
                .clone()
                .unwrap_or_else(|| "Steps".to_string());
            self.open_phase(title, 1, 1, HeadingPlan::default());
        }
        *self.open.last().expect("a phase is open")
    }

    /// Adds source text to the current phase's description (or the runbook's, before any phase).
    fn describe(&mut self, range: Range<usize>) {
        let text = self.src.get(range).unwrap_or("").trim_end();
        if text.is_empty() {
            return;
        }
        let target = match self.open.last() {
            Some(&i) => &mut self.out.phases[i].description,
            None => &mut self.out.description,
        };
        if !target.is_empty() {
            target.push_str("\n\n");
        }
        target.push_str(text);
    }

    fn push_step(&mut self, step: Step) {
        self.made += 1;
        let phase = self.phase();
        if phase != self.pending.0 {
            self.flush_steps();
            self.pending.0 = phase;
        }
        self.pending.1.push(step);
    }

    /// Moves the gathered steps into their phase.
    fn flush_steps(&mut self) {
        let (phase, steps) = &mut self.pending;
        if let Some(p) = self.out.phases.get_mut(*phase) {
            // Exactly their number: appending to an empty vector would reserve four.
            if p.steps.is_empty() {
                p.steps = Vec::with_capacity(steps.len());
            }
            p.steps.append(steps);
        }
    }

    /// Makes a step of a fenced block when its language runs; returns whether it did.
    /// `at` is the line the step starts on when that is not the fence's (its list item's).
    fn fence(
        &mut self,
        info: &str,
        code: &str,
        range: &Range<usize>,
        title: Option<Cow<'_, str>>,
        context: &[String],
        at: Option<usize>,
    ) -> bool {
        let info_parsed = parse_info(info);
        let fence_line = self.lines.line(range.start);
        self.check_closed(range, fence_line);
        let line = at.unwrap_or(fence_line);
        let Some(lang) = CodeLang::from_info(&info_parsed.lang, code) else {
            return false;
        };
        if let Some(bad) = &info_parsed.malformed {
            self.out.diagnostics.push(Diagnostic::warning(
                fence_line,
                1,
                format!("fence attribute `{bad}` is not `key=value` or a bare flag; it is ignored"),
            ));
        }
        let split = split_code(code, lang);
        if split.commands.trim().is_empty() || lang.is_shell() && only_comments(&split.commands) {
            let what = if split.expected_output.is_some() {
                "only output (no `$ ` prompt lines)"
            } else {
                "only comments"
            };
            self.out.diagnostics.push(Diagnostic::warning(
                fence_line,
                1,
                format!("{} block holds {what}: nothing to run", lang.name()),
            ));
        }
        let kind = lang.kind();
        let in_production = self.open.iter().any(|&i| self.production[i]);
        let (vars, dangerous) = read_code(
            &split.commands,
            kind,
            info_parsed.attrs.confirm,
            in_production,
        );
        let title = title
            .filter(|t| !t.is_empty())
            .map_or_else(|| code_title(&split.commands, lang), Cow::into_owned);
        let step = Step {
            id: String::new(),
            kind,
            title: with_context(context, title),
            line,
            code: Some(split.commands),
            expected_output: split.expected_output,
            inputs: vars.inputs,
            sets: vars.sets,
            attrs: info_parsed.attrs,
            dangerous,
            detail: String::new(),
        };
        self.push_step(step);
        true
    }

    /// A fence whose block does not end with a closing fence ran to the end of its container.
    fn check_closed(&mut self, range: &Range<usize>, line: usize) {
        let raw = self.src.get(range.clone()).unwrap_or("");
        let mut lines = raw.lines().filter(|l| !l.trim().is_empty());
        let Some(open) = lines.next().map(str::trim_start) else {
            return;
        };
        let ch = match open.chars().next() {
            Some(c @ ('`' | '~')) => c,
            _ => return,
        };
        let n = open.chars().take_while(|&c| c == ch).count();
        let closed = raw.lines().nth(1).is_some()
            && lines
                .next_back()
                .map(str::trim)
                .is_some_and(|l| l.len() >= n && l.chars().all(|c| c == ch));
        if !closed {
            let fence: String = std::iter::repeat_n(ch, n).collect();
            let col =
                self.lines.line_col(self.src, range.start).1 + raw.len() - raw.trim_start().len();
            self.out.diagnostics.push(Diagnostic::error(
                line,
                col,
                format!("{fence} fence opened at line {line} is never closed; add a closing {fence} line at the same indentation"),
            ));
        }
    }

    /// Walks a list: task items are checks, numbered items manual steps, fences inside items
    /// runnable steps titled by their item. `top` lists put their plain items in the description.
    fn list(&mut self, ordered: bool, items: &[Item], context: &[String], top: bool) {
        for item in items {
            let title = match item.blocks.first() {
                Some(Block::Paragraph { text, .. }) => short_title(text),
                _ => Cow::Borrowed(""),
            };
            let has_fence = item
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Code { .. }) && has_steps(b));
            let line = self.lines.line(item.range.start);
            let mut made_step = false;
            // Only a task or numbered item can be a check or manual step; the nested-steps walk
            // is needed only to tell a numbered item from a group.
            let acknowledged = item.task.is_some()
                || (ordered
                    && !has_fence
                    && !item
                        .blocks
                        .iter()
                        .any(|b| matches!(b, Block::List { .. }) && has_steps(b)));
            if acknowledged {
                let detail = self.detail(item);
                let kind = if item.task.is_some() {
                    StepKind::Check
                } else {
                    StepKind::Manual
                };
                self.push_step(Step {
                    id: String::new(),
                    kind,
                    title: with_context(
                        context,
                        if title.is_empty() {
                            "(untitled)".to_string()
                        } else {
                            title.to_string()
                        },
                    ),
                    line,
                    code: None,
                    expected_output: None,
                    inputs: Vec::new(),
                    sets: Vec::new(),
                    attrs: Attrs::default(),
                    dangerous: None,
                    detail,
                });
                made_step = true;
            }
            // Fences directly in the item: the first takes the item's title, later ones the
            // paragraph just before them (or the title, numbered).
            let mut prev_paragraph: Option<&str> = None;
            let mut nth = 0;
            for block in &item.blocks {
                match block {
                    Block::Paragraph { text, .. } => prev_paragraph = Some(text),
                    Block::Code {
                        fenced: true,
                        info,
                        code,
                        range,
                    } => {
                        let own = match (nth, prev_paragraph) {
                            (0, _) => title.clone(),
                            (_, Some(p)) if p != item_first_text(item) => short_title(p),
                            _ => Cow::Owned(format!("{title} ({})", nth + 1)),
                        };
                        let at = (nth == 0).then_some(line);
                        if self.fence(info, code, range, Some(own), context, at) {
                            nth += 1;
                            made_step = true;
                        }
                        prev_paragraph = None;
                    }
                    Block::List {
                        ordered: o,
                        items: sub,
                        ..
                    } => {
                        let mut ctx = context.to_vec();
                        if ordered && item.task.is_none() && !has_fence && !title.is_empty() {
                            ctx.push(title.to_string());
                        }
                        let before = self.made;
                        self.list(*o, sub, &ctx, false);
                        made_step |= self.made > before;
                        prev_paragraph = None;
                    }
                    _ => prev_paragraph = None,
                }
            }
            if top && !made_step {
                self.describe(item.range.clone());
            }
        }
    }

    /// The Markdown of an item after its first line: nested bullets and notes.
    fn detail(&self, item: &Item) -> String {
        let raw = self.src.get(item.range.clone()).unwrap_or("");
        let body = raw.split_once('\n').map_or("", |(_, rest)| rest);
        let mut detail = dedent(body);
        detail.truncate(detail.trim_end().len());
        detail
    }
}

/// The inputs, assignments and danger of a step's commands. Shell code is stripped of its
/// comments once, for both the input and the danger rules.
fn read_code(
    commands: &str,
    kind: StepKind,
    confirm: bool,
    in_production: bool,
) -> (CodeVars, Option<String>) {
    let dialect = match kind {
        StepKind::Shell => Dialect::Shell,
        StepKind::Sql => Dialect::Sql,
        _ => Dialect::Text,
    };
    let scanned = match kind {
        StepKind::Shell => strip_shell_comments(commands),
        _ => Cow::Borrowed(commands),
    };
    let vars = vars_in(&scanned, dialect);
    let dangerous = if confirm {
        Some("marked `confirm` in the runbook".to_string())
    } else {
        match kind {
            StepKind::Shell => danger_in(&scanned, in_production),
            StepKind::Sql => danger_reason(commands, false, in_production),
            _ => None,
        }
    };
    (vars, dangerous)
}

fn item_first_text<'a>(item: &'a Item<'_>) -> &'a str {
    match item.blocks.first() {
        Some(Block::Paragraph { text, .. }) => text,
        _ => "",
    }
}

/// Whether a block would produce any step (a task item, a numbered item, a runnable fence).
fn has_steps(block: &Block) -> bool {
    match block {
        Block::Code {
            fenced: true,
            info,
            code,
            ..
        } => CodeLang::from_info(&info_lang(info), code).is_some(),
        Block::List { ordered, items, .. } => {
            *ordered
                || items
                    .iter()
                    .any(|i| i.task.is_some() || i.blocks.iter().any(has_steps))
        }
        _ => false,
    }
}

fn only_comments(code: &str) -> bool {
    code.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#'))
}

/// A title from the block's first line: a leading comment (`# …`, `-- …`) or the command itself.
fn code_title(code: &str, lang: CodeLang) -> String {
    let first = code
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("#!"));
    let Some(first) = first else {
        return lang.name().to_string();
    };
    let comment = if lang.is_shell() {
        first.strip_prefix('#')
    } else {
        first.strip_prefix("--")
    };
    let text = comment.map_or(first, |c| c.trim_start_matches(['#', '-', ' ']));
    let text = text.trim_end_matches('\\').trim_end();
    if text.is_empty() {
        lang.name().to_string()
    } else {
        short_title(text).into_owned()
    }
}

/// A checklist-sized title: first sentence-ish, no trailing colon, at most [`MAX_TITLE_CHARS`].
/// Borrowed unless cut, since most items are asked for theirs and few become steps.
fn short_title(text: &str) -> Cow<'_, str> {
    let t = text.trim().trim_end_matches(':').trim_end();
    // A string has at most as many characters as bytes: most titles need no counting.
    if t.len() <= MAX_TITLE_CHARS || t.chars().count() <= MAX_TITLE_CHARS {
        return Cow::Borrowed(t);
    }
    let cut: String = t.chars().take(MAX_TITLE_CHARS - 1).collect();
    let cut = cut
        .rfind(' ')
        .filter(|&i| i > MAX_TITLE_CHARS / 2)
        .map_or(cut.as_str(), |i| &cut[..i]);
    Cow::Owned(format!("{}…", cut.trim_end_matches([',', ';', ':', ' '])))
}

fn with_context(context: &[String], title: String) -> String {
    if context.is_empty() {
        title
    } else {
        format!("{} › {title}", context.join(" › "))
    }
}

/// Removes the common leading indentation of non-blank lines.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(text.len());
    for (i, l) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(l.get(indent..).unwrap_or(l.trim_start()));
    }
    out
}
