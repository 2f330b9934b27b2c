//! The captain's side of sharing on a headless cockpit: the status bar says where the shared
//! copy stands (a fork loudly, in red), and a front-matter `share: $SHARE_DB` is asked once,
//! as a secret, when the cockpit opens.

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use flightdeck::app::action::{Action, Effect};
use flightdeck::app::state::{App, Dialog};
use flightdeck::app::update::update;
use flightdeck::journal::{EventKind, Journal, replay};
use flightdeck::share::ShareStatus;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const RUNBOOK: &str = "---\nshare: $FD_TEST_SHARE_DB_UNSET\n---\n# Shared\n\n## Go\n\n- [ ] look\n";

fn app(home: &std::path::Path) -> App {
    let rb = flightdeck::runbook::parse(RUNBOOK, "shared.md");
    assert!(!rb.has_errors());
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 22, 2, 5, 0)
        .single()
        .expect("time");
    let journal = Journal::create_at(home, &rb, RUNBOOK, "maksim", t0).expect("journal");
    let events = flightdeck::journal::read_events(journal.run_dir()).expect("events");
    let state = replay(&rb, &events).expect("replay");
    let mut app = App::new(
        rb,
        state,
        "maksim".into(),
        journal.run_dir().to_path_buf(),
        t0,
    );
    app.share_url = app
        .runbook
        .front_matter
        .as_ref()
        .and_then(|f| f.share.clone());
    app
}

/// The status bar: the last line of the screen, with the cells' colours.
fn status_line(app: &App) -> (String, Vec<ratatui::style::Color>) {
    let mut term = Terminal::new(TestBackend::new(200, 30)).expect("terminal");
    term.draw(|f| flightdeck::ui::render(f, app))
        .expect("draws");
    let buf = term.backend().buffer().clone();
    let y = buf.area.height - 1;
    let cells: Vec<_> = (0..buf.area.width).map(|x| buf[(x, y)].clone()).collect();
    (
        cells.iter().map(|c| c.symbol()).collect(),
        cells.iter().map(|c| c.fg).collect(),
    )
}

fn status(durable: u64, acked: u64, fork: Option<u64>) -> ShareStatus {
    ShareStatus {
        taken_over: None,
        durable,
        acked,
        offline: None,
        fork,
        problem: None,
        output_waiting: false,
    }
}

#[test]
fn the_status_bar_says_where_the_shared_copy_stands() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut app = app(home.path());
    let before = status_line(&app).0;
    assert!(
        !before.contains("share:") && !before.contains("share ok"),
        "nothing before sharing starts: {before}"
    );
    update(&mut app, Action::Share(status(20, 8, None)));
    assert!(
        status_line(&app).0.contains("share: 12 behind"),
        "{}",
        status_line(&app).0
    );
    update(&mut app, Action::Share(status(20, 20, None)));
    assert!(
        status_line(&app).0.contains("share ok"),
        "{}",
        status_line(&app).0
    );
    assert!(app.message.is_none());
    update(&mut app, Action::Share(status(21, 20, Some(21))));
    let (text, colours) = status_line(&app);
    let at = text.find("share: FORK at seq 21").expect("fork shown");
    let col = text[..at].chars().count();
    assert_eq!(
        colours[col],
        app.theme.crit.fg.expect("crit colour"),
        "{text}"
    );
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("SHARE FORK at seq 21")),
        "{:?}",
        app.message
    );
}

#[test]
fn a_share_url_that_reads_an_input_is_asked_once_as_a_secret() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut app = app(home.path());
    assert_eq!(
        flightdeck::app::prepare::share_url(&app, "$FD_TEST_SHARE_DB_UNSET"),
        None
    );
    update(&mut app, Action::Started);
    let Some(Dialog::Inputs { fields, run, .. }) = &app.dialog else {
        panic!("the share input is asked: {:?}", app.dialog);
    };
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].name, "FD_TEST_SHARE_DB_UNSET");
    assert!(fields[0].secret && !run);
    let url = "postgres://fd:hunter2pw@db.internal/ops";
    for c in url.chars() {
        update(
            &mut app,
            Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    let fx = update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert!(app.dialog.is_none());
    let journaled: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Append {
                kind: EventKind::InputSet { value, secret, .. },
                ..
            } => Some((value.clone(), *secret)),
            _ => None,
        })
        .collect();
    assert_eq!(
        journaled,
        vec![("••••".to_string(), true)],
        "never journaled in clear"
    );
    assert_eq!(
        flightdeck::app::prepare::share_url(&app, "$FD_TEST_SHARE_DB_UNSET").as_deref(),
        Some(url)
    );
    // Opened again with the value known, nothing is asked.
    app.dialog = None;
    update(&mut app, Action::Started);
    assert!(app.dialog.is_none());
}

#[test]
fn a_share_that_cannot_start_or_cannot_push_says_why() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut app = app(home.path());
    // Its input has no value (the dialog was dismissed): the status bar says what it waits for.
    let waiting = flightdeck::app::prepare::share_waiting(&app);
    assert_eq!(waiting.as_deref(), Some("$FD_TEST_SHARE_DB_UNSET"));
    app.share_waiting = waiting;
    let text = status_line(&app).0;
    assert!(
        text.contains("share: waiting for $FD_TEST_SHARE_DB_UNSET"),
        "{text}"
    );
    // A failure retrying cannot cure: on the message line, with its fix, and in red.
    let mut s = status(3, 0, None);
    s.offline = Some("ERROR 28P01: password authentication failed".into());
    s.problem =
        Some("ERROR 28P01: password authentication failed: correct them in the share URL".into());
    update(&mut app, Action::Share(s));
    let (text, colours) = status_line(&app);
    let at = text.find("share: FAILED").expect("failure shown");
    let col = text[..at].chars().count();
    assert_eq!(
        colours[col],
        app.theme.crit.fg.expect("crit colour"),
        "{text}"
    );
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("SHARE FAILED") && m.contains("correct them")),
        "{:?}",
        app.message
    );
}

/// `H` on a shared run while a step runs would fork it (the step's end journaled here after
/// the next captain took the run there): refused, with what to do instead.
#[test]
fn a_shared_run_is_not_handed_off_while_a_step_runs() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut app = app(home.path());
    let h = || Action::Key(KeyEvent::new(KeyCode::Char('H'), KeyModifiers::SHIFT));
    app.running.insert("go.look".into(), 1);
    update(&mut app, h());
    assert!(app.dialog.is_none(), "no handoff dialog while a step runs");
    let said = app.message.clone().unwrap_or_default();
    assert!(
        said.contains("wait for it to end or cancel it with c"),
        "{said}"
    );
    app.running.clear();
    update(&mut app, h());
    assert!(app.dialog.is_some(), "the handoff dialog once nothing runs");
}
