//! The escape hatch for when the mapping guessed wrong: code shown in the detail pane (a
//! reference block, inline code, the commands of a step done by hand) can be run with `!`. The
//! command is shown and confirmed, then journaled as an ad-hoc step of its phase
//! (`step_added`), which every replay adds to the runbook again, so the export lists it.

use crate::app::state::{App, Dialog, Row};

/// Opens the dialog over the code the selected row shows; says so when there is none.
pub fn open(app: &mut App) {
    let (phase, options) = match app.selected {
        Row::Phase(p) => (p, code_of_phase(app, p)),
        Row::Step(p, s) => {
            let Some(step) = app.runbook.phases.get(p).and_then(|ph| ph.steps.get(s)) else {
                return;
            };
            let mut options = Vec::new();
            if !step.is_executable()
                && let Some(code) = &step.code
            {
                options.push(code.clone());
            }
            options.extend(crate::runbook::code_shown(&step.detail));
            (p, options)
        }
    };
    if options.is_empty() {
        app.message = Some(
            "no code shown here to run: select a phase or step whose detail shows a block or inline command"
                .into(),
        );
        return;
    }
    app.dialog = Some(Dialog::Adhoc {
        phase,
        options,
        cursor: 0,
    });
}

fn code_of_phase(app: &App, p: usize) -> Vec<String> {
    app.runbook
        .phases
        .get(p)
        .map(|ph| crate::runbook::code_shown(&ph.description))
        .unwrap_or_default()
}

/// Whether a step was added from the detail pane during the run: it looks around, it does not
/// begin the rollback or hold the run open.
pub fn is_adhoc(step_id: &str) -> bool {
    step_id.starts_with("adhoc-")
}

/// A fresh id for an ad-hoc step: `adhoc-1`, `adhoc-2`, … not used by any step of the run.
pub fn next_id(app: &App) -> String {
    (1..)
        .map(|n| format!("adhoc-{n}"))
        .find(|id| app.runbook.step(id).is_none() && !app.pending_adhoc.contains(id))
        .unwrap_or_else(|| "adhoc".into())
}

/// `Ad hoc: kubectl get pods -n prod`.
pub fn title(code: &str) -> String {
    let first = code
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    format!("Ad hoc: {first}")
}
