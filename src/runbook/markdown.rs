//! Turns the block tree into phases and steps, following the zero-annotation mapping of
//! DESIGN.md §2, read the way people write runbooks:
//!
//! - headings are phases; a numbered heading ("3. Tag the release") whose section holds no step
//!   is one manual step;
//! - task items are checks; numbered items and the bullets of a procedure are manual steps, or
//!   shell steps when they are a command in inline code ("Run `make release`");
//! - labelled shell, SQL, HTTP, watch and notify fences are steps; unlabelled fences, indented
//!   code and `\`-continued paragraphs are steps when they read as commands (`shape.rs`);
//! - output after an output lead-in, or shaped like output, is the expected output of the step
//!   before it, never a step; code that falls out of a numbered item belongs to it;
//! - lists of facts, links, names and options stay reference text, and `check` names every
//!   command-shaped text that did not become a step.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::runbook::blocks::{Block, Item, Spans, parse_blocks_at};
use crate::runbook::choice::{
    anchor_slug, are_alternatives, general_topic, label_names_value, linked_anchors, names_a_case,
    offers_a_choice, offers_an_alternative, option_label, option_values_apart, points_elsewhere,
    release_kind_topic, says_optional, settings_apart, task_on_a_condition, way_label,
};
use crate::runbook::command::{CodeLang, Label, split_code};
use crate::runbook::danger::{danger_in, danger_reason, names_production};
use crate::runbook::diagnostic::Diagnostic;
use crate::runbook::example_values;
use crate::runbook::fence::{info_lang, parse_info};
use crate::runbook::heading::{HeadingPlan, heading_plan};
use crate::runbook::inputs::{
    CodeVars, Dialect, bare_name_placeholders, bracket_placeholders, name_stand_ins,
    respell_placeholders, spelled_out_logins, spelling_key, strip_shell_comments, thing_key,
    variable_names, vars_in,
};
use crate::runbook::model::{Attrs, Choice, Phase, Step, StepKind};
use crate::runbook::notation::{
    declared_example, example_version, neighbour_versions, notations, upgrades_the_guide,
};
use crate::runbook::prose::{
    announces_output, brings_up_machines, file_to_create, introduces_explanation, is_instruction,
    labels_additional_information, names_a_machine, names_a_reference_section, offered_example,
};
use crate::runbook::shape::{
    DATABASE_SHELL, SUBSHELL, Shape, block_shape, gate_line, has_prompts, in_another_users_shell,
    is_command_line, is_console_request, labelled_shell_is_output, needs_a_person, never_ends,
    printed_then_used, prompt_host, prompt_split, remote_part, repeat_line, shows_an_edit,
    tunnel_line,
};
use crate::runbook::source::LineIndex;
use crate::runbook::title::{
    code_title, describes_the_block_below, heading_words, is_bare_label, is_caveat,
    is_numbered_heading, item_title, leading_comment, names_the_same_task, quote_label,
    says_only_how, sentence_for_title, sentences, short_title, strip_numbering, with_context,
    without_closing_label,
};

/// What the walk produces; ids and vars are filled in afterwards by [`crate::runbook::parse`].
pub struct Walked {
    pub title: Option<String>,
    pub front_matter: Option<(String, usize)>,
    pub description: String,
    pub phases: Vec<Phase>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A code block as the walker meets it.
struct Code<'b> {
    fenced: bool,
    info: &'b str,
    code: &'b str,
    range: &'b Range<usize>,
}

/// How a code block reads, once its label, shape and the prose before it are weighed.
enum Reading {
    /// A runnable step of this language: commands and, for transcripts, output.
    Step {
        lang: CodeLang,
        commands: String,
        expected: Option<String>,
        inferred: bool,
    },
    /// Commands that wait for a person (an editor, a database shell): a manual step.
    /// `sql`: the code is SQL typed in a database shell, read for danger as SQL.
    ByHand {
        why: &'static str,
        code: String,
        sql: bool,
    },
    /// What a step prints: the expected output of the step before it.
    Output(String),
    /// Reference text; with a warning for `check` when it was a candidate.
    Reference(Option<String>),
}

/// Where the step a list item made sits, so that code falling out of the item can join it.
#[derive(Clone, Copy)]
struct ItemStep {
    /// Index into the walker's pending steps.
    at: usize,
    /// Whether the item could take code (a numbered item or an instruction, not a check).
    takes_code: bool,
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
    /// The last prose of the current phase and how many steps it titled: a block is never
    /// titled by its own code when text comes before it.
    last_text: Option<(String, usize)>,
    /// The last paragraph of the current phase that leads into a block ("Find the instance
    /// by:"), and how many steps had been made when it was read: when examples, a caveat or a
    /// label stand between it and the block, it still titles the block, unless a step came
    /// between.
    lead_in: Option<(String, usize)>,
    /// The file the prose of the current phase says to create with the next data block, and
    /// how many steps had been made then.
    file_lead: Option<(String, usize)>,
    /// Machines the runbook's prompts name (`server1:# `, `server2:$ `): with two or more,
    /// a block typed at one of them is done there by hand, not run here.
    hosts: Vec<String>,
    /// The current section said its steps are for one case ("this is only to be used if
    /// …"): they are optional.
    section_conditional: bool,
    /// Commands a note of this section says not to run in a case ("For client apps, … can't
    /// be resurrected with `pm2 resurrect`. Deploy them from scratch instead."), with what
    /// the step that runs them says of it: "not for client apps: deploy them from scratch".
    not_for: Vec<(String, String)>,
    /// The prose of this section says its commands run on another machine ("On a kafka
    /// broker, go to …", "run this on your old server"): its blocks are done by hand there.
    remote_section: bool,
    /// The runbook moves a service to another machine ("Migrating to a new machine",
    /// "from one server to another"): every command runs on the old or the new one, so a
    /// section's blocks are done there by hand unless its prose says "locally".
    between_machines: bool,
    /// Items at the end of an overview that no later section spells out ("Update your DNS
    /// settings", "Update your Nginx configuration"): the cutover after the detailed steps,
    /// added after the last phase with steps once the walk is done.
    overview_tail: Vec<Step>,
    /// Steps of a list's items after a "(see below)" summary: done after that section's own
    /// steps (its heading's offset, the phase they were written in, the steps).
    after_section: Vec<(usize, usize, Vec<Step>)>,
    /// Inside a list of facts ("### Responsibilities", "Additional information:"): its nested
    /// lists are facts too.
    reference_list: bool,
    /// Instructions for ahead of time ("set the DNS TTL low a day in advance"): they open
    /// the first phase with steps, whatever section says them.
    ahead: Vec<Step>,
    /// Every name the runbook sets or reads as a variable: a bare name in capitals among
    /// them is no value to ask for.
    variables: HashSet<String>,
    /// Tabs of a choice whose body made no step: (phase, option, body). A section that only
    /// says how to do what its heading instructs, tab by tab, is one manual step per tab.
    quiet_tabs: Vec<(usize, Choice, Range<usize>)>,
    /// Where the list of answers to a question the step before asks starts: in that step.
    answers_at: Option<usize>,
    /// Bare names the runbook ties to one of its variables (`named_after`).
    tied_names: HashMap<String, String>,
    /// Names in capitals the runbook writes as placeholders (`<POD>`), for bare uses in code.
    written: HashSet<String>,
    /// The sample value the prose showed in this section, for the code after it.
    example: Option<example_values::Example>,
    /// A block opened an interactive database shell (`mysql --host … -p`): the `sql` blocks
    /// after it are typed there, until a heading at this level or above.
    db_session: Option<u8>,
    /// A block opened an interactive shell on this machine and left it open (`gds aws
    /// prod-admin --shell`): the shell blocks after it are typed there (they need what it
    /// holds), until the next heading at this level or above: its section's subsections.
    shell_session: Option<u8>,
    /// Whether any block opened a database shell: in a runbook that declares no database, its
    /// later `sql` blocks (a troubleshooting query) are typed in such a shell too.
    session_opened: bool,
    /// Choices made so far (their group numbers).
    choices: usize,
    /// A paragraph said "Or" / "Alternatively": the next step is an alternative to the last.
    alternative_next: bool,
    /// How deep inside `<details>` the walk is: steps there are optional.
    details: usize,
    /// Every heading (start offset, words without numbering): an overview item that names a
    /// later heading is that section's summary, not a step of its own.
    headings: Vec<(usize, String, String)>,
    /// Each word of those headings, to the positions in `headings` that hold it, in order: the
    /// heading a "(see below)" item names is looked up by its words, not by a scan.
    heading_word_index: HashMap<String, Vec<usize>>,
    /// Values the prose says to replace ("Replace `YY` with the year") and example versions it
    /// declares: the phase whose code they stand in (`None`: the whole runbook), the text as
    /// written and the placeholder that takes its place.
    named: Vec<(Option<usize>, String, String)>,
    /// The example version a runbook declares it walks through ("an example of releasing
    /// NixOS 19.09"), and the sentence that declares it.
    declared: Option<(String, String)>,
    /// The MyST tab being walked: its steps are that option of the tab set's choice.
    tab: Option<Choice>,
    /// The choice each set of tab names made, so that later tab sets with the same tabs join it.
    tab_groups: Vec<(Vec<String>, usize)>,
    /// How many tab sets the walk is inside: deeper ones stay reference (see `MAX_TAB_DEPTH`).
    tab_depth: usize,
    /// Environments the runbook activates (`conda activate rever`): name, activation.
    activations: Vec<crate::runbook::environment::Activation>,
    /// "Make sure to run this command inside the `eksctl` directory" just above: the folder
    /// the next block runs in (entered and left again, so nothing after it moves).
    folder_next: Option<String>,
    /// Where the runbook activates and leaves environments: a bare command later in the
    /// activation's section runs with it.
    held: crate::runbook::environment::Held,
    /// The block just read was shown at a plain `$ ` prompt: its step keeps no activation.
    plain_prompt: bool,
    /// Levels of the open headings that say their work is done on other machines.
    machine_headings: Vec<u8>,
    /// The folder the block just read was told to run in: its step's `subtask_folder`.
    folder_entered: Option<String>,
}

/// Tab sets nested deeper than this are shown, not read: each level is a recursion.
const MAX_TAB_DEPTH: usize = 4;

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
            last_text: None,
            lead_in: None,
            section_conditional: false,
            not_for: Vec::new(),
            remote_section: false,
            between_machines: moves_between_machines(src),
            overview_tail: Vec::new(),
            after_section: Vec::new(),
            reference_list: false,
            ahead: Vec::new(),
            variables: HashSet::new(),
            tied_names: HashMap::new(),
            answers_at: None,
            quiet_tabs: Vec::new(),
            written: HashSet::new(),
            example: None,
            db_session: None,
            shell_session: None,
            session_opened: false,
            file_lead: None,
            hosts: Vec::new(),
            choices: 0,
            alternative_next: false,
            details: 0,
            headings: Vec::new(),
            heading_word_index: HashMap::new(),
            named: Vec::new(),
            declared: None,
            tab: None,
            tab_groups: Vec::new(),
            tab_depth: 0,
            activations: Vec::new(),
            folder_next: None,
            held: Default::default(),
            plain_prompt: false,
            machine_headings: Vec::new(),
            folder_entered: None,
        }
    }

    pub fn walk(mut self, blocks: &[Block]) -> Walked {
        self.remote_section = self.between_machines;
        self.variables = variable_names(self.src);
        let variables = &self.variables;
        self.tied_names = crate::runbook::named_after::named_after(self.src, |body| {
            bare_name_placeholders(body, variables, &HashSet::new(), &HashMap::new())
        });
        self.written = crate::runbook::inputs::capital_placeholders_in_code(self.src);
        self.held = crate::runbook::environment::Held::of(self.src);
        for (_, found) in &self.held.activated {
            if !self.activations.iter().any(|a| a.name == found.name) {
                self.activations.push(found.clone());
            }
        }
        for line in self.src.lines() {
            if let Some(host) = prompt_host(line)
                && !self.hosts.iter().any(|h| h == host)
            {
                self.hosts.push(host.to_string());
            }
        }
        self.headings = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { text, range, .. } => {
                    Some((range.start, heading_words(text), text.to_string()))
                }
                _ => None,
            })
            .collect();
        for (k, (_, words, _)) in self.headings.iter().enumerate() {
            for w in words.split_whitespace() {
                let at = self.heading_word_index.entry(w.to_string()).or_default();
                if at.last() != Some(&k) {
                    at.push(k);
                }
            }
        }
        self.walk_blocks(blocks, None);
        self.flush_steps();
        self.subtask_folders();
        let ahead = std::mem::take(&mut self.ahead);
        if let Some(first) = self.out.phases.iter_mut().find(|p| !p.steps.is_empty()) {
            first.steps.splice(0..0, ahead);
        } else if let Some(first) = self.out.phases.first_mut() {
            first.steps.extend(ahead);
        }
        let tail = std::mem::take(&mut self.overview_tail);
        if let Some(last) = self
            .out
            .phases
            .iter_mut()
            .rev()
            .find(|p| !p.steps.is_empty())
        {
            last.steps.extend(tail);
        }
        let deferred = std::mem::take(&mut self.after_section);
        let by_line: HashMap<usize, usize> = if deferred.is_empty() {
            HashMap::new()
        } else {
            self.out
                .phases
                .iter()
                .enumerate()
                .map(|(i, p)| (p.line, i))
                .collect()
        };
        for (target, written, steps) in deferred {
            let line = self.lines.line(target);
            let mut phase = by_line.get(&line).copied().unwrap_or(written);
            // A section whose steps are all in its subsections is done after the last of them.
            if let Some(p) = self.out.phases.get(phase)
                && p.steps.is_empty()
            {
                let level = p.level;
                let under = self.out.phases[phase + 1..]
                    .iter()
                    .take_while(|q| q.level > level)
                    .count();
                if let Some(last) = (phase + 1..=phase + under)
                    .rev()
                    .find(|&k| !self.out.phases[k].steps.is_empty())
                {
                    phase = last;
                }
            }
            if let Some(p) = self.out.phases.get_mut(phase) {
                p.steps.extend(steps);
            }
        }
        self.numbered_headings();
        self.heading_choices();
        self.linked_sections();
        self.labelled_variants();
        self.spelled_out_examples();
        self.split_steps();
        self.named_placeholders();
        self.merge_spellings();
        for (line, message) in crate::runbook::lost_program::restore(&mut self.out.phases) {
            self.warn(line, 1, message);
        }
        crate::runbook::skips::skipped_sections(&mut self.out.phases, self.src, self.lines);
        // A step titled by its own code keeps that title over the rewrites below (a lost
        // program, example values made inputs): titled by the code it runs.
        let by_code = crate::runbook::title::titled_by_code(&self.out.phases);
        self.separate_procedures();
        crate::runbook::attached_disks::on_the_instance(&mut self.out.phases);
        crate::runbook::example_addresses::ask_for_example_addresses(&mut self.out.phases);
        crate::runbook::some_example::ask_for_some_examples(&mut self.out.phases);
        crate::runbook::values::split_by_flag(&mut self.out.phases);
        crate::runbook::values::count_reassigned(&mut self.out.phases);
        crate::runbook::values::mark_renewed(&mut self.out.phases);
        crate::runbook::title::retitle_by_code(&mut self.out.phases, &by_code);
        crate::runbook::example_addresses::act_on_the_picked_member(&mut self.out.phases);
        crate::runbook::reentered::paths_from_inside(&mut self.out.phases);
        crate::runbook::reentered::guard_reentered(&mut self.out.phases);
        crate::runbook::exported::show_exported_values(&mut self.out.phases);
        crate::runbook::automatic::pass_automatic_sections(&mut self.out.phases);
        // `<<COMMENT` … `COMMENT` under a command: what it printed, shown, not run
        // (last, so that line numbers counted in the code above hold).
        for step in self.out.phases.iter_mut().flat_map(|p| &mut p.steps) {
            if step.kind != StepKind::Shell {
                continue;
            }
            if let Some((code, shown)) = step
                .code
                .as_deref()
                .and_then(crate::runbook::command::bare_heredocs)
            {
                step.code = Some(code);
                step.expected_output = Some(match step.expected_output.take() {
                    Some(before) => format!("{before}\n{shown}"),
                    None => shown,
                });
            }
        }
        self.out
    }

    /// The walk over one sequence of blocks: the document's, or a MyST tab's body, which the
    /// paragraph before its tab set (`lead`) leads into.
    fn walk_blocks(&mut self, blocks: &[Block<'_>], lead: Option<&str>) {
        // Per block: whether the next block of its section that makes steps is a list (of tasks,
        // say) rather than a block the paragraph's own words describe. One backward pass.
        let mut list_next = vec![false; blocks.len()];
        // And whether no later block of its section makes steps at all.
        let mut none_later = vec![true; blocks.len()];
        let mut next: Option<bool> = None;
        for (i, block) in blocks.iter().enumerate().rev() {
            list_next[i] = next.unwrap_or(false);
            none_later[i] = next.is_none();
            if matches!(block, Block::Heading { .. }) {
                next = None;
            } else if has_steps(block) {
                next = Some(matches!(block, Block::List { .. }));
            }
        }
        // The paragraph just before the current block, and the step of the last item of a
        // list just before it.
        let mut lead: Option<&str> = lead;
        let mut after_list: Option<ItemStep> = None;
        // A heading right before a block ("##### 1. Install portainer:") titles it.
        let mut after_heading = false;
        for (i, block) in blocks.iter().enumerate() {
            let mut next_lead = None;
            let mut next_list = None;
            let heading_before = std::mem::take(&mut after_heading);
            // "**OR**" offers the very next step; a block in between that makes none ends it.
            let offered = self.alternative_next;
            let made_before = self.made;
            match block {
                Block::FrontMatter { yaml, range } => {
                    let first = self.lines.line(range.start) + 1;
                    self.out.front_matter = Some((yaml.clone(), first));
                }
                Block::Heading { level, text, range } => {
                    self.heading(*level, text, range);
                    after_heading = true;
                }
                // "Cutover procedure\n^^^^^^": the document's first line, underlined with a
                // run of one mark Markdown does not read as a heading, is its title.
                Block::Paragraph { range, .. }
                    if self.out.title.is_none()
                        && self.out.phases.is_empty()
                        && self.made == 0
                        && let Some(title) = underlined_title(self.src.get(range.clone())) =>
                {
                    self.heading(1, title, range);
                    after_heading = true;
                }
                // "> **Login:**", "Authentication: https://…", then the block: the paragraph
                // points at the tool's documentation; the quote still labels the block.
                Block::Paragraph { text, range, .. }
                    if is_link_reference(text)
                        && i > 0
                        && matches!(blocks.get(i - 1), Some(Block::Other { range: r })
                            if quote_label(self.src.get(r.clone()).unwrap_or("")).is_some()) =>
                {
                    self.describe(range.clone());
                    next_lead = lead;
                }
                Block::Paragraph {
                    text, spans, range, ..
                } => {
                    // "After running this command, you will be asked to …" under a block: it
                    // is typed by hand.
                    if let Some(Block::Code { range: code, .. }) =
                        i.checked_sub(1).map(|k| &blocks[k])
                        && crate::runbook::prose::says_it_will_ask(text)
                    {
                        let at = self.lines.line(code.start);
                        if let Some(step) = self
                            .pending
                            .1
                            .last_mut()
                            .filter(|s| s.kind == StepKind::Shell && s.line == at)
                        {
                            step.kind = StepKind::Manual;
                            step.inputs.clear();
                            step.sets.clear();
                            step.detail = "Do this in your own terminal: the runbook says it asks \
                                           for an answer on the terminal."
                                .to_string();
                            // "- If you already know …, type in `daskhub` …" / "- Otherwise, just
                            // hit ENTER …": the answers, by case, are this step's to give.
                            if let Some(Block::List { items, .. }) = blocks.get(i + 1)
                                && let (Some(first), Some(last)) = (items.first(), items.last())
                                && items.len() > 1
                                && items.iter().all(|item| {
                                    let said = self
                                        .src
                                        .get(item.range.clone())
                                        .unwrap_or("")
                                        .trim_start_matches(['-', '*', '+', ' ']);
                                    ["If ", "Otherwise", "Else"]
                                        .iter()
                                        .any(|c| said.starts_with(c))
                                        // (Not "If …, then run `./bin/x`": a step of its own.)
                                        && {
                                            let first = said.lines().next().unwrap_or("");
                                            answers_the_prompt(first)
                                                || !item_has_inline_command(item)
                                                    && !quotes_a_command_to_run(first)
                                        }
                                })
                            {
                                let answers = self
                                    .src
                                    .get(first.range.start..last.range.end)
                                    .unwrap_or("");
                                step.detail = format!("{}\n\n{}", step.detail, answers.trim_end());
                                self.answers_at = Some(first.range.start);
                            }
                        }
                    }
                    let or = offers_an_alternative(text);
                    self.alternative_next |= or;
                    let lower = text.to_ascii_lowercase();
                    // "Suppose, for example, that we have a core dump file:" over its path, or
                    // "For example, `deny-all` seems a likely culprit.": the code after it
                    // names the author's sample, the captain has their own.
                    let shown = match blocks.get(i + 1) {
                        Some(Block::Code { code, .. }) => example_values::supposed(text, code),
                        _ => None,
                    };
                    if let Some(example) =
                        shown.or_else(|| example_values::named(text, &spans.code))
                    {
                        self.example = Some(example);
                    }
                    // "Sometimes we need to do a patch release, …" right under the heading: the
                    // section is for an occasion, not for every run.
                    // So is "In some emergency situations, you might need to …".
                    let heading = self
                        .open
                        .last()
                        .and_then(|&p| self.out.phases.get(p))
                        .map(|p| p.title.to_ascii_lowercase())
                        .unwrap_or_default();
                    let occasion = some_occasion(&lower, &heading);
                    let occasional = heading_before
                        && ["sometimes ", "occasionally ", occasion.as_str()]
                            .iter()
                            .filter(|p| !p.is_empty())
                            .any(|p| {
                                lower.strip_prefix(p).is_some_and(|r| {
                                    [
                                    "we need to",
                                    "we have to",
                                    "you need to",
                                    "you have to",
                                    "you may need to",
                                    "we may need to",
                                    "you might need to",
                                ]
                                .iter()
                                .any(|w| r.starts_with(w))
                                    // "Sometimes a PR requires testing …" (not "In some
                                    // cases, a restart needs a second try": a note).
                                    || !p.starts_with("in ")
                                        && r.split_whitespace()
                                        .take(5)
                                        .any(|w| w == "requires" || w == "needs")
                                })
                            });
                    // "If your initialization job crashes with a Bus error, you likely need to
                    // fix the hugepages settings." right under the heading: a known issue's
                    // section, for that case only.
                    let for_a_problem = heading_before
                        && lower.starts_with("if ")
                        && says_optional(text)
                        && lower.split_once(", ").is_some_and(|(_, r)| {
                            let r = r
                                .trim_start_matches("you ")
                                .trim_start_matches("likely ")
                                .trim_start_matches("probably ")
                                .trim_start_matches("may ")
                                .trim_start_matches("might ");
                            r.starts_with("need to ")
                        });
                    // "Although rare, the server can crash and leave a core dump." right
                    // under the heading: the section is for the time it happens.
                    // Only when it names a problem ("can crash"), not a delay that is fine or
                    // a failure something else handles ("…; the script retries.").
                    let rare =
                        heading_before && RARE_OPENERS.iter().any(|p| lower.starts_with(p)) && {
                            let clause = lower.split(['.', ';']).next().unwrap_or("");
                            PROBLEM_WORDS.iter().any(|w| clause.contains(w))
                                && !HANDLED_ANYWAY.iter().any(|w| lower.contains(w))
                        };
                    self.section_conditional |= occasional
                        || for_a_problem
                        || rare
                        || ["only to be used if", "only use this if"]
                            .iter()
                            .any(|p| lower.contains(p));
                    if let Some(path) = file_to_create(text) {
                        self.file_lead = Some((path.to_string(), self.made));
                    }
                    match names_a_machine(text) {
                        Some(true) => self.remote_section = true,
                        Some(false) => self.remote_section = false,
                        None => {}
                    }
                    self.note_named(text, spans);
                    // (Read in the source: it names the command in backticks.)
                    if let Some(caveat) = self
                        .src
                        .get(range.clone())
                        .and_then(crate::runbook::standing::not_for)
                    {
                        self.not_for.push(caveat);
                    }
                    // "I usually keep the old data around" right after the block that deletes
                    // it: that step is the captain's call.
                    if i > 0
                        && matches!(blocks.get(i - 1), Some(Block::Code { .. }))
                        && made_before > 0
                        && self.pending.0 == self.phase()
                        && crate::runbook::advice::declines(text)
                        && let Some(step) = self.pending.1.last_mut()
                    {
                        step.optional = true;
                    }
                    // A paragraph ending in ":" or before a block introduces it.
                    // "Apply these changes with the following command." leads into the
                    // block below it, even with a caveat between them.
                    let points_below = ["the following command", "the command below"]
                        .iter()
                        .any(|p| lower.contains(p));
                    // (An admonition's closing `:::` leads into nothing.)
                    let leads_into = text.trim_end().ends_with(':')
                        && !text.trim_end().ends_with(":::")
                        || points_below
                        || matches!(
                            blocks.get(i + 1),
                            Some(Block::Code { .. } | Block::List { .. })
                        );
                    let made_here = self.made;
                    if !self.paragraph(text, spans, range, leads_into)
                        && (leads_into
                            || !self.instruction_between_steps(
                                text,
                                range,
                                list_next[i],
                                none_later[i],
                            ))
                    {
                        self.describe(range.clone());
                        // A bare "OR" titles nothing: the block after it has its own title.
                        let bare_or = or && text.split_whitespace().count() == 1;
                        self.last_text = (!bare_or).then(|| (text.to_string(), 0));
                        next_lead = Some(&**text);
                        let leads = text.trim_end().ends_with(':')
                            || is_instruction(text)
                            || describes_the_block_below(text);
                        if leads && !is_bare_label(text) && !is_caveat(text) {
                            if matches!(
                                blocks.get(i + 1),
                                Some(Block::Code { .. } | Block::List { .. })
                            ) {
                                self.instructions_before_the_lead(text, range);
                                self.preparation_after_the_title(text, range);
                            }
                            self.lead_in = Some((text.to_string(), self.made));
                        }
                    }
                    // "You'll need to disable branch protection to push the new branch." after
                    // the block that pushes: done before that block.
                    if self.made == made_here + 1
                        && i > 0
                        && matches!(blocks.get(i - 1), Some(Block::Code { .. }))
                        && let [.., before, _] = &self.pending.1[..]
                        && before
                            .code
                            .as_deref()
                            .is_some_and(|c| crate::runbook::advice::needed_first(text, c))
                    {
                        let n = self.pending.1.len();
                        self.pending.1.swap(n - 1, n - 2);
                    }
                    // "Once finished, the services depending on it can be restarted." after a
                    // block: an instruction in the passive, a step of its own.
                    // One that opens a tab ("… these files need to be manually generated")
                    // is that option's first step, whatever it leads into.
                    let after_block = !leads_into
                        && i > 0
                        && matches!(blocks.get(i - 1), Some(Block::Code { .. }))
                        && self.open.last() == Some(&self.pending.0)
                        && !self.pending.1.is_empty();
                    let opens_tab = i == 0 && self.tab.is_some();
                    if self.made == made_here
                        && (after_block || opens_tab)
                        && let Some(title) = crate::runbook::passive::passive_instruction(text)
                    {
                        let line = self.lines.line(range.start);
                        self.push_step(Step::manual(title, line, text.to_string()));
                    }
                }
                Block::Code {
                    fenced: true,
                    info,
                    range,
                    ..
                } if info.trim() == "{tab-set}" && self.tab_depth < MAX_TAB_DEPTH => {
                    if let Some(body) = fence_body(self.src, range) {
                        self.tab_set(body, lead);
                    }
                }
                Block::Code {
                    fenced: true,
                    info,
                    code,
                    range,
                } if info.trim().starts_with("{")
                    && crate::runbook::prose::folder_to_run_in(code).is_some() =>
                {
                    // A MyST note (```{tip}) that says where to run the next block; the
                    // captain still reads it.
                    self.folder_next = crate::runbook::prose::folder_to_run_in(code);
                    if let Some(body) = fence_body(self.src, range) {
                        self.describe(body);
                    }
                }
                Block::Code {
                    fenced,
                    info,
                    code,
                    range,
                } => {
                    let block = Code {
                        fenced: *fenced,
                        info,
                        code,
                        range,
                    };
                    let made = self.made;
                    // ("You should see:" over indented lines: output, however it is laid out.)
                    if !*fenced
                        && after_list.is_none()
                        && !lead.is_some_and(crate::runbook::prose::announces_output)
                        && let Some(parts) = crate::runbook::outline::outline(code)
                    {
                        self.indented_procedure(parts, range, lead, heading_before);
                        self.lead_in = None;
                        lead = None;
                        after_list = None;
                        continue;
                    }
                    self.top_code(&block, lead, after_list, heading_before);
                    // "… by setting the option port=5433 in /etc/…/postgresql.conf, disable the
                    // old server:" over a block that does not touch that file: the edit is a
                    // manual step before it.
                    if self.made == made + 1
                        && let Some((title, detail)) =
                            lead.and_then(|l| crate::runbook::edits::edit_left_to_do(l, code))
                    {
                        let line = match i.checked_sub(1).and_then(|k| blocks.get(k)) {
                            Some(Block::Paragraph { range, .. }) => self.lines.line(range.start),
                            _ => self.lines.line(range.start),
                        };
                        let step = Step::manual(title, line, detail);
                        self.push_step(step);
                        let n = self.pending.1.len();
                        if n >= 2 {
                            self.pending.1.swap(n - 1, n - 2);
                        }
                    }
                    // "Restart the daemon so that the config takes effect" over a block that
                    // only prepares (commit the config, lock the tables), the restart in a
                    // block further on: this block prepares for what its lead asks.
                    if self.made == made + 1
                        && let Some(l) = lead
                        && let Some(verb) = crate::runbook::dependents::service_verb_first(l)
                        && !code.to_ascii_lowercase().contains(verb)
                        && blocks[i + 1..]
                            .iter()
                            .take_while(|b| !matches!(b, Block::Heading { .. }))
                            .find_map(|b| match b {
                                Block::Code { code, .. } => Some(code),
                                _ => None,
                            })
                            .is_some_and(|next| next.to_ascii_lowercase().contains(verb))
                        && let Some(step) = self.pending.1.last_mut()
                        && step
                            .title
                            .eq_ignore_ascii_case(l.trim().trim_end_matches(['.', ':']))
                    {
                        let mut rest = step.title.clone();
                        if let Some(first) = rest.get_mut(..1) {
                            first.make_ascii_lowercase();
                        }
                        step.title = format!("Prepare to {rest}");
                    }
                    // "Stop all the services using PostgreSQL and the old and new servers" over
                    // a block that stops the servers: the services are stopped by hand, first.
                    if self.made == made + 1
                        && let Some((by_hand, rest)) =
                            lead.and_then(crate::runbook::dependents::dependents_left)
                        && let Some(step) = self.pending.1.last_mut()
                        && step.is_executable()
                    {
                        step.title = rest;
                        let line = match i.checked_sub(1).and_then(|k| blocks.get(k)) {
                            Some(Block::Paragraph { range, .. }) => self.lines.line(range.start),
                            _ => self.lines.line(range.start),
                        };
                        let detail = lead.unwrap_or("").to_string();
                        self.push_step(Step::manual(by_hand, line, detail));
                        let n = self.pending.1.len();
                        if n >= 2 {
                            self.pending.1.swap(n - 1, n - 2);
                        }
                    }
                    // The paragraph right before a block led into that block, run or not.
                    if lead.is_some() {
                        self.lead_in = None;
                    }
                }
                // The answers to the question the step before asks: in its detail already.
                Block::List { items, .. }
                    if items
                        .first()
                        .is_some_and(|f| self.answers_at == Some(f.range.start)) =>
                {
                    self.answers_at = None;
                }
                Block::List {
                    ordered,
                    start,
                    items,
                } => {
                    // `2.` after a fence at the margin goes on with the procedure it broke.
                    let lead = if *ordered && *start > 1 { None } else { lead };
                    let made = self.made;
                    // "If something goes wrong, you'll need to:" and its list: every item is
                    // for that case only.
                    let before = self.section_conditional;
                    let case = lead.filter(|l| leads_into_a_case(l));
                    self.section_conditional |= case.is_some();
                    // Its items carry the case, as a nested list's carry the item above it.
                    let context: Vec<String> = case
                        .and_then(crate::runbook::cases::case_of)
                        .into_iter()
                        .collect();
                    next_list = self.list(*ordered, *start > 1, items, &context, true, lead);
                    self.section_conditional = before;
                    // "- Number of commits:" then a block: the item labels it.
                    let label = match items.last().and_then(|i| i.blocks.first()) {
                        Some(Block::Paragraph { text, .. })
                            if self.made == made && text.trim_end().ends_with(':') =>
                        {
                            Some(text)
                        }
                        _ => None,
                    };
                    if let Some(text) = label {
                        self.last_text = Some((text.to_string(), 0));
                        next_lead = Some(&**text);
                    }
                }
                Block::Other { range } => {
                    self.note_named_in_quote(range);
                    let html = self.src.get(range.clone()).unwrap_or("");
                    // A warning box drawn as a one-cell table ("| Do NOT run these unless
                    // … |"): a note, and its gate a step where it stands.
                    if let Some((title, optional)) = crate::runbook::standing::boxed_note(html)
                        .and_then(crate::runbook::standing::note_gate)
                    {
                        let line = self.lines.line(range.start);
                        let mut step = Step::manual(title, line, html.to_string());
                        step.optional = optional;
                        self.push_step(step);
                    }
                    // `> **(One-time) Login:**` labels the block after it.
                    if let Some(label) = quote_label(html) {
                        self.last_text = Some((label, 0));
                        next_lead = Some(html);
                    } else {
                        // Quoted output or a table between: what led in before is not this
                        // block's.
                        self.lead_in = None;
                    }
                    // `<details><summary><h2>Step</h2>` folds a section of the procedure away,
                    // it does not make it optional.
                    let section = html.contains("<summary><h") || html.contains("<summary>\n<h");
                    let opened = if section {
                        0
                    } else {
                        html.matches("<details").count()
                    };
                    let closed = html.matches("</details>").count();
                    self.details = (self.details + opened).saturating_sub(closed);
                    // ... and its `<hN>` is that section's heading: a phase like any other.
                    if let Some((level, text)) = section.then(|| summary_heading(html)).flatten() {
                        self.heading(level, &text, range);
                        after_heading = true;
                    } else {
                        self.describe(range.clone());
                    }
                }
            }
            if offered && self.made == made_before {
                self.alternative_next = false;
            }
            lead = next_lead;
            after_list = next_list;
        }
    }

    /// A MyST ```` ```{tab-set} ```` of ```` ````{tab-item} AWS ```` fences: each tab's body is
    /// read as the Markdown it is, and its steps are that tab's option of one choice. Tab sets
    /// whose tabs have the same names are one choice: the captain picks AWS once.
    fn tab_set(&mut self, body: Range<usize>, lead: Option<&str>) {
        let tabs: Vec<(String, Range<usize>)> = parse_blocks_at(self.src, body)
            .iter()
            .filter_map(|b| match b {
                Block::Code { info, range, .. } => {
                    let name = info.trim().strip_prefix("{tab-item}")?.trim();
                    let body = fence_body(self.src, range)?;
                    Some((name.to_string(), past_options(self.src, body)))
                }
                _ => None,
            })
            .collect();
        let names: Vec<String> = tabs.iter().map(|(n, _)| n.clone()).collect();
        // Each tab starts where the set starts: after the paragraph that leads into it.
        let prose = self.last_text.clone();
        if tabs.len() < 2 {
            self.tab_depth += 1;
            for (_, range) in tabs {
                self.walk_blocks(&parse_blocks_at(self.src, range), lead);
            }
            self.tab_depth -= 1;
            return;
        }
        let group = match self.tab_groups.iter().find(|(n, _)| *n == names) {
            Some((_, g)) => *g,
            None => {
                self.choices += 1;
                self.tab_groups.push((names, self.choices));
                self.choices
            }
        };
        let outer = self.tab.take();
        self.tab_depth += 1;
        for (option, range) in tabs {
            let made = self.made;
            self.tab = Some(Choice {
                group,
                option: option.clone(),
            });
            self.last_text = prose.clone();
            self.walk_blocks(&parse_blocks_at(self.src, range.clone()), lead);
            if self.made == made
                && let Some(&phase) = self.open.last()
            {
                self.quiet_tabs
                    .push((phase, Choice { group, option }, range));
            }
        }
        self.tab_depth -= 1;
        self.tab = outer;
    }

    /// Blocks that are two steps as written. One that opens a tunnel and then uses it
    /// (`kubectl port-forward`, then `curl localhost:…`) would never reach its later lines:
    /// they become the next step, run while the first keeps going. One whose lines say
    /// `# repeat for each commit …` runs those lines once per value, and the lines after them
    /// once, after the last.
    fn split_steps(&mut self) {
        for k in 0..self.out.phases.len() {
            let mut at = Some(k);
            let mut in_production = false;
            while let Some(p) = at {
                in_production |= self.production.get(p).copied().unwrap_or(false);
                at = self.out.phases[p].parent;
            }
            let phase = &mut self.out.phases[k];
            let mut i = 0;
            while i < phase.steps.len() {
                let step = &phase.steps[i];
                let code = step.code.as_deref().unwrap_or("");
                let shell = step.kind == StepKind::Shell && !code.contains("<<");
                let tunnel = shell.then(|| tunnel_line(code)).flatten();
                let repeat = shell.then(|| repeat_line(code)).flatten();
                let remote = shell.then(|| remote_part(code)).flatten();
                let gate = shell.then(|| gate_line(code)).flatten();
                let printed = (shell
                    && tunnel.is_none()
                    && repeat.is_none()
                    && remote.is_none()
                    && gate.is_none())
                .then(|| printed_then_used(code))
                .flatten();
                let Some(at) = tunnel
                    .or(repeat.as_ref().map(|(at, _)| *at))
                    .or(remote)
                    .or(gate.as_ref().map(|(at, _)| *at))
                    .or(printed.as_ref().map(|p| p.at))
                else {
                    i += 1;
                    continue;
                };
                let has_rest = code.lines().skip(at + 1).any(|l| !l.trim().is_empty());
                if !has_rest {
                    // The whole block repeats.
                    phase.steps[i].repeat = repeat.filter(|_| tunnel.is_none()).map(|(_, e)| e);
                    i += 1;
                    continue;
                }
                let mut lines = code.lines();
                let first: String = lines
                    .by_ref()
                    .take(at + 1)
                    .map(|l| format!("{l}\n"))
                    .collect();
                let rest: String = lines.map(|l| format!("{l}\n")).collect();
                let confirm = step.attrs.confirm;
                let (head, head_danger) =
                    read_code(&first, StepKind::Shell, confirm, in_production);
                let (tail, tail_danger) = read_code(&rest, StepKind::Shell, confirm, in_production);
                // The later lines run in a shell of their own: they cannot use what the first
                // part sets (`POD=$(…)`), so such a block stays whole.
                if head.sets.iter().any(|s| tail.inputs.contains(s)) {
                    i += 1;
                    continue;
                }
                let mut then = step.clone();
                let mut check = None;
                if let Some(printed) = printed {
                    // "# get the last commit id" over `git log …`, then `<commit-id>` used:
                    // the value is asked once the part that prints it ran.
                    phase.steps[i].title = capitalized(&printed.title);
                    if let Some((each, name)) = printed.each {
                        then.repeat = Some(each);
                        then.renew = vec![name];
                    }
                } else if tunnel.is_none() && repeat.is_none() && remote.is_none() {
                    // The author's gate: the captain checks what the first line printed.
                    let words = gate.map(|(_, w)| w).unwrap_or_default();
                    let mut gate_step = Step::manual(words, step.line, String::new());
                    gate_step.choice = step.choice.clone();
                    gate_step.optional = step.optional;
                    check = Some(gate_step);
                    then.title = format!("{} (after the check)", step.title);
                    then.detail = String::new();
                } else if tunnel.is_none() && repeat.is_none() {
                    // `# Remote`: the lines after it are typed on the other machine.
                    then.kind = StepKind::Manual;
                    then.title = format!("{} (on the remote machine)", step.title);
                    then.detail = "Do this in your own terminal: it runs on another machine, \
                                   which its comment names."
                        .to_string();
                    then.inferred = true;
                } else if tunnel.is_some() {
                    let blocking = first.lines().last().unwrap_or("").trim().to_string();
                    then.title = format!("{} (then, while it runs)", step.title);
                    then.detail = format!("Runs while the step before keeps `{blocking}` going.");
                } else {
                    // "Cherry-pick the changes … and then push the changes": each half its own.
                    let (once, after) = match step.title.split_once(" and then ") {
                        Some((once, after)) => (once.to_string(), capitalized(after)),
                        None => (
                            step.title.clone(),
                            format!("{} (after the last repeat)", step.title),
                        ),
                    };
                    then.title = after;
                    then.detail = String::new();
                    phase.steps[i].title = once;
                    phase.steps[i].repeat = repeat.map(|(_, each)| each);
                }
                (then.inputs, then.sets, then.dangerous) = (tail.inputs, tail.sets, tail_danger);
                if then.kind == StepKind::Manual {
                    (then.inputs, then.sets) = (Vec::new(), Vec::new());
                }
                then.code = Some(rest);
                let step = &mut phase.steps[i];
                // Output shown after the block is what the later lines print.
                step.expected_output = None;
                (step.inputs, step.sets, step.dangerous) = (head.inputs, head.sets, head_danger);
                step.code = Some(first);
                phase.steps.insert(i + 1, then);
                i += 2;
                if let Some(check) = check {
                    phase.steps.insert(i - 1, check);
                    i += 1;
                }
            }
        }
    }

    /// One value written in several styles (`<pod-name>` here, `<pod_name>` there,
    /// `<NAMESPACE>` and `<namespace>`, `<CLUSTER>` and `<CLUSTER_NAME>`) is one input, spelled
    /// as it is first written.
    fn merge_spellings(&mut self) {
        // A thing and its name (`<environment>`, `<environmentname>`) are one value, unless a
        // step writes both: then they are two.
        let mut apart: HashSet<String> = HashSet::new();
        for step in self.out.phases.iter().flat_map(|p| &p.steps) {
            let mut seen: HashMap<String, String> = HashMap::new();
            for name in &step.inputs {
                let exact = spelling_key(name);
                match seen.get(&thing_key(name)) {
                    Some(other) if *other != exact => {
                        apart.insert(thing_key(name));
                    }
                    _ => {
                        seen.insert(thing_key(name), exact);
                    }
                }
            }
        }
        let key = |name: &str| {
            let thing = thing_key(name);
            if apart.contains(&thing) {
                spelling_key(name)
            } else {
                thing
            }
        };
        // Spelling key → the first spelling (a map: a runbook may hold thousands of inputs).
        let mut first: std::collections::HashMap<String, String> = Default::default();
        for step in self.out.phases.iter().flat_map(|p| &p.steps) {
            for name in &step.inputs {
                first.entry(key(name)).or_insert_with(|| name.clone());
            }
        }
        let respell = |name: &str| first.get(&key(name)).filter(|n| *n != name).cloned();
        for step in self.out.phases.iter_mut().flat_map(|p| &mut p.steps) {
            if !step.inputs.iter().any(|n| respell(n).is_some()) {
                continue;
            }
            let Some(code) = step.code.as_deref() else {
                continue;
            };
            if let Some(new) = respell_placeholders(code, respell) {
                // A step titled by its one command reads as the command now runs.
                if step.title == code.trim() {
                    step.title = new.trim().to_string();
                }
                step.inputs = read_code(&new, step.kind, false, false).0.inputs;
                step.code = Some(new);
            }
        }
    }

    fn heading(&mut self, level: u8, text: &str, range: &Range<usize>) {
        let line = self.lines.line(range.start);
        // `## Basic steps {#basic-steps}`: the anchor id is for the site, not the captain.
        let text = match text.rfind(" {#") {
            Some(i) if text.ends_with('}') => text[..i].trim_end(),
            _ => text,
        };
        self.last_text = None;
        self.lead_in = None;
        self.folder_next = None;
        self.section_conditional = false;
        self.not_for.clear();
        self.example = None;
        // "## Work on API Instances": this section and those under it are typed on them.
        self.machine_headings.retain(|&l| l < level);
        if crate::runbook::prose::heading_works_on_machines(text) {
            self.machine_headings.push(level);
        }
        self.remote_section = self.between_machines || !self.machine_headings.is_empty();
        self.file_lead = None;
        if self.db_session.is_some_and(|end| level <= end) {
            self.db_session = None;
        }
        if self.shell_session.is_some_and(|end| level <= end) {
            self.shell_session = None;
        }
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
        // "## Known issues" › "### Pods are stuck in Pending": each section under it is one
        // problem's, walked only when that problem is seen.
        // (Any heading above: "#### Fix" under "### Disk fills up" under it too.)
        self.section_conditional = self
            .open
            .iter()
            .any(|&p| names_known_issues(&self.out.phases[p].title));
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
            offset_secs: plan.offset_secs,
            description: String::new(),
            steps: Vec::new(),
        });
        self.open.push(self.out.phases.len() - 1);
    }

    /// The index of the phase new steps go to; steps before any heading get a phase named after
    /// the runbook.
    fn phase(&mut self) -> usize {
        if let Some(&i) = self.open.last() {
            return i;
        }
        let title = self
            .out
            .title
            .clone()
            .unwrap_or_else(|| "Steps".to_string());
        self.open_phase(title, 1, 1, HeadingPlan::default());
        self.out.phases.len() - 1
    }

    /// The activation a shell step at `line` with `code` still runs under: one typed earlier
    /// in a section still open, not left, and not already in the code.
    fn held_at(&self, line: usize, code: &str) -> Option<String> {
        use crate::runbook::environment as env;
        let open_since = |at: usize| {
            // Phases open in source order: the activation's section is the last one before it.
            let after = self.out.phases.partition_point(|p| p.line <= at);
            after.checked_sub(1).is_some_and(|i| self.open.contains(&i))
        };
        let found = self.held.at(line, open_since)?;
        let has = code.contains(&found.said)
            || code
                .lines()
                .any(|l| env::is_activation_run(l) || env::deactivates(l));
        (!has).then(|| found.run.clone())
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

    /// Adds a step; returns its index among the pending steps. A step after "Or" /
    /// "Alternatively" becomes an alternative to the step before it; one inside `<details>`
    /// is optional.
    fn push_step(&mut self, mut step: Step) -> usize {
        self.made += 1;
        if let Some(code) = step.code.as_deref().map(str::trim)
            && let Some((_, caveat)) = self.not_for.iter().find(|(c, _)| c == code)
        {
            step.title = format!("{} ({caveat})", step.title);
        }
        // "Rerun `rever --force <VERSION>`" after `conda activate rever` in this section: the
        // command is typed in the activated terminal (a block was weighed when it was read).
        if !std::mem::take(&mut self.plain_prompt)
            && step.kind == StepKind::Shell
            && !self.held.activated.is_empty()
            && let Some(code) = &step.code
            && let Some(run) = self.held_at(step.line, code)
        {
            step.code = Some(format!("{run}\n{code}"));
        }
        let phase = self.phase();
        if phase != self.pending.0 {
            self.flush_steps();
            self.pending.0 = phase;
            self.alternative_next = false;
        }
        // "If the resource cannot be replaced, either › Restore it from a backup": an item
        // under a condition is as optional as the condition.
        // "If there are deprecations, add them. Otherwise, remove the section.": both cases
        // have work, so the step is done either way.
        // (A step that opens with "Otherwise, …" is itself the other case.)
        // "Otherwise, skip this step." is no second piece of work: the step stays optional.
        const NO_WORK: &[&str] = &[
            "skip",
            "stop",
            "continue",
            "move on",
            "go on",
            "proceed",
            "ignore",
            "do nothing",
            "you can skip",
            "you are done",
            "nothing",
        ];
        let other_case = |rest: &str| !NO_WORK.iter().any(|w| rest.starts_with(w));
        let later = |text: &str| {
            let lower = text.to_ascii_lowercase();
            lower
                .match_indices(". otherwise, ")
                .any(|(at, m)| other_case(&lower[at + m.len()..]))
        };
        let either_way = |text: &str| {
            later(text)
                || text
                    .trim_start()
                    .to_ascii_lowercase()
                    .strip_prefix("otherwise, ")
                    .is_some_and(other_case)
        };
        let otherwise = later(&step.title) || either_way(&step.detail);
        // In a runbook or section about a crash, "… the node that has crashed" is its work.
        let about_failure = self
            .out
            .title
            .iter()
            .chain(
                self.open
                    .iter()
                    .filter_map(|&p| self.out.phases.get(p))
                    .map(|p| &p.title),
            )
            .any(|t| crate::runbook::choice::about_a_failure(t));
        let says = |t: &str| match crate::runbook::choice::without_failed_thing(t) {
            Some(rest) if about_failure => says_optional(&rest),
            _ => says_optional(t),
        };
        if about_failure && crate::runbook::choice::without_failed_thing(&step.title).is_some() {
            step.optional = false;
        }
        step.optional |=
            self.details > 0 || self.section_conditional || step.title.split(" › ").any(says);
        // An explicit "(Optional)" wins over "Otherwise, …".
        let marked_optional = step.title.to_ascii_lowercase().contains("(optional)");
        if otherwise && self.details == 0 && !self.section_conditional && !marked_optional {
            step.optional = false;
        }
        if step.choice.is_none() {
            step.choice = self.tab.clone();
        }
        // "… for desired branches" over `--branch <branch_name>`: once for each branch.
        if step.kind == StepKind::Shell
            && step.repeat.is_none()
            && let Some((each, input)) =
                crate::runbook::series::for_each_named(&step.title, &step.inputs)
        {
            step.repeat = Some(each);
            if !step.renew.contains(&input) {
                step.renew.push(input);
            }
        }
        if step.estimate_secs.is_none() {
            step.estimate_secs = step_estimate(&step.title);
        }
        if std::mem::take(&mut self.alternative_next)
            && let Some(prev) = self.pending.1.last_mut()
        {
            let group = match &prev.choice {
                Some(c) => c.group,
                None => {
                    self.choices += 1;
                    prev.choice = Some(Choice {
                        group: self.choices,
                        option: prev.title.clone(),
                    });
                    self.choices
                }
            };
            step.choice = Some(Choice {
                group,
                option: step.title.clone(),
            });
        }
        self.pending.1.push(step);
        self.pending.1.len() - 1
    }

    /// Sibling headings that are alternatives ("Option A" / "Option B", "Method 1" / "Method
    /// 2", per-OS variants, or the same title with another parenthesis: "Rebalance (web)" /
    /// "Rebalance (CLI)") make one choice: each step under one takes that heading as its option.
    fn heading_choices(&mut self) {
        let phases = &self.out.phases;
        let mut own: Vec<Option<usize>> = vec![None; phases.len()];
        for i in 0..phases.len() {
            let p = &phases[i];
            let sibling = (0..i)
                .rev()
                .find(|&j| phases[j].parent == p.parent && phases[j].level == p.level);
            if let Some(j) = sibling
                && are_alternatives(&phases[j].title, &p.title)
            {
                let group = match own[j] {
                    Some(g) => g,
                    None => {
                        self.choices += 1;
                        own[j] = Some(self.choices);
                        self.choices
                    }
                };
                own[i] = Some(group);
            }
        }
        // "Patch Release Upgrades" beside "Rook Operator Upgrade": the patch shortcut or the
        // whole procedure, whichever sibling comes first.
        let mut subtree_steps = vec![false; phases.len()];
        for i in (0..phases.len()).rev() {
            subtree_steps[i] |= !phases[i].steps.is_empty();
            if subtree_steps[i]
                && let Some(p) = phases[i].parent
            {
                subtree_steps[p] = true;
            }
        }
        let mut generals: HashMap<(Option<usize>, u8, String), Vec<usize>> = HashMap::new();
        for (j, p) in phases.iter().enumerate() {
            if own[j].is_none()
                && subtree_steps[j]
                && let Some(topic) = general_topic(&p.title)
            {
                generals
                    .entry((p.parent, p.level, topic))
                    .or_default()
                    .push(j);
            }
        }
        for i in 0..phases.len() {
            if own[i].is_some() || !subtree_steps[i] {
                continue;
            }
            let Some(topic) = release_kind_topic(&phases[i].title) else {
                continue;
            };
            let other = generals
                .get(&(phases[i].parent, phases[i].level, topic))
                .and_then(|js| js.iter().copied().find(|&j| j != i && own[j].is_none()));
            if let Some(j) = other {
                self.choices += 1;
                own[i] = Some(self.choices);
                own[j] = Some(self.choices);
            }
        }
        // The heading that names each phase's option: its own, or, for a later section labelled
        // by an option's name ("2. Major/Minor releases: Change the version" after the "Major/
        // Minor Releases" / "Patch releases" choice), that option's heading, whose choice it
        // joins: the patch path skips it.
        let mut option_of: Vec<Option<usize>> = (0..phases.len())
            .map(|i| own[i].is_some().then_some(i))
            .collect();
        let mut options: HashMap<String, usize> = HashMap::new();
        for i in 0..phases.len() {
            if own[i].is_some() {
                // (The latest option of that name before the section.)
                options.insert(heading_words(&phases[i].title), i);
                continue;
            }
            // (A way label, "3. Manual: approve …", names how, not an option of the choice.)
            let label =
                option_label(&phases[i].title).filter(|_| way_label(&phases[i].title).is_none());
            if let Some(&k) = label.as_ref().and_then(|label| options.get(label)) {
                own[i] = own[k];
                option_of[i] = Some(k);
                continue;
            }
            // A common section with steps ends the choice: labelled sections after it are
            // no part of the options before it.
            let mut up = phases[i].parent;
            let mut in_option = false;
            while let Some(p) = up {
                if own.get(p).is_some_and(Option::is_some) {
                    in_option = true;
                    break;
                }
                up = phases.get(p).and_then(|q| q.parent);
            }
            if !in_option && !phases[i].steps.is_empty() {
                options.clear();
            }
        }
        // "[Optional] Update the docs", "Backport (optional)": every step under it is optional.
        for i in 0..self.out.phases.len() {
            let mut at = Some(i);
            while let Some(k) = at {
                if says_optional(&self.out.phases[k].title) {
                    self.out.phases[i]
                        .steps
                        .iter_mut()
                        .for_each(|s| s.optional = true);
                    break;
                }
                at = self.out.phases[k].parent;
            }
        }
        for i in 0..self.out.phases.len() {
            // The nearest heading, this one or above, that is an option.
            let mut at = Some(i);
            let found = loop {
                match at {
                    Some(k) if own[k].is_some() => break Some(k),
                    Some(k) => at = self.out.phases[k].parent,
                    None => break None,
                }
            };
            let Some(k) = found else { continue };
            let named = option_of[k].unwrap_or(k);
            let choice = Choice {
                group: own[k].unwrap_or_default(),
                option: self.out.phases[named].title.clone(),
            };
            for step in &mut self.out.phases[i].steps {
                if step.choice.is_none() {
                    step.choice = Some(choice.clone());
                }
            }
        }
    }

    /// An option that only points to a later section of the runbook ("Manual: see [Manual
    /// release](#manual-release)"; not "… then proceed to [step 6](#6-finalize)", where the
    /// paths meet again) is done by that section: its steps move right after the
    /// option's step and join its option, so the other option skips them and this one walks
    /// them in place.
    fn linked_sections(&mut self) {
        let mut slugs: HashMap<String, Vec<usize>> = HashMap::new();
        for (j, p) in self.out.phases.iter().enumerate() {
            // GitHub's anchor, and the one renderers that trim a leading emoji's hyphen make.
            let slug = anchor_slug(&p.title);
            let trimmed = slug.trim_matches('-').to_string();
            if trimmed != slug {
                slugs.entry(trimmed).or_default().push(j);
            }
            slugs.entry(slug).or_default().push(j);
        }
        // Sections with steps, none in a choice yet, not taken by another option.
        let mut free: Vec<bool> = self
            .out
            .phases
            .iter()
            .map(|p| !p.steps.is_empty() && p.steps.iter().all(|s| s.choice.is_none()))
            .collect();
        // (target phase, phase of the option, the option step's line, its choice)
        let mut moves: Vec<(usize, usize, usize, Choice)> = Vec::new();
        for (i, phase) in self.out.phases.iter().enumerate() {
            for step in &phase.steps {
                let Some(choice) = &step.choice else { continue };
                if step.kind != StepKind::Manual
                    || step.code.is_some()
                    || !points_elsewhere(&step.title)
                {
                    continue;
                }
                // The item's text: its line and the lines that continue it.
                let start = self.lines.line_start(step.line);
                let text: String = self
                    .src
                    .get(start..)
                    .unwrap_or("")
                    .lines()
                    .take(4)
                    .enumerate()
                    .take_while(|(n, l)| {
                        *n == 0 || !l.trim().is_empty() && !l.trim_start().starts_with(['*', '-'])
                    })
                    .map(|(_, l)| l)
                    .collect::<Vec<_>>()
                    .join("\n");
                // Only the section the verb points to: "follow [A](#a), then continue with
                // [B](#b)" is done by A, and B is where the paths meet again.
                let lower = text.to_ascii_lowercase();
                let end = [", then", " then ", "continue"]
                    .iter()
                    .filter_map(|cue| lower.find(cue))
                    .min()
                    .unwrap_or(text.len());
                let Some(anchor) = linked_anchors(text.get(..end).unwrap_or(&text))
                    .into_iter()
                    .next()
                else {
                    continue;
                };
                let target = slugs.get(&anchor).and_then(|js| {
                    js.iter()
                        .copied()
                        .find(|&j| self.out.phases[j].line > step.line && j != i && free[j])
                });
                let Some(j) = target else { continue };
                // The section with its subsections, in their order.
                let level = self.out.phases[j].level;
                let under = self.out.phases[j + 1..]
                    .iter()
                    .take_while(|p| p.level > level)
                    .count();
                for (k, f) in free.iter_mut().enumerate().skip(j).take(under + 1) {
                    if k == j || *f {
                        *f = false;
                        moves.push((k, i, step.line, choice.clone()));
                    }
                }
            }
        }
        // Each option's sections go after the option's step and the sections moved there
        // before them, so they are walked in the order they are written.
        let mut ends: HashMap<(usize, usize), usize> = HashMap::new();
        for (j, i, line, choice) in moves {
            let mut taken = std::mem::take(&mut self.out.phases[j].steps);
            for step in &mut taken {
                step.choice = Some(choice.clone());
                step.optional = false;
            }
            let steps = &mut self.out.phases[i].steps;
            let at = match ends.get(&(i, line)) {
                Some(&at) => at.min(steps.len()),
                None => steps
                    .iter()
                    .position(|s| s.line == line)
                    .map_or(steps.len(), |p| p + 1),
            };
            let n = taken.len();
            steps.splice(at..at, taken);
            // Later options of this phase sit after this one: their ends shift too.
            for ((p, l), e) in ends.iter_mut() {
                if *p == i && *l != line && *e >= at {
                    *e += n;
                }
            }
            ends.insert((i, line), at + n);
        }
    }

    /// Blocks under labels that name cases ("- Backup:", "- Ready:") and run one command with
    /// one argument changed are ways to do one thing: one choice, each label an option.
    fn labelled_variants(&mut self) {
        for phase in &mut self.out.phases {
            // Only where the heading or its lead-in offers one of several cases ("How to wait
            // for a particular condition"): elsewhere labelled blocks are a sequence.
            let offered = offers_a_choice(&phase.title) || offers_a_choice(&phase.description);
            let mut group: Option<usize> = None;
            for i in 1..phase.steps.len() {
                let (a, b) = (&phase.steps[i - 1], &phase.steps[i]);
                let variants = a
                    .code
                    .as_deref()
                    .zip(b.code.as_deref())
                    .is_some_and(|(x, y)| {
                        offered
                            && names_a_case(&a.title, x)
                            && names_a_case(&b.title, y)
                            && option_values_apart(x, y).is_some_and(|(u, v)| {
                                label_names_value(&a.title, u) && label_names_value(&b.title, v)
                            })
                            || for_other_systems(&a.title, x, &b.title, y)
                                && (offered
                                    || fetches_for_this_machine(x) && fetches_for_this_machine(y))
                                && !says_all_are_needed(&phase.description)
                    });
                let outer = phase.steps[i - 1].choice.is_some() || phase.steps[i].choice.is_some();
                if variants && outer && group.is_none() {
                    // Cases inside an option of another choice (a step has one choice): each
                    // case may be passed, so the captain runs only the one for his case.
                    for step in &mut phase.steps[i - 1..=i] {
                        step.optional = true;
                    }
                    continue;
                }
                join_cases(&mut phase.steps, i, variants, &mut group, &mut self.choices);
            }
        }
    }

    /// Examples spelled out after their command. A block that runs, with literal values, only
    /// the program an earlier step of the section runs with placeholders (`./bin/weekly --since
    /// <YYYY-MM-DD>` then `./bin/weekly --since 2024-01-22`) shows that step filled in: its
    /// item is done by hand with the example in view. Blocks that run one command under
    /// different settings, one titled as an example, are that command's cases: one choice.
    fn spelled_out_examples(&mut self) {
        for phase in &mut self.out.phases {
            let mut programs: HashSet<String> = HashSet::new();
            let mut group: Option<usize> = None;
            for i in 0..phase.steps.len() {
                let step = &phase.steps[i];
                let code = step.code.as_deref().unwrap_or("");
                let firsts: Vec<&str> = code
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .filter_map(|l| l.split_whitespace().next())
                    .collect();
                let shell = step.kind == StepKind::Shell;
                if shell && !step.inputs.is_empty() {
                    programs.extend(firsts.iter().map(|p| p.to_string()));
                } else if shell
                    && step.inputs.is_empty()
                    && !firsts.is_empty()
                    && firsts.iter().all(|p| programs.contains(*p))
                    && firsts.iter().any(|p| p.contains('/'))
                    // Only what the text calls an example ("Example commands for …:"):
                    // "Deploy staging, then production:" after a `$ENV` dry run are real runs.
                    && says_example(self.src, self.lines, step.line, code)
                {
                    let step = &mut phase.steps[i];
                    step.kind = StepKind::Manual;
                    step.detail.push_str(
                        "\n\n(The block shows the command of the step before run with the example's values.)",
                    );
                }
                if i == 0 {
                    continue;
                }
                let (a, b) = (&phase.steps[i - 1], &phase.steps[i]);
                let cases = [&a.title, &b.title].iter().any(|t| titled_example(t))
                    && settings_apart(
                        a.code.as_deref().unwrap_or(""),
                        b.code.as_deref().unwrap_or(""),
                    );
                if !join_cases(&mut phase.steps, i, cases, &mut group, &mut self.choices) {
                    continue;
                }
                for step in &mut phase.steps[i - 1..=i] {
                    // `RELEASE_TAG=v1.7.x-rc.1`: the example's settings, asked for.
                    if let Some(code) = step.code.as_deref().and_then(ask_x_settings) {
                        step.inputs = vars_in(&strip_shell_comments(&code), Dialect::Shell).inputs;
                        step.code = Some(code);
                    }
                }
            }
        }
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

    fn warn(&mut self, line: usize, col: usize, message: String) {
        self.out
            .diagnostics
            .push(Diagnostic::warning(line, col, message));
    }

    /// A title for a block with no item of its own: the prose right before it, once; a second
    /// block under the same prose, or a bare "Example:", is titled by its own first line.
    fn prose_title(&mut self) -> Option<String> {
        let earlier = self
            .lead_in
            .as_ref()
            .is_some_and(|(_, made)| *made == self.made);
        let (text, uses) = self.last_text.as_mut()?;
        *uses += 1;
        // "If everything worked, you should now have a bash prompt inside the container.":
        // where the step before left the captain, not what this block does.
        if *uses == 1 && only_an_outcome(text) {
            return None;
        }
        // "ssh into the VM (hosted on Digital Ocean)." over the deploy's commands: where to
        // type them, not what they do; the section's heading says that ("Deploy Updates:
        // ssh into the VM …").
        if *uses == 1 && only_logs_in(text) {
            let task = self
                .open
                .last()
                .map(|&p| strip_numbering(&self.out.phases[p].title))
                .filter(|t| is_instruction(t))
                .map(|t| short_title(t).into_owned());
            if let Some(task) = task {
                let login = short_title(sentence_for_title(text));
                return Some(format!("{task}: {}", login.trim_end_matches('.')));
            }
        }
        // A caveat ("Please be aware …") titles the block only when no lead-in came before.
        if *uses > 1 || is_bare_label(text) || is_caveat(text) && earlier {
            return None;
        }
        let title = short_title(sentence_for_title(text));
        // "… To do so, stop the servers.": the instruction from mid-paragraph, as a title.
        Some(
            if title.starts_with(char::is_lowercase) && !text.trim_start().starts_with(&*title) {
                capitalized(&title)
            } else {
                title.into_owned()
            },
        )
    }

    /// The paragraph that led into this block from further up, when only examples, a caveat
    /// or a label stand between them and no step was made since.
    fn earlier_lead(&mut self) -> Option<String> {
        let (text, made) = self.lead_in.take()?;
        (made == self.made).then(|| short_title(sentence_for_title(&text)).into_owned())
    }

    /// Marks the sub-folder each shell block enters for a task of its own (see `folders`),
    /// unless the next shell block starts by going up out of it.
    fn subtask_folders(&mut self) {
        let mut last: Option<(usize, usize)> = None;
        let mut found: Vec<((usize, usize), String)> = Vec::new();
        for (p, phase) in self.out.phases.iter().enumerate() {
            for (s, step) in phase.steps.iter().enumerate() {
                let Some(code) = step.shell_code() else {
                    continue;
                };
                if crate::runbook::folders::goes_up_first(code)
                    && found.last().is_some_and(|(at, _)| Some(*at) == last)
                {
                    found.pop();
                }
                if let Some(sub) = crate::runbook::folders::subtask_folder(code) {
                    found.push(((p, s), sub));
                }
                last = Some((p, s));
            }
        }
        for ((p, s), sub) in found {
            self.out.phases[p].steps[s].subtask_folder = Some(sub);
        }
    }

    /// An indented block written as a procedure (see `outline`): each sentence with the
    /// commands under it is read as a block of its own, that sentence leading into it.
    fn indented_procedure(
        &mut self,
        parts: Vec<crate::runbook::outline::Part>,
        range: &Range<usize>,
        lead: Option<&str>,
        heading_before: bool,
    ) {
        let first = self.lines.line(range.start);
        for part in parts {
            let start = self.lines.line_start(first + part.line);
            let sub = start..start + 1;
            let title = part.title.as_deref();
            if let Some(t) = title {
                self.last_text = Some((t.to_string(), 0));
            }
            // The author's sentences between the commands go to the detail, not the code.
            let narrated = crate::runbook::outline::narrated(&part.body);
            let (body, told) = if narrated {
                crate::runbook::outline::without_narration(&part.body)
            } else {
                (part.body.clone(), String::new())
            };
            let block = Code {
                fenced: false,
                info: "",
                code: &body,
                range: &sub,
            };
            // A note at the margin that asks for something ("It needs to be updated before we
            // proceed.", "Make sure everyone is ready before you move forward.") is a step of
            // its own, before the part it stands over.
            for (k, said) in part.note.lines().enumerate() {
                let asked = crate::runbook::passive::passive_instruction(said).or_else(|| {
                    sentences(said)
                        .into_iter()
                        .find(|s| {
                            // ("SELECT queries will continue to work": a keyword, and what
                            // will happen.)
                            let keyword = s
                                .split_whitespace()
                                .next()
                                .is_some_and(|w| w.len() > 1 && w == w.to_ascii_uppercase());
                            is_instruction(s)
                                && !keyword
                                && !s.contains(" will ")
                                && !states_a_fact(s)
                                && !REMARKS.contains(&first_word(s).as_str())
                        })
                        .map(|s| short_title(s).into_owned())
                });
                if let Some(asked) = asked {
                    let at = part.note_lines.get(k).copied().unwrap_or(part.line);
                    let line = self.lines.line(self.lines.line_start(first + at));
                    self.push_step(Step::manual(asked, line, said.to_string()));
                }
            }
            let made = self.made;
            let lead = title.or(lead);
            self.top_code(&block, lead, None, heading_before && part.line == 0);
            if self.made == made
                && let Some(t) = title
            {
                let line = self.lines.line(start);
                let shown = format!("```\n{body}```");
                self.push_step(Step::manual(t.to_string(), line, shown));
            }
            if self.made > made
                && narrated
                && let Some(step) = self.pending.1.last_mut()
            {
                if step.kind == StepKind::Shell {
                    step.kind = StepKind::Manual;
                }
                if !told.is_empty() {
                    step.detail = if step.detail.is_empty() {
                        told
                    } else {
                        format!("{told}\n\n{}", step.detail)
                    };
                }
            }
            if self.made > made
                && !part.note.is_empty()
                && let Some(step) = self.pending.1.last_mut()
            {
                step.detail = if step.detail.is_empty() {
                    part.note
                } else {
                    format!("{}\n\n{}", part.note, step.detail)
                };
            }
        }
    }

    /// A top-level code block: a step, the expected output of the step before, the code of
    /// the numbered item just above it, or reference.
    fn top_code(
        &mut self,
        block: &Code<'_>,
        lead: Option<&str>,
        after_list: Option<ItemStep>,
        heading_before: bool,
    ) {
        let reading = self.read(block, lead);
        // Code right after a list, not indented under its last item, still belongs to it.
        let reading = match after_list {
            Some(item) => match self.join_item(item, block, reading) {
                Ok(()) => return,
                Err(reading) => reading,
            },
            None => reading,
        };
        // A leading comment is the author's own title; else the prose before the block.
        // Output and reference title nothing.
        let title = match &reading {
            Reading::Step { commands, lang, .. }
                if leading_comment(commands, *lang).is_some() && lead.is_none() =>
            {
                None
            }
            Reading::Step { .. } | Reading::ByHand { .. } if lead.is_some() => {
                self.prose_title().or_else(|| self.earlier_lead())
            }
            // Only a numbered heading names a step ("1. Install portainer"); another names the
            // phase, and the block's own first line says more.
            Reading::Step { .. } | Reading::ByHand { .. } if heading_before => self
                .open
                .last()
                .map(|&p| self.out.phases[p].title.as_str())
                .filter(|t| is_numbered_heading(t))
                .map(|t| short_title(strip_numbering(t)).into_owned()),
            Reading::Step { .. } | Reading::ByHand { .. } => self.earlier_lead(),
            _ => None,
        };
        let line = self.lines.line(block.range.start);
        // Data the prose says to put in a file ("put it in `/tmp/topics.json`:") is a step:
        // the next command reads that file.
        let data = !matches!(reading, Reading::Step { .. } | Reading::ByHand { .. })
            && !lead.is_some_and(announces_output);
        if data
            && let Some((path, made)) = self.file_lead.take()
            && made == self.made
        {
            let content = block.code.trim_end();
            self.push_step(Step::manual(
                format!("Create {path}"),
                line,
                format!("Put this in `{path}`:\n\n```\n{content}\n```"),
            ));
            return;
        }
        // A block an instruction leads into that is neither commands nor output ("Edit
        // `postgresql.conf`:" over its lines, "(optional) uninstall the old cluster" over a
        // note) is that instruction, done by hand with the block in view.
        // A fence labelled as plain text or output is what the author chose to show only.
        let shown_only = block.fenced
            && matches!(
                &*info_lang(block.info),
                "text" | "txt" | "plain" | "plaintext" | "output" | "log" | "logs"
            );
        if data
            && !shown_only
            && matches!(reading, Reading::Reference(_) | Reading::Output(_))
            && lead.is_some_and(|l| is_instruction(l) && !offers_an_example(l) && !is_label(l))
            && let Some(title) = self.prose_title()
        {
            let content = block.code.trim_end();
            self.push_step(Step::manual(title, line, format!("```\n{content}\n```")));
            return;
        }
        if let Some(mut step) = self.make(block, reading, title.unwrap_or_default(), line) {
            if lead.is_some_and(offers_an_example) {
                ask_for_example_version(&mut step);
            }
            // "The following example shows how to back up the `app` database from the
            // `cluster-example-1` pod:" over a block that uses those names as they are: the
            // objects are the example's, so the captain adapts the block and types it.
            if step.kind == StepKind::Shell
                && step.inputs.is_empty()
                && lead.is_some_and(shows_an_example)
                && let Some(name) = self.example_object(block, step.code.as_deref())
            {
                step.kind = StepKind::Manual;
                step.detail.push_str(&format!(
                    "\n\n(An example on the sample `{name}` its lead-in names: adapt it to your objects and type it.)"
                ));
            }
            // "After this step is done, they can fetch local config with:": the block is
            // for the people the prose names to run on their own machines, not a step of this
            // run; it stays in the phase's text, which the captain may pass on.
            if step.kind == StepKind::Shell && lead.is_some_and(for_others_to_run) {
                self.describe(block.range.clone());
                return;
            }
            self.push_step(step);
        }
    }

    /// A name the paragraph right above `block` puts in inline code (`cluster-example-1`) that
    /// the block's code uses as a word of its own.
    fn example_object(&self, block: &Code<'_>, code: Option<&str>) -> Option<String> {
        let code = code?;
        let before = self.src.get(..block.range.start)?.trim_end();
        let para = before.rsplit("\n\n").next()?;
        let words: HashSet<&str> = code
            .split(|c: char| c.is_whitespace() || "=:;'\"/".contains(c))
            .filter(|w| !w.is_empty())
            .collect();
        para.split('`')
            .skip(1)
            .step_by(2)
            .find(|name| {
                name.len() >= 4
                    && name.contains('-')
                    && !name.contains(char::is_whitespace)
                    && words.contains(name)
                    && names_a_sample(name)
            })
            .map(str::to_string)
    }

    /// Makes a runnable block the code of the step its item made (titled and placed by the
    /// item, keeping its detail) when that item takes code and has none yet; else hands the
    /// reading back.
    fn join_item(
        &mut self,
        item: ItemStep,
        block: &Code<'_>,
        reading: Reading,
    ) -> Result<(), Reading> {
        let runs = matches!(reading, Reading::Step { .. } | Reading::ByHand { .. });
        let Some(step) = self.pending.1.get(item.at).filter(|s| s.code.is_none()) else {
            return Err(reading);
        };
        if !(runs && item.takes_code) {
            return Err(reading);
        }
        let (title, line) = (step.title.clone(), step.line);
        if let Some(made) = self.make(block, reading, title, line) {
            // The item's step keeps what its text said: detail, "(optional)", its choice.
            let in_production = self.open.iter().any(|&i| self.production[i]);
            let item = &mut self.pending.1[item.at];
            let mut joined = Step {
                detail: std::mem::take(&mut item.detail),
                optional: item.optional || made.optional,
                choice: item.choice.take(),
                estimate_secs: item.estimate_secs.or(made.estimate_secs),
                ..made
            };
            // "Before running this command, export the `TEST_INFRA_DIR` variable, specifying
            // the location of …" over `TEST_INFRA_DIR=../../test-infra make …`: the path is
            // the author's, the captain gives theirs.
            let told = example_values::told_to_set(&format!("{}\n{}", joined.title, joined.detail));
            if joined.kind == StepKind::Shell
                && !told.is_empty()
                && let Some(code) = joined
                    .code
                    .as_deref()
                    .and_then(|c| example_values::ask_told(c, &told))
            {
                let (vars, dangerous) = read_code(&code, joined.kind, false, in_production);
                (joined.inputs, joined.sets, joined.dangerous) =
                    (vars.inputs, vars.sets, dangerous);
                joined.code = Some(code);
            }
            *item = joined;
        }
        self.plain_prompt = false;
        Ok(())
    }

    /// Makes the step a code block reads as, or files it as output or reference (and returns
    /// `None`). An empty `title` falls back to the code's first line.
    fn make(
        &mut self,
        block: &Code<'_>,
        reading: Reading,
        title: String,
        line: usize,
    ) -> Option<Step> {
        let info = parse_info(if block.fenced { block.info } else { "" });
        match reading {
            Reading::Step {
                lang,
                commands,
                expected,
                inferred,
            } => {
                let kind = lang.kind();
                // `$ kubectl get policies` and its listing right after the step that runs
                // `kubectl get policies`: what that step shows, not a second run of it.
                let same = |code: &str| {
                    let lines = |t: &str| -> Vec<String> {
                        t.lines()
                            .map(|l| l.trim().to_string())
                            .filter(|l| !l.is_empty())
                            .collect()
                    };
                    lines(code) == lines(&commands)
                };
                // Not when an instruction comes between ("Delete any pod …, and check again:"):
                // then it is a run of its own. A remark or an output's lead-in may.
                let between = title.trim();
                let announced =
                    between.is_empty() || announces_output(between) || !is_instruction(between);
                if kind == StepKind::Shell
                    && expected.is_some()
                    && announced
                    && self.pending.0 == *self.open.last().unwrap_or(&usize::MAX)
                    && let Some(before) = self.pending.1.last_mut()
                    && before.kind == StepKind::Shell
                    && before.code.as_deref().is_some_and(same)
                {
                    if before.expected_output.is_none() {
                        before.expected_output = expected;
                    }
                    self.describe(block.range.clone());
                    return None;
                }
                // (A heredoc's `...` is data: YAML's end of document.)
                let elided = kind == StepKind::Shell
                    && !commands.contains("<<")
                    && commands.lines().any(is_elision);
                let commands = if elided {
                    let mut kept: String = commands
                        .lines()
                        .filter(|l| !is_elision(l))
                        .collect::<Vec<_>>()
                        .join("\n");
                    kept.push('\n');
                    kept
                } else {
                    commands
                };
                // `disk-1 … disk-2 …` then `...`: one line, run for each value it counts.
                let series = elided
                    .then(|| crate::runbook::series::counted(&commands))
                    .flatten();
                let commands = match &series {
                    Some((line, _)) => format!("{line}\n"),
                    None => commands,
                };
                let commands = match kind {
                    StepKind::Shell => {
                        let commands = name_stand_ins(&commands).unwrap_or(commands);
                        let commands = spelled_out_logins(&commands).unwrap_or(commands);
                        bare_name_placeholders(
                            &commands,
                            &self.variables,
                            &self.written,
                            &self.tied_names,
                        )
                        .unwrap_or(commands)
                    }
                    _ => commands,
                };
                let commands = match (kind, &self.example) {
                    (StepKind::Shell, Some(example)) => example
                        .name
                        .clone()
                        .or_else(|| example_values::input_name_in(&commands, &example.value))
                        .and_then(|name| example_values::replace(&commands, &example.value, &name))
                        .unwrap_or(commands),
                    _ => commands,
                };
                // A value a "For example," sentence names is for the block right after it; a
                // supposed sample ("Suppose … a core dump file:") runs on through its section.
                if kind == StepKind::Shell
                    && self.example.as_ref().is_some_and(|e| e.name.is_none())
                {
                    self.example = None;
                }
                // "for your application (e.g. local-links-manager)" over `… | grep
                // local-links-manager`: the example stands for the reader's own value.
                let commands = match (kind, offered_example(&title)) {
                    (StepKind::Shell, Some((noun, value))) => {
                        replace_word(&commands, value, &format!("<{noun}>")).unwrap_or(commands)
                    }
                    _ => commands,
                };
                let in_production = self.open.iter().any(|&i| self.production[i]);
                let (vars, dangerous) =
                    read_code(&commands, kind, info.attrs.confirm, in_production);
                let title = if title.is_empty() {
                    code_title(&commands, lang)
                } else {
                    title
                };
                let detail = if kind == StepKind::Shell && never_ends(&commands) {
                    "Runs until you stop it: press c when you have seen enough.".to_string()
                } else if series.is_some() {
                    "The runbook's `...` stands for more lines like these, one for each value \
                     they count: this step runs once for each; Enter runs it for the next."
                        .to_string()
                } else if elided {
                    "The runbook's `...` stands for more lines like these: this step runs the \
                     lines shown; add the others with `!` (run code from this pane)."
                        .to_string()
                } else {
                    String::new()
                };
                Some(Step {
                    id: String::new(),
                    kind,
                    title,
                    line,
                    code: Some(commands),
                    expected_output: expected,
                    inputs: vars.inputs,
                    sets: vars.sets,
                    attrs: info.attrs,
                    dangerous,
                    detail,
                    inferred,
                    choice: None,
                    optional: false,
                    estimate_secs: None,
                    repeat: series
                        .as_ref()
                        .map(|_| "each one the runbook's `...` stands for".to_string()),
                    // (What the lines count is new each time; the rest is offered as it is.)
                    renew: series.map(|(_, counted)| counted).unwrap_or_default(),
                    subtask_folder: self.folder_entered.take(),
                })
            }
            Reading::ByHand { why, code, sql } => {
                // A bare name typed by hand is a value too, asked before the step.
                let marked = (!sql)
                    .then(|| {
                        bare_name_placeholders(
                            &code,
                            &self.variables,
                            &self.written,
                            &self.tied_names,
                        )
                    })
                    .flatten();
                let code = marked.unwrap_or(code);
                // The `<name>`s it shows, written so or marked above, are asked before it
                // like a shell step's (`gds aws govuk-<env>-admin --shell`).
                let inputs = if sql {
                    Vec::new()
                } else {
                    vars_in(&code, Dialect::Shell)
                        .inputs
                        .into_iter()
                        .filter(|name| code.contains(&format!("<{name}>")))
                        .collect()
                };
                let title = if title.is_empty() {
                    code_title(&code, CodeLang::Shell)
                } else {
                    title
                };
                // Typed by hand, yet a destroyer is still marked: the captain reads the ⚠.
                let kind = if sql { StepKind::Sql } else { StepKind::Shell };
                let in_production = self.open.iter().any(|&i| self.production[i]);
                let (_, dangerous) = read_code(&code, kind, false, in_production);
                Some(Step {
                    id: String::new(),
                    kind: StepKind::Manual,
                    title,
                    line,
                    code: Some(code),
                    expected_output: None,
                    inputs,
                    sets: Vec::new(),
                    attrs: info.attrs,
                    dangerous,
                    detail: format!("Do this in your own terminal: it {why}."),
                    inferred: true,
                    choice: None,
                    optional: false,
                    estimate_secs: None,
                    repeat: None,
                    subtask_folder: None,
                    renew: Vec::new(),
                })
            }
            Reading::Output(output) => {
                let attached = self.pending.1.last_mut().filter(|s| {
                    s.kind == StepKind::Shell && s.expected_output.is_none() && s.code.is_some()
                });
                match attached {
                    Some(step) if self.pending.0 == *self.open.last().unwrap_or(&usize::MAX) => {
                        step.expected_output = Some(output);
                    }
                    _ => self.describe(block.range.clone()),
                }
                None
            }
            Reading::Reference(warning) => {
                if let Some(message) = warning {
                    let at = self.lines.line(block.range.start);
                    self.warn(at, 1, message);
                }
                self.describe(block.range.clone());
                None
            }
        }
    }

    /// How a code block reads: its label first, then its shape, then the prose before it.
    fn read(&mut self, block: &Code<'_>, lead: Option<&str>) -> Reading {
        let reading = self.read_block(block, lead);
        let folder = self.folder_next.take();
        self.folder_entered = None;
        // `(rever) $ rever …` after `conda activate rever`: the commands need that environment,
        // which a fresh `bash -c` does not have.
        if let Reading::Step {
            lang,
            commands,
            expected,
            inferred,
        } = reading
        {
            let env = crate::runbook::environment::prompt_env(block.code);
            let at = self.lines.line(block.range.start);
            // A block at a plain `$ ` prompt is another shell; a bare one is typed in the
            // terminal the section activated.
            self.plain_prompt = env.is_none() && has_prompts(block.code, true);
            let activate = match env {
                Some(env) => self
                    .activations
                    .iter()
                    .find(|a| a.name == env && !commands.contains(&a.said))
                    .map(|a| a.run.clone()),
                None if lang == CodeLang::Shell && !self.plain_prompt => {
                    self.held_at(at, &commands)
                }
                None => None,
            };
            let commands = match activate {
                Some(run) => format!("{run}\n{commands}"),
                None => commands,
            };
            // The block runs in the folder and keeps its own exit status; the run goes on
            // above it (see `folder_entered`), unless the block's own `cd` went elsewhere.
            self.folder_entered = folder.filter(|_| lang == CodeLang::Shell);
            let commands = match &self.folder_entered {
                Some(dir) => format!("cd {dir} || exit\n{commands}"),
                None => commands,
            };
            return Reading::Step {
                lang,
                commands,
                expected,
                inferred,
            };
        }
        reading
    }

    fn read_block(&mut self, block: &Code<'_>, lead: Option<&str>) -> Reading {
        let lang_word = if block.fenced {
            info_lang(block.info).into_owned()
        } else {
            String::new()
        };
        let fence_line = self.lines.line(block.range.start);
        if block.fenced {
            self.check_closed(block.range, fence_line);
            if let Some(bad) = parse_info(block.info).malformed {
                self.warn(
                    fence_line,
                    1,
                    format!(
                        "fence attribute `{bad}` is not `key=value` or a bare flag; it is ignored"
                    ),
                );
            }
        }
        let code = block.code;
        let output_lead = lead.is_some_and(announces_output);
        let label = Label::of(&lang_word);
        let shell_like = matches!(
            label,
            Label::Runs(CodeLang::Shell | CodeLang::Console) | Label::Unlabelled
        );
        if shell_like && !output_lead && is_console_request(code) {
            return Reading::ByHand {
                why: "is a request to send from the cluster's console (Dev Tools)",
                code: code.trim_end().to_string() + "\n",
                sql: false,
            };
        }
        match label {
            Label::Runs(lang @ (CodeLang::Shell | CodeLang::Console)) => {
                let split = split_code(code, lang);
                if lang == CodeLang::Console && split.commands.trim().is_empty() {
                    // A prompt-less transcript: its shape decides.
                    let reading = self.unlabelled(code, output_lead);
                    if let Reading::Output(_) = reading {
                        self.warn(
                            fence_line,
                            1,
                            "console block holds only output (no prompt line such as `$ `): shown as the expected output of the step before, not run".into(),
                        );
                    }
                    return reading;
                }
                if output_lead
                    || split.commands.trim().is_empty() && split.expected_output.is_some()
                {
                    return Reading::Output(code.trim_end().to_string());
                }
                if lang == CodeLang::Shell && labelled_shell_is_output(code) {
                    self.warn(
                        fence_line,
                        1,
                        format!("{lang_word} block reads as output, not commands: shown as the expected output of the step before, not run; label it ```text to say so"),
                    );
                    return Reading::Output(code.trim_end().to_string());
                }
                if only_comments(&split.commands) {
                    return Reading::Reference(Some(format!(
                        "{} block holds only comments: nothing to run",
                        lang.name()
                    )));
                }
                if shows_an_edit(&split.commands, split.expected_output.as_deref()) {
                    return Reading::ByHand {
                        why: "shows the edit to make, as its `git diff`",
                        code: code.trim_end().to_string() + "\n",
                        sql: false,
                    };
                }
                if let Some(why) = needs_a_person(&split.commands).or_else(|| self.elsewhere(code))
                {
                    self.note_session(why, code);
                    return Reading::ByHand {
                        why,
                        code: split.commands,
                        sql: false,
                    };
                }
                Reading::Step {
                    lang,
                    commands: split.commands,
                    expected: split.expected_output,
                    inferred: false,
                }
            }
            Label::Runs(lang) => {
                if code.trim().is_empty() {
                    return Reading::Reference(Some(format!(
                        "{} block is empty: nothing to run",
                        lang.name()
                    )));
                }
                // (A fence that names its database, or a runbook that declares databases, was
                // written for flightdeck.)
                let declared = parse_info(block.info).attrs.db.is_some()
                    || self
                        .out
                        .front_matter
                        .as_ref()
                        .is_some_and(|(yaml, _)| yaml.contains("databases:"));
                if lang == CodeLang::Sql && self.db_session.is_some() && !declared {
                    return Reading::ByHand {
                        why: "is typed in the database shell an earlier block opened",
                        code: code.to_string(),
                        sql: true,
                    };
                }
                if lang == CodeLang::Sql && self.session_opened && !declared {
                    return Reading::ByHand {
                        why: "is typed in a database shell, like the runbook's other SQL",
                        code: code.to_string(),
                        sql: true,
                    };
                }
                Reading::Step {
                    lang,
                    commands: code.to_string(),
                    expected: None,
                    inferred: false,
                }
            }
            Label::Unlabelled => {
                let first = code.lines().map(str::trim).find(|l| !l.is_empty());
                if first.is_some_and(|l| l.starts_with("```") || l.starts_with("~~~")) {
                    return Reading::Reference(None);
                }
                self.unlabelled(code, output_lead)
            }
            Label::Other => {
                let text_like = matches!(lang_word.as_str(), "text" | "txt" | "plaintext");
                let warning = (text_like
                    && block_shape(code) == Shape::Commands
                    && has_prompts(code, false))
                .then(|| {
                    format!(
                        "the `{lang_word}` block reads as commands but is not a step; label it ```bash to run it"
                    )
                });
                Reading::Reference(warning)
            }
        }
    }

    /// A block opened a database shell: the `sql` blocks after it are typed in it, through the
    /// sibling sections, up to a heading above the current section.
    fn note_session(&mut self, why: &str, code: &str) {
        let current = self.open.last().map_or(1, |&i| self.out.phases[i].level);
        let end = current.saturating_sub(1).max(1);
        if why == DATABASE_SHELL {
            self.db_session = Some(end);
            self.session_opened = true;
        }
        // (The shell is opened for the task of its section: its subsections, not the next
        // section, need it.)
        // (A block in the title's section, the runbook's introduction, opens it for the
        // part up to the next heading, not for the whole runbook.)
        if why == SUBSHELL {
            self.shell_session = Some(if current <= 1 { 6 } else { current });
        }
        // `exit` typed in the shell leaves it: the blocks after it run here again.
        if why == IN_THE_SUBSHELL && code.lines().any(|l| l.trim() == "exit") {
            self.shell_session = None;
        }
    }

    /// Why a transcript cannot run here: its prompt is another user's shell, or one of the
    /// several machines the runbook works on.
    fn elsewhere(&self, code: &str) -> Option<&'static str> {
        if in_another_users_shell(code) {
            return Some("is typed as another user");
        }
        if self.shell_session.is_some() {
            return Some(IN_THE_SUBSHELL);
        }
        if self.remote_section && self.between_machines {
            return Some("runs on the old or the new machine this runbook moves between");
        }
        // A block that labels its own parts (`# Local` over `# Remote`) says where each runs,
        // whatever the heading over it works on.
        let labelled = !self.machine_headings.is_empty() && remote_part(code).is_some();
        if self.remote_section && !labelled {
            return Some("runs on another machine, which the prose names");
        }
        let remote = self.hosts.len() > 1 && code.lines().any(|l| prompt_host(l).is_some());
        remote.then_some("is typed on another machine, named by its prompt")
    }

    /// An unlabelled block (bare or `no-highlight` fence, indented code, prompt-less
    /// `console`): commands when its shape says so, else output or reference.
    fn unlabelled(&mut self, code: &str, output_lead: bool) -> Reading {
        if output_lead {
            return Reading::Output(code.trim_end().to_string());
        }
        if let Some(why) = crate::runbook::shape::at_a_repl_prompt(code)
            .then(|| needs_a_person(code))
            .flatten()
        {
            return Reading::ByHand {
                why,
                code: code.trim_end().to_string() + "\n",
                sql: false,
            };
        }
        match block_shape(code) {
            Shape::Comments => Reading::Reference(None),
            Shape::Output => Reading::Output(code.trim_end().to_string()),
            Shape::Commands => {
                let (commands, expected) = if has_prompts(code, true) {
                    prompt_split(code, true)
                } else {
                    (code.to_string(), None)
                };
                if let Some(why) = needs_a_person(&commands).or_else(|| self.elsewhere(code)) {
                    self.note_session(why, code);
                    return Reading::ByHand {
                        why,
                        code: commands,
                        sql: false,
                    };
                }
                Reading::Step {
                    lang: CodeLang::Shell,
                    commands,
                    expected,
                    inferred: true,
                }
            }
        }
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

    /// Remembers the values a sentence says to replace: "Replace `YY` with the year",
    /// "(replacing `BRANCH_NAME` with …)", "`YY.MM.MICRO`, this should be replaced with …".
    fn note_named(&mut self, text: &str, spans: &Spans<'_>) {
        let lower = text.to_ascii_lowercase();
        for code in &spans.code {
            let token = code.trim();
            if !names_a_value(token) {
                continue;
            }
            let t = token.to_ascii_lowercase();
            let said = ["replace ", "replacing ", "substitute "]
                .iter()
                .any(|v| lower.contains(&format!("{v}{t}")))
                || lower.find(&t).is_some_and(|i| {
                    let after = &lower[i + t.len()..];
                    after.get(..60).unwrap_or(after).contains("replaced with")
                });
            if said {
                let with = format!("<{}>", placeholder_name(token));
                self.named
                    .push((self.open.last().copied(), token.to_string(), with));
            }
        }
        // "Examples will use the fictional release version 11.22.33": in the code, that
        // version and its major branch (`11.x`) are the release being cut.
        // (What a guide's examples upgrade to is said once for the guide: a later paragraph
        // that says it again declares nothing new, and each would otherwise be one more pass
        // over every step.)
        let again = self.declared.is_some() && upgrades_the_guide(text);
        if let Some(version) = declared_example(text).filter(|_| !again) {
            let bare = version.trim_start_matches('v');
            self.declared = Some((bare.to_string(), text.to_string()));
            // `git tag v11.22.33`: the tag form first, so the `v` stays as written.
            self.named
                .push((None, format!("v{bare}"), "v<VERSION>".to_string()));
            self.named
                .push((None, bare.to_string(), "<VERSION>".to_string()));
            if let Some((major, _)) = bare.split_once('.') {
                self.named
                    .push((None, format!("{major}.x"), "<VERSION_MAJOR>.x".to_string()));
            }
        }
    }

    /// A blockquote's text and inline code, for the values it says to replace ("> … referred to
    /// as `YY.MM.MICRO`, this should be replaced with the version").
    fn note_named_in_quote(&mut self, range: &Range<usize>) {
        let raw = self.src.get(range.clone()).unwrap_or("");
        if !raw.trim_start().starts_with('>') {
            return;
        }
        let text: String = raw
            .lines()
            .map(|l| l.trim_start().trim_start_matches('>').trim())
            .collect::<Vec<_>>()
            .join(" ");
        let spans = Spans {
            code: text
                .split('`')
                .skip(1)
                .step_by(2)
                .map(Cow::Borrowed)
                .collect(),
            linked: 0,
        };
        self.note_named(&text, &spans);
    }

    /// Where a named value stands in the code of its phase (or any phase, when named before the
    /// first heading), it becomes a `<placeholder>`: an input asked for once, passed as data.
    fn named_placeholders(&mut self) {
        // `postgresql@[old version]-[cluster]`: square brackets the author meant to be filled
        // in read as `<old version>`.
        for step in self.out.phases.iter_mut().flat_map(|p| &mut p.steps) {
            let Some(code) = step.code.as_deref().filter(|_| shows_shell(step)) else {
                continue;
            };
            let mut replaced: Option<String> = None;
            for token in bracket_placeholders(code) {
                let with = format!("<{}>", &token[1..token.len() - 1]);
                let current = replaced.as_deref().unwrap_or(code);
                if let Some(next) = replace_token(current, token, &with) {
                    replaced = Some(next);
                }
            }
            if let Some(replaced) = replaced {
                let vars = vars_in(&strip_shell_comments(&replaced), Dialect::Shell).inputs;
                if step.kind == StepKind::Shell {
                    step.inputs = vars;
                } else {
                    // Typed by hand (`gds aws govuk-<env>-admin --shell`): its `<name>`s are
                    // asked before it all the same.
                    step.inputs = vars
                        .into_iter()
                        .filter(|name| replaced.contains(&format!("<{name}>")))
                        .collect();
                }
                step.code = Some(replaced);
            }
        }
        let mut named = std::mem::take(&mut self.named);
        // Version notations in any step's code (`tbump x.y.z`) stand for the release too.
        let code: Vec<&str> = (self.out.phases.iter())
            .flat_map(|p| &p.steps)
            .filter(|s| shows_shell(s))
            .filter_map(|s| s.code.as_deref())
            .collect();
        for (token, with) in notations(&code.join("\n")) {
            if !named.iter().any(|(_, t, _)| *t == token) {
                named.push((None, token, with));
            }
        }
        // Beside a declared example version, the example's previous and next releases
        // (`release-19.03..release-19.09`, `echo 20.03 > .version`) are examples too.
        if let Some((version, said)) = &self.declared {
            for (other, name) in neighbour_versions(&code.join("\n"), version, said) {
                named.push((None, format!("v{other}"), format!("v<{name}>")));
                named.push((None, other, format!("<{name}>")));
            }
        }
        for (scope, token, with) in named {
            for i in 0..self.out.phases.len() {
                let mut at = Some(i);
                let inside = scope.is_none()
                    || loop {
                        match at {
                            Some(k) if Some(k) == scope => break true,
                            Some(k) => at = self.out.phases[k].parent,
                            None => break false,
                        }
                    };
                if !inside {
                    continue;
                }
                for step in &mut self.out.phases[i].steps {
                    if !shows_shell(step) {
                        continue;
                    }
                    let Some(code) = &step.code else { continue };
                    let Some(replaced) = replace_token(code, &token, &with) else {
                        continue;
                    };
                    if step.kind == StepKind::Shell {
                        let vars = vars_in(&strip_shell_comments(&replaced), Dialect::Shell);
                        step.inputs = vars.inputs;
                    }
                    step.code = Some(replaced);
                }
            }
        }
    }

    /// An instruction written as a paragraph between the steps of a section ("Finally, run a
    /// preferred replica election.") is a manual step there; returns whether it made one.
    fn instruction_between_steps(
        &mut self,
        text: &str,
        range: &Range<usize>,
        steps_follow: bool,
        none_later: bool,
    ) -> bool {
        // "...make sure everything came back up OK.": the ellipsis goes on from the step before.
        let went_on = text
            .trim_start()
            .strip_prefix("...")
            .or_else(|| text.trim_start().strip_prefix('…'));
        let owned;
        let text = match went_on {
            Some(rest) if rest.trim_start().starts_with(char::is_alphabetic) => {
                owned = capitalized(rest.trim_start());
                owned.as_str()
            }
            _ => text,
        };
        let whole = text;
        // "You now have the file. Make sure you free the space …": what the step before left
        // is said first; the instruction follows it.
        let text = PROGRESS_REPORTS
            .iter()
            .any(|p| {
                text.trim_start()
                    .get(..p.len())
                    .is_some_and(|t| t.eq_ignore_ascii_case(p))
            })
            .then(|| text.split_once(". ").map(|(_, rest)| rest.trim_start()))
            .flatten()
            .filter(|rest| rest.starts_with(char::is_uppercase))
            .unwrap_or(text);
        let phase = self.open.last().copied();
        let lower = text.to_ascii_lowercase();
        // Before the section's first step, an instruction that does not introduce what follows
        // ("Update the dependencies by following the README.", then the task list) is one.
        let forward = text.trim_end().ends_with(':')
            || [
                "the following",
                "below",
                "these",
                "each of",
                "checklist",
                "the list",
            ]
            .iter()
            .any(|w| lower.contains(w));
        // "First, verify that the annotation is set." before the section's first block: the
        // first of the steps the section goes on to.
        // (One sentence: "First, apply the updates. This includes …" is an overview of the
        // steps below.)
        let first = lower.starts_with("first, ")
            && !forward
            && crate::runbook::title::sentences(text.trim()).len() == 1;
        let has_steps = phase == Some(self.pending.0) && !self.pending.1.is_empty()
            || steps_follow && !forward
            || first;
        // `!!! note`, `::: tip`, `> [!NOTE]`: admonitions, not instructions.
        let remark = REMARKS.contains(&first_word(text).as_str())
            || !text
                .trim_start()
                .starts_with(|c: char| c.is_alphanumeric() || c == '*');
        // "Wait a few minutes before doing this to allow the rollout to finish." over the
        // section's step: a wait of its own, done first.
        if !remark && let Some(title) = wait_before_the_next(text) {
            let line = self.lines.line(range.start);
            self.push_step(Step::manual(title, line, text.to_string()));
            return true;
        }
        // "You can find the root password in the admin secret …" after the log-in: where to
        // look up a value the steps after need is a step of looking it up ("If you also need
        // the hostname, you can view it in …": for that case).
        if has_steps
            && !remark
            && let Some((title, optional)) = where_to_find(text)
        {
            let line = self.lines.line(range.start);
            let mut step = Step::manual(title, line, text.to_string());
            step.optional = optional;
            self.push_step(step);
            return true;
        }
        // "**Note:** … a backup is a clever idea. No seriously, do it now.": urged, even in a
        // note.
        if has_steps && let Some(title) = crate::runbook::advice::urged(text) {
            let line = self.lines.line(range.start);
            self.push_step(Step::manual(title, line, text.to_string()));
            return true;
        }
        // "**NOTE:** … Do not upgrade until the server holds v3 data.": a condition to
        // confirm before going on, even in a note.
        if let Some((title, optional)) = crate::runbook::standing::gate(text) {
            let line = self.lines.line(range.start);
            let mut step = Step::manual(title, line, text.to_string());
            step.optional = optional;
            self.push_step(step);
            return true;
        }
        // "The `a` chart should be upgraded before `b`": an order in the passive; for the
        // case the section opens with ("If Rook is installed via the Helm chart, …").
        if !remark && let Some(title) = crate::runbook::standing::ordered_passive(text) {
            let case = phase
                .and_then(|k| self.out.phases[k].description.split("\n\n").next())
                .and_then(crate::runbook::standing::leading_case);
            let line = self.lines.line(range.start);
            let mut step = Step::manual(title, line, text.to_string());
            if let Some(case) = case {
                step.title = format!("{} ({case})", step.title);
                step.optional = true;
            }
            self.push_step(step);
            return true;
        }
        // "Before upgrading etcd, always test the services … in staging": preparation said
        // where it stands, unless a later section does it ("Step 2: download the backup").
        let prepared = crate::runbook::standing::preparation(text);
        let done_later = |title: &str| {
            self.headings
                .iter()
                .any(|(at, _, h)| *at > range.end && names_the_same_task(title, h))
        };
        if prepared.as_deref().is_some_and(done_later) {
            return false;
        }
        if !has_steps
            && !remark
            && let Some(title) = prepared
        {
            let line = self.lines.line(range.start);
            let mut step = Step::manual(short_title(&title).into_owned(), line, text.to_string());
            step.optional = for_a_case(&title);
            self.push_step(step);
            return true;
        }
        // "You should also double check the URLs …", "It is now worth getting a review. Send a
        // request out to #dev.": a sentence that tells the reader to act.
        let asked = (!remark && !is_instruction(text))
            .then(|| crate::runbook::title::asked_of_the_reader(text))
            .flatten();
        // "From here on just repeat this process, … until you're happy with it": going back
        // over the steps before is a step of the run too.
        if asked.is_none()
            && has_steps
            && !remark
            && let Some(again) = crate::runbook::title::repeat_of_the_process(text)
        {
            let line = self.lines.line(range.start);
            let title = short_title(&capitalized(again)).into_owned();
            self.push_step(Step::manual(title, line, text.to_string()));
            return true;
        }
        // "All of the signature files need to be uploaded to the release.": said in the passive.
        if asked.is_none()
            && has_steps
            && !remark
            && !is_instruction(text)
            && let Some(title) = crate::runbook::passive::passive_instruction(text)
        {
            let line = self.lines.line(range.start);
            self.push_step(Step::manual(title, line, text.to_string()));
            return true;
        }
        // "If the disk fills up, you should grow the volume. After that, you should also
        // restart the pods.": a problem's section (a known issue) with no steps of its own
        // says what to do in its prose; each thing asked is a step, in order.
        let each_asked = if !has_steps && none_later && self.section_conditional && !remark {
            crate::runbook::title::all_asked_of_the_reader(text)
        } else {
            Vec::new()
        };
        // ("You can work around this issue by setting `X` …": the remedy, as a step.)
        let workaround = (each_asked.is_empty()
            && !has_steps
            && none_later
            && self.section_conditional
            && !remark)
            .then(|| crate::runbook::title::workaround(text))
            .flatten();
        if let Some(title) = workaround {
            let line = self.lines.line(range.start);
            self.push_step(Step::manual(
                short_title(&title).into_owned(),
                line,
                text.to_string(),
            ));
            return true;
        }
        if !each_asked.is_empty() {
            let line = self.lines.line(range.start);
            for asked in each_asked {
                let act = crate::runbook::title::the_act_asked(asked);
                let title = short_title(&capitalized(act.trim_end_matches('.'))).into_owned();
                self.push_step(Step::manual(title, line, text.to_string()));
            }
            return true;
        }
        if let Some(asked) = asked
            && has_steps
        {
            let line = self.lines.line(range.start);
            let title = short_title(asked.trim_end_matches('.')).into_owned();
            self.push_step(Step::manual(title, line, text.to_string()));
            return true;
        }
        if remark || states_a_fact(text) || !is_instruction(text) {
            return false;
        }
        // "… set the DNS TTL low about a day in advance": done before the run begins, even
        // from a section with no steps of its own.
        if crate::runbook::advice::ahead_of_time(text) {
            let line = self.lines.line(range.start);
            let title = short_title(sentence_for_title(text)).into_owned();
            self.made += 1;
            self.ahead.push(Step::manual(title, line, text.to_string()));
            return true;
        }
        if !has_steps {
            return false;
        }
        // "Replace `[rds-hostname]` with the relevant hostname." under the block that holds
        // it: how to type the step before, no step of its own.
        if let Some(token) = replaced_token(text)
            && phase == Some(self.pending.0)
            && let Some(step) = self.pending.1.last_mut()
            && step.code.as_deref().is_some_and(|c| {
                // As a placeholder: "Replace site.pem with the renewed one" is a step of its
                // own, not how to type a block that uses site.pem.
                [("<", ">"), ("[", "]"), ("{", "}")]
                    .iter()
                    .any(|(open, close)| c.contains(&format!("{open}{token}{close}")))
            })
        {
            if !step.detail.is_empty() {
                step.detail.push_str("\n\n");
            }
            step.detail.push_str(text.trim());
            return true;
        }
        let line = self.lines.line(range.start);
        let title = short_title(sentence_for_title(text)).into_owned();
        let mut step = Step::manual(title, line, whole.to_string());
        step.optional = for_a_case(text);
        self.push_step(step);
        true
    }

    /// "Re-enable branch protection for the `stable` branch. Send a PR … making the following
    /// changes:": the block or list below takes its title from the last sentence, so the
    /// instructions before it are a manual step of their own, done first. Not a sentence that
    /// repeats the section's heading ("Promote beta to stable."), a remark ("Note …") or a
    /// fact.
    fn instructions_before_the_lead(&mut self, text: &str, range: &Range<usize>) {
        let sentences = crate::runbook::title::sentences(text.trim());
        let Some((last, before)) = sentences.split_last() else {
            return;
        };
        let says_nothing = is_bare_label(last) || last.split_whitespace().count() <= 2;
        let words = |s: &str| -> Vec<String> {
            s.split_whitespace()
                .map(|w| {
                    w.trim_matches(|c: char| !c.is_alphanumeric())
                        .to_ascii_lowercase()
                })
                .collect()
        };
        let last_words = words(last);
        // "Prepare a password … For example, you could use `pwgen`:": the block is one way to
        // do what the sentence before says, which is the block's own step.
        let example = ["for example", "e.g", "for instance", "you could", "you can"]
            .iter()
            .any(|p| last.to_ascii_lowercase().starts_with(p));
        // "Now copy your Redis database over. On your old machine, as the root user, run:",
        // "To do so, run the following:": the last sentence says only where or how to run the
        // block; the one before says what it does, so it is the block's own step.
        let only_how = says_only_how(last);
        if before.is_empty()
            || !last.trim_end().ends_with(':')
            || says_nothing
            || example
            || only_how
        {
            return;
        }
        let heading = self
            .open
            .last()
            .map(|&k| self.out.phases[k].title.to_ascii_lowercase())
            .unwrap_or_default();
        let remark = |s: &str| {
            let first = first_word(s);
            // ("Replace `YY` with the minor version": a value, asked as an input.)
            REMARKS.contains(&first.as_str()) || ["replace", "substitute"].contains(&first.as_str())
        };
        let told: Vec<&str> = before
            .iter()
            .copied()
            .filter(|s| {
                is_instruction(s)
                    && !remark(s)
                    && !states_a_fact(s)
                    && !heading.starts_with(&s.trim_end_matches('.').to_ascii_lowercase())
                    // "Create a new branch on cargo. … and then create a new branch:" says
                    // what the block does: its verb and a word of its object come back.
                    && !summarises(&words(s), &last_words)
            })
            .collect();
        let Some(first) = told.first() else {
            return;
        };
        let line = self.lines.line(range.start);
        let detail = told.join(". ") + ".";
        self.push_step(Step::manual(short_title(first).into_owned(), line, detail));
    }

    /// "Take a full backup with the following command. Make sure that you pause the nightly
    /// backup so that they don't collide.": a preparation the captain makes before the block,
    /// said after the sentence that titles it, is a manual step of its own, done first.
    fn preparation_after_the_title(&mut self, text: &str, range: &Range<usize>) {
        let all = crate::runbook::title::sentences(text.trim());
        let titled = sentence_for_title(text);
        let Some(at) = all
            .iter()
            .position(|s| titled.contains(*s) || s.contains(titled))
        else {
            return;
        };
        let Some(prep) = all[at + 1..].iter().find(|s| {
            let lower = s.to_ascii_lowercase();
            [
                "make sure that you ",
                "make sure you ",
                "make sure to ",
                "be sure to ",
                "ensure that you ",
            ]
            .iter()
            .any(|p| lower.starts_with(p))
        }) else {
            return;
        };
        let line = self.lines.line(range.start);
        self.push_step(Step::manual(
            short_title(prep).into_owned(),
            line,
            prep.to_string(),
        ));
    }

    /// A paragraph made of commands (`\`-continued or one per line), or an instruction to run
    /// one command in inline code ("Run `make release`."), is a shell step. Returns whether it
    /// made one.
    /// `leads_into`: the paragraph introduces the block after it, whose command that is.
    fn paragraph(
        &mut self,
        text: &str,
        spans: &Spans<'_>,
        range: &Range<usize>,
        leads_into: bool,
    ) -> bool {
        let raw = self.src.get(range.clone()).unwrap_or("");
        if let Some(commands) = command_lines(raw) {
            let title = self.prose_title().unwrap_or_default();
            self.inferred_shell(commands, title, range);
            return true;
        }
        // "Run `x`", or an instruction that names its command ("Then restart the app:
        // `systemctl restart app`").
        let named = || {
            (!leads_into && is_instruction(text))
                .then(|| item_command(text, spans, None))
                .flatten()
        };
        let Some(command) = run_instruction(text, spans).or_else(named) else {
            return false;
        };
        // "Run `grep HugePages /proc/meminfo` on the Kubernetes node": typed there, shown here.
        if names_a_machine(text) == Some(true) {
            let line = self.lines.line(range.start);
            let block = Code {
                fenced: false,
                info: "",
                code: &command,
                range,
            };
            let reading = Reading::ByHand {
                why: "runs on the machine the text names",
                code: command.clone(),
                sql: false,
            };
            if let Some(step) = self.make(&block, reading, short_title(text).into_owned(), line) {
                self.push_step(step);
            }
            return true;
        }
        self.inferred_shell(command, short_title(text).into_owned(), range);
        true
    }

    /// A shell step of commands read from a paragraph.
    fn inferred_shell(&mut self, commands: String, title: String, range: &Range<usize>) {
        let line = self.lines.line(range.start);
        let block = Code {
            fenced: false,
            info: "",
            code: &commands,
            range,
        };
        let reading = Reading::Step {
            lang: CodeLang::Shell,
            commands: commands.clone(),
            expected: None,
            inferred: true,
        };
        if let Some(step) = self.make(&block, reading, title, line) {
            self.push_step(step);
        }
    }

    /// Whether a later part of the runbook spells out an item: it says "below", a later heading
    /// names its task, or a later block runs its command.
    fn spelled_out_later(&self, item: &Item) -> bool {
        let Some(Block::Paragraph { text, spans, .. }) = item.blocks.first() else {
            return false;
        };
        let lower = text.to_ascii_lowercase();
        if lower.contains("see below") || lower.contains("instructions below") {
            return true;
        }
        let after = item.range.end;
        let later = self.src.get(after..).unwrap_or("");
        self.headings
            .iter()
            .any(|(at, _, h)| *at > after && names_the_same_task(text, h))
            || spans.code.iter().any(|c| {
                let c = c.trim();
                // Run again by a later block: the command starts a line there, not a mention.
                c.len() >= 8
                    && c.contains(' ')
                    && later
                        .lines()
                        .any(|l| l.trim_start().trim_start_matches("$ ").starts_with(c))
            })
    }

    /// Walks a list: task items are checks; numbered items, and the bullets of a list that reads
    /// as a procedure, are manual steps or, when they are a command, shell steps; fences inside
    /// items are steps titled by their item. Lists of facts, links and options are reference.
    /// `top` lists put what made no step in the description. Returns the step the last item
    /// made, for code that falls out of it.
    fn list(
        &mut self,
        ordered: bool,
        continued: bool,
        items: &[Item],
        context: &[String],
        top: bool,
        lead: Option<&str>,
    ) -> Option<ItemStep> {
        // ("### Responsibilities" over what the role owns, "Additional information:": facts,
        // whatever their verbs, down to their nested lists.)
        let about = self.reference_list
            || top
                && lead.is_none()
                && self
                    .open
                    .last()
                    .is_some_and(|&p| names_a_reference_section(&self.out.phases[p].title))
                // A "Background" whose items instruct or run commands is a procedure.
                && !items.iter().any(|i| item_instructs(i) || item_has_inline_command(i))
            || top && lead.is_some_and(|l| introduces_explanation(l) && !l.contains("follow"))
            // ("… including:" over bullets that each instruct or run a command leads steps;
            // numbered items are steps whatever the lead says. "Optionally, set up …" among
            // things the code deploys is one of the contents.)
            || top
                && !ordered
                && lead.is_some_and(crate::runbook::prose::lists_contents)
                && !items.iter().all(|i| item_instructs(i) || item_has_inline_command(i))
            || top
                && lead.is_some_and(crate::runbook::prose::says_what_it_includes)
                && !mostly_instructs(ordered, items)
            // ("Additional information:" over numbered steps, or over commands, leads steps.)
            || top
                && !ordered
                && lead.is_some_and(labels_additional_information)
                && !items.iter().any(item_has_inline_command);
        let outer_reference = std::mem::replace(&mut self.reference_list, about);
        let steps_here = continued || !about && list_is_procedure(ordered, items, lead);
        // An overview ("Basic steps" over "Detailed steps"): a later part of the runbook spells
        // out several of its items, so the list is their summary and the sections are the steps.
        // An overview is flat: one sentence or two per item, no code or sub-steps of its own.
        let flat = items
            .iter()
            .all(|i| matches!(i.blocks[..], [Block::Paragraph { .. }]));
        let spelled: Vec<bool> = if steps_here && top && flat && items.len() >= 4 {
            items
                .iter()
                .map(|item| item.task.is_none() && self.spelled_out_later(item))
                .collect()
        } else {
            Vec::new()
        };
        let later = spelled.iter().filter(|s| **s).count();
        let overview = later >= 2 && later * 4 >= items.len();
        // An overview's items before the first one spelled out later (set up the new server
        // with the linked guide) and after the last (point DNS at it) are steps of their own:
        // the preparation before the detailed sections, and the cutover after them.
        let first_spelled = spelled.iter().position(|s| *s).unwrap_or(0);
        let last_spelled = spelled.iter().rposition(|s| *s).unwrap_or(usize::MAX);
        let mut last = None;
        // Where the items after a summary of a later section go: (pending steps before them,
        // the section's heading offset).
        let mut defer: Option<(usize, usize)> = None;
        let mut prev_way: Option<&str> = None;
        let mut prev_or = false;
        // An item before brought up new machines ("Spin up new droplets from the snapshot"):
        // the items after it work on them.
        let mut machines_up = false;
        for (index, item) in items.iter().enumerate() {
            if std::mem::take(&mut machines_up) {
                self.remote_section = true;
            }
            // (Before the first, only an item that links to the guide that spells it out:
            // "Access the database" may be what a differently named section does.)
            // (A link whose target holds a site generator's shortcode stays text: `](`.)
            let guided = matches!(item.blocks.first(),
                Some(Block::Paragraph { text, spans, .. }) if spans.linked > 0 || text.contains("]("));
            let overview = overview && (index >= first_spelled || !guided);
            if overview
                && index > last_spelled
                && let Some(Block::Paragraph { text, range, .. }) = item.blocks.first()
            {
                if is_instruction(text) {
                    let line = self.lines.line(range.start);
                    let mut step = Step::manual(
                        short_title(sentence_for_title(text)).into_owned(),
                        line,
                        text.to_string(),
                    );
                    step.detail
                        .push_str("\n\n(From the overview: no later section spells it out.)");
                    self.overview_tail.push(step);
                }
                if top {
                    self.describe(item.range.clone());
                }
                continue;
            }
            let (title, spans, para_range) = match item.blocks.first() {
                Some(Block::Paragraph {
                    text, spans, range, ..
                }) => (
                    short_title(without_closing_label(text)),
                    Some(spans),
                    Some(range),
                ),
                _ => (Cow::Borrowed(""), None, None),
            };
            if let Some(spans) = spans {
                self.note_named(&title, spans);
            }
            // "SSH into the instance and enter sudo": this item and the code after it are
            // typed there.
            if steps_here && let Some(remote) = names_a_machine(&title) {
                self.remote_section = remote;
            }
            machines_up = steps_here && brings_up_machines(&title);
            let line = self.lines.line(item.range.start);
            // Code in the item: runnable fences, and command lines indented under the item
            // that CommonMark reads as a paragraph (`- [ ] Pull\n\n    git pull`).
            let indented: Vec<Option<String>> = item
                .blocks
                .iter()
                .enumerate()
                .map(|(i, b)| match b {
                    Block::Paragraph { range, .. } if i > 0 => self.indented_commands(item, range),
                    _ => None,
                })
                .collect();
            let has_fence = item.blocks.iter().any(|b| {
                matches!(b, Block::Code { .. }) && has_steps(b)
                    || matches!(b, Block::Code { info, .. } if info.trim() == "{tab-set}")
            }) || indented.iter().any(Option::is_some);
            let group = item
                .blocks
                .iter()
                .any(|b| matches!(b, Block::List { .. }) && has_steps(b));
            // A task with code is done by running it: its first block is the step.
            let wants_step = (item.task.is_some() || steps_here) && !has_fence && !group
                || item.task.is_some() && !has_fence;
            if item.blocks.is_empty() || title.is_empty() && wants_step && item.blocks.len() <= 1 {
                if wants_step {
                    self.warn(
                        line,
                        1,
                        "empty list item: no step made; write what to do after the marker".into(),
                    );
                }
                continue;
            }
            // "The minimum supported version is v1.23. Upgrade to v1.23 or higher before
            // upgrading.": in a list of facts, a bullet whose later sentence instructs is a
            // step, for the case it names ("If a lower version is deployed, …").
            if !steps_here
                && !about
                && top
                && item.task.is_none()
                && !has_fence
                && !group
                && let Some(Block::Paragraph { text, .. }) = item.blocks.first()
                // ("**Start:** "Deploying …": a labelled template, not a fact and its advice.)
                && !states_a_fact(text)
                && let Some(told) = crate::runbook::standing::later_instruction(text)
            {
                let mut step =
                    Step::manual(short_title(&told).into_owned(), line, text.to_string());
                step.optional = for_a_case(&told);
                self.push_step(step);
                continue;
            }
            let mut made_step = false;
            last = None;
            // The item's own command: inline code it asks to run, or command lines that follow
            // its first line (`- [ ] Update\n    git pull`).
            let command = match (spans, para_range) {
                (Some(spans), Some(r)) => item_command(&title, spans, self.src.get(r.clone())),
                _ => None,
            };
            // "Or, force delete the pod", or "Manual: …" after "Automated: …": an alternative to
            // the item before.
            let way = way_label(&title);
            if (offers_an_alternative(&title) || way.is_some() && prev_way.is_some() || prev_or)
                && !self.pending.1.is_empty()
            {
                self.alternative_next = true;
            }
            prev_way = way;
            // "1. Restore the resource from a known good backup, or;" "2. Prepare a new one":
            // the item after it is its alternative.
            prev_or = title
                .trim_end_matches(|c: char| !c.is_alphanumeric())
                .rsplit(|c: char| !c.is_alphanumeric())
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("or"));
            // An overview item that a later section spells out ("Start the release (see
            // below)", or the words of a later heading) is that section's summary.
            // (Without its "(see below)": "Test the release (see below)" names "Test the
            // release".)
            let lower = title.to_ascii_lowercase();
            let bare = ["(see below)", "see below", "(instructions below)"]
                .iter()
                .find_map(|b| lower.find(b).map(|at| &title[..at]))
                .unwrap_or(&title);
            let words = heading_words(bare);
            let named = (!words.is_empty())
                .then(|| {
                    self.headings
                        .iter()
                        .find(|(at, h, _)| *at > item.range.start && *h == words)
                        .map(|(at, _, _)| *at)
                })
                .flatten();
            let below = title.to_ascii_lowercase().contains("see below")
                || title.to_ascii_lowercase().contains("instructions below");
            // "Perform Backend release (see below)": the later heading that holds every word
            // of its object ("Jaeger Backend Release Process"). An item that names none
            // ("Watch the dashboards (see below for the links)") points at a note, and the
            // items after it stay where they are written.
            let list_end = items.last().map_or(item.range.end, |i| i.range.end);
            let named = named.or_else(|| {
                let object: Vec<String> = heading_words(bare)
                    .split_whitespace()
                    .skip(1)
                    .filter(|w| !["the", "a", "an", "of", "for", "to", "on", "in"].contains(w))
                    .map(str::to_string)
                    .collect();
                if !below || object.is_empty() {
                    return None;
                }
                // The headings after the list that hold the object's rarest word, first one
                // first, until one holds every word.
                let lists: Vec<&Vec<usize>> = object
                    .iter()
                    .map(|w| self.heading_word_index.get(w))
                    .collect::<Option<_>>()?;
                let rarest = lists.iter().min_by_key(|l| l.len())?;
                let from = rarest.partition_point(|&k| self.headings[k].0 < list_end);
                rarest[from..]
                    .iter()
                    .find(|&&k| lists.iter().all(|l| l.binary_search(&k).is_ok()))
                    .map(|&k| self.headings[k].0)
            });
            let summary = named.is_some();
            if summary && !overview && item.task.is_none() && steps_here {
                // The items after the last such summary come after the section it names.
                if let Some(target) = named {
                    defer = Some((self.pending.1.len(), target));
                }
            }
            if (summary || overview) && item.task.is_none() && steps_here {
                if top {
                    self.describe(item.range.clone());
                }
                continue;
            }
            // "Rerun `rever … --force` and finally check the result by running:" then a block:
            // the inline command is a step of its own, and the block takes the rest.
            let split = (!wants_step && has_fence && steps_here && item.task.is_none())
                .then(|| {
                    let c = command.as_deref()?.trim();
                    let at = title.find(c)? + c.len();
                    let rest = title[at..].trim_start_matches([',', ';', ' ']);
                    // "Run `plan` to review the changes, and apply them with:": the purpose
                    // clause belongs to the command; the block's part starts after it.
                    let rest = match rest.strip_prefix("to ").or(rest.strip_prefix("so that ")) {
                        Some(purpose) => [", and ", ", then ", " and then ", "; "]
                            .iter()
                            .find_map(|sep| purpose.split_once(sep).map(|(_, r)| r))
                            .unwrap_or(""),
                        None => rest,
                    };
                    let rest = ["and ", "then ", "finally ", "after that "]
                        .iter()
                        .fold(rest, |r, w| r.strip_prefix(w).unwrap_or(r));
                    let rest = capitalized(rest);
                    // "Once you have run `x`, revert …" mentions a command already run.
                    let head = title[..at].to_ascii_lowercase();
                    let done = ["once ", "after ", "when ", "if "]
                        .iter()
                        .any(|w| head.starts_with(w))
                        || head.contains("have ");
                    (!rest.is_empty() && !done).then(|| (title[..at].to_string(), rest))
                })
                .flatten();
            let fence_title = split.as_ref().map(|(_, rest)| rest.clone());
            if wants_step || split.is_some() {
                let whole = split.map_or(title.clone(), |(head, _)| Cow::Owned(head));
                let (title, detail) = self.item_text(item, &whole, para_range);
                // "Change at least the following:" over "Kubernetes version - pick a newer
                // one": the item names what to change; the lead's verb makes it a step.
                let named_thing = (top && !is_instruction(title))
                    .then(|| lead.and_then(change_verb))
                    .flatten()
                    .map(|verb| {
                        let thing = [" - ", " – ", " — "]
                            .iter()
                            .find_map(|d| title.split_once(d).map(|(t, _)| t))
                            .filter(|t| t.split_whitespace().count() <= 6)
                            .unwrap_or(title);
                        format!("{}: {thing}", capitalized(verb))
                    });
                // (The item's whole text stays in the detail when its title keeps only the
                // thing.)
                let detail = match &named_thing {
                    Some(_) if detail.is_empty() => title.to_string(),
                    Some(_) => format!("{title}\n\n{detail}"),
                    None => detail,
                };
                let title = named_thing.as_deref().unwrap_or(title);
                // (`terraform login` in a bullet asks on a terminal as it would in a block.)
                let waits = command
                    .as_deref()
                    .and_then(needs_a_person)
                    .filter(|_| item.task.is_none());
                let in_session = self.shell_session.is_some() && waits.is_none();
                let by_hand =
                    item.task.is_none() && command.is_some() && (self.remote_section || in_session)
                        || waits.is_some();
                let kind = match (item.task, &command) {
                    (Some(_), _) => StepKind::Check,
                    (None, Some(_)) if !by_hand => StepKind::Shell,
                    (None, _) => StepKind::Manual,
                };
                let detail = if by_hand {
                    let elsewhere = match waits {
                        Some(why) => format!("Do this in your own terminal: it {why}."),
                        None if in_session => format!("Do this in your own terminal: it {IN_THE_SUBSHELL}."),
                        None => "Do this in your own terminal: it runs on another machine, which the prose names.".to_string(),
                    };
                    if detail.is_empty() {
                        elsewhere.to_string()
                    } else {
                        format!("{elsewhere}\n\n{detail}")
                    }
                } else {
                    detail
                };
                let limited = only_for_some(&detail);
                // (The limit in the title: the captain sees when to pass the step.)
                let title = match &limited {
                    Some(limit) => Cow::Owned(format!("{title} ({limit})")),
                    None => Cow::Borrowed(title),
                };
                let in_production = self.open.iter().any(|&i| self.production[i]);
                let (vars, dangerous) = match (&command, kind) {
                    (Some(c), StepKind::Shell) => read_code(c, kind, false, in_production),
                    // Typed by hand, a destroyer is still marked.
                    (Some(c), StepKind::Manual) => (
                        CodeVars::default(),
                        read_code(c, StepKind::Shell, false, in_production).1,
                    ),
                    // A destroyer the item names for the captain to type ("`terraform taint
                    // 'x'`. Tainting informs …") is marked as it would be in a block.
                    // (Not one it forbids: "Make sure nobody runs `terraform destroy`".)
                    (None, StepKind::Manual) if forbids(&title) => (CodeVars::default(), None),
                    (None, StepKind::Manual) => (
                        CodeVars::default(),
                        spans.into_iter().flat_map(|s| &s.code).find_map(|c| {
                            let c = c.trim();
                            is_command_line(c)
                                .then(|| read_code(c, StepKind::Shell, false, in_production).1)
                                .flatten()
                        }),
                    ),
                    _ => (CodeVars::default(), None),
                };
                let at = self.push_step(Step {
                    id: String::new(),
                    kind,
                    title: with_context(context, title.to_string()),
                    line,
                    code: command.filter(|_| kind == StepKind::Shell || by_hand),
                    expected_output: None,
                    inputs: vars.inputs,
                    sets: vars.sets,
                    attrs: Attrs::default(),
                    dangerous,
                    detail,
                    inferred: kind == StepKind::Shell,
                    choice: None,
                    // Read on the whole item: "(optional)" or "(~2 min)" may close it. A note
                    // under it may limit it: "This is only done for stable releases".
                    optional: says_optional(&whole) || limited.is_some(),
                    estimate_secs: step_estimate(&whole),
                    repeat: None,
                    subtask_folder: None,
                    renew: Vec::new(),
                });
                last = Some(ItemStep {
                    at,
                    takes_code: item.task.is_none(),
                });
                made_step = true;
            } else if let Some(c) = command.as_deref().or_else(|| {
                spans.and_then(|s| {
                    s.code
                        .iter()
                        .map(|c| c.trim())
                        .find(|c| is_command_line(c) && c.contains(' '))
                })
            }) {
                let col = self.lines.line_col(self.src, item.range.start).1;
                self.warn(
                    line,
                    col,
                    format!(
                        "the bullet command `{}` is not a step: its list reads as reference (facts, links or options), not a procedure; put it in a ```bash fence or a `- [ ]` item to run it",
                        c.lines().next().unwrap_or("")
                    ),
                );
            }
            // Blocks in the item: fences are steps (the first takes the item's title, later ones
            // the paragraph just before them, or the title numbered); nested lists walk on.
            let mut prev_paragraph: Option<&str> = None;
            let mut prev_line = line;
            // The last paragraph that titled no block: it still says what a later one does.
            let mut unused: Option<&str> = None;
            let mut nth = 0;
            let mut inner_list: Option<ItemStep> = None;
            // Whether `prev_paragraph` is a nested list's lone label ("2. STABLE example").
            let mut labelled = false;
            // Whether a block joined a nested list's item as its code ("1. RC example:").
            let mut joined = false;
            for (i, block) in item.blocks.iter().enumerate() {
                // A MyST tab set inside the item: one choice, as at the margin, its tabs led
                // into by the paragraph before it or the item's own words.
                if let Block::Code {
                    fenced: true,
                    info,
                    range,
                    ..
                } = block
                    && info.trim() == "{tab-set}"
                    && self.tab_depth < MAX_TAB_DEPTH
                {
                    if let Some(body) = fence_body(self.src, range) {
                        let made = self.made;
                        let lead = prev_paragraph.unwrap_or(&title);
                        self.last_text = Some((lead.to_string(), 0));
                        self.tab_set(body, Some(lead));
                        if self.made > made {
                            made_step = true;
                            nth += 1;
                        }
                    }
                    prev_paragraph = None;
                    continue;
                }
                let code = match (block, &indented[i]) {
                    (Block::Paragraph { range, .. }, Some(commands)) => {
                        Some((false, "", &**commands, range))
                    }
                    (
                        Block::Code {
                            fenced,
                            info,
                            code,
                            range,
                        },
                        None,
                    ) => Some((*fenced, &**info, &**code, range)),
                    _ => None,
                };
                match block {
                    _ if code.is_some() => {
                        let Some((fenced, info, code, range)) = code else {
                            continue;
                        };
                        let code = Code {
                            fenced,
                            info,
                            code,
                            range,
                        };
                        let reading = self.read(&code, prev_paragraph.or(Some(&title)));
                        // Code after a nested list's last item belongs to that item.
                        let reading = match inner_list.take() {
                            Some(inner) => match self.join_item(inner, &code, reading) {
                                Ok(()) => {
                                    joined = true;
                                    continue;
                                }
                                Err(reading) => reading,
                            },
                            None => reading,
                        };
                        let own = match (nth, prev_paragraph.or(unused)) {
                            (0, _) if fence_title.is_some() => {
                                Cow::Owned(fence_title.clone().unwrap_or_default())
                            }
                            (0, _) if !made_step || item.task.is_some() => {
                                Cow::Borrowed(item_title(&title).0)
                            }
                            (_, Some(p)) => short_title(sentence_for_title(p)),
                            _ => Cow::Owned(format!("{title} ({})", nth + 2)),
                        };
                        // (After a case a nested list made, the labelled block is one of its own.)
                        let at = if nth == 0 && !std::mem::take(&mut labelled) {
                            line
                        } else {
                            self.lines.line(range.start)
                        };
                        let own = with_context(context, own.into_owned());
                        if let Some(mut step) = self.make(&code, reading, own, at) {
                            // What the item says after its instruction is the step's detail.
                            if nth == 0
                                && step.detail.is_empty()
                                && let (_, Some(rest)) = item_title(&title)
                            {
                                step.detail = rest.to_string();
                            }
                            self.push_step(step);
                            nth += 1;
                            made_step = true;
                            if nth > 1 {
                                unused = None;
                            }
                        }
                        prev_paragraph = None;
                    }
                    // "Get the certificates from the vault." "**OR**" "Move over the existing
                    // ones:" and a block: the side with no block is done by hand, and the two
                    // are one choice.
                    Block::Paragraph { text, .. } if i > 0 && offers_an_alternative(text) => {
                        if let Some(p) = prev_paragraph.filter(|p| is_instruction(p)) {
                            let own = short_title(sentence_for_title(p)).into_owned();
                            let step =
                                Step::manual(with_context(context, own), prev_line, p.to_string());
                            self.push_step(step);
                            made_step = true;
                            nth += 1;
                        }
                        self.alternative_next |= made_step;
                        // "Or, force delete the pod:" still leads into its block.
                        let bare = text
                            .trim()
                            .trim_matches(|c: char| c == '*' || c == '_' || c == ':')
                            .eq_ignore_ascii_case("or");
                        prev_paragraph = (!bare).then_some(&**text);
                        unused = None;
                    }
                    Block::Paragraph { text, range, .. } => {
                        prev_paragraph = (i > 0).then_some(&**text);
                        prev_line = self.lines.line(range.start);
                        unused = prev_paragraph.or(unused);
                        inner_list = None;
                        // "Finally …, add and commit them." after the item's block, or "So,
                        // update the config's version field." before the paragraph that leads
                        // into it: an instruction of its own between the item's blocks.
                        // (A note or a quote between a paragraph and its block: it still leads.)
                        let next = (i + 1..item.blocks.len())
                            .find(|&k| !matches!(item.blocks[k], Block::Other { .. }));
                        let leads = next.is_some_and(|k| {
                            matches!(item.blocks[k], Block::Code { .. })
                                || indented.get(k).is_some_and(Option::is_some)
                        });
                        if i > 0
                            && has_fence
                            && steps_here
                            && item.task.is_none()
                            && !leads
                            && let Some(told) = sentences(text.trim()).into_iter().find(|s| {
                                is_instruction(s)
                                    && !states_a_fact(s)
                                    && !REMARKS.contains(&first_word(s).as_str())
                            })
                        {
                            let own = with_context(context, short_title(told).into_owned());
                            let mut step = Step::manual(own, prev_line, text.to_string());
                            step.optional = for_a_case(told);
                            self.push_step(step);
                            made_step = true;
                            nth += 1;
                            prev_paragraph = None;
                            unused = None;
                        }
                    }
                    // A quoted note between a sentence and its block (`> Todo: …`) leaves the
                    // sentence leading into the block.
                    Block::Other { range }
                        if self
                            .src
                            .get(range.clone())
                            .is_some_and(|q| q.starts_with('>')) => {}
                    Block::List {
                        ordered: o,
                        items: sub,
                        ..
                    } => {
                        // "2. STABLE RELEASE example" alone over a block, after the first case
                        // took the block below it: the label titles that block.
                        if joined
                            && let [one] = &sub[..]
                            && let [Block::Paragraph { text, .. }] = &one.blocks[..]
                            && matches!(item.blocks.get(i + 1), Some(Block::Code { .. }))
                            && !is_instruction(text)
                        {
                            prev_paragraph = Some(&**text);
                            labelled = true;
                            continue;
                        }
                        // Sub-bullets of a step are its detail; other nested lists walk on.
                        if wants_step && !has_steps(block) {
                            continue;
                        }
                        let mut ctx = context.to_vec();
                        if ordered && item.task.is_none() && !has_fence && !title.is_empty() {
                            ctx.push(item_title(&title).0.to_string());
                        }
                        let before = self.made;
                        inner_list = self.list(*o, false, sub, &ctx, false, prev_paragraph);
                        made_step |= self.made > before;
                        // "If a webhook is preventing the deletion:" over its numbered steps:
                        // they are all for that case.
                        if says_optional(&title) {
                            let new = (self.made - before).min(self.pending.1.len());
                            let from = self.pending.1.len() - new;
                            self.pending.1[from..]
                                .iter_mut()
                                .for_each(|s| s.optional = true);
                        }
                        prev_paragraph = None;
                    }
                    _ => prev_paragraph = None,
                }
            }
            // A step of the procedure whose code all turned out to be output or reference
            // (a request for another tool, a sample response) is still done by hand.
            if !made_step
                && (steps_here || item.task.is_some())
                && (has_fence || group)
                && !title.is_empty()
            {
                let (short, detail) = self.item_text(item, &title, para_range);
                let mut step = Step::manual(with_context(context, short.to_string()), line, detail);
                step.optional = says_optional(&title);
                step.estimate_secs = step_estimate(&title);
                if item.task.is_some() {
                    step.kind = StepKind::Check;
                }
                self.push_step(step);
                made_step = true;
            }
            if top && !made_step {
                self.describe(item.range.clone());
            }
            // "Or …" joins only the step its own item makes, never a later one.
            self.alternative_next = false;
        }
        // "2. Perform the backend release (see below)", "3. Publish the docs": the items after
        // a summary of a later section are done after it.
        if let Some((from, target)) = defer
            && from < self.pending.1.len()
        {
            let steps = self.pending.1.split_off(from);
            self.after_section.push((target, self.pending.0, steps));
            last = None;
        }
        self.reference_list = outer_reference;
        last
    }

    /// Command lines written under an item, indented past its text but not far enough for
    /// CommonMark to make them a code block (`- [ ] Pull` then `    git pull`): the item's code.
    fn indented_commands(&self, item: &Item, range: &Range<usize>) -> Option<String> {
        let content = content_column(self.src, item.range.start)?;
        let line_start = self
            .src
            .get(..range.start)?
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let raw = self.src.get(line_start..range.end)?;
        let mut commands = String::new();
        for line in raw.lines().filter(|l| !l.trim().is_empty()) {
            let indent = line.len() - line.trim_start_matches(' ').len();
            let t = line.trim();
            if indent <= content || t.contains('`') || t.contains("](") || !is_command_line(t) {
                return None;
            }
            commands.push_str(t);
            commands.push('\n');
        }
        (!commands.is_empty()).then_some(commands)
    }

    /// A step's title and detail from its item: a long first paragraph is titled by its
    /// first sentence, and the sentences after it lead the detail.
    fn item_text<'t>(
        &self,
        item: &Item,
        text: &'t str,
        paragraph: Option<&Range<usize>>,
    ) -> (&'t str, String) {
        let (title, rest) = item_title(text);
        let Some(rest) = rest else {
            return (title, self.detail(item));
        };
        let after = paragraph
            .and_then(|p| self.src.get(p.end..item.range.end))
            .map(dedent)
            .unwrap_or_default();
        let after = after.trim();
        if after.is_empty() {
            (title, rest.to_string())
        } else {
            (title, format!("{rest}\n\n{after}"))
        }
    }

    /// The tabs of phase `i` that made no step and say something to do: (line, option,
    /// text). A tab that only says there is nothing to do for it ("N/A") is none.
    fn said_in_tabs(&self, i: usize) -> Vec<(usize, Choice, String)> {
        /// What a tab says when its option has nothing to do here.
        const NOTHING: &[&str] = &["n/a", "na", "none", "not applicable", "nothing to do", "-"];
        /// How a tab starts when it says so in a sentence ("Not needed on AWS: …", "Skip this
        /// step, GKE has it.").
        const NOTHING_SAID: &[&str] = &[
            "not needed",
            "not required",
            "no action",
            "nothing to do",
            "no need",
            "skip this",
            "you can skip",
        ];
        self.quiet_tabs
            .iter()
            .filter(|(phase, _, _)| *phase == i)
            .filter_map(|(_, choice, range)| {
                let text = dedent(self.src.get(range.clone())?);
                let text = text.trim();
                let bare = text.trim_end_matches('.').to_ascii_lowercase();
                let nothing = NOTHING.contains(&bare.as_str())
                    || NOTHING_SAID.iter().any(|n| bare.starts_with(n));
                (!text.is_empty() && !nothing).then(|| {
                    let line = self.lines.line(range.start);
                    (line, choice.clone(), text.to_string())
                })
            })
            .collect()
    }

    /// The Markdown of an item after its first line: nested bullets and notes.
    fn detail(&self, item: &Item) -> String {
        let raw = self.src.get(item.range.clone()).unwrap_or("");
        let body = raw.split_once('\n').map_or("", |(_, rest)| rest);
        let mut detail = dedent(body);
        detail.truncate(detail.trim_end().len());
        detail
    }

    /// A numbered heading ("3. Tag the release", "Step 4: …") or an instruction-only section
    /// whose section made no step is itself one manual step, its text the detail.
    fn numbered_headings(&mut self) {
        let n = self.out.phases.len();
        let mut has_steps = vec![false; n];
        for i in (0..n).rev() {
            if !self.out.phases[i].steps.is_empty() {
                has_steps[i] = true;
            }
            if has_steps[i]
                && let Some(p) = self.out.phases[i].parent
            {
                has_steps[p] = true;
            }
        }
        let mut made = Vec::new();
        // Deepest first, so that a numbered heading over numbered subheadings that became steps
        // does not become one too.
        for i in (0..n).rev() {
            let phase = &self.out.phases[i];
            if has_steps[i] {
                continue;
            }
            let first_para = phase.description.split("\n\n").next().unwrap_or("");
            let leaf = self.out.phases[i + 1..]
                .first()
                .is_none_or(|next| next.level <= phase.level);
            let instructs = is_instruction(first_para)
                && !first_para
                    .trim_start()
                    .starts_with(['-', '*', '|', '>', '`']);
            // "#### Update the links in the quickstart" over the goal of the task, then "Update
            // the links in the quickstart (on main and …).": the body restates the heading as
            // its instruction.
            let restated = leaf && {
                let heading = heading_words(&phase.title);
                !heading.is_empty()
                    && phase.description.split("\n\n").any(|p| {
                        let words = heading_words(p);
                        is_instruction(p)
                            && (words == heading || words.starts_with(&format!("{heading} ")))
                    })
            };
            // "## Create a bastion Pod" over why it is needed, then "Follow the [Bastion
            // Documentation] for how to do this.": a task in the heading, done elsewhere, is
            // still a step of the run.
            let delegated = leaf
                && is_instruction(&phase.title)
                && phase.description.split("\n\n").skip(1).any(|p| {
                    (is_instruction(p) || crate::runbook::title::tells_the_reader(p))
                        && !REMARKS.contains(&first_word(p).as_str())
                        && !p
                            .trim_start()
                            .starts_with(['-', '*', '|', '>', '`', '<', '!'])
                });
            // "Follow the [Convert Postgres to use Owner Roles](…) documentation before
            // continuing." in a section that only looks around: the procedure is elsewhere, and
            // doing it is a step of this run, whatever the heading says.
            let follow = if leaf
                && !(is_numbered_heading(&phase.title) || instructs || restated || delegated)
            {
                follows_elsewhere(&phase.description)
            } else {
                None
            };
            // "### Set up credentials" over tabs that only say how, each in prose: the heading
            // is the step, one for each tab that says more than "N/A".
            let said_in_tabs = if leaf && is_instruction(&phase.title) {
                self.said_in_tabs(i)
            } else {
                Vec::new()
            };
            if !said_in_tabs.is_empty() {
                let title = short_title(strip_numbering(&phase.title)).into_owned();
                self.out.phases[i]
                    .steps
                    .extend(said_in_tabs.into_iter().map(|(line, choice, text)| {
                        let mut step = Step::manual(title.clone(), line, text);
                        step.choice = Some(choice);
                        step
                    }));
                let mut up = Some(i);
                while let Some(k) = up {
                    has_steps[k] = true;
                    up = self.out.phases[k].parent;
                }
                continue;
            }
            if let Some((title, for_a_case)) = follow {
                // The looks the section shows on the way ("Running `\du` should return a list
                // of roles …"): optional, typed where the section's commands are.
                let looks: Vec<Step> = phase
                    .description
                    .split("\n\n")
                    .filter_map(a_look)
                    .map(|(code, what)| {
                        let mut look =
                            Step::manual(format!("Run {code}: {what}"), phase.line, String::new());
                        look.code = Some(format!("{code}\n"));
                        look.optional = true;
                        look
                    })
                    .collect();
                self.out.phases[i].steps.extend(looks);
                let phase = &self.out.phases[i];
                let mut step = Step::manual(
                    short_title(&title).into_owned(),
                    phase.line,
                    phase.description.clone(),
                );
                step.optional = for_a_case;
                self.out.phases[i].steps.push(step);
                let mut up = Some(i);
                while let Some(k) = up {
                    has_steps[k] = true;
                    up = self.out.phases[k].parent;
                }
                continue;
            }
            // "#### Communicate key dates" over "The goal of this task is to …" and lists of
            // what and whom to tell: the heading is the task, one step.
            let a_task = leaf
                && first_para
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("the goal of this task");
            if is_numbered_heading(&phase.title)
                || leaf && instructs
                || restated
                || delegated
                || a_task
            {
                made.push(i);
                let mut up = Some(i);
                while let Some(k) = up {
                    has_steps[k] = true;
                    up = self.out.phases[k].parent;
                }
            }
        }
        // "## 8. Merge the release branch over to `main`." over a `<details>` of how: the
        // heading is the step, done whatever the folded steps under it.
        for i in 0..n {
            let phase = &self.out.phases[i];
            let lower = phase.title.to_ascii_lowercase();
            // (Folded away, not conditional: "## 5. Rollback" over "If the deploy fails, …".)
            let folded = !phase.steps.is_empty()
                && phase.steps.iter().all(|s| s.optional)
                && phase.description.contains("<details");
            // (Subsections with steps do what the heading says: "3. Install" over Option A/B.)
            let done_below = self.out.phases[i + 1..]
                .iter()
                .take_while(|p| p.level > phase.level)
                .any(|p| !p.steps.is_empty());
            if folded
                && !done_below
                && is_numbered_heading(&phase.title)
                && !says_optional(&phase.title)
                && !lower.contains(" if ")
            {
                made.push(i);
            }
        }
        made.sort_unstable();
        for i in made {
            let phase = &mut self.out.phases[i];
            let title = strip_numbering(&phase.title);
            // "### Step 10" says only where it is: its first sentence says what to do.
            let bare = title
                .to_ascii_lowercase()
                .strip_prefix("step ")
                .is_some_and(|n| {
                    n.trim_end_matches([':', '.'])
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                });
            let first_para = phase.description.split("\n\n").next().unwrap_or("").trim();
            let title = if bare && !first_para.is_empty() {
                short_title(sentence_for_title(first_para)).into_owned()
            } else {
                short_title(title).into_owned()
            };
            let mut step = Step::manual(title, phase.line, phase.description.clone());
            step.optional |= task_on_a_condition(&phase.title, &phase.description);
            phase.steps.insert(0, step);
        }
        // "Step 5: repeat step 3 and step 4 for the rest of the members" over a check of the
        // result: the repeat is done by hand before that check. Where the runbook says how
        // many there are ("a 3-member cluster"), the steps it names are walked again for each
        // of the rest, in order, instead.
        for k in 0..self.out.phases.len() {
            if let Some((again, named, first)) = repeated_for_the_rest(&self.out.phases, k) {
                // The steps as written are the first of them.
                for n in named {
                    for step in &mut self.out.phases[n].steps {
                        if step.choice.is_none() {
                            let own = capitalized(strip_step_label(&step.title));
                            step.title = format!("{} ({first})", own.trim_end_matches('.'));
                        }
                    }
                }
                let phase = &mut self.out.phases[k];
                let heading = short_title(strip_numbering(&phase.title)).into_owned();
                // A heading over prose only made the repeat a step of its own: the copies are it.
                let line = phase.line;
                phase.steps.retain(|s| {
                    !(s.kind == StepKind::Manual
                        && s.code.is_none()
                        && s.line == line
                        && s.title == heading)
                });
                if let Some(first) = phase.steps.first_mut()
                    && first.title == heading
                    && let Some(code) = &first.code
                {
                    first.title = code_title(code, CodeLang::Shell);
                }
                phase.steps.splice(0..0, again);
            }
        }
        for phase in &mut self.out.phases {
            let title = strip_numbering(&phase.title);
            let title = strip_step_label(title);
            // (A heading that is its own step already says it.)
            let own = phase.steps.first().is_some_and(|s| s.line == phase.line);
            if phase.steps.is_empty() || own || !title.to_ascii_lowercase().starts_with("repeat ") {
                continue;
            }
            let step = Step::manual(
                capitalized(&title.replace('*', "")),
                phase.line,
                String::new(),
            );
            // The block under such a heading was titled by it; it is the check, not the repeat.
            let heading = short_title(strip_numbering(&phase.title)).into_owned();
            if let Some(first) = phase.steps.first_mut()
                && first.title == heading
                && let Some(code) = &first.code
            {
                first.title = code_title(code, CodeLang::Shell);
            }
            phase.steps.insert(0, step);
        }
    }
}

impl Walker<'_> {
    /// "This explains how to rotate [Application Credentials](#rotating-application-credentials).
    /// [Admin Credentials](#rotating-admin-credentials) are rotated differently.": an
    /// introduction whose prose links to two or three of the file's own sections names
    /// procedures of their own. The first is the runbook's; the steps of the others (and of
    /// their subsections) are done only when that is the job, so the run may pass them.
    fn separate_procedures(&mut self) {
        let mut anchors: Vec<String> = Vec::new();
        let mut linking = String::new();
        'paragraphs: for para in self.out.description.split("\n\n") {
            let t = para.trim_start();
            let listed = t.starts_with(['-', '*', '+', '|', '>'])
                || t.split_once(". ")
                    .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if listed {
                continue;
            }
            for (at, _) in para.match_indices("](#") {
                let rest = &para[at + 3..];
                if let Some(end) = rest.find(')') {
                    let anchor = rest[..end].to_ascii_lowercase();
                    if !anchors.contains(&anchor) {
                        anchors.push(anchor);
                        linking.push_str(para);
                        linking.push('\n');
                    }
                    // (More than three: a table of contents; stop reading.)
                    if anchors.len() > 3 {
                        break 'paragraphs;
                    }
                }
            }
        }
        if !(2..=3).contains(&anchors.len()) || !contrasts_procedures(&linking) {
            return;
        }
        // (The first may be the heading that became the runbook's title.)
        let title = self.out.title.as_deref().map(anchor_slug);
        let first_is_title = title.as_ref() == anchors.first();
        let found: Vec<usize> = anchors
            .iter()
            .skip(usize::from(first_is_title))
            .filter_map(|a| {
                self.out
                    .phases
                    .iter()
                    .position(|p| anchor_slug(&p.title) == *a)
            })
            .collect();
        let levels: Vec<u8> = self.out.phases.iter().map(|p| p.level).collect();
        let named = found.len() + usize::from(first_is_title);
        if named != anchors.len() || found.iter().any(|&i| levels[i] != levels[found[0]]) {
            return;
        }
        for &i in &found[usize::from(!first_is_title)..] {
            let end = (i + 1..levels.len())
                .find(|&k| levels[k] <= levels[i])
                .unwrap_or(levels.len());
            for phase in &mut self.out.phases[i..end] {
                for step in &mut phase.steps {
                    step.optional = true;
                }
            }
        }
    }
}

/// Whether prose that links sections sets them apart as procedures of their own ("… are
/// rotated differently", "a separate procedure", "instead", "only when"), not as parts of one
/// in sequence ("then follow [Cutover] and [Verification] in order").
fn contrasts_procedures(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |phrase: &str| {
        let p: Vec<&str> = phrase.split(' ').collect();
        words.windows(p.len()).any(|w| w == p.as_slice())
    };
    let contrast = [
        "differently",
        "different",
        "separate",
        "separately",
        "instead",
        "only when",
        "only if",
        "otherwise",
    ]
    .iter()
    .any(|p| has(p))
        || lower.contains(", see [");
    let sequence = ["then", "in order", "followed by", "afterwards"]
        .iter()
        .any(|p| has(p));
    contrast && !sequence
}

/// `<summary><h2>5. Run rever.</h2></summary>`: the level and text of the heading a folded
/// section's summary holds, tags inside it dropped.
fn summary_heading(html: &str) -> Option<(u8, String)> {
    let at = html.find("<summary>")? + "<summary>".len();
    let rest = html[at..].trim_start();
    let level = rest.strip_prefix("<h")?.bytes().next()?;
    if !(b'1'..=b'6').contains(&level) {
        return None;
    }
    let open = rest.find('>')? + 1;
    let close = rest.find("</h")?;
    let mut text = String::new();
    let mut in_tag = false;
    for c in rest.get(open..close)?.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then(|| (level - b'0', text))
}

/// "Step 5: repeat *step 3* and *step 4* for the rest of the members", under a section that
/// says "a 3-member cluster": the steps of the sibling sections "Step 3: …" and "Step 4: …",
/// once for member 2 and once for member 3, each title saying which. `None` when the heading
/// is no such repeat, names no earlier step, or the runbook never says how many there are.
fn repeated_for_the_rest(phases: &[Phase], k: usize) -> Option<(Vec<Step>, Vec<usize>, String)> {
    let phase = phases.get(k)?;
    let title = strip_step_label(strip_numbering(&phase.title)).replace('*', "");
    let lower = title.to_ascii_lowercase();
    let rest = lower.strip_prefix("repeat ")?;
    let (named, things) = rest.split_once(" for ")?;
    // "the rest of the members", "rest of the nodes", "the remaining brokers".
    let thing = things
        .trim_start_matches("the ")
        .strip_prefix("rest of the ")
        .or_else(|| things.strip_prefix("the remaining "))?
        .trim_end_matches(['.', ':'])
        .trim();
    if thing.contains(' ') {
        return None;
    }
    let one = thing.strip_suffix('s').unwrap_or(thing);
    let numbers = steps_named(named);
    if numbers.is_empty() || !named.contains("step") {
        return None;
    }
    // How many there are: "a 3-member cluster" in this section or one around it.
    let mut around = Some(k);
    let mut count = None;
    while let Some(a) = around {
        count = phases[a]
            .description
            .split(|c: char| c.is_whitespace() || c == '(' || c == ',')
            .find_map(|w| {
                let (n, of) = w.split_once('-')?;
                let of = of.to_ascii_lowercase();
                let of = of.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
                (of == one || of == thing).then(|| n.parse::<usize>().ok())?
            });
        if count.is_some() {
            break;
        }
        around = phases[a].parent;
    }
    let count = count.filter(|n| (2..=9).contains(n))?;
    // The sibling sections the heading names, in the order it names them.
    let mut steps: Vec<&Step> = Vec::new();
    let mut sections = Vec::with_capacity(numbers.len());
    for number in &numbers {
        let label = format!("step {number}");
        let (at, named) = phases[..k].iter().enumerate().rev().find(|(_, p)| {
            p.parent == phase.parent && {
                let t = p.title.to_ascii_lowercase();
                let t = t.trim_start_matches(['*', ' ']);
                t.strip_prefix(&label)
                    .is_some_and(|r| r.starts_with([':', '.', ' ']))
            }
        })?;
        steps.extend(named.steps.iter().filter(|s| s.choice.is_none()));
        sections.push(at);
    }
    if steps.is_empty() {
        return None;
    }
    // The example's local addresses (`localhost:4001`, `localhost:4002`, …) in the order the
    // section around first names them: a copy for member n talks to the n-th.
    let around = (0..=k)
        .rev()
        .find(|&a| {
            phases[a].level < phase.level
                && phases[a]
                    .description
                    .to_ascii_lowercase()
                    .contains(&format!("{count}-{one}"))
        })
        .unwrap_or(k);
    let end = (around + 1..phases.len())
        .find(|&i| phases[i].level <= phases[around].level)
        .unwrap_or(phases.len());
    let mut members: Vec<String> = Vec::new();
    for code in phases[around..end]
        .iter()
        .flat_map(|p| &p.steps)
        .filter_map(|s| s.code.as_deref())
    {
        for address in crate::runbook::example_addresses::addresses(code) {
            if !members.contains(&address) && members.len() <= count {
                members.push(address);
            }
        }
    }
    // "it is safest to wait for 2 minutes between upgrading each member", anywhere in the
    // runbook: a wait before each repeat, for the case its paragraph opens with.
    let wait = phases.iter().find_map(|p| {
        p.description.split("\n\n").find_map(|para| {
            let (secs, said, gerund) = crate::runbook::standing::wait_between(para, one)?;
            Some((
                secs,
                said,
                gerund,
                crate::runbook::standing::leading_case(para),
                para,
            ))
        })
    });
    let mut again = Vec::with_capacity((steps.len() + 1) * (count - 1));
    for n in 2..=count {
        if let Some((secs, said, gerund, case, para)) = &wait {
            let mut title = format!("Wait {said} before {gerund} {one} {n}");
            if let Some(case) = case {
                title = format!("{title} ({case})");
            }
            let mut step = Step::manual(title, phase.line, para.trim().to_string());
            step.estimate_secs = Some(*secs);
            step.optional = true;
            again.push(step);
        }
        for step in &steps {
            let mut copy = (*step).clone();
            // ("Step 3: stop one server" is not step 3 here.)
            let own = capitalized(strip_step_label(&step.title));
            copy.title = format!("{} ({one} {n} of {count})", own.trim_end_matches('.'));
            copy.line = phase.line;
            copy.id = String::new();
            for_member(&mut copy, n, &members, one);
            again.push(copy);
        }
    }
    Some((again, sections, format!("{one} 1 of {count}")))
}

/// Makes the copy of member 1's step act on member `n`: the one example address it talks to
/// becomes the n-th the section names. A step that talks to several members (a health check
/// across all) stays as it is, and so does one that names nothing it acts on (`cachectl ring
/// status`); one whose member is a value it cannot tell (`cachectl drain "$NODE"`, an address
/// with no n-th beside it) is done by hand on that member rather than run again on the first.
fn for_member(copy: &mut Step, n: usize, members: &[String], one: &str) {
    if copy.kind == StepKind::Manual {
        return;
    }
    let Some(code) = copy.code.clone() else {
        return;
    };
    let own = crate::runbook::example_addresses::addresses(&code);
    if own.len() >= 2 {
        return;
    }
    let nth = own
        .first()
        .and_then(|a| members.iter().position(|m| m == a))
        .and_then(|i| members.get(i + n - 1));
    match (own.first(), nth) {
        (Some(first), Some(nth)) => {
            copy.code = Some(crate::runbook::example_addresses::replace_address(
                &code, first, nth,
            ));
        }
        (None, _) if copy.inputs.is_empty() && !code.contains('$') => {}
        _ => {
            copy.kind = StepKind::Manual;
            copy.dangerous = None;
            let note = format!("Do this for {one} {n}: the commands shown are {one} 1's.");
            copy.detail = if copy.detail.is_empty() {
                note
            } else {
                format!("{note}\n\n{}", copy.detail)
            };
        }
    }
}

/// "steps 1-3", "step 3 and step 4", "steps 3 to 5", "3 through 5": the step numbers a repeat
/// names, a range spelled out.
fn steps_named(named: &str) -> Vec<usize> {
    let words: Vec<&str> = named
        .split(|c: char| c.is_whitespace() || c == ',' || c == '*')
        .flat_map(|w| {
            // ("1-3" and "1–3" are a range written without spaces.)
            let parts: Vec<&str> = w.split(['-', '\u{2013}']).collect();
            let mut out = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push("to");
                }
                out.push(*part);
            }
            out
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut out: Vec<usize> = Vec::new();
    let mut ranging = false;
    for w in words {
        if let Ok(n) = w.trim_end_matches(['.', ':']).parse::<usize>() {
            match out.last() {
                // (A range of a few steps, not a typo's thousand.)
                Some(&from) if ranging && from < n && n - from <= 9 => out.extend(from + 1..=n),
                _ => out.push(n),
            }
            ranging = false;
        } else {
            ranging = matches!(w, "to" | "through" | "thru") && !out.is_empty();
        }
    }
    out
}

/// "Step 5: repeat …" → "repeat …": a heading's label that says only where it is.
fn strip_step_label(title: &str) -> &str {
    let lower = title.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("step ") else {
        return title;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let after = &rest[digits..];
    match after.strip_prefix(':').or(after.strip_prefix('.')) {
        Some(tail) if digits > 0 => title[title.len() - tail.len()..].trim_start(),
        _ => title,
    }
}

/// A lead-in to conditions that must hold before the work: "In order to upgrade, the following
/// prerequisites must be met:", "Make sure these requirements are met:".
fn lists_prerequisites(lead: &str) -> bool {
    let t = lead.trim().to_ascii_lowercase();
    t.ends_with(':')
        && ["prerequisites", "requirements", "preconditions"]
            .iter()
            .any(|w| t.contains(w))
        && (["must be met", "must hold", "must be satisfied", "must be true"]
            .iter()
            .any(|w| t.contains(w))
            // ("Make sure these requirements are met:", not "… are met automatically, so
            // you do not need to:".)
            || t.ends_with("are met:"))
        && !t.contains("automatically")
}

/// A lead-in that asks to change each of the things listed: "You'd want to make sure to change
/// at least the following:", "Update the following settings:". Each item is then a step,
/// however it is worded ("Size of nodes …").
fn lists_things_to_change(lead: &str) -> bool {
    change_verb(lead).is_some()
}

/// The verb of a lead-in that asks to change each thing listed ("change" in "make sure to
/// change at least the following:"), which titles an item that only names its thing.
fn change_verb(lead: &str) -> Option<&'static str> {
    /// Verbs that act on every item of the list after them.
    const CHANGE: &[&str] = &[
        "change",
        "set",
        "update",
        "edit",
        "adjust",
        "modify",
        "configure",
        "review",
    ];
    let t = lead.trim().to_ascii_lowercase();
    let (before, _) = t.strip_suffix(':')?.split_once(" the following")?;
    before
        .split_whitespace()
        .rev()
        .take(4)
        .find_map(|w| CHANGE.iter().find(|c| **c == w).copied())
}

/// A paragraph that only points at documentation: "Authentication and context switching:
/// https://…", a short label, a colon, a link. It neither instructs nor titles a block.
fn is_link_reference(text: &str) -> bool {
    let t = text.trim();
    let Some((label, url)) = t.rsplit_once(char::is_whitespace) else {
        return false;
    };
    (url.starts_with("https://") || url.starts_with("http://"))
        && label.trim_end().ends_with(':')
        && label.split_whitespace().count() <= 8
}

/// Whether a list's items read as work: one runs a command, or it is numbered and most items
/// instruct (bullets of nouns such as "Start of the freeze" only look like verbs).
fn mostly_instructs(ordered: bool, items: &[Item]) -> bool {
    let instructing = items.iter().filter(|i| item_instructs(i)).count();
    items.iter().any(item_has_inline_command) || ordered && instructing * 2 > items.len()
}

/// Whether a list's plain items are steps. A numbered list is, unless it explains (a lead-in
/// such as "the script does the following:", or items that mostly state rather than
/// instruct); a bulleted list is when most items instruct or are commands, and it is not a
/// table of contents or a list of options.
fn list_is_procedure(ordered: bool, items: &[Item], lead: Option<&str>) -> bool {
    // Where the author ticks boxes, the boxes are the steps and plain items are notes.
    if lead.is_some_and(introduces_explanation) || items.iter().any(|i| i.task.is_some()) {
        return false;
    }
    // "Relevant information includes:" over facts; over instructions it is a procedure.
    if lead.is_some_and(crate::runbook::prose::says_what_it_includes)
        && !mostly_instructs(ordered, items)
    {
        return false;
    }
    // "the following prerequisites must be met:": each item a condition the captain confirms
    // before going on, however it is worded ("The cluster should be healthy").
    if lead.is_some_and(|l| lists_prerequisites(l) || lists_things_to_change(l)) {
        return true;
    }
    let mut instructing = 0;
    let mut links = 0;
    for item in items {
        let Some(Block::Paragraph { text, spans, .. }) = item.blocks.first() else {
            continue;
        };
        if spans.linked * 10 >= text.len() * 8 && !text.is_empty() {
            links += 1;
        }
        let command = item_command(text, spans, None).is_some();
        if !command && spans.code.is_empty() && states_a_fact(text) {
            continue;
        }
        // `1. **Canary**` over sub-bullets that instruct, or over a fence, is a step too.
        let below = item.blocks.iter().skip(1).any(|b| match b {
            Block::List { items, .. } => items.first().is_some_and(|i| {
                matches!(i.blocks.first(), Some(Block::Paragraph { text, .. }) if is_instruction(text))
            }),
            b @ Block::Code { .. } => has_steps(b),
            _ => false,
        });
        // In a numbered item any sentence may instruct ("… is disabled now. Verify it by …").
        // "1. From the master branch run:" introduces what to do.
        let instructs = is_instruction(text)
            || ordered && text.split(". ").skip(1).any(is_instruction)
            || ordered && text.trim_end().ends_with(':');
        if command || below || instructs || item.task.is_some() {
            instructing += 1;
        }
    }
    if links * 2 > items.len() {
        return false;
    }
    if ordered {
        // A numbered list is a procedure unless it clearly states facts.
        instructing * 3 >= items.len()
    } else {
        instructing > 0 && instructing * 2 >= items.len()
    }
}

/// Whether an item, or any item nested in it, runs a command written inline ("Stop the
/// writers: `kubectl scale …`", "`kubectl logs $POD`"): a step, whatever list it stands in.
fn item_has_inline_command(item: &Item) -> bool {
    item.blocks.iter().any(|b| match b {
        Block::Paragraph { text, spans, .. } => item_command(text, spans, None).is_some(),
        Block::List { items, .. } => items.iter().any(item_has_inline_command),
        _ => false,
    })
}

/// Whether an item's text is an instruction ("Point the app at the new primary."), not a
/// role or a fact ("Coordination:", "Release lead should keep an eye …").
fn item_instructs(item: &Item) -> bool {
    // "Release lead should keep an eye …": a subject with its modal, a duty stated.
    let stated = |text: &str| {
        text.split_whitespace().skip(1).take(2).any(|w| {
            [
                "should", "must", "will", "can", "may", "is", "are", "owns", "needs",
            ]
            .contains(&w.to_ascii_lowercase().as_str())
        })
    };
    matches!(item.blocks.first(), Some(Block::Paragraph { text, .. })
        if !text.trim_end().ends_with(':') && !stated(text) && is_instruction(text))
}

/// Joins two neighbouring shell steps that are cases of one command (`cases`) into one
/// choice, the group of the pair before when the run goes on, each step its own option.
/// Returns whether they were joined; a pair that is not ends the run.
/// "linux/amd64:" over `wget …-linux-amd64.tar.gz`, "darwin/amd64:" over the same with
/// `darwin`: labels that each name another operating system, over one command written for
/// each, are cases (a machine runs one system), whatever the lead-in says.
fn for_other_systems(a_title: &str, a_code: &str, b_title: &str, b_code: &str) -> bool {
    /// Operating systems a download or a command is written for.
    const SYSTEMS: &[&str] = &["linux", "darwin", "macos", "windows", "freebsd"];
    let system = |title: &str| {
        let lower = title.to_ascii_lowercase();
        let head = lower
            .split([',', ':', '('])
            .next()
            .unwrap_or("")
            .to_string();
        let found: Vec<&str> = SYSTEMS
            .iter()
            .copied()
            .filter(|s| {
                head.split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| w == *s)
            })
            .collect();
        match found[..] {
            [one] => Some(one),
            _ => None,
        }
    };
    let (Some(u), Some(v)) = (system(a_title), system(b_title)) else {
        return false;
    };
    u != v
        && a_code.contains(u)
        && b_code.contains(v)
        && a_code.replace(u, "") == b_code.replace(v, "")
}

/// "type in `daskhub`", "just hit ENTER": an item that says what to answer a prompt, not a
/// command to run after it ("then run `./bin/x`").
fn answers_the_prompt(said: &str) -> bool {
    /// Verbs of answering a prompt.
    const ANSWER: &[&str] = &[
        "type", "enter", "press", "hit", "answer", "choose", "select", "pick",
    ];
    let lower = said.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| ANSWER.contains(w)) && !quotes_a_command_to_run(said)
}

/// "…, then run `./bin/enable-gdpr`": a sentence that says to run a command it quotes.
fn quotes_a_command_to_run(said: &str) -> bool {
    said.contains('`')
        && said
            .to_ascii_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ["run", "execute"].contains(&w))
}

/// A command that fetches or installs something onto the captain's own machine (`curl`,
/// `brew install`): written once per system, the captain runs the one for his. A build, an
/// upload or a publish is made for every system the release ships.
fn fetches_for_this_machine(code: &str) -> bool {
    /// Programs and words of a command that fetches or installs.
    const FETCH: &[&str] = &[
        "curl", "wget", "brew", "apt", "apt-get", "yum", "dnf", "choco", "install", "download",
        "fetch",
    ];
    /// Words of a command that makes or ships something for every system.
    const SHIP: &[&str] = &["build", "upload", "publish", "push", "release"];
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| FETCH.contains(w)) && !words.iter().any(|w| SHIP.contains(w))
}

/// "Build every platform's binary", "Do this for each system", "all of them": the lead says
/// each of the blocks below is needed, so they are a sequence however alike.
fn says_all_are_needed(lead: &str) -> bool {
    let lower = lead.to_ascii_lowercase();
    lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| ["every", "each", "all", "both"].contains(&w))
}

fn join_cases(
    steps: &mut [Step],
    i: usize,
    cases: bool,
    group: &mut Option<usize>,
    choices: &mut usize,
) -> bool {
    let (a, b) = (&steps[i - 1], &steps[i]);
    let joins = cases
        && a.kind == StepKind::Shell
        && b.kind == StepKind::Shell
        && b.choice.is_none()
        && (a.choice.is_none() || group.is_some());
    if !joins {
        *group = None;
        return false;
    }
    let g = *group.get_or_insert_with(|| {
        *choices += 1;
        *choices
    });
    for step in &mut steps[i - 1..=i] {
        step.choice = Some(Choice {
            group: g,
            option: step.title.clone(),
        });
    }
    true
}

/// Whether the text from a step's line down to its block calls the block an example ("Example
/// commands for the week:", "e.g."): only then are literal runs of an earlier command shown, not run.
fn says_example(src: &str, lines: &LineIndex, line: usize, code: &str) -> bool {
    let start = lines.line_start(line);
    let first = code
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let text = src.get(start..).unwrap_or("");
    let end = (!first.is_empty())
        .then(|| text.find(first))
        .flatten()
        .unwrap_or(text.len().min(2000));
    let lead = text.get(..end).unwrap_or("").to_ascii_lowercase();
    lead.contains("example") || lead.contains("e.g.")
}

/// A block titled as an example: "RC example", "Example:", "Example for a beta", "For example,
/// …" (not "Build the example flavour", where the word names a thing).
fn titled_example(title: &str) -> bool {
    let t = title
        .trim()
        .trim_end_matches([':', '.'])
        .trim()
        .to_ascii_lowercase();
    t == "example"
        || t.ends_with(" example")
        || t.starts_with("example:")
        || t.starts_with("example ")
        || t.starts_with("for example")
        || t.starts_with("e.g.")
}

/// The command an item asks to run: its text is one command in inline code (`` `make` ``),
/// or it tells to run one ("Run `make release`", "Restart with `systemctl restart app`");
/// `raw` (the item's first paragraph as written) adds command lines written under its first
/// line.
fn item_command(text: &str, spans: &Spans<'_>, raw: Option<&str>) -> Option<String> {
    if let Some(raw) = raw {
        let mut lines = raw.lines();
        lines.next();
        let rest: Vec<&str> = lines.map(str::trim).filter(|l| !l.is_empty()).collect();
        if !rest.is_empty() && rest.iter().all(|l| is_command_line(l) && !l.contains('`')) {
            let mut commands = rest.join("\n");
            commands.push('\n');
            return Some(commands);
        }
    }
    if let [one] = spans.code.as_slice()
        && let Some(dir) = folder_to_enter(text, one.trim())
    {
        return Some(format!("cd {dir}\n"));
    }
    let only = only_command(spans)?;
    // "Once you have successfully run `x`, review …": a command already done, not this step's.
    let head = text.split(only).next().unwrap_or("").to_ascii_lowercase();
    if [
        "have run ",
        "have successfully run ",
        "after running ",
        "having run ",
    ]
    .iter()
    .any(|done| head.ends_with(done))
    {
        return None;
    }
    // A lone program name ("… using `sed`") names a tool, not a command to run.
    if !only.contains(' ') && !runs_a_command(text) {
        return None;
    }
    let bare = text
        .trim()
        .trim_end_matches([':', '.'])
        .trim()
        .strip_prefix(only)
        .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with(['#', '(']));
    // `Verify staging health: `curl …/health``: a label, then the command that does it.
    let labelled = text
        .trim()
        .trim_end_matches('.')
        .strip_suffix(only)
        .is_some_and(|head| head.trim_end().ends_with(':'));
    // "… and run `x`", "Login: `vault login`, then …", "Restart with `x`".
    let named = [": ", "run ", "execute ", "with ", "using "]
        .iter()
        .any(|lead| text.contains(&format!("{lead}{only}")));
    let told = runs_a_command(text) || labelled || named;
    (bare || told).then(|| format!("{only}\n"))
}

/// Whether the runbook's opening (its title, front matter and first paragraphs) says it moves
/// a service to another machine: "Migrating to a new machine", "from one server to another".
/// Not an upgrade in place, whose "new server" is a database server on the same host.
fn moves_between_machines(src: &str) -> bool {
    let mut end = src.len().min(1500);
    while !src.is_char_boundary(end) {
        end -= 1;
    }
    let head = src[..end].to_ascii_lowercase();
    // In one sentence (or title) with a word of moving: not "Artifacts are uploaded to another
    // server by CI".
    head.split(['.', '\n'])
        .filter(|s| s.contains("migrat") || s.contains("mov"))
        .any(|s| {
            [
                "to a new machine",
                "to a new server",
                "to a new host",
                "from one server to another",
                "from one machine to another",
                "to another server",
                "to another machine",
            ]
            .iter()
            .any(|p| s.contains(p))
        })
}

/// The opening "in some (emergency) situations, " / "in rare cases, " of a sentence (lower
/// case), with its space: it sets the section apart for an occasion, like "Sometimes".
fn some_occasion(lower: &str, heading: &str) -> String {
    let Some((head, _)) = lower.split_once(", ") else {
        return String::new();
    };
    // The sentence must be about the heading's task ("Emergency backup" / "In some emergency
    // situations, … an emergency logical backup"): "In rare cases, you need to rerun a
    // migration by hand" under "Database Migration" is a note within a phase every run walks.
    let about_heading = {
        let title = crate::runbook::title::strip_numbering(heading);
        let mut words = title
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| w.len() >= 4)
            .peekable();
        words.peek().is_some() && words.all(|w| lower.contains(w))
    };
    if !about_heading {
        return String::new();
    }
    let words: Vec<&str> = head.split_whitespace().collect();
    let occasion = matches!(words.first(), Some(&"in"))
        && matches!(words.get(1), Some(&("some" | "rare" | "certain")))
        && (3..=5).contains(&words.len())
        && words
            .last()
            .is_some_and(|w| ["situations", "cases", "circumstances"].contains(w));
    if occasion {
        format!("{head}, ")
    } else {
        String::new()
    }
}

/// How a paragraph opens when it first says what the step before left ("You now have the
/// file."), before its instruction.
const PROGRESS_REPORTS: &[&str] = &["you now have ", "now you have ", "you should now have "];

/// How a section's first sentence opens when what it handles seldom happens ("Although rare,
/// the server can crash …"): its steps are for that time.
const RARE_OPENERS: &[&str] = &["although rare,", "rarely,", "on rare occasions,"];

/// Words by which a rare-case sentence names a problem the section handles.
const PROBLEM_WORDS: &[&str] = &[
    "crash", "fail", "corrupt", "break", "broken", "lost", "lose", "hang", "stuck", "down",
];

/// Words by which it says the case needs nothing of its own, or that the section is the
/// procedure every time ("that is fine", "the script retries", "every time").
const HANDLED_ANYWAY: &[&str] = &[
    "is fine",
    "retries",
    "automatically",
    "every time",
    "nothing to do",
];

/// A heading over sections that each hold one problem and its fix ("Some known issues",
/// "Known problems"): those sections are for their case, not steps of every run.
fn names_known_issues(heading: &str) -> bool {
    // (Only headings naming issues or problems as a list: "Troubleshooting" is walked too.)
    // ("Common issues & resolutions" pairs each issue with its fix as steps of their own.)
    // The heading is the list's name ("Some known issues"), not a task about a page of them
    // ("Update the known issues page").
    const LISTS: &[&str] = &["known issues", "known problems"];
    const BEFORE: &[&str] = &["", "some ", "common ", "other "];
    let lower = heading.trim().trim_end_matches(':').to_ascii_lowercase();
    BEFORE
        .iter()
        .any(|b| LISTS.iter().any(|l| lower == format!("{b}{l}")))
}

/// The title of a paragraph that is one line over a run of one punctuation mark (`#######`,
/// `^^^^^^`), as reStructuredText and plain-text notes underline a title.
fn underlined_title(raw: Option<&str>) -> Option<&str> {
    let (title, mark) = raw?.trim().split_once('\n')?;
    let mark = mark.trim();
    let c = mark.chars().next()?;
    let underline = mark.len() >= 3 && "#*~^+=_-".contains(c) && mark.chars().all(|m| m == c);
    let title = title.trim().trim_end_matches('.');
    (underline && !title.is_empty()).then_some(title)
}

/// A paragraph that opens with a condition on the world ("If something goes wrong, …"),
/// not on the step before ("If that succeeded, …"): what it leads into is for that case.
fn leads_into_a_case(lead: &str) -> bool {
    lead.trim_start().to_ascii_lowercase().starts_with("if ") && says_optional(lead)
}

/// "Finally, if you are not using port-forwarding, make sure …": an instruction for one case,
/// which the run may pass.
/// A note under a step that limits it to some runs: "This is only done for new stable
/// releases, not for betas." The step is taken in those runs only; returns the limit as the
/// title says it ("only done for new stable releases").
fn only_for_some(detail: &str) -> Option<String> {
    const LIMITS: &[&str] = &[
        "this is only done for ",
        "this is only done when ",
        "this is only needed for ",
        "this is only needed when ",
        "only done for ",
        "only needed for ",
    ];
    detail.lines().find_map(|line| {
        let text = line.trim_start().trim_start_matches(['*', '-', '+', ' ']);
        let lower = text.to_ascii_lowercase();
        let limit = LIMITS.iter().find(|l| lower.starts_with(*l))?;
        let from = lower.find("only ")?;
        let clause = &text[from..];
        let end = clause.find([',', '.', ';', ':']).unwrap_or(clause.len());
        // A limit names a kind of case ("for new stable releases", "when the cluster is
        // new"), not a reason ("for safety", "for the changelog").
        let case = &lower[limit.len()..lower.len().min(limit.len().max(from + end))];
        let kind = limit.ends_with("when ")
            || case.split_whitespace().next_back().is_some_and(|w| {
                CASE_KINDS
                    .iter()
                    .any(|k| w.trim_end_matches(['.', ',']) == *k)
            });
        let never_skipped = ["never be skipped", "always"]
            .iter()
            .any(|w| lower.contains(w));
        (kind && !never_skipped).then(|| clause[..end].trim_end().to_string())
    })
}

/// Kinds of cases a step may be limited to ("only done for new stable releases"): runs of a
/// kind, places, set-ups.
const CASE_KINDS: &[&str] = &[
    "releases",
    "versions",
    "environments",
    "clusters",
    "setups",
    "installations",
    "installs",
    "deployments",
    "builds",
    "platforms",
    "regions",
    "branches",
    "candidates",
    "upgrades",
];

fn for_a_case(instruction: &str) -> bool {
    let lower = instruction.trim_start().to_ascii_lowercase();
    let rest = ["finally", "then", "now", "next"]
        .iter()
        .find_map(|lead| lower.strip_prefix(lead))
        .unwrap_or(&lower)
        .trim_start_matches([',', ' ']);
    says_optional(rest)
}

/// First words of sentences that comment rather than instruct: "Note that …", "See …",
/// "Let's …", "Keep in mind …".
/// A paragraph that sends the reader to another document's procedure before going on
/// ("Follow the [Convert Postgres to use Owner Roles](…) documentation before continuing."):
/// its sentence as a title, and whether the paragraph before it limits it to a case ("If the
/// application user owns the tables, …").
/// "If everything worked, you should now have a prompt in the container.", "You should now
/// see the dashboard.": a sentence that only says what the step before achieved.
fn only_an_outcome(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    let rest = match lower.split_once(", ") {
        Some((gate, rest)) if gate.starts_with("if ") && gate.split_whitespace().count() <= 4 => {
            rest
        }
        _ => lower.as_str(),
    };
    let single = crate::runbook::title::sentences(text.trim()).len() == 1;
    single
        && [
            "you should now have ",
            "you should now see ",
            "you should see ",
        ]
        .iter()
        .any(|p| rest.starts_with(p))
}

/// "Running `\du` should return a list of roles that looks like this:": a command the prose
/// shows the output of, and what that output is ("a list of roles").
fn a_look(paragraph: &str) -> Option<(&str, &str)> {
    let rest = paragraph.trim().strip_prefix("Running `")?;
    let (code, said) = rest.split_once('`')?;
    let said = said.trim_start();
    let what = [
        "should return ",
        "will return ",
        "returns ",
        "will produce ",
        "produces ",
        "should show ",
        "shows ",
    ]
    .iter()
    .find_map(|v| said.strip_prefix(v))?;
    let end = [" that looks", " similar to", " like this", ":", "."]
        .iter()
        .filter_map(|e| what.find(e))
        .min()
        .unwrap_or(what.len());
    let what = what[..end].trim_end_matches(',').trim();
    (!code.trim().is_empty() && !what.is_empty()).then_some((code.trim(), what))
}

/// "ssh into the VM (hosted on Digital Ocean).", "Log in to the bastion host.": a sentence
/// that only says which machine to be on.
fn only_logs_in(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    let single = crate::runbook::title::sentences(text.trim()).len() == 1;
    let logs_in = [
        "ssh into ",
        "ssh to ",
        "ssh onto ",
        "log in to ",
        "log into ",
        "login to ",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    single
        && logs_in
        && !lower.contains(" and ")
        && !lower.contains(" then ")
        && names_a_machine(text) == Some(true)
}

/// The name in "Replace `[rds-hostname]` with …" / "Substitute `<token>` with …", without the
/// brackets a placeholder is written in (the step's code may spell it `<rds-hostname>`).
fn replaced_token(text: &str) -> Option<&str> {
    // (A paragraph's text has lost its backticks.)
    let text = text.trim_start();
    let lower = text.to_ascii_lowercase();
    let rest = ["replace ", "substitute "]
        .iter()
        .find_map(|lead| lower.strip_prefix(lead).map(|_| &text[lead.len()..]))?;
    let (token, after) = rest.split_once(' ')?;
    let token = token.trim_matches(['`', '[', ']', '<', '>', '{', '}']);
    let with = after.trim_start().to_ascii_lowercase();
    let placeholder = token.len() >= 3 && !token.contains(char::is_whitespace);
    (placeholder && (with.starts_with("with ") || with.starts_with("by "))).then_some(token)
}

/// Words that forbid what an item names rather than ask for it: "Make sure nobody runs
/// `terraform destroy` during the freeze".
const FORBIDDING: &[&str] = &["nobody", "no one", "don't", "do not", "never", "must not"];

/// Whether an item's text forbids the command it names: no step to run, nothing to mark.
fn forbids(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    FORBIDDING.iter().any(|w| {
        lower
            .match_indices(w)
            .any(|(at, _)| !lower[..at].ends_with(|c: char| c.is_alphanumeric()))
    })
}

/// Why a block after a [`SUBSHELL`] is typed by hand.
const IN_THE_SUBSHELL: &str = "is typed in the shell an earlier step opened";

fn follows_elsewhere(description: &str) -> Option<(String, bool)> {
    let paragraphs: Vec<&str> = description.split("\n\n").map(str::trim).collect();
    let at = paragraphs.iter().position(|p| {
        let lower = p.to_ascii_lowercase();
        lower.starts_with("follow the [") && p.contains("](") && is_instruction(p)
    })?;
    let case = at
        .checked_sub(1)
        .and_then(|k| paragraphs.get(k))
        .filter(|p| p.starts_with("If "));
    let text = crate::runbook::title::markdown_links_as_text(paragraphs[at]);
    let title = sentence_for_title(&text).trim_end_matches('.').to_string();
    // The case opens the title, as a list's lead case does its items'.
    let title = match case.and_then(|p| crate::runbook::cases::case_of(&p.replace('`', ""))) {
        Some(case) => format!("{case} › {title}"),
        None => title,
    };
    Some((title, case.is_some()))
}

const REMARKS: &[&str] = &["note", "see", "let", "keep", "read", "use", "look"];

/// The first word of `text`, lowercase, without punctuation around it.
fn first_word(text: &str) -> String {
    text.split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase()
}

/// Whether an instruction (its words) says again what a later sentence (`last`) asks: the
/// same verb, and one of the next four words (of four letters or more) after it.
fn summarises(sentence: &[String], last: &[String]) -> bool {
    let leads = ["then", "now", "next", "first", "temporarily", "also"];
    let mut rest = sentence.iter().skip_while(|w| leads.contains(&w.as_str()));
    let Some(verb) = rest.next() else {
        return false;
    };
    last.contains(verb) && rest.take(4).any(|w| w.len() >= 4 && last.contains(w))
}

/// "cd into `terraform/deployments/rds/`", "Change to the `eksctl` directory": an item that
/// says to enter a folder, named in its one inline code, is that `cd`, so the folder carries
/// to the shell steps after it as a `cd` in a block does. ("Go to `x`" only with a path or the
/// word directory: "go to `main`" may be a branch.)
fn folder_to_enter<'a>(text: &str, code: &'a str) -> Option<&'a str> {
    let lower = text.trim().to_ascii_lowercase();
    let lead = [
        "cd into ",
        "cd to ",
        "cd ",
        "change into ",
        "change to ",
        "change directory to ",
        "switch to ",
        "go to ",
        "go into ",
        "navigate to ",
        "navigate into ",
    ]
    .into_iter()
    .find(|l| lower.starts_with(l))?;
    let rest = lower[lead.len()..].trim_start();
    let rest = rest.strip_prefix("the ").unwrap_or(rest);
    // (Titles have lost their backticks.)
    let quoted = rest.strip_prefix('`');
    let named = quoted
        .unwrap_or(rest)
        .strip_prefix(&code.to_ascii_lowercase())?;
    let named = if quoted.is_some() {
        named.strip_prefix('`')?
    } else {
        named
    }
    .trim_start();
    let folder_word = ["directory", "folder", "dir"]
        .iter()
        .any(|w| named.starts_with(w));
    let loose = [
        "switch to ",
        "go to ",
        "go into ",
        "navigate to ",
        "change to ",
    ]
    .contains(&lead);
    // A path, not a URL or a host (`github.com/acme/app`: a dot in its first part).
    let first_part = code.split('/').next().unwrap_or("");
    let path = !code.is_empty()
        && !code.contains([' ', '\t', '$', '`', '*'])
        && !code.contains("://")
        && !code.starts_with('-')
        && (!first_part.contains('.') || first_part.chars().all(|c| c == '.'));
    // Nothing after the folder but the word folder or directory: "Switch to the `release/1.x`
    // branch" is a branch, "Go to `…/releases` page" a web page.
    let after = named.trim_end_matches(['.', ':', ' ']);
    let ends = after.is_empty() || folder_word && !after.contains(' ');
    (path && ends && (!loose || folder_word || code.contains('/'))).then_some(code)
}

/// `code` with `word` replaced where it stands whole (not inside a longer name); `None` when
/// it does not.
fn replace_word(code: &str, word: &str, with: &str) -> Option<String> {
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/');
    let mut out = String::with_capacity(code.len());
    let mut copied = 0;
    for (at, _) in code.match_indices(word) {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        if before.is_some_and(part) || after.is_some_and(part) {
            continue;
        }
        out.push_str(&code[copied..at]);
        out.push_str(with);
        copied = at + word.len();
    }
    (copied > 0).then(|| {
        out.push_str(&code[copied..]);
        out
    })
}

/// The time a step's text gives it: "for 10 minutes", "(takes ~3 min)", "wait 30s".
fn step_estimate(title: &str) -> Option<u64> {
    let lower = title.to_ascii_lowercase();
    for cue in ["for ", "takes ", "wait ", "about ", "~"] {
        for (i, _) in lower.match_indices(cue) {
            let rest = &lower[i + cue.len()..];
            let rest = rest.trim_start_matches(['~', ' ']);
            // The number and its unit: "10 minutes", "2h", "30s".
            let words: Vec<&str> = rest.split_whitespace().take(2).collect();
            let text = words.join(" ");
            let text = text.trim_end_matches(|c: char| !c.is_alphanumeric());
            let found = crate::runbook::duration::parse_duration(text).or_else(|| {
                words.first().and_then(|w| {
                    crate::runbook::duration::parse_duration(
                        w.trim_end_matches(|c: char| !c.is_alphanumeric()),
                    )
                })
            });
            if let Some(secs) = found.filter(|s| *s > 0) {
                return Some(secs);
            }
        }
    }
    None
}

/// Whether inline code names a value to fill in: one word with a letter, no spaces or
/// parentheses (`YY`, `BRANCH_NAME`, `[rds-hostname]`, `YY.MM.MICRO`), not a placeholder already.
fn names_a_value(token: &str) -> bool {
    (2..=40).contains(&token.len())
        && token.bytes().any(|b| b.is_ascii_alphabetic())
        && !token.starts_with('<')
        && !token.starts_with('$')
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.[]{}".contains(&b))
}

/// `[rds-hostname]` → `rds-hostname`, `YY.MM.MICRO` → `YY_MM_MICRO`.
fn placeholder_name(token: &str) -> String {
    token
        .trim_matches(|c| matches!(c, '[' | ']' | '{' | '}'))
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A MyST directive's body without the option lines it opens with (`:sync: aws-key`).
fn past_options(src: &str, body: Range<usize>) -> Range<usize> {
    let mut start = body.start;
    for line in src.get(body.clone()).unwrap_or("").split_inclusive('\n') {
        let t = line.trim();
        let option = t
            .strip_prefix(':')
            .and_then(|r| r.split_once(':'))
            .is_some_and(|(key, _)| !key.is_empty() && !key.contains(' '));
        if !option {
            break;
        }
        start += line.len();
    }
    start..body.end
}

/// The bytes between a fence's opening line and its closing one.
fn fence_body(src: &str, fence: &Range<usize>) -> Option<Range<usize>> {
    let text = src.get(fence.clone())?;
    let open = text.find('\n')? + 1;
    let inner = text[open..].trim_end_matches('\n');
    let last = inner.rfind('\n').map_or(0, |i| i + 1);
    let closing = inner[last..].trim_start();
    let end = if closing.starts_with("```") || closing.starts_with("~~~") {
        last
    } else {
        inner.len()
    };
    Some(fence.start + open..fence.start + open + end)
}

/// "**Log Format (JSON):**": a few capitalised words naming what follows, though the first
/// may be a verb.
fn is_label(text: &str) -> bool {
    let t = text.trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    t.ends_with(':')
        && words.len() <= 5
        && words.iter().all(|w| {
            w.trim_start_matches(['(', '*', '_'])
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphabetic() || c.is_uppercase())
        })
}

/// "push the changes" → "Push the changes": a clause made a title.
pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|f| f.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A lead-in that calls the block an example of the task ("The following example shows how
/// to …", "This example restores …"), rather than the command to run.
fn shows_an_example(lead: &str) -> bool {
    let lower = lead.trim_start().to_ascii_lowercase();
    ["the following example", "this example", "the example below"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// A lead-in that hands its block to other people ("… they can fetch local config with:",
/// "Users can then log in with:"): its last sentence says who may run it, and it is not the
/// reader.
fn for_others_to_run(lead: &str) -> bool {
    /// Who, other than the reader, a runbook lets run a command.
    const OTHERS: &[&str] = &["they", "users", "other users", "others", "each user"];
    sentences(lead.trim()).last().is_some_and(|s| {
        let lower = s.to_ascii_lowercase();
        OTHERS.iter().any(|who| {
            ["can", "may", "will be able to"].iter().any(|modal| {
                let said = format!("{who} {modal} ");
                let at = lower
                    .find(&format!(" {said}"))
                    .map(|k| k + 1)
                    .or_else(|| lower.starts_with(&said).then_some(0));
                // ("… they can be restarted": things, not people.)
                at.is_some_and(|k| !lower[k + said.len()..].starts_with("be "))
            })
        })
    })
}

/// "Wait a few minutes before doing this to allow the cluster to complete a rollout.": one
/// sentence that asks to wait before what follows, titled without its pointer ("Wait a few
/// minutes to allow …").
fn wait_before_the_next(text: &str) -> Option<String> {
    /// How the sentence points at the step after it.
    const BEFORE: &[&str] = &[
        " before doing this",
        " before you do this",
        " before doing so",
        " before continuing",
        " before going on",
    ];
    let t = text.trim().trim_end_matches('.');
    if !t.starts_with("Wait ") || sentences(t).len() != 1 {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let (at, len) = BEFORE
        .iter()
        .find_map(|b| lower.find(b).map(|k| (k, b.len())))?;
    Some(format!("{}{}", &t[..at], &t[at + len..]))
}

/// "You can find the database root password in the admin secret …": a paragraph of one
/// sentence that says where a value is, which the run goes on to use; titled "Find …". After
/// "If you also need …," it is for that case (`true`). Pointers to more reading ("You can find
/// more information in …") are not.
fn where_to_find(text: &str) -> Option<(String, bool)> {
    /// What a pointer to more reading offers, not a value to look up.
    const READING: &[&str] = &[
        "more",
        "further",
        "additional",
        "information",
        "details",
        "documentation",
        "docs",
        "out ",
        "some ",
        "examples",
        "a list",
    ];
    let t = text.trim().trim_end_matches('.');
    if sentences(t).len() != 1 {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let (case, clause) = match lower.strip_prefix("if ") {
        Some(_) => (true, lower.split_once(", ")?.1),
        None => (false, lower.as_str()),
    };
    let verb = ["you can find ", "you can view ", "you will find "]
        .iter()
        .find(|v| clause.starts_with(**v))?;
    let rest = &clause[verb.len()..];
    if READING.iter().any(|r| rest.starts_with(r)) || !rest.contains(" in ") {
        return None;
    }
    if case {
        return Some((capitalized(t), true));
    }
    let at = t.len() - rest.len();
    let what = verb
        .trim_start_matches("you can ")
        .trim_start_matches("you will ");
    // ("… secret (where [env] is the environment's name), under …": the aside stays in the
    // detail.)
    let mut title = format!("{}{}", capitalized(what), &t[at..]);
    if let Some(open) = title.find(" (")
        && let Some(close) = title[open..].find(')')
    {
        title.replace_range(open..open + close + 1, "");
    }
    Some((title, false))
}

/// A name that reads as a sample object (`cluster-example-1`, `db-sample-0`, `my-app`), not
/// the team's own (`orders-db`, "which is what we do on every incident").
fn names_a_sample(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["example", "sample", "demo", "foo", "test"]
        .iter()
        .any(|w| lower.contains(w))
        || lower.starts_with("my-")
}

/// Prose that ends by offering the block as an example ("… specifying its tag. For example:").
fn offers_an_example(lead: &str) -> bool {
    sentences(lead.trim())
        .last()
        .is_some_and(|s| is_bare_label(s))
}

/// A step whose code is shell: run (a shell step) or shown to be typed by hand (a manual step
/// with code). The values a runbook names are marked as placeholders in both, so a step typed
/// by hand never shows the example's `20.03-pre` where a run would have asked.
fn shows_shell(step: &Step) -> bool {
    step.kind == StepKind::Shell || step.kind == StepKind::Manual && step.code.is_some()
}

/// The release version in an example block is the reader's own: `git checkout v4.5.0` asks
/// for `VERSION` instead of checking out the example's.
fn ask_for_example_version(step: &mut Step) {
    if step.kind != StepKind::Shell {
        return;
    }
    let Some(code) = step.code.as_deref() else {
        return;
    };
    let Some(version) = example_version(code) else {
        return;
    };
    let tagged = replace_token(code, &format!("v{version}"), "v<VERSION>");
    let Some(replaced) =
        replace_token(tagged.as_deref().unwrap_or(code), version, "<VERSION>").or(tagged)
    else {
        return;
    };
    step.inputs = vars_in(&strip_shell_comments(&replaced), Dialect::Shell).inputs;
    step.code = Some(replaced);
}

/// `code` whose leading `NAME=value` settings hold a version with an `x` part
/// (`RELEASE_TAG=v1.7.x-rc.1`, `PREV=tags/v1.7.x`) set `NAME=<NAME>` (`PREV=tags/<PREV>`)
/// instead: the `x` says the value is the example's. `None` when none does.
fn ask_x_settings(code: &str) -> Option<String> {
    let x_version = |v: &str| {
        v.match_indices(".x").any(|(at, _)| {
            v[..at].ends_with(|c: char| c.is_ascii_digit())
                && !v[at + 2..].starts_with(|c: char| c.is_alphanumeric())
        })
    };
    let mut changed = false;
    let mut out = String::with_capacity(code.len() + 16);
    for line in code.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
            continue;
        }
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let mut words: Vec<String> = Vec::new();
        let mut leading = true;
        for w in body.split(' ') {
            match w.split_once('=') {
                Some((name, value))
                    if leading
                        && !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                        && x_version(value) =>
                {
                    changed = true;
                    // `PREV=tags/v1.7.x`: the path before the version stays, the form the
                    // value takes (`tags/<PREV>`).
                    let prefix = value.rfind('/').map_or("", |at| &value[..=at]);
                    words.push(format!("{name}={prefix}<{name}>"));
                }
                Some((name, _)) if leading && !name.is_empty() => words.push(w.to_string()),
                _ => {
                    leading = leading && w.is_empty();
                    words.push(w.to_string());
                }
            }
        }
        out.push_str(&words.join(" "));
        out.push_str(end);
    }
    changed.then_some(out)
}

/// `code` with every whole occurrence of `token` (not glued to a letter, digit or `_`) replaced,
/// or `None` when it has none.
fn replace_token(code: &str, token: &str, with: &str) -> Option<String> {
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    let mut found = false;
    while let Some(i) = rest.find(token) {
        let before = rest[..i].chars().next_back().or(out.chars().next_back());
        let after = rest[i + token.len()..].chars().next();
        out.push_str(&rest[..i]);
        // (Already a placeholder: `<BRANCH_NAME>`.)
        let marked = before == Some('<') && after == Some('>');
        if glued(before) || glued(after) || marked {
            out.push_str(token);
        } else {
            out.push_str(with);
            found = true;
        }
        rest = &rest[i + token.len()..];
    }
    out.push_str(rest);
    found.then_some(out)
}

/// `Release manager: Dana`, `Runbook owner: SRE`: a short label and its value, a fact even
/// when the label starts with a verb.
fn states_a_fact(text: &str) -> bool {
    text.split_once(':').is_some_and(|(label, value)| {
        // "Verify replication: mysql> SHOW REPLICA STATUS": an instruction and the prompt
        // to type it at.
        let prompted = value
            .split_whitespace()
            .next()
            .is_some_and(|w| w.len() > 1 && w.ends_with(['>', '#', '$']))
            && is_instruction(label);
        !label.is_empty()
            && !value.trim().is_empty()
            && label.split_whitespace().count() <= 4
            && !prompted
    })
}

/// Whether a sentence tells to run something: "Run …", "Then execute …", "… with `cmd`".
fn runs_a_command(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    let lower = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    [
        "run ",
        "execute ",
        "type ",
        "invoke ",
        "issue ",
        "then run ",
        "now run ",
        "locally, run ",
    ]
    .iter()
    .any(|v| lower.starts_with(v))
        || is_instruction(text) && (lower.contains(" with `") || lower.contains(" using `"))
}

/// A paragraph's source lines as commands: every line reads as one (joining `\`
/// continuations), and none carries Markdown markup.
fn command_lines(raw: &str) -> Option<String> {
    if raw.contains('`') || raw.contains("](") || raw.contains("**") {
        return None;
    }
    let mut logical: Vec<String> = Vec::new();
    let mut continuing = false;
    let mut continued = false;
    for line in raw.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if continuing {
            if let Some(last) = logical.last_mut() {
                last.push(' ');
                last.push_str(t.trim_end_matches('\\').trim_end());
            }
            continued = true;
        } else {
            logical.push(t.trim_end_matches('\\').trim_end().to_string());
        }
        continuing = t.ends_with('\\');
    }
    let all_commands = !logical.is_empty() && logical.iter().all(|l| is_command_line(l));
    // One plain line is a command only when its shape leaves no doubt: a continuation, or
    // several lines.
    let doubtless = continued || logical.len() > 1;
    (all_commands && doubtless).then(|| {
        let mut code = raw
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        code.push('\n');
        code
    })
}

/// One command in inline code that a paragraph tells to run ("Locally, run `make dist`.").
fn run_instruction(text: &str, spans: &Spans<'_>) -> Option<String> {
    if !runs_a_command(text) {
        return None;
    }
    only_command(spans).map(|only| format!("{only}\n"))
}

/// The one inline code span of a paragraph that reads as a command, if exactly one does.
fn only_command<'s>(spans: &'s Spans<'_>) -> Option<&'s str> {
    let mut commands = spans
        .code
        .iter()
        .map(|c| c.trim())
        .filter(|c| is_command_line(c));
    let only = commands.next()?;
    commands.next().is_none().then_some(only)
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

/// The column an item's text starts at: after its marker (`-`, `*`, `+`, `1.`, `1)`) and the
/// spaces that follow it. `None` when `at` is not the start of a marker at the margin of plain
/// text (inside a quote, say).
fn content_column(src: &str, at: usize) -> Option<usize> {
    let line_start = src.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    let before = src.get(line_start..at)?;
    if !before.bytes().all(|b| b == b' ') {
        return None;
    }
    let rest = src.get(at..)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let marker = match rest.as_bytes().get(digits) {
        Some(b'.' | b')') if digits > 0 => digits + 1,
        Some(b'-' | b'*' | b'+') if digits == 0 => 1,
        _ => return None,
    };
    let spaces = rest[marker..].bytes().take_while(|&b| b == b' ').count();
    // Five or more spaces start indented code inside the item: the text sits one space in.
    let gap = if (1..=4).contains(&spaces) { spaces } else { 1 };
    Some(before.len() + marker + gap)
}

/// Whether a block would produce any step (a task item, a numbered item, a runnable fence).
fn has_steps(block: &Block) -> bool {
    match block {
        Block::Code {
            fenced: true,
            info,
            code,
            ..
        } => match Label::of(&info_lang(info)) {
            Label::Runs(_) => true,
            Label::Unlabelled => block_shape(code) == Shape::Commands,
            Label::Other => false,
        },
        Block::List { ordered, items, .. } => {
            *ordered
                || items
                    .iter()
                    .any(|i| i.task.is_some() || i.blocks.iter().any(has_steps))
        }
        _ => false,
    }
}

/// A code line that is only `...` (or `…`): the author's "and so on", never a command.
fn is_elision(line: &str) -> bool {
    matches!(line.trim(), "..." | "…" | "[...]")
}

fn only_comments(code: &str) -> bool {
    code.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#'))
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
