//! Steps that say how long they take ("Watch the dashboards for 10 minutes") are timed against
//! it: a running step from its start, the captain's current manual step from when the step
//! before it was done. Both times come from the journal, so a resumed cockpit or a follower
//! shows the same timer.

use chrono::{DateTime, Utc};

use crate::app::state::App;
use crate::monitor::gate::clock;
use crate::runbook::Step;

/// `⏱ 03:12 / 10:00` for a step being timed, `⏱ 10:00 over by 00:42` past its estimate.
pub fn step_timer(app: &App, step: &Step) -> Option<String> {
    let estimate = step.estimate_secs?;
    let since = timed_since(app, step)?;
    let used = u64::try_from((app.now - since).num_seconds()).unwrap_or(0);
    let allowed = estimate;
    Some(if used > allowed {
        format!("⏱ {} over by {}", clock(allowed), clock(used - allowed))
    } else {
        format!("⏱ {} / {}", clock(used), clock(allowed))
    })
}

/// When the step's clock started: its run's start while it runs; for the current step that is
/// acknowledged by hand, when the last step before it was done.
fn timed_since(app: &App, step: &Step) -> Option<DateTime<Utc>> {
    let state = app.state_of(&step.id);
    if app.running.contains_key(&step.id) {
        return state.and_then(|s| s.started);
    }
    if step.is_executable() || app.status_of(&step.id).is_done() {
        return None;
    }
    let current = app.first_pending().and_then(|r| app.step_at(r))?;
    if current.id != step.id {
        return None;
    }
    app.runbook
        .steps()
        .map(|(_, s)| s)
        .take_while(|s| s.id != step.id)
        .filter_map(|s| app.state_of(&s.id).and_then(|st| st.finished))
        .max()
        .or(app.run.started)
}
