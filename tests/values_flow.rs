//! Values flowing between steps through the real cockpit update and real bash: seed 002's
//! DEPLOY_ID pattern across three blocks, `capture=`, `i` edits, and injection staying inert.

mod rig;

use crossterm::event::KeyCode;
use flightdeck::app::state::Dialog;
use flightdeck::app::update::update;
use flightdeck::journal::{EventKind, read_events};
use rig::{Rig, key};

const EVIL: &str = "dpl_9; touch pwned1 $(touch pwned2) `touch pwned3` \"q's";

#[tokio::test]
async fn deploy_id_flows_across_three_blocks_and_stays_data() {
    let mut r = Rig::new("tests/fixtures/values-flow.md");
    r.run_step("Find the deployment").await;
    assert_eq!(
        r.app.values.get("DEPLOY_ID").map(String::as_str),
        Some(EVIL)
    );
    assert_eq!(
        r.app.values.get("ALIAS").map(String::as_str),
        Some("app.example.com")
    );
    r.run_step("Send 10% of traffic").await;
    r.run_step("Send all traffic").await;

    let traffic = std::fs::read_to_string(r.dir.path().join("traffic.txt")).expect("traffic.txt");
    assert_eq!(
        traffic,
        format!("traffic app.example.com {EVIL}@10\ntraffic app.example.com {EVIL}@100\n")
    );
    for f in ["pwned1", "pwned2", "pwned3"] {
        assert!(
            !r.dir.path().join(f).exists(),
            "{f} was created: a value executed"
        );
    }
    assert_eq!(
        r.app.values.get("FINAL_STATE").map(String::as_str),
        Some("promoted")
    );

    // The journal says where each value came from.
    let events = read_events(r.app.run_dir.as_path()).expect("events");
    let first = r
        .app
        .runbook
        .steps()
        .next()
        .map(|(_, s)| s.id.clone())
        .expect("step");
    let set: Vec<(String, String, Option<String>)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::InputSet {
                name,
                value,
                source,
                ..
            } => Some((name.clone(), value.clone(), source.clone())),
            _ => None,
        })
        .collect();
    assert!(
        set.contains(&(
            "DEPLOY_ID".into(),
            EVIL.into(),
            Some(format!("capture:{first}"))
        )),
        "{set:?}"
    );
    assert!(
        set.iter()
            .any(|(n, v, _)| n == "FINAL_STATE" && v == "promoted")
    );
    assert!(
        !set.iter()
            .any(|(n, _, _)| n == "i" || n.starts_with("BASH")),
        "only values later steps read: {set:?}"
    );
    assert_eq!(
        r.app
            .run
            .input_sources
            .get("DEPLOY_ID")
            .map(|s| s.0.clone()),
        Some(format!("capture:{first}"))
    );
}

#[tokio::test]
async fn i_edits_a_steps_inputs_and_journals_the_change() {
    let mut r = Rig::new("tests/fixtures/values-flow.md");
    r.run_step("Find the deployment").await;
    let row = r
        .app
        .runbook
        .steps()
        .find(|(_, s)| s.title.starts_with("Send 10%"))
        .and_then(|(_, s)| r.app.row_of(&s.id))
        .expect("step");
    r.app.selected = row;
    update(&mut r.app, key(KeyCode::Char('i')));
    let Some(Dialog::Inputs { fields, run, .. }) = &r.app.dialog else {
        panic!("edit form expected: {:?}", r.app.dialog);
    };
    assert!(!run);
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["ALIAS", "DEPLOY_ID"]);
    assert_eq!(fields[0].value, "app.example.com");
    // Change ALIAS only.
    for _ in 0.."app.example.com".len() {
        update(&mut r.app, key(KeyCode::Backspace));
    }
    for c in "canary.example.com".chars() {
        update(&mut r.app, key(KeyCode::Char(c)));
    }
    let fx = update(&mut r.app, key(KeyCode::Enter));
    let rest = r.settle(fx);
    assert!(rest.is_empty(), "saving an edit runs nothing: {rest:?}");
    assert!(r.app.dialog.is_none());
    assert_eq!(
        r.app.values.get("ALIAS").map(String::as_str),
        Some("canary.example.com")
    );
    assert_eq!(
        r.app.run.input_sources.get("ALIAS"),
        Some(&("edit".to_string(), "maksim".to_string()))
    );
    let events = read_events(r.app.run_dir.as_path()).expect("events");
    let edits = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::InputSet { source: Some(s), .. } if s == "edit"))
        .count();
    assert_eq!(edits, 1, "unchanged DEPLOY_ID is not journaled again");
}
