//! Everything the cockpit shows, in one value owned by one task. Run facts live in `run`
//! (replayed from the journal); the rest is view state that a restart may lose.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use ratatui_textarea::TextArea;

use crate::app::keymap::Keymap;
use crate::exec::ring::OutputRing;
use crate::journal::replay::{RunState, StepState, StepStatus};
use crate::journal::secrets::Masker;
use crate::monitor::Monitor;
use crate::runbook::{Runbook, Step};
use crate::ui::theme::Theme;

/// Screen lines of output kept per step; the output file has everything.
pub const RING_LINES: usize = 5_000;

/// The panes `Tab` cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Checklist,
    Detail,
    Monitor,
    Logs,
}

impl Pane {
    pub fn next(self) -> Pane {
        match self {
            Pane::Checklist => Pane::Detail,
            Pane::Detail => Pane::Monitor,
            Pane::Monitor => Pane::Logs,
            Pane::Logs => Pane::Checklist,
        }
    }
}

/// A line of the checklist: a phase heading or one of its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Phase(usize),
    /// (phase index, step index within the phase)
    Step(usize, usize),
}

/// What a free-text dialog is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextPurpose {
    Ack(String),
    Skip(String),
    Fail(String),
    RunNote,
    Handoff,
}

impl TextPurpose {
    pub fn title(&self) -> &'static str {
        match self {
            TextPurpose::Ack(_) => "Acknowledge with a note (optional)",
            TextPurpose::Skip(_) => "Skip: why? (required)",
            TextPurpose::Fail(_) => "Mark failed: what happened? (required)",
            TextPurpose::RunNote => "Note on the run",
            TextPurpose::Handoff => "Hand off: first line the new operator, then a note",
        }
    }

    pub fn required(&self) -> bool {
        !matches!(self, TextPurpose::Ack(_))
    }
}

/// One value asked for before a step runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputField {
    pub name: String,
    pub secret: bool,
    pub prompt: Option<String>,
    pub value: String,
}

/// What a modal dialog holds.
#[derive(Debug)]
pub enum Dialog {
    Help,
    Text {
        purpose: TextPurpose,
        area: Box<TextArea<'static>>,
        error: Option<String>,
    },
    Inputs {
        step_id: String,
        fields: Vec<InputField>,
        focus: usize,
        /// Run the step once saved (asked before a run) or only record the values (`i`).
        run: bool,
    },
    Confirm {
        step_id: String,
        word: String,
        typed: String,
        command: String,
        reason: String,
    },
    /// Quit while steps run: 0 wait, 1 cancel them, 2 quit and leave them running.
    QuitRunning {
        choice: usize,
    },
    Search {
        query: String,
    },
    /// `!`: run code shown in the detail pane as an ad-hoc step of `phase`; the option at
    /// `cursor` is shown in full.
    Adhoc {
        phase: usize,
        options: Vec<String>,
        cursor: usize,
    },
    /// `rollback_when` held: jump to the rollback phase (`phase`) or go on; journaled either way.
    Rollback {
        condition: String,
        metric: String,
        value: f64,
        phase: Option<usize>,
    },
}

/// A step's output as shown: the last lines and how its last attempt is going.
#[derive(Debug, Clone)]
pub struct StepLog {
    pub ring: OutputRing,
    pub attempt: u32,
    /// The last cancel stage reached, shown while the process winds down.
    pub signal: Option<&'static str>,
}

/// The whole cockpit state.
#[derive(Debug)]
pub struct App {
    pub runbook: Runbook,
    pub run: RunState,
    pub operator: String,
    pub run_dir: PathBuf,
    pub keymap: Keymap,
    pub theme: Theme,
    pub selected: Row,
    pub collapsed: HashSet<usize>,
    pub focus: Pane,
    pub zoom: bool,
    pub dialog: Option<Dialog>,
    pub logs: HashMap<String, StepLog>,
    /// Lines from the bottom of the log the view is scrolled up by (0 = following the tail).
    pub log_offset: usize,
    pub search: Option<String>,
    /// Input values as typed (secrets too): in memory only, the journal has them masked.
    pub values: HashMap<String, String>,
    /// Secret values typed in this session, masked wherever output is drawn.
    pub masker: Masker,
    /// Steps waiting for their `step_started` to be durable before they start.
    pub pending_starts: HashMap<String, crate::exec::job::Job>,
    /// What a long step is doing now (index build phase, retry countdown), by step id.
    pub progress: HashMap<String, String>,
    /// Steps whose process is running (step id → attempt).
    pub running: HashMap<String, u32>,
    /// The step started last: the log pane follows it when the selection has no output.
    pub last_started: Option<String>,
    /// Appends sent to the journal writer and not yet durable.
    pub in_flight: usize,
    pub journal_error: Option<String>,
    /// One line for the status bar: the last thing that happened that the user should know.
    pub message: Option<String>,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    pub spinner: usize,
    pub quit: bool,
    /// Metrics, log tabs, soak gates and rollback triggers.
    pub monitor: Monitor,
    /// `flightdeck watch`: the on-call's view, which never writes to the journal.
    pub read_only: bool,
    /// `flightdeck watch`: where the followed run comes from and how that stands.
    pub follow: Option<crate::app::followed::FollowView>,
    /// Ad-hoc steps asked for whose `step_added` is not durable yet: they start once it is.
    pub pending_adhoc: std::collections::HashSet<String>,
    /// `run_finished` has been sent to the journal (it may not be durable yet).
    pub finish_sent: bool,
    /// The flightdeck binary that supervises shell steps (`flightdeck supervise`): this very
    /// binary ([`crate::exec::supervisor::this_binary`]), or in benchmarks and tests the one
    /// cargo built.
    pub program: PathBuf,
    /// The path this cockpit was started from, for steps that call flightdeck themselves
    /// (`FLIGHTDECK_EXE`): `/proc/self/exe` would name their own shell.
    pub exe_path: PathBuf,
    /// Where the run is shared (`--share`, `FLIGHTDECK_SHARE`, front-matter `share:`); may read
    /// an input (`$SHARE_DB`): the pusher starts once it has a value.
    pub share_url: Option<String>,
    /// Where the shared copy stands, as the pusher last reported it (the status bar shows it).
    pub share: Option<crate::share::ShareStatus>,
    /// The inputs a share URL still waits for (`$SHARE_DB`), while sharing cannot start.
    pub share_waiting: Option<String>,
}

impl App {
    /// A cockpit over a replayed run, with the first pending step selected.
    pub fn new(
        runbook: Runbook,
        run: RunState,
        operator: String,
        run_dir: PathBuf,
        now: DateTime<Utc>,
    ) -> App {
        let mut monitor = Monitor::new(&runbook);
        // Crossings the journal has open stay open: recovering journals `metric_recovered`.
        for b in run.breaches.iter().filter(|b| b.recovered.is_none()) {
            if let Some(m) = monitor.metrics.iter_mut().find(|m| m.name == b.metric) {
                m.breached = true;
            }
        }
        let mut app = App {
            runbook,
            run,
            operator,
            run_dir,
            keymap: Keymap::default(),
            theme: Theme::default(),
            selected: Row::Phase(0),
            collapsed: HashSet::new(),
            focus: Pane::Checklist,
            zoom: false,
            dialog: None,
            logs: HashMap::new(),
            log_offset: 0,
            search: None,
            values: HashMap::new(),
            masker: Masker::default(),
            pending_starts: HashMap::new(),
            progress: HashMap::new(),
            running: HashMap::new(),
            last_started: None,
            in_flight: 0,
            journal_error: None,
            message: None,
            now,
            size: (160, 45),
            spinner: 0,
            quit: false,
            monitor,
            read_only: false,
            follow: None,
            pending_adhoc: std::collections::HashSet::new(),
            finish_sent: false,
            program: crate::exec::supervisor::this_binary(),
            exe_path: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("flightdeck")),
            share_url: None,
            share: None,
            share_waiting: None,
        };
        // Inputs the journal already has come back with the run; secret ones (masked there)
        // are asked for again.
        app.values = app
            .run
            .inputs
            .iter()
            .filter(|(_, v)| v.as_str() != crate::journal::secrets::MASK)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        app.selected = app
            .first_pending()
            .or_else(|| app.rows().first().copied())
            .unwrap_or(Row::Phase(0));
        app
    }

    /// Visible checklist rows: phases, and the steps of phases not collapsed (nor inside one).
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for (i, phase) in self.runbook.phases.iter().enumerate() {
            if self.hidden(i) {
                continue;
            }
            rows.push(Row::Phase(i));
            if !self.collapsed.contains(&i) {
                rows.extend((0..phase.steps.len()).map(|s| Row::Step(i, s)));
            }
        }
        rows
    }

    /// Whether a collapsed ancestor hides phase `i`.
    fn hidden(&self, i: usize) -> bool {
        self.ancestors(i).any(|p| self.collapsed.contains(&p))
    }

    /// The phases enclosing phase `i`, innermost first (headings nest at most 6 deep).
    fn ancestors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.runbook.phases.get(i).and_then(|p| p.parent), |&p| {
            self.runbook.phases.get(p).and_then(|x| x.parent)
        })
        .take(8)
    }

    pub fn step_at(&self, row: Row) -> Option<&Step> {
        match row {
            Row::Step(p, s) => self.runbook.phases.get(p)?.steps.get(s),
            Row::Phase(_) => None,
        }
    }

    /// Selects `row`, expanding the phases that hide it.
    pub fn reveal(&mut self, row: Row) {
        let (Row::Phase(p) | Row::Step(p, _)) = row;
        // A step needs its own phase open too; a phase only its ancestors.
        let own = matches!(row, Row::Step(..)).then_some(p);
        let hiding: Vec<usize> = own.into_iter().chain(self.ancestors(p)).collect();
        for i in hiding {
            self.collapsed.remove(&i);
        }
        self.selected = row;
    }

    /// Whether the step's process runs or is about to start.
    pub fn is_busy(&self, step_id: &str) -> bool {
        self.running.contains_key(step_id) || self.pending_starts.contains_key(step_id)
    }

    pub fn selected_step(&self) -> Option<&Step> {
        self.step_at(self.selected)
    }

    /// The phase of the selection (the phase itself, or the step's).
    pub fn selected_phase(&self) -> usize {
        match self.selected {
            Row::Phase(p) | Row::Step(p, _) => p,
        }
    }

    pub fn state_of(&self, step_id: &str) -> Option<&StepState> {
        self.run.steps.get(step_id)
    }

    pub fn status_of(&self, step_id: &str) -> StepStatus {
        if self.running.contains_key(step_id) {
            return StepStatus::Running;
        }
        self.state_of(step_id)
            .map_or(StepStatus::Pending, |s| s.status)
    }

    /// The row of a step by id.
    pub fn row_of(&self, step_id: &str) -> Option<Row> {
        self.runbook
            .phases
            .iter()
            .enumerate()
            .find_map(|(p, phase)| {
                phase
                    .steps
                    .iter()
                    .position(|s| s.id == step_id)
                    .map(|s| Row::Step(p, s))
            })
    }

    /// The first step that still needs work, in runbook order (optional steps wait to be
    /// picked).
    pub fn first_pending(&self) -> Option<Row> {
        self.runbook
            .steps()
            .find(|(_, s)| !s.optional && !self.status_of(&s.id).is_done())
            .and_then(|(_, s)| self.row_of(&s.id))
    }

    /// The current phase: the first with a step that still needs work.
    pub fn current_phase(&self) -> Option<usize> {
        self.runbook
            .steps()
            .find(|(_, s)| !self.status_of(&s.id).is_done())
            .map(|(p, _)| p)
    }

    /// (done, total) steps.
    pub fn progress(&self) -> (usize, usize) {
        let total = self.runbook.steps().count();
        let done = self
            .runbook
            .steps()
            .filter(|(_, s)| self.status_of(&s.id).is_done())
            .count();
        (done, total)
    }

    /// The step whose output the log pane shows: the selected one if it has output, else the
    /// one started last.
    pub fn log_step(&self) -> Option<&str> {
        if let Some(s) = self.selected_step()
            && self.logs.contains_key(&s.id)
        {
            return Some(&s.id);
        }
        self.last_started.as_deref()
    }

    /// Whether an input is masked: front matter or its name says so, or it is part of a
    /// database connection string (a password, whatever it is called).
    pub fn is_secret(&self, name: &str) -> bool {
        // Whether a connection string refers to the input.
        let names_it = |url: &str| {
            let mut found = false;
            crate::exec::substitute::fill(
                url,
                true,
                |n| {
                    found |= n == name;
                    None
                },
                str::to_string,
            );
            found
        };
        self.runbook.is_secret(name)
            || self.share_url.as_deref().is_some_and(names_it)
            || self
                .runbook
                .front_matter
                .as_ref()
                .is_some_and(|f| f.databases.values().any(|url| names_it(url)))
    }

    /// Inputs a step needs that have no value yet in this cockpit.
    pub fn missing_inputs(&self, step: &Step) -> Vec<String> {
        crate::app::prepare::needed_inputs(self, step)
            .into_iter()
            .filter(|n| !self.values.contains_key(n))
            .collect()
    }

    /// Whether any on-screen clock counts: the run's elapsed time while it is not finished.
    pub fn clock_visible(&self) -> bool {
        self.run.finished.is_none()
    }
}
