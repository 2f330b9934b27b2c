//! The cockpit without a terminal: `update` driven key by key, with durability simulated by
//! feeding back events from a real journal, and the screen drawn on a TestBackend.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use flightdeck::app::action::{Action, Effect};
use flightdeck::app::state::{App, Dialog, Pane, Row};
use flightdeck::app::update::update;
use flightdeck::exec::job::Job;
use flightdeck::journal::{Journal, StepStatus, replay};
use flightdeck::runbook;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 2, 5, 0)
        .single()
        .expect("valid time")
}

/// An input form's fields as (name, value): what the captain is asked, and what it offers.
fn names_values(fields: &[flightdeck::app::state::InputField]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect()
}

struct Rig {
    app: App,
    journal: Journal,
    _home: tempfile::TempDir,
}

fn rig(fixture: &str) -> Rig {
    let home = tempfile::tempdir().expect("tempdir");
    let path = std::path::PathBuf::from(fixture);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let rb = runbook::parse(&text, fixture);
    let journal = Journal::create_at(home.path(), &rb, &text, "maksim", t0()).expect("journal");
    let events = flightdeck::journal::read_events(journal.run_dir()).expect("events");
    let state = replay(&rb, &events).expect("replay");
    let app = App::new(
        rb,
        state,
        "maksim".into(),
        journal.run_dir().to_path_buf(),
        t0(),
    );
    Rig {
        app,
        journal,
        _home: home,
    }
}

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ch(c: char) -> Action {
    key(KeyCode::Char(c))
}

fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

impl Rig {
    fn press(&mut self, a: Action) -> Vec<Effect> {
        update(&mut self.app, a)
    }

    fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.press(ch(c));
        }
    }

    /// Makes every append durable through the real journal and feeds the events back.
    /// The running step `id` ends with exit 0, as its supervisor would journal it (first
    /// attempt), without running anything.
    fn succeeded(&mut self, id: &str) {
        self.app.running.clear();
        self.app.pending_starts.clear();
        self.settle(vec![Effect::Append {
            kind: flightdeck::journal::EventKind::StepFinished {
                attempt: 1,
                exit_code: Some(0),
                signal: None,
                duration_ms: 5,
                bytes: 0,
                output_sha256: String::new(),
                last_lines: Vec::new(),
                ended_at: None,
            },
            step: Some(id.to_string()),
        }]);
    }

    fn settle(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut rest = Vec::new();
        let mut queue = effects;
        while !queue.is_empty() {
            let mut next = Vec::new();
            for e in queue {
                match e {
                    Effect::Append { kind, step } => {
                        let event = self
                            .journal
                            .append_at(kind, step.as_deref(), t0())
                            .expect("append");
                        next.extend(update(&mut self.app, Action::Journaled(event)));
                    }
                    other => rest.push(other),
                }
            }
            queue = next;
        }
        rest
    }

    fn selected_title(&self) -> String {
        self.app
            .selected_step()
            .map(|s| s.title.clone())
            .unwrap_or_default()
    }

    fn select(&mut self, title_prefix: &str) {
        let row = self
            .app
            .runbook
            .steps()
            .find(|(_, s)| s.title.starts_with(title_prefix))
            .and_then(|(_, s)| self.app.row_of(&s.id))
            .expect("step exists");
        self.app.selected = row;
    }
}

#[test]
fn opens_on_the_first_pending_step_and_moves() {
    let mut r = rig("tests/fixtures/seed-002.md");
    assert_eq!(r.selected_title(), "Verify latest build: DEPLOY_ID");
    r.press(ch('j'));
    assert_eq!(r.selected_title(), "Open monitoring dashboards");
    r.press(ch('k'));
    r.press(ch('k'));
    assert!(
        matches!(r.app.selected, Row::Phase(_)),
        "k above the first step reaches its phase"
    );
    r.press(ch('G'));
    assert_eq!(r.app.rows().last(), Some(&r.app.selected));
    r.press(ch('k'));
    r.press(ch('k'));
    assert_eq!(r.selected_title(), "Generate weekly performance report");
    r.press(ch('g'));
    assert_eq!(r.app.selected, Row::Phase(0));
    r.press(ch('n'));
    assert_eq!(r.selected_title(), "Verify latest build: DEPLOY_ID");
}

#[test]
fn collapse_and_expand_phases() {
    let mut r = rig("tests/fixtures/seed-002.md");
    let before = r.app.rows().len();
    r.press(ch('h'));
    assert!(matches!(r.app.selected, Row::Phase(_)));
    r.press(ch('h'));
    assert_eq!(
        r.app.rows().len(),
        before - 4,
        "the checklist's 4 steps are hidden"
    );
    r.press(ch('l'));
    assert_eq!(r.app.rows().len(), before);
}

#[test]
fn acknowledgement_shows_only_once_durable_then_moves_on() {
    let mut r = rig("tests/fixtures/seed-002.md");
    let id = r.app.selected_step().expect("step").id.clone();
    let fx = r.press(key(KeyCode::Enter));
    assert!(matches!(&fx[..], [Effect::Append { .. }]));
    assert_eq!(
        r.app.status_of(&id),
        StepStatus::Pending,
        "not acknowledged before the fsync"
    );
    assert_eq!(r.app.in_flight, 1);
    r.settle(fx);
    assert_eq!(r.app.status_of(&id), StepStatus::Acknowledged);
    assert_eq!(r.app.in_flight, 0);
    assert_eq!(
        r.selected_title(),
        "Open monitoring dashboards",
        "selection moved to the next pending step"
    );
}

#[test]
fn note_skip_and_fail_dialogs_require_text_where_needed() {
    let mut r = rig("tests/fixtures/seed-002.md");
    let id = r.app.selected_step().expect("step").id.clone();
    r.press(ch('s'));
    assert!(matches!(r.app.dialog, Some(Dialog::Text { .. })));
    let fx = r.press(ctrl('s'));
    assert!(fx.is_empty(), "an empty reason is refused");
    assert!(matches!(
        &r.app.dialog,
        Some(Dialog::Text { error: Some(_), .. })
    ));
    r.typed("build is from yesterday");
    let fx = r.press(ctrl('s'));
    assert!(r.app.dialog.is_none());
    r.settle(fx);
    let st = r.app.state_of(&id).expect("state");
    assert_eq!(st.status, StepStatus::Skipped);
    assert_eq!(st.notes, ["skipped: build is from yesterday"]);

    r.press(ch('a'));
    let fx = r.press(ctrl('s'));
    assert!(
        r.app.dialog.is_none(),
        "a note is optional when acknowledging"
    );
    r.settle(fx);
    r.select("Confirm backup");
    r.press(ch('x'));
    r.typed("no backup today");
    r.press(key(KeyCode::Esc));
    assert!(r.app.dialog.is_none());
    assert_eq!(
        r.app
            .status_of(&r.app.selected_step().expect("s").id.clone()),
        StepStatus::Pending,
        "Esc cancels"
    );
}

#[test]
fn inputs_are_asked_once_and_the_step_starts_after_step_started_is_durable() {
    let mut r = rig("tests/fixtures/seed-002.md");
    r.select("Stage 1");
    let id = r.app.selected_step().expect("step").id.clone();
    r.press(key(KeyCode::Enter));
    let Some(Dialog::Inputs { fields, .. }) = &r.app.dialog else {
        panic!("input form expected")
    };
    assert_eq!(
        fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["ALIAS", "DEPLOY_ID"]
    );
    r.typed("app.example.com");
    r.press(key(KeyCode::Enter));
    assert!(
        matches!(r.app.dialog, Some(Dialog::Inputs { focus: 1, .. })),
        "every field needs a value: focus moves to the empty one"
    );
    r.typed("dpl_123; rm -rf /");
    let fx = r.press(key(KeyCode::Enter));
    assert!(r.app.dialog.is_none());
    let rest = r.settle(fx);
    let Some(Effect::Start {
        step_id,
        attempt,
        job: Job::Shell { script, env, .. },
    }) = rest.first()
    else {
        panic!("start expected: {rest:?}")
    };
    assert_eq!((step_id.as_str(), *attempt), (id.as_str(), 1));
    assert!(
        script.contains("vercel traffic $ALIAS $DEPLOY_ID@10"),
        "env references stay references"
    );
    assert!(env.contains(&("DEPLOY_ID".into(), "dpl_123; rm -rf /".into())));
    assert_eq!(r.app.status_of(&id), StepStatus::Running);
    assert_eq!(
        r.app.run.inputs.get("ALIAS").map(String::as_str),
        Some("app.example.com")
    );
}

#[test]
fn dangerous_steps_need_the_environment_word() {
    let mut r = rig("runbooks/demo.md");
    r.select("Dangerous on purpose");
    r.press(key(KeyCode::Enter));
    assert!(matches!(&r.app.dialog, Some(Dialog::Confirm { word, .. }) if word == "demo"));
    r.typed("dem");
    let fx = r.press(key(KeyCode::Enter));
    assert!(
        fx.is_empty() && r.app.dialog.is_some(),
        "a wrong word does not run"
    );
    r.typed("o");
    let fx = r.press(key(KeyCode::Enter));
    assert!(matches!(&fx[..], [Effect::Append { .. }]), "{fx:?}");
}

/// A command read from a bullet is shown before its first run and runs on Enter alone; once
/// it has run, `r` runs it again without asking.
#[test]
fn inferred_commands_are_shown_once_before_they_first_run() {
    let mut r = rig("tests/patterns/01-bullet-procedure.md");
    r.select("systemctl restart shop");
    r.press(key(KeyCode::Enter));
    let Some(Dialog::Confirm { word, command, .. }) = &r.app.dialog else {
        panic!("asks first: {:?}", r.app.dialog);
    };
    assert!(word.is_empty() && command.contains("systemctl restart shop"));
    let fx = r.press(key(KeyCode::Enter));
    assert!(
        matches!(&fx[..], [Effect::Append { .. }]),
        "Enter runs it: {fx:?}"
    );
    r.settle(fx);
    assert!(r.app.dialog.is_none());
    let id = r
        .app
        .selected_step()
        .map(|s| s.id.clone())
        .expect("selected");
    r.succeeded(&id);
    r.select("systemctl restart shop");
    let fx = r.press(ch('r'));
    assert!(r.app.dialog.is_none(), "asked only before the first run");
    assert!(
        matches!(&fx[..], [Effect::Append { .. }]),
        "runs again: {fx:?}"
    );
}

/// A step that repeats "for each commit" runs again on Enter once it has succeeded, asking
/// for its inputs anew each time; the value given last is the one it runs with.
#[test]
fn a_step_that_repeats_asks_for_its_inputs_again() {
    let mut r = rig("tests/patterns/32-repeat-for-each.md");
    r.select("Cherry-pick the fixes to the release branch");
    r.press(key(KeyCode::Enter));
    assert!(
        matches!(&r.app.dialog, Some(Dialog::Inputs { fields, .. }) if fields[0].name == "commit"),
        "{:?}",
        r.app.dialog
    );
    let id = r
        .app
        .selected_step()
        .map(|s| s.id.clone())
        .expect("selected");
    r.typed("abc123");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    r.succeeded(&id);
    assert_eq!(r.app.status_of(&id), StepStatus::Succeeded);
    // The selection stays on it, where Enter repeats it.
    assert_eq!(
        r.app.selected_step().map(|s| s.id.as_str()),
        Some(id.as_str())
    );
    // Enter again: the next commit, asked in an empty field.
    r.press(key(KeyCode::Enter));
    let Some(Dialog::Inputs { fields, run, .. }) = &r.app.dialog else {
        panic!("asks for the next value: {:?}", r.app.dialog);
    };
    assert!(*run && fields.len() == 1 && fields[0].value.is_empty());
    r.typed("def456");
    let fx = r.press(key(KeyCode::Enter));
    let launched = fx.iter().any(|e| {
        matches!(
            e,
            Effect::Append {
                kind: flightdeck::journal::EventKind::StepStarted { .. },
                ..
            }
        )
    });
    assert!(launched, "runs again: {fx:?}");
    assert_eq!(
        r.app.values.get("commit").map(String::as_str),
        Some("def456")
    );
}

/// Taking one option of a choice skips the other options' steps, journaled with the option
/// taken; `n` never walks into them, nor into optional steps.
#[test]
fn taking_an_option_skips_its_alternatives() {
    let mut r = rig("tests/patterns/04-alternatives.md");
    r.select("Download the tarball");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    let skipped: Vec<(String, String)> = flightdeck::journal::read_events(r.journal.run_dir())
        .expect("events")
        .into_iter()
        .filter_map(|e| match e.kind {
            flightdeck::journal::EventKind::StepSkipped { reason } => {
                Some((e.step.unwrap_or_default(), reason))
            }
            _ => None,
        })
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].0.contains("option-b"), "{skipped:?}");
    assert_eq!(
        skipped[0].1,
        "alternative taken: Option A: Download a release"
    );
    // The selection moved on to the rest of option A, then `n` walks past option B.
    assert_eq!(r.selected_title(), "Unpack it over the old tree");
    r.press(ch('n'));
    assert_eq!(r.selected_title(), "Restart with systemd");
    // From the last choice, `n` passes the optional step in `<details>`.
    r.select("./reassign.sh");
    r.press(ch('n'));
    assert_eq!(r.selected_title(), "Dashboards are green");
}

/// Entering the `T+0` phase sets the go time the status bar counts from; a step that says
/// "for 10 minutes" is timed from when the step before it was done.
#[test]
fn go_time_and_step_timers_come_from_the_journal() {
    let mut r = rig("tests/patterns/08-time.md");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    assert_eq!(r.selected_title(), "Watch the dashboards for 10 minutes");
    r.app.now = t0() + chrono::Duration::seconds(192);
    let screen = format!("{}", draw(&r.app, 120, 30).backend());
    assert!(screen.contains("⏱ 03:12 / 10:00"), "{screen}");
    assert!(screen.contains("· T+00:03:12 "), "{screen}");
    r.app.now = t0() + chrono::Duration::seconds(642);
    let screen = format!("{}", draw(&r.app, 120, 30).backend());
    assert!(screen.contains("⏱ 10:00 over by 00:42"), "{screen}");
}

/// When the mapping left code as reference, `!` runs it: shown and confirmed first, then
/// journaled as an ad-hoc step of the phase, which replay and the export know.
#[test]
fn shown_code_runs_as_an_ad_hoc_step() {
    let mut r = rig("tests/patterns/11-escape-hatch.md");
    let phase = r
        .app
        .runbook
        .phases
        .iter()
        .position(|p| p.title == "Diagnose")
        .expect("phase");
    r.app.selected = Row::Phase(phase);
    r.press(ch('!'));
    let Some(Dialog::Adhoc { options, .. }) = &r.app.dialog else {
        panic!("shows the code first: {:?}", r.app.dialog);
    };
    assert_eq!(options, &["kubectl get pods -n shop -o wide\n".to_string()]);
    let fx = r.press(key(KeyCode::Enter));
    let rest = r.settle(fx);
    assert!(
        rest.iter()
            .any(|e| matches!(e, Effect::Start { step_id, .. } if step_id == "adhoc-1")),
        "{rest:?}"
    );
    let step = r.app.runbook.step("adhoc-1").expect("in the model");
    assert_eq!(step.title, "Ad hoc: kubectl get pods -n shop -o wide");
    assert_eq!(
        r.app.runbook.phases[phase]
            .steps
            .last()
            .map(|s| s.id.as_str()),
        Some("adhoc-1")
    );
    // Read back from the journal alone, the step is there, started, and in the export.
    let run = flightdeck::journal::runs::load_run(r.journal.run_dir()).expect("loads");
    assert!(run.runbook.step("adhoc-1").is_some());
    assert_eq!(run.state.steps["adhoc-1"].attempts, 1);
    let report = flightdeck::journal::export::markdown(&run);
    assert!(
        report.contains("Ad hoc: kubectl get pods -n shop -o wide"),
        "{report}"
    );
}

/// An optional rollback step ("Rollback (if needed)") neither finishes the run as rolled back
/// nor holds it open.
#[test]
fn optional_rollback_steps_do_not_finish_the_run() {
    let mut r = rig("runbooks/demo.md");
    assert!(
        r.app
            .runbook
            .phases
            .last()
            .is_some_and(|p| p.steps.iter().all(|s| s.optional)),
        "the demo's rollback phase is optional"
    );
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    assert!(
        r.app.run.finished.is_none(),
        "one check acknowledged does not end the run"
    );
}

/// A rollback phase made optional by "(if needed)" is walked whole once begun: starting its
/// first step does not close the run. An ad-hoc look-around there does not begin it at all.
#[test]
fn a_begun_rollback_is_walked_whole_and_ad_hoc_steps_do_not_begin_it() {
    let mut r = rig("tests/patterns/15-rollback.md");
    let rollback = r.app.runbook.phases.len() - 1;
    r.app.selected = Row::Phase(rollback);
    r.press(ch('!'));
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    assert!(r.app.running.contains_key("adhoc-1") || r.app.run.steps["adhoc-1"].attempts == 1);
    r.select("Deployed");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    assert_eq!(
        r.app.run.outcome.as_deref(),
        Some("completed"),
        "the look-around did not begin the rollback"
    );

    let mut r = rig("tests/patterns/15-rollback.md");
    r.select("echo stop traffic");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    assert!(
        r.app.run.finished.is_none(),
        "the first rollback step started; the rollback is not over"
    );
}

#[test]
fn quit_with_a_running_step_asks_and_can_leave_it_running() {
    let mut r = rig("runbooks/demo.md");
    r.select("Warm the caches");
    let id = r.app.selected_step().expect("step").id.clone();
    let fx = r.press(key(KeyCode::Enter));
    let rest = r.settle(fx);
    assert!(matches!(rest.first(), Some(Effect::Start { .. })));
    let fx = r.press(ch('q'));
    assert!(fx.is_empty());
    assert!(matches!(
        r.app.dialog,
        Some(Dialog::QuitRunning { choice: 0 })
    ));
    r.press(key(KeyCode::Right));
    r.press(key(KeyCode::Right));
    let fx = r.press(key(KeyCode::Enter));
    // Nothing is journaled: the step runs on under its supervisor, and the next cockpit
    // re-attaches to it.
    assert_eq!(fx, [Effect::Quit]);
    assert_eq!(
        r.app.run.steps.get(&id).map(|s| s.status),
        Some(StepStatus::Running)
    );

    // A cockpit opened on the same state follows the step again once it is up.
    let run = r.app.run.clone();
    let mut next = flightdeck::app::state::App::new(
        r.app.runbook.clone(),
        run,
        "next".into(),
        r.app.run_dir.clone(),
        chrono::Utc::now(),
    );
    let fx = flightdeck::app::update::update(&mut next, flightdeck::app::action::Action::Started);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Attach { step_id, attempt: 1 } if *step_id == id)),
        "{fx:?}"
    );
    assert_eq!(next.running.get(&id), Some(&1));

    // Its supervisor gone without a word: interrupted.
    let fx = flightdeck::app::update::update(
        &mut next,
        flightdeck::app::action::Action::Exec(flightdeck::exec::shell::ExecEvent::Lost {
            step_id: id.clone(),
            attempt: 1,
        }),
    );
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::Append { kind: flightdeck::journal::EventKind::StepInterrupted { attempt: 1 }, step: Some(s) } if *s == id
        )),
        "{fx:?}"
    );
    assert!(next.running.is_empty());
}

#[test]
fn cancel_only_a_running_step_and_help_focus_zoom() {
    let mut r = rig("runbooks/demo.md");
    r.select("Warm the caches");
    assert!(r.press(ch('c')).is_empty());
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    let fx = r.press(ch('c'));
    assert!(matches!(&fx[..], [Effect::Cancel { .. }]));
    r.press(ch('?'));
    assert!(matches!(r.app.dialog, Some(Dialog::Help)));
    r.press(ch('x'));
    assert!(r.app.dialog.is_none(), "any key closes help");
    r.press(key(KeyCode::Tab));
    assert_eq!(r.app.focus, Pane::Detail);
    r.press(ch('z'));
    assert!(r.app.zoom);
    let fx = r.press(ch('e'));
    assert_eq!(fx, [Effect::Export]);
}

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| flightdeck::ui::render(f, app))
        .expect("draws");
    term
}

fn masked(term: &Terminal<TestBackend>) -> String {
    // The run folder is a temp path only in the run id's place: fixed by the injected clock.
    format!("{}", term.backend())
}

#[test]
fn screens() {
    let mut r = rig("tests/fixtures/seed-002.md");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    insta::assert_snapshot!("main_160x45", masked(&draw(&r.app, 160, 45)));
    insta::assert_snapshot!("main_80x24", masked(&draw(&r.app, 80, 24)));
    insta::assert_snapshot!("too_small", masked(&draw(&r.app, 50, 10)));
    r.press(ch('?'));
    insta::assert_snapshot!("help", masked(&draw(&r.app, 100, 40)));
    r.press(ch('x'));
    r.press(ch('a'));
    r.typed("dashboards open on screen 2");
    insta::assert_snapshot!("note_dialog", masked(&draw(&r.app, 100, 30)));
    r.press(key(KeyCode::Esc));
    r.select("Stage 1");
    r.press(key(KeyCode::Enter));
    r.typed("app");
    insta::assert_snapshot!("input_form", masked(&draw(&r.app, 100, 30)));
    let mut d = rig("runbooks/demo.md");
    d.select("Dangerous on purpose");
    d.press(key(KeyCode::Enter));
    insta::assert_snapshot!("confirm_dialog", masked(&draw(&d.app, 100, 30)));
}

#[test]
fn state_symbols_are_coloured_by_state() {
    let mut r = rig("tests/fixtures/seed-002.md");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    r.press(ch('s'));
    r.typed("not needed");
    let fx = r.press(ctrl('s'));
    r.settle(fx);
    let term = draw(&r.app, 160, 45);
    let buf = term.backend().buffer();
    let find = |sym: &str| {
        (0..45u16)
            .flat_map(|y| (0..60u16).map(move |x| (x, y)))
            .find(|&(x, y)| buf[(x, y)].symbol() == sym)
            .map(|(x, y)| buf[(x, y)].fg)
    };
    assert_eq!(find("✔"), Some(Color::LightGreen), "acknowledged");
    assert_eq!(find("⊘"), Some(Color::DarkGray), "skipped");
    assert_eq!(find("○"), Some(Color::Gray), "pending");
}

#[test]
fn a_running_step_cannot_be_acknowledged_skipped_or_failed() {
    let mut r = rig("runbooks/demo.md");
    r.select("Warm the caches");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    for k in ['a', 's', 'x'] {
        r.press(ch(k));
        assert!(
            r.app.dialog.is_none(),
            "`{k}` on a running step opens nothing"
        );
        assert!(
            r.app
                .message
                .as_deref()
                .is_some_and(|m| m.contains("cancel it"))
        );
    }
}

#[test]
fn auto_advance_reveals_a_collapsed_phase() {
    let mut r = rig("runbooks/demo.md");
    let prepare = r
        .app
        .runbook
        .phases
        .iter()
        .position(|p| p.title.starts_with("Prepare"))
        .expect("phase");
    r.app.collapsed.insert(prepare);
    r.select("Rollback plan read aloud");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    assert_eq!(
        r.selected_title(),
        "Announce the start in the release channel."
    );
    assert!(!r.app.collapsed.contains(&prepare));
    assert!(
        r.app.rows().contains(&r.app.selected),
        "the selection is on screen"
    );
}

#[test]
fn a_step_started_that_fails_to_journal_can_be_run_again() {
    let mut r = rig("runbooks/demo.md");
    r.select("Warm the caches");
    let id = r.app.selected_step().expect("step").id.clone();
    r.press(key(KeyCode::Enter));
    assert!(r.app.is_busy(&id));
    r.press(Action::JournalFailed {
        step: Some(id.clone()),
        started: true,
        error: "disk full".into(),
    });
    assert!(!r.app.is_busy(&id));
    assert_eq!(r.app.status_of(&id), StepStatus::Pending);
    assert!(r.app.journal_error.is_some());
}

#[test]
fn quit_waits_for_a_start_in_flight_and_cancel_quits_at_once_when_nothing_runs() {
    let mut r = rig("runbooks/demo.md");
    r.select("Warm the caches");
    r.press(key(KeyCode::Enter));
    assert!(r.press(ch('q')).is_empty());
    assert!(matches!(r.app.dialog, Some(Dialog::QuitRunning { .. })));
    r.press(key(KeyCode::Right));
    let fx = r.press(key(KeyCode::Enter));
    assert_eq!(
        fx,
        [Effect::Quit],
        "nothing runs yet: quit at once, the start is dropped"
    );
    assert!(r.app.pending_starts.is_empty());
}

#[test]
fn secret_values_are_masked_in_the_output_pane() {
    let mut r = rig("runbooks/demo.md");
    r.app.masker.add("hunter2-canary");
    r.select("Warm the caches");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    let id = r.app.selected_step().expect("step").id.clone();
    r.press(Action::Exec(flightdeck::exec::shell::ExecEvent::Output {
        step_id: id,
        attempt: 1,
        chunk: b"token is hunter2-canary\n".to_vec(),
        stderr: false,
    }));
    let screen = format!("{}", draw(&r.app, 160, 45).backend());
    assert!(screen.contains("token is ••••"), "{screen}");
    assert!(!screen.contains("hunter2-canary"));
}

#[test]
fn rerun_note_handoff_search_paging_and_mouse() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut r = rig("runbooks/demo.md");
    r.select("Warm the caches");
    let id = r.app.selected_step().expect("step").id.clone();
    let fx = r.press(key(KeyCode::Enter));
    let rest = r.settle(fx);
    assert!(matches!(
        rest.first(),
        Some(Effect::Start { attempt: 1, .. })
    ));
    r.press(Action::Exec(flightdeck::exec::shell::ExecEvent::Output {
        step_id: id.clone(),
        attempt: 1,
        chunk: (1..=100)
            .map(|i| format!("line {i}\n"))
            .collect::<String>()
            .into_bytes(),
        stderr: false,
    }));
    let finished = flightdeck::exec::shell::ExecEvent::Finished {
        step_id: id.clone(),
        attempt: 1,
        outcome: Default::default(),
    };
    let fx = r.press(Action::Exec(finished));
    r.settle(fx);
    // /: search the output of the selected step; the view jumps to the match.
    r.select("Warm the caches");
    r.press(ch('/'));
    r.typed("line 40");
    r.press(key(KeyCode::Enter));
    assert_eq!(r.app.search.as_deref(), Some("line 40"));
    assert_eq!(
        r.app.log_offset, 60,
        "line 40 of 100 is 60 lines above the tail"
    );
    // PgUp/PgDn scroll the focused output pane.
    r.app.focus = Pane::Logs;
    r.app.log_offset = 0;
    r.press(key(KeyCode::PageUp));
    assert!(r.app.log_offset > 0);
    r.press(key(KeyCode::PageDown));
    assert_eq!(r.app.log_offset, 0);
    // Mouse: a click on a checklist row selects it; the wheel over the output scrolls it.
    r.app.focus = Pane::Checklist;
    r.app.size = (160, 45);
    r.press(ch('g'));
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 2,
        modifiers: KeyModifiers::NONE,
    };
    r.press(Action::Mouse(click));
    assert_eq!(
        r.selected_title(),
        "Release notes reviewed",
        "row 2 is the first step under the first phase"
    );
    let border = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 0,
        modifiers: KeyModifiers::NONE,
    };
    r.press(Action::Mouse(border));
    assert_eq!(
        r.selected_title(),
        "Release notes reviewed",
        "a click on the border selects nothing"
    );
    r.select("Warm the caches");
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: 120,
        row: 40,
        modifiers: KeyModifiers::NONE,
    };
    r.press(Action::Mouse(wheel));
    assert_eq!(r.app.log_offset, 3);
    r.app.focus = Pane::Checklist;
    r.select("Warm the caches");
    // r runs it again, as attempt 2, even though it is done.
    let fx = r.press(ch('r'));
    let rest = r.settle(fx);
    assert!(
        matches!(rest.first(), Some(Effect::Start { attempt: 2, .. })),
        "{rest:?}"
    );
    // N: a note on the run; H: a handoff changes the operator once durable.
    r.press(ch('N'));
    r.typed("all good");
    let fx = r.press(ctrl('s'));
    r.settle(fx);
    assert_eq!(
        r.app.run.notes.last().map(|n| n.2.as_str()),
        Some("all good")
    );
    r.press(ch('H'));
    r.typed("anna");
    r.press(key(KeyCode::Enter));
    r.typed("stage 2 next");
    let fx = r.press(ctrl('s'));
    assert!(fx.contains(&Effect::SetOperator("anna".into())));
    r.settle(fx);
    assert_eq!(r.app.operator, "anna");
}

#[test]
fn a_resumed_run_keeps_its_inputs_but_asks_again_for_secrets() {
    let mut r = rig("tests/fixtures/seed-002.md");
    r.select("Stage 1");
    r.press(key(KeyCode::Enter));
    r.typed("app.example.com");
    r.press(key(KeyCode::Tab));
    r.typed("dpl_1");
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    // A secret input, as the form would journal it.
    let e = r
        .journal
        .append_at(
            flightdeck::journal::EventKind::InputSet {
                name: "SLACK_WEBHOOK".into(),
                value: "https://hooks/x".into(),
                secret: true,
                source: None,
            },
            None,
            t0(),
        )
        .expect("append");
    r.press(Action::Journaled(e));
    let events = flightdeck::journal::read_events(r.journal.run_dir()).expect("events");
    let state = replay(&r.app.runbook, &events).expect("replay");
    let resumed = App::new(
        r.app.runbook.clone(),
        state,
        "anna".into(),
        r.journal.run_dir().to_path_buf(),
        t0(),
    );
    assert_eq!(
        resumed.values.get("ALIAS").map(String::as_str),
        Some("app.example.com")
    );
    assert!(
        !resumed.values.contains_key("SLACK_WEBHOOK"),
        "secrets are never in the journal"
    );
    let slack = resumed
        .runbook
        .steps()
        .map(|(_, s)| s)
        .find(|s| s.title == "Slack notification")
        .expect("step");
    assert_eq!(
        resumed.missing_inputs(slack),
        ["SLACK_WEBHOOK"],
        "DEPLOY_ID is known, the webhook is asked again"
    );
}

/// A value picked where it is needed (a commit) is offered again, to keep or change, at the
/// first step of a later section that uses it; the run's version is not asked again.
#[test]
fn a_new_section_offers_its_commit_again() {
    let mut r = rig("tests/patterns/73-values-per-section.md");
    r.app.values.insert("VERSION".into(), "1.2.3".into());
    r.app.values.insert("commit-id".into(), "abc123".into());
    r.select("git log -1 --format=%s <commit-id> >> notes/<VERSION>.md");
    r.press(key(KeyCode::Enter));
    let Some(Dialog::Inputs { fields, run, .. }) = &r.app.dialog else {
        panic!("offers the commit again: {:?}", r.app.dialog);
    };
    assert!(*run);
    assert_eq!(names_values(fields), [("commit-id", "abc123")]);
    // Enter keeps it and runs the step: the form is not asked again.
    let fx = r.press(key(KeyCode::Enter));
    assert!(r.app.dialog.is_none(), "{:?}", r.app.dialog);
    let started = fx.iter().any(|e| {
        matches!(
            e,
            Effect::Append {
                kind: flightdeck::journal::EventKind::StepStarted { .. },
                ..
            }
        )
    });
    assert!(started, "runs: {fx:?}");
}

/// A step run for each value its lines count asks only for what is new each time (the disk
/// number and its snapshot), offering the rest (the user) as it is.
#[test]
fn a_counted_step_repeats_with_only_its_counted_inputs_empty() {
    let mut r = rig("tests/patterns/76-counted-lines.md");
    r.select("Create a disk from each snapshot");
    let id = r
        .app
        .selected_step()
        .map(|s| s.id.clone())
        .expect("selected");
    for (k, v) in [("USERNAME", "ana"), ("N", "1"), ("SNAPSHOT", "snap-a")] {
        r.app.values.insert(k.into(), v.into());
    }
    // Its first run offers the counted values the run holds, to keep or change.
    r.press(key(KeyCode::Enter));
    assert!(
        matches!(&r.app.dialog, Some(Dialog::Inputs { fields, .. }) if fields.len() == 2 && fields[0].value == "1"),
        "{:?}",
        r.app.dialog
    );
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    r.succeeded(&id);
    assert_eq!(r.app.status_of(&id), StepStatus::Succeeded);
    r.press(key(KeyCode::Enter));
    let Some(Dialog::Inputs { fields, run, .. }) = &r.app.dialog else {
        panic!("asks for the next disk: {:?}", r.app.dialog);
    };
    assert!(*run);
    assert_eq!(
        names_values(fields),
        [("USERNAME", "ana"), ("N", ""), ("SNAPSHOT", "")]
    );
}

/// The section's first step that picks a commit anew was passed without running: the next
/// step of the section that needs the commit offers it again instead of using the earlier
/// section's silently.
#[test]
fn a_passed_first_step_leaves_the_offer_to_the_next() {
    let mut r = rig("tests/patterns/73-values-per-section.md");
    r.app.values.insert("VERSION".into(), "1.2.3".into());
    r.app.values.insert("commit-id".into(), "abc123".into());
    r.select("Then show what it touched");
    r.press(key(KeyCode::Enter));
    let Some(Dialog::Inputs { fields, .. }) = &r.app.dialog else {
        panic!("offers the commit again: {:?}", r.app.dialog);
    };
    assert_eq!(names_values(fields), [("commit-id", "abc123")]);
    // Once a step of the section has run with a commit, the others use it without asking.
    r.press(key(KeyCode::Esc));
    r.select("git log -1 --format=%s <commit-id> >> notes/<VERSION>.md");
    let id = r
        .app
        .selected_step()
        .map(|s| s.id.clone())
        .expect("selected");
    r.press(key(KeyCode::Enter));
    let fx = r.press(key(KeyCode::Enter));
    r.settle(fx);
    r.succeeded(&id);
    r.select("Then show what it touched");
    r.press(key(KeyCode::Enter));
    assert!(
        !matches!(r.app.dialog, Some(Dialog::Inputs { .. })),
        "{:?}",
        r.app.dialog
    );
}
