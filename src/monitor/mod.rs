//! Monitoring: metrics sampled on their own tasks, their thresholds and windows, log sources,
//! soak gates and rollback triggers. [`Monitor`] is the view state the cockpit keeps of it all.

pub mod gate;
pub mod lint;
pub mod logtail;
pub mod metric;
pub mod sample;
pub mod sampler;
pub mod series;
pub mod source_command;
pub mod source_http;
pub mod source_prometheus;
pub mod source_sql;
pub mod spec;
pub mod threshold;

use std::collections::{HashMap, VecDeque};

use crate::monitor::gate::GateRun;
use crate::monitor::metric::MetricView;
use crate::monitor::spec::MetricDef;
use crate::monitor::threshold::Condition;
use crate::runbook::Runbook;

/// What a follower of a shared run shows for a `command:` metric or log source it will not run.
pub const NOT_RUN_HERE: &str = "not sampled here: a shared runbook's command";

/// Lines kept per log source on screen.
pub const LOG_LINES: usize = 5_000;

/// One log source's tab.
#[derive(Debug, Clone)]
pub struct LogTab {
    pub name: String,
    pub lines: VecDeque<String>,
    /// Lines seen since the start (the buffer keeps the last [`LOG_LINES`]).
    pub total: u64,
    /// The follower's last word (rotated, restarting …).
    pub status: Option<String>,
}

impl LogTab {
    /// Appends lines, dropping the oldest beyond the bound.
    pub fn push(&mut self, lines: Vec<String>) {
        self.total += lines.len() as u64;
        self.lines.extend(lines);
        while self.lines.len() > LOG_LINES {
            self.lines.pop_front();
        }
    }
}

/// A `rollback_when` trigger and whether it may prompt (it re-arms once it stops holding).
#[derive(Debug, Clone)]
pub struct Trigger {
    pub condition: Condition,
    pub armed: bool,
}

/// Everything the cockpit shows and decides about monitoring.
#[derive(Debug, Clone, Default)]
pub struct Monitor {
    /// One per declared metric, in front-matter order (index = the samplers' metric index).
    pub metrics: Vec<MetricView>,
    pub logs: Vec<LogTab>,
    /// The metric row the cursor is on (monitoring pane focused).
    pub selected: usize,
    /// The metric whose chart is open.
    pub chart: Option<usize>,
    /// The log pane's tab: 0 is step output, `i` is `logs[i - 1]`.
    pub log_tab: usize,
    /// Soak gates being held, by step id.
    pub gates: HashMap<String, GateRun>,
    /// Watch steps whose `step_started` is not durable yet.
    pub pending_gates: HashMap<String, gate::GateSpec>,
    pub triggers: Vec<Trigger>,
    /// A follower of a shared run: `command:` sources are never started (see
    /// [`Monitor::refuse_commands`]).
    pub commands_refused: bool,
}

impl Monitor {
    /// The monitoring state of a runbook: a row per metric (broken declarations included, with
    /// their error), a tab per log source, its rollback triggers.
    pub fn new(runbook: &Runbook) -> Monitor {
        let Some(fm) = runbook.front_matter.as_ref() else {
            return Monitor::default();
        };
        let metrics = fm
            .metrics
            .iter()
            .map(|m| match spec::resolve(m, fm) {
                Ok(def) => MetricView::new(def),
                Err(e) => MetricView::broken(&m.name, e),
            })
            .collect();
        let logs = fm
            .logs
            .iter()
            .map(|l| LogTab {
                name: l.name.clone(),
                lines: VecDeque::new(),
                total: 0,
                status: None,
            })
            .collect();
        let triggers = fm
            .rollback_when
            .iter()
            .filter_map(|c| Condition::parse(c).ok())
            .map(|condition| Trigger {
                condition,
                armed: true,
            })
            .collect();
        Monitor {
            metrics,
            logs,
            triggers,
            ..Monitor::default()
        }
    }

    /// For a follower of a shared run. Its runbook text comes from the database, which no hash
    /// chain covers and any captain's role can write: running its `command:` metrics and log
    /// sources would be code execution from a table on the on-call's machine. They show as not
    /// sampled here instead; HTTP, Prometheus and SQL sources still run. Returns how many were
    /// refused.
    pub fn refuse_commands(&mut self, runbook: &Runbook) -> usize {
        self.commands_refused = true;
        let mut refused = 0;
        for m in &mut self.metrics {
            if m.def
                .as_ref()
                .is_some_and(|d| matches!(d.source, spec::Source::Command(_)))
            {
                *m = MetricView::broken(&m.name, NOT_RUN_HERE.to_string());
                refused += 1;
            }
        }
        let specs = runbook.front_matter.as_ref().map(|f| f.logs.as_slice());
        for (tab, log) in self.logs.iter_mut().zip(specs.unwrap_or_default()) {
            if log.file.is_none() && log.command.is_some() {
                tab.status = Some(NOT_RUN_HERE.to_string());
                refused += 1;
            }
        }
        refused
    }

    /// The checked declarations, `None` where a row is broken (the samplers skip those).
    pub fn defs(&self) -> Vec<Option<MetricDef>> {
        self.metrics.iter().map(|m| m.def.clone()).collect()
    }

    /// The row of a metric by name.
    pub fn metric(&self, name: &str) -> Option<&MetricView> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

/// The phase to jump to when `rollback_when` holds: front-matter `rollback_phase` (by title),
/// else the first phase whose title starts with or contains "rollback".
pub fn rollback_phase(runbook: &Runbook) -> Option<usize> {
    let named = runbook
        .front_matter
        .as_ref()
        .and_then(|f| f.rollback_phase.as_deref());
    let lower = |s: &str| s.to_lowercase();
    match named {
        Some(name) => {
            let want = lower(name.trim());
            runbook
                .phases
                .iter()
                .position(|p| lower(&p.title) == want)
                .or_else(|| {
                    runbook
                        .phases
                        .iter()
                        .position(|p| lower(&p.title).contains(&want))
                })
        }
        None => runbook
            .phases
            .iter()
            .position(|p| lower(&p.title).starts_with("rollback"))
            .or_else(|| {
                runbook
                    .phases
                    .iter()
                    .position(|p| lower(&p.title).contains("rollback"))
            }),
    }
}
