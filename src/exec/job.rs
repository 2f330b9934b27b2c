//! What a step runs once its inputs are filled in: prepared by the pure `update`, started by
//! the runtime after `step_started` is durable.

use std::time::Duration;

use crate::exec::request::RequestSpec;

/// A prepared step action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// `bash -c script` with `env` added to the inherited environment.
    Shell {
        script: String,
        env: Vec<(String, String)>,
        /// Where bash leaves the variables the script set, for later steps (`None`: do not
        /// capture).
        capture_vars: bool,
    },
    /// Statements on a PostgreSQL session.
    Sql {
        url: String,
        sql: String,
        timeout: Option<Duration>,
    },
    /// A request with expectations, inputs filled in.
    Http(RequestSpec),
    /// A webhook post.
    Notify { url: String, body: String },
}

impl Job {
    /// The command as journaled in `step_started` and shown in the confirm dialog.
    pub fn shown(&self) -> String {
        match self {
            Job::Shell { script, .. } => script.clone(),
            Job::Sql { sql, .. } => sql.clone(),
            Job::Http(r) => format!("{} {}", r.method, r.url),
            Job::Notify { body, .. } => format!("notify: {body}"),
        }
    }
}
