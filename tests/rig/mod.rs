//! A cockpit over a real journal in a temp folder, driven through `update`, with real bash for
//! the steps it starts.

#![allow(dead_code)]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use flightdeck::app::action::{Action, Effect};
use flightdeck::app::state::App;
use flightdeck::app::update::update;
use flightdeck::exec::job::Job;
use flightdeck::exec::shell::{self, ExecEvent, ShellJob};
use flightdeck::journal::{Journal, read_events, replay};
use flightdeck::runbook;
use tokio::sync::mpsc;

pub struct Rig {
    pub app: App,
    pub journal: Journal,
    pub dir: tempfile::TempDir,
}

pub fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

impl Rig {
    /// A new run of the runbook at `fixture`, copied into a temp folder (the steps' workdir).
    pub fn new(fixture: &str) -> Rig {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = std::fs::read_to_string(fixture).expect("fixture");
        let path = dir.path().join("runbook.md");
        std::fs::write(&path, &text).expect("copy");
        let rb = runbook::parse(&text, &path.display().to_string());
        let t0 = Utc
            .with_ymd_and_hms(2026, 11, 21, 4, 0, 0)
            .single()
            .expect("time");
        let journal = Journal::create_at(&dir.path().join("home"), &rb, &text, "maksim", t0)
            .expect("journal");
        let events = read_events(journal.run_dir()).expect("events");
        let state = replay(&rb, &events).expect("replay");
        let app = App::new(
            rb,
            state,
            "maksim".into(),
            journal.run_dir().to_path_buf(),
            t0,
        );
        Rig { app, journal, dir }
    }

    /// Makes appends durable and feeds them back; returns the other effects.
    pub fn settle(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let (mut rest, mut queue) = (Vec::new(), effects);
        while !queue.is_empty() {
            let mut next = Vec::new();
            for e in queue {
                match e {
                    Effect::Append { kind, step } => {
                        let event = self.journal.append(kind, step.as_deref()).expect("append");
                        next.extend(update(&mut self.app, Action::Journaled(event)));
                    }
                    Effect::AddSecret(_) => {}
                    other => rest.push(other),
                }
            }
            queue = next;
        }
        rest
    }

    /// Selects the step, presses Enter, runs what starts in real bash, and feeds the result back.
    pub async fn run_step(&mut self, title: &str) {
        let row = self
            .app
            .runbook
            .steps()
            .find(|(_, s)| s.title.starts_with(title))
            .and_then(|(_, s)| self.app.row_of(&s.id))
            .expect("step");
        self.app.selected = row;
        let fx = update(&mut self.app, key(KeyCode::Enter));
        assert!(
            self.app.dialog.is_none(),
            "no input is asked for: {:?}",
            self.app.dialog
        );
        let rest = self.settle(fx);
        let Some(Effect::Start {
            step_id,
            attempt,
            job:
                Job::Shell {
                    script,
                    env,
                    capture_vars,
                },
        }) = rest.into_iter().next()
        else {
            panic!("{title}: no start");
        };
        let (tx, mut rx) = mpsc::channel(64);
        let job = ShellJob {
            step_id: step_id.clone(),
            attempt,
            script,
            env,
            workdir: flightdeck::app::values::workdir_for(&self.app, self.dir.path()),
            output_path: self
                .app
                .run_dir
                .join(format!("output/{step_id}.{attempt}.log")),
            masker: Default::default(),
            capture_vars,
            program: env!("CARGO_BIN_EXE_flightdeck").into(),
        };
        let _running = shell::spawn(job, tx).expect("spawn");
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(20), rx.recv())
                .await
                .expect("step finishes")
                .expect("event");
            let done = matches!(ev, ExecEvent::Finished { .. });
            let fx = update(&mut self.app, Action::Exec(ev));
            self.settle(fx);
            if done {
                return;
            }
        }
    }
}
