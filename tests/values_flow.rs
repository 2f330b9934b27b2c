//! Values flowing between steps through the real cockpit update and real bash: seed 002's
//! DEPLOY_ID pattern across three blocks, `capture=`, `i` edits, and injection staying inert.

mod rig;
mod services;

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

/// An HTTP step through `prepare` against a real loopback server: a value inside the URL is
/// percent-encoded, a value in a JSON body stays inside its string, a line break is refused.
#[tokio::test]
async fn values_in_http_steps_stay_data() {
    let server =
        services::HttpServer::start(|_, _| (200, "{}".into(), std::time::Duration::ZERO)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("http.md");
    std::fs::write(
        &path,
        format!(
            "# H\n\n## P\n\nCreate the item:\n\n```http\nPOST http://{}/items/<item>?q=1\nContent-Type: application/json\nX-Item: <item>\n\n{{\"name\": \"<item>\"}}\n```\n",
            server.addr
        ),
    )
    .expect("write");
    let mut r = Rig::new(&path.display().to_string());
    let step = r.app.runbook.steps().next().expect("step").1.clone();
    let evil = "a/../admin?x=1#\", \"admin\": true, \"b\": \"";
    r.app.values.insert("item".into(), evil.into());
    let Ok(flightdeck::exec::job::Job::Http(spec)) =
        flightdeck::app::prepare::prepare(&r.app, &step)
    else {
        panic!("an http job");
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _h = flightdeck::exec::http::spawn(
        flightdeck::exec::http::HttpJob {
            target: flightdeck::exec::output::StepTarget {
                step_id: step.id.clone(),
                attempt: 1,
                output_path: dir.path().join("out.log"),
                masker: Default::default(),
            },
            spec,
        },
        tx,
    );
    loop {
        let ev = tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv())
            .await
            .expect("finishes")
            .expect("event");
        if let flightdeck::exec::shell::ExecEvent::Finished { outcome, .. } = ev {
            assert_eq!(outcome.exit_code, Some(0));
            break;
        }
    }
    let seen = server.seen();
    assert_eq!(
        seen[0].path,
        "/items/a%2F..%2Fadmin%3Fx%3D1%23%22%2C%20%22admin%22%3A%20true%2C%20%22b%22%3A%20%22?q=1"
    );
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).expect("body is JSON");
    assert_eq!(body["name"], evil);
    assert!(body.get("admin").is_none());

    assert!(seen[0].headers.contains(&("x-item".into(), evil.into())));

    // A line break in a value can never add a header: the URL encodes it, a header refuses it.
    r.app
        .values
        .insert("item".into(), "a\r\nX-Injected: 1".into());
    let err = flightdeck::app::prepare::prepare(&r.app, &step).expect_err("refused");
    assert!(err.contains("line break"), "{err}");
}

/// A `cd` carries to the steps after it, as in the captain's terminal, through the journal.
#[tokio::test]
async fn a_cd_carries_to_the_next_step() {
    let mut r = Rig::new("tests/fixtures/cd-flow.md");
    r.run_step("Make the build folder").await;
    let out = r.dir.path().join("build/out");
    let expected = std::fs::canonicalize(&out).expect("made");
    assert_eq!(
        r.app
            .values
            .get(flightdeck::app::values::WORKDIR)
            .map(std::path::PathBuf::from)
            .and_then(|p| std::fs::canonicalize(p).ok()),
        Some(expected.clone())
    );
    r.run_step("Record where the next step runs").await;
    let here = std::fs::read_to_string(out.join("here.txt")).expect("ran in build/out");
    assert_eq!(
        std::path::PathBuf::from(here.trim()).canonicalize().ok(),
        Some(expected)
    );
    // A step that stays in its folder journals no new one.
    let events = read_events(r.app.run_dir.as_path()).expect("events");
    let moves = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::InputSet { name, .. } if name == flightdeck::app::values::WORKDIR))
        .count();
    assert_eq!(moves, 1);
}

/// A block that enters its working folder and then a sub-folder for a task of its own leaves
/// the run in the working folder.
#[tokio::test]
async fn a_blocks_sub_folder_does_not_carry() {
    let mut r = Rig::new("tests/fixtures/cd-subtask.md");
    r.run_step("Make the folders").await;
    r.run_step("Tag the vendored library from the app").await;
    r.run_step("Record where the next step runs").await;
    let app = std::fs::canonicalize(r.dir.path().join("app")).expect("made");
    let here = std::fs::read_to_string(app.join("here.txt")).expect("ran in app");
    assert_eq!(
        std::path::PathBuf::from(here.trim()).canonicalize().ok(),
        Some(app)
    );
}

/// A value the prose says to replace is asked for once and reaches the command as data, also
/// inside double quotes.
#[tokio::test]
async fn a_value_the_prose_names_is_filled_in_as_data() {
    let mut r = Rig::new("tests/fixtures/named-value.md");
    r.app.values.insert("YY".into(), "26; touch pwned".into());
    r.run_step("Write the tag").await;
    let tag = std::fs::read_to_string(r.dir.path().join("tag.txt")).expect("tag.txt");
    assert_eq!(tag, "v1.26; touch pwned.0\n");
    assert!(!r.dir.path().join("pwned").exists());
}
