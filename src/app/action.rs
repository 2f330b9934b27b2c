//! What can happen to the cockpit (actions in) and what it asks the world to do (effects out).

use crossterm::event::{KeyEvent, MouseEvent};

use crate::exec::job::Job;
use crate::exec::shell::ExecEvent;
use crate::journal::event::{Event, EventKind};

/// Everything the update function reacts to.
#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The clock moved (only scheduled while a clock on screen counts).
    Tick(chrono::DateTime<chrono::Utc>),
    Exec(ExecEvent),
    /// An append is durable: apply it to the run state.
    Journaled(Event),
    /// An append failed; `started` says it was a `step_started`, whose process must not start.
    JournalFailed {
        step: Option<String>,
        started: bool,
        error: String,
    },
    /// The cockpit is up: fire the `run_started` hook on a new run.
    Started,
    /// A hook's post was made (status) or failed (reason).
    Notified {
        hook: String,
        result: Result<u16, String>,
    },
    /// An export was written (path) or failed (message).
    Exported(Result<String, String>),
    /// A metric reading or log lines from the monitoring tasks.
    Monitor(crate::monitor::sample::MonitorEvent),
    /// Where the shared copy of the run stands (the pusher reports each change).
    Share(crate::share::ShareStatus),
    /// `flightdeck watch`: what the follow source verified (events, output, its link).
    Follow(crate::follow::FollowEvent),
}

/// Side effects `update` asks for; the runtime performs them and reports back as actions.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Append {
        kind: EventKind,
        step: Option<String>,
    },
    /// Start the step once its `step_started` is durable.
    Start {
        step_id: String,
        attempt: u32,
        job: Job,
    },
    /// Follow a step whose supervisor outlived the cockpit that started it.
    Attach {
        step_id: String,
        attempt: u32,
    },
    Cancel {
        step_id: String,
    },
    /// Mask this value in everything written from now on.
    AddSecret(String),
    SetOperator(String),
    /// Post a hook notification on the side.
    Notify {
        hook: String,
        url: String,
        body: String,
    },
    Export,
    /// The run was taken over by the next captain: follow the shared copy from here on.
    FollowShared,
    Quit,
}
