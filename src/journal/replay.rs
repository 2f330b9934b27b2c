//! Replay: the run's state as a fold over its events (DESIGN.md §3). The TUI after a crash,
//! `export`, `journal show` and a follower all get their state from here.

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::Serialize;

use crate::journal::event::{Event, EventKind};
use crate::journal::secrets::MASK;
use crate::journal::supervised::StepEnd;
use crate::runbook::{Runbook, Window};

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    /// Ran and exited 0 (or its gate passed).
    Succeeded,
    /// Ran and exited non-zero or by signal, or was marked failed by hand.
    Failed,
    /// Confirmed by the captain: checks, manual steps, and results they accept.
    Acknowledged,
    Skipped,
    /// Was running when its cockpit went away; never shown as succeeded.
    Interrupted,
}

impl StepStatus {
    /// Whether the step needs no more work.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            StepStatus::Succeeded | StepStatus::Acknowledged | StepStatus::Skipped
        )
    }

    /// The word shown in lists and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
            StepStatus::Acknowledged => "acknowledged",
            StepStatus::Skipped => "skipped",
            StepStatus::Interrupted => "interrupted",
        }
    }
}

/// One step's replayed state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepState {
    pub status: StepStatus,
    /// The last attempt number seen (0: never run).
    pub attempts: u32,
    pub last_exit: Option<i32>,
    /// When the last attempt (or the acknowledgement of a manual step) began.
    pub started: Option<DateTime<Utc>>,
    /// When the step reached its current done/failed state.
    pub finished: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    /// Who last acted on it.
    pub by: Option<String>,
    /// Acknowledgement notes, skip reasons, failure notes and step notes, in order.
    pub notes: Vec<String>,
    /// The last lines of output of the last attempt.
    pub last_lines: Vec<String>,
    /// Index of the step's phase in [`Runbook::phases`].
    pub phase: usize,
}

impl StepState {
    fn new(phase: usize) -> Self {
        StepState {
            status: StepStatus::Pending,
            attempts: 0,
            last_exit: None,
            started: None,
            finished: None,
            duration_ms: None,
            by: None,
            notes: Vec::new(),
            last_lines: Vec::new(),
            phase,
        }
    }
}

/// One phase's plan and what actually happened, derived from its steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseState {
    pub title: String,
    pub level: u8,
    /// Index of the enclosing phase, as in [`crate::runbook::Phase::parent`].
    pub parent: Option<usize>,
    pub timebox_secs: Option<u64>,
    pub window: Option<Window>,
    pub step_ids: Vec<String>,
    /// The first time any of its steps started or was acted on.
    pub started: Option<DateTime<Utc>>,
    /// When its last step was done, once all are.
    pub finished: Option<DateTime<Utc>>,
    pub done: usize,
}

/// A metric breach and, once it came back, its recovery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    pub at: DateTime<Utc>,
    pub metric: String,
    pub value: f64,
    pub threshold: String,
    pub recovered: Option<DateTime<Utc>>,
}

/// The whole run's replayed state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunState {
    pub run_id: String,
    pub runbook_title: String,
    /// sha256 of the runbook the run follows now (changes with `runbook_changed`).
    pub runbook_sha256: String,
    /// Every runbook step, in runbook order.
    pub steps: IndexMap<String, StepState>,
    /// Inputs by name; secret values are `••••`.
    pub inputs: IndexMap<String, String>,
    /// Where each input's value came from (`prompt`, `edit`, `capture:<step>`) and who set it.
    pub input_sources: IndexMap<String, (String, String)>,
    /// Run notes and handoffs: (time, operator, text).
    pub notes: Vec<(DateTime<Utc>, String, String)>,
    /// Everyone who wrote to the run, in order of first appearance.
    pub operators: Vec<String>,
    /// Who holds the run now (last writer, or the `to` of the last handoff).
    pub operator: String,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub breaches: Vec<Breach>,
    /// Soak gates that held: (time, step, figures).
    pub gates: Vec<(DateTime<Utc>, Option<String>, serde_json::Value)>,
    /// Steps the journal knows of that the runbook no longer has.
    pub vanished: Vec<String>,
    /// Steps added by a runbook change since the run started.
    pub added: Vec<String>,
    /// Torn-tail repairs, as said to the user.
    pub repairs: Vec<String>,
    pub phases: Vec<PhaseState>,
    pub last_seq: u64,
    /// Hash of the last event applied: the journal's head.
    pub head: String,
    pub last_event: Option<DateTime<Utc>>,
}

/// Why events cannot be folded: they are not the journal of this run as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("event seq {found} where {expected} was expected (out of order or duplicate)")]
    Sequence { expected: u64, found: u64 },
    #[error("event seq {seq}: a `{kind}` event without a step")]
    MissingStep { seq: u64, kind: &'static str },
}

/// Folds `events` over the steps of `runbook`.
pub fn replay(runbook: &Runbook, events: &[Event]) -> Result<RunState, ReplayError> {
    let mut state = RunState::new(runbook);
    for e in events {
        state.apply(e)?;
    }
    Ok(state)
}

impl RunState {
    /// The state before any event: every step pending.
    pub fn new(runbook: &Runbook) -> Self {
        let steps = runbook
            .steps()
            .map(|(phase, s)| (s.id.clone(), StepState::new(phase)))
            .collect();
        let phases = runbook
            .phases
            .iter()
            .map(|p| PhaseState {
                title: p.title.clone(),
                level: p.level,
                parent: p.parent,
                timebox_secs: p.timebox_secs,
                window: p.window.clone(),
                step_ids: p.steps.iter().map(|s| s.id.clone()).collect(),
                started: None,
                finished: None,
                done: 0,
            })
            .collect();
        RunState {
            run_id: String::new(),
            runbook_title: runbook.title.clone(),
            runbook_sha256: String::new(),
            steps,
            inputs: IndexMap::new(),
            input_sources: IndexMap::new(),
            notes: Vec::new(),
            operators: Vec::new(),
            operator: String::new(),
            started: None,
            finished: None,
            outcome: None,
            breaches: Vec::new(),
            gates: Vec::new(),
            vanished: Vec::new(),
            added: Vec::new(),
            repairs: Vec::new(),
            phases,
            last_seq: 0,
            head: String::new(),
            last_event: None,
        }
    }

    /// Applies one event; its `seq` must follow the last one exactly.
    pub fn apply(&mut self, e: &Event) -> Result<(), ReplayError> {
        if e.seq != self.last_seq + 1 {
            return Err(ReplayError::Sequence {
                expected: self.last_seq + 1,
                found: e.seq,
            });
        }
        if e.kind.needs_step() && e.step.is_none() {
            return Err(ReplayError::MissingStep {
                seq: e.seq,
                kind: e.kind.type_name(),
            });
        }
        self.last_seq = e.seq;
        self.head.clone_from(&e.hash);
        self.last_event = Some(e.ts);
        if !self.operators.contains(&e.operator) {
            self.operators.push(e.operator.clone());
        }
        self.operator.clone_from(&e.operator);
        self.apply_kind(e);
        if let Some(phase) = e
            .step
            .as_ref()
            .and_then(|s| self.steps.get(s))
            .map(|s| s.phase)
        {
            self.refresh_phase(phase);
        }
        Ok(())
    }

    fn apply_kind(&mut self, e: &Event) {
        let ts = e.ts;
        match &e.kind {
            EventKind::RunStarted {
                run_id,
                runbook_title,
                runbook_sha256,
                ..
            } => {
                self.run_id.clone_from(run_id);
                self.runbook_title.clone_from(runbook_title);
                self.runbook_sha256.clone_from(runbook_sha256);
                self.started = Some(ts);
            }
            EventKind::InputSet {
                name,
                value,
                secret,
                source,
            } => {
                let shown = if *secret { MASK } else { value };
                self.inputs.insert(name.clone(), shown.to_string());
                let from = source.clone().unwrap_or_else(|| "prompt".into());
                self.input_sources
                    .insert(name.clone(), (from, e.operator.clone()));
            }
            EventKind::StepAdded { phase, .. } => {
                if let Some(id) = &e.step {
                    self.add_step(id, *phase);
                }
            }
            EventKind::Note { text } => match self.step_mut(e) {
                Some(step) => step.notes.push(text.clone()),
                None => self.notes.push((ts, e.operator.clone(), text.clone())),
            },
            EventKind::Handoff { from, to, note } => {
                let text = match note {
                    Some(n) => format!("handoff from {from} to {to}: {n}"),
                    None => format!("handoff from {from} to {to}"),
                };
                self.notes.push((ts, e.operator.clone(), text));
                if !self.operators.contains(to) {
                    self.operators.push(to.clone());
                }
                self.operator.clone_from(to);
            }
            EventKind::MetricBreach {
                metric,
                value,
                threshold,
            } if e.step.is_some() => {
                // A soak gate's requirement broke: the gate step failed.
                if let Some(step) = self.step_mut(e) {
                    step.status = StepStatus::Failed;
                    step.finished = Some(ts);
                    step.by = Some(e.operator.clone());
                    step.notes.push(format!(
                        "soak gate broke: {metric} = {value} (requirement {threshold})"
                    ));
                }
            }
            EventKind::MetricBreach {
                metric,
                value,
                threshold,
            } => self.breaches.push(Breach {
                at: ts,
                metric: metric.clone(),
                value: *value,
                threshold: threshold.clone(),
                recovered: None,
            }),
            EventKind::MetricRecovered { metric, .. } => {
                if let Some(b) = self
                    .breaches
                    .iter_mut()
                    .rev()
                    .find(|b| &b.metric == metric && b.recovered.is_none())
                {
                    b.recovered = Some(ts);
                }
            }
            EventKind::GatePassed { figures } => {
                self.gates.push((ts, e.step.clone(), figures.clone()));
                if let Some(step) = self.step_mut(e) {
                    step.status = StepStatus::Succeeded;
                    step.finished = Some(ts);
                    step.by = Some(e.operator.clone());
                }
            }
            EventKind::RunbookChanged {
                new_sha256,
                vanished,
                added,
                ..
            } => {
                self.runbook_sha256.clone_from(new_sha256);
                push_new(&mut self.vanished, vanished);
                push_new(&mut self.added, added);
            }
            EventKind::JournalRepaired {
                torn_bytes,
                moved_to,
            } => self
                .repairs
                .push(format!("{torn_bytes} torn bytes moved to {moved_to}")),
            EventKind::RunResumed { .. } | EventKind::NotifyFailed { .. } => {}
            EventKind::RunFinished { outcome } => {
                self.finished = Some(ts);
                self.outcome = Some(outcome.clone());
            }
            _ => self.apply_step(e),
        }
    }

    fn apply_step(&mut self, e: &Event) {
        let ts = e.ts;
        let operator = e.operator.clone();
        let Some(step) = self.step_mut(e) else {
            return;
        };
        step.by = Some(operator);
        match &e.kind {
            EventKind::StepStarted { attempt, .. } => {
                step.status = StepStatus::Running;
                step.attempts = *attempt;
                step.started = Some(ts);
                step.finished = None;
                step.duration_ms = None;
                step.last_exit = None;
                step.last_lines.clear();
            }
            EventKind::StepFinished {
                attempt,
                exit_code,
                duration_ms,
                last_lines,
                ended_at,
                ..
            } => {
                step.status = if *exit_code == Some(0) {
                    StepStatus::Succeeded
                } else {
                    StepStatus::Failed
                };
                step.attempts = step.attempts.max(*attempt);
                step.last_exit = *exit_code;
                // Ended while no cockpit was open: `ts` is only when a cockpit noticed.
                step.finished = Some(ended_at.unwrap_or(ts));
                step.duration_ms = Some(*duration_ms);
                step.last_lines.clone_from(last_lines);
            }
            EventKind::StepAcknowledged { note } => {
                step.status = StepStatus::Acknowledged;
                step.started.get_or_insert(ts);
                step.finished = Some(ts);
                step.notes.extend(note.iter().cloned());
            }
            EventKind::StepSkipped { reason } => {
                step.status = StepStatus::Skipped;
                step.finished = Some(ts);
                step.notes.push(format!("skipped: {reason}"));
            }
            EventKind::StepFailedManual { note } => {
                step.status = StepStatus::Failed;
                step.started.get_or_insert(ts);
                step.finished = Some(ts);
                step.notes.push(format!("failed: {note}"));
            }
            EventKind::StepInterrupted { attempt } => {
                step.status = StepStatus::Interrupted;
                step.attempts = step.attempts.max(*attempt);
                step.finished = Some(ts);
            }
            _ => {}
        }
    }

    /// The step the event is about; an id the runbook no longer has is listed as vanished.
    /// A step added during the run (`step_added`): tracked like the runbook's own.
    fn add_step(&mut self, id: &str, phase: usize) {
        let last = self.phases.len().saturating_sub(1);
        let phase = phase.min(last);
        if self.steps.contains_key(id) {
            return;
        }
        self.steps.insert(id.to_string(), StepState::new(phase));
        if let Some(p) = self.phases.get_mut(phase) {
            p.step_ids.push(id.to_string());
        }
    }

    fn step_mut(&mut self, e: &Event) -> Option<&mut StepState> {
        let id = e.step.as_ref()?;
        if !self.steps.contains_key(id) && !self.vanished.contains(id) {
            self.vanished.push(id.clone());
        }
        self.steps.get_mut(id)
    }

    fn refresh_phase(&mut self, index: usize) {
        let Some(phase) = self.phases.get_mut(index) else {
            return;
        };
        let (mut started, mut finished, mut done) = (phase.started, None, 0);
        for step in phase.step_ids.iter().filter_map(|id| self.steps.get(id)) {
            // Earliest ever: a retry moves its step's `started`, not the phase's.
            started = match (started, step.started) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            finished = finished.max(step.finished);
            done += usize::from(step.status.is_done());
        }
        phase.started = started;
        phase.done = done;
        phase.finished = finished.filter(|_| done == phase.step_ids.len());
    }

    /// Steps still `Running` become `Interrupted`, but for those `runs_on(id, attempt)` says
    /// still run (a supervisor outlived the cockpit): call it when the journal's writer is
    /// gone (nobody holds the lock). [`super::Journal::open`] records it durably instead.
    pub fn mark_interrupted(&mut self, runs_on: impl Fn(&str, u32) -> bool) {
        let mut touched = Vec::new();
        for (id, step) in self.steps.iter_mut() {
            if step.status == StepStatus::Running && !runs_on(id, step.attempts) {
                step.status = StepStatus::Interrupted;
                touched.push(step.phase);
            }
        }
        for phase in touched {
            self.refresh_phase(phase);
        }
    }

    /// A step the journal still shows running whose supervisor recorded its end while no
    /// cockpit was open: shown as the `step_finished` the next cockpit will journal says (and
    /// failed when its output was not captured in full), for readers that must not write.
    pub fn finish_unjournaled(&mut self, id: &str, end: &StepEnd, last_lines: Vec<String>) {
        let Some(step) = self.steps.get_mut(id) else {
            return;
        };
        if step.status != StepStatus::Running {
            return;
        }
        step.status = match (&end.error, end.exit_code) {
            (None, Some(0)) => StepStatus::Succeeded,
            _ => StepStatus::Failed,
        };
        step.last_exit = end.exit_code;
        step.finished = Some(end.ended_at);
        step.duration_ms = Some(end.duration_ms);
        step.last_lines = last_lines;
        if let Some(e) = &end.error {
            step.notes
                .push(format!("failed: output capture failed: {e}"));
        }
        let phase = step.phase;
        self.refresh_phase(phase);
    }

    /// (done, total): done counts succeeded, acknowledged and skipped steps.
    pub fn done_count(&self) -> (usize, usize) {
        let done = self.steps.values().filter(|s| s.status.is_done()).count();
        (done, self.steps.len())
    }

    /// The first phase with steps not done: where the run is.
    pub fn current_phase(&self) -> Option<usize> {
        self.phases.iter().position(|p| p.done < p.step_ids.len())
    }

    /// A phase's title with its ancestors': `Phase 3: Canary › 3.2 Traffic Shifting`.
    pub fn phase_path(&self, index: usize) -> String {
        let mut titles = Vec::new();
        let mut at = Some(index);
        while let Some(p) = at.and_then(|i| self.phases.get(i)) {
            titles.push(p.title.as_str());
            at = p.parent.filter(|&parent| parent < at.unwrap_or(0));
        }
        titles.reverse();
        titles.join(" › ")
    }

    /// Ids of the steps not done yet, in runbook order.
    pub fn pending(&self) -> impl Iterator<Item = (&String, &StepState)> {
        self.steps.iter().filter(|(_, s)| !s.status.is_done())
    }
}

fn push_new(into: &mut Vec<String>, from: &[String]) {
    for id in from {
        if !into.contains(id) {
            into.push(id.clone());
        }
    }
}
