//! Front-matter notification hooks through the cockpit update and a real loopback webhook:
//! run_started, handoff, rollback, run_finished, and a failed post journaled without blocking.

mod rig;
mod services;

use std::time::Duration;

use crossterm::event::KeyCode;
use flightdeck::app::action::{Action, Effect};
use flightdeck::app::update::update;
use flightdeck::exec::notify;
use flightdeck::journal::{EventKind, read_events};
use rig::{Rig, key};
use services::HttpServer;

const RUNBOOK: &str = "---
notify:
  webhook: $SLACK_WEBHOOK
  on: [run_started, run_finished, rollback, handoff]
---
# Checkout go-live

## Phase 1: Go

- [ ] Traffic looks normal
- [ ] Error rate below 1%

## Rollback

- [ ] Flip traffic back
- [ ] Check the old version serves
";

fn rig() -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hooks.md");
    std::fs::write(&path, RUNBOOK).expect("write");
    let mut r = Rig::new(&path.display().to_string());
    r.app.values.insert(
        "SLACK_WEBHOOK".into(),
        "http://127.0.0.1:9/placeholder".into(),
    );
    r
}

fn posts(fx: &[Effect]) -> Vec<(String, String, String)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Notify { hook, url, body } => Some((hook.clone(), url.clone(), body.clone())),
            _ => None,
        })
        .collect()
}

fn text_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).expect("json body");
    v["text"].as_str().expect("text").to_string()
}

fn ack(r: &mut Rig, title: &str) -> Vec<Effect> {
    let row = r
        .app
        .runbook
        .steps()
        .find(|(_, s)| s.title == title)
        .and_then(|(_, s)| r.app.row_of(&s.id))
        .expect("step");
    r.app.selected = row;
    let fx = update(&mut r.app, key(KeyCode::Enter));
    r.settle(fx)
}

#[tokio::test]
async fn run_started_posts_to_the_webhook() {
    let server = HttpServer::start(|_, _| (200, "ok".into(), Duration::ZERO)).await;
    let mut r = rig();
    r.app
        .values
        .insert("SLACK_WEBHOOK".into(), server.url("/hook"));
    let fx = update(&mut r.app, Action::Started);
    let p = posts(&fx);
    assert_eq!(p.len(), 1, "{fx:?}");
    assert_eq!(p[0].0, "run_started");
    assert_eq!(p[0].1, server.url("/hook"));
    let run_id = r.app.run.run_id.clone();
    assert_eq!(
        text_of(&p[0].2),
        format!("Checkout go-live: run {run_id} started by maksim")
    );
    // The runtime posts it; here the real post goes to the loopback webhook.
    notify::post(&p[0].1, p[0].2.clone()).await.expect("posted");
    assert_eq!(text_of(&server.seen()[0].body), text_of(&p[0].2));
}

#[tokio::test]
async fn a_failed_post_is_shown_and_journaled_and_the_run_goes_on() {
    let mut r = rig();
    let fx = update(&mut r.app, Action::Started);
    let (hook, url, body) = posts(&fx).remove(0);
    let result = notify::post(&url, body).await;
    assert!(result.is_err(), "nothing listens on port 9");
    let fx = update(&mut r.app, Action::Notified { hook, result });
    r.settle(fx);
    assert!(
        r.app
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("notification run_started not sent: ")),
        "{:?}",
        r.app.message
    );
    let events = read_events(r.app.run_dir.as_path()).expect("events");
    assert!(
        events.iter().any(
            |e| matches!(&e.kind, EventKind::NotifyFailed { hook, .. } if hook == "run_started")
        )
    );
    // The run goes on: the next step can be acknowledged.
    ack(&mut r, "Traffic looks normal");
    assert!(
        r.app
            .status_of(&r.app.runbook.steps().next().expect("step").1.id)
            .is_done()
    );
}

#[tokio::test]
async fn handoff_rollback_and_finish_fire_their_hooks_once() {
    let mut r = rig();
    let fx = r.settle(vec![Effect::Append {
        kind: EventKind::Handoff {
            from: "maksim".into(),
            to: "dana".into(),
            note: Some("index at 40%".into()),
        },
        step: None,
    }]);
    let p = posts(&fx);
    assert_eq!(p.len(), 1);
    assert!(
        text_of(&p[0].2).ends_with("handed from maksim to dana. index at 40%"),
        "{}",
        p[0].2
    );

    // Forward steps done: the run finishes as completed and run_finished posts.
    assert!(posts(&ack(&mut r, "Traffic looks normal")).is_empty());
    let fx = ack(&mut r, "Error rate below 1%");
    let p = posts(&fx);
    assert_eq!(
        p.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        ["run_finished"],
        "{fx:?}"
    );
    assert!(
        text_of(&p[0].2).contains("finished (completed), 2/4 steps done"),
        "{}",
        p[0].2
    );
    assert_eq!(r.app.run.outcome.as_deref(), Some("completed"));

    // Acting in the rollback phase is the rollback beginning; it posts once.
    let fx = ack(&mut r, "Flip traffic back");
    let p = posts(&fx);
    assert_eq!(p.first().map(|p| p.0.as_str()), Some("rollback"), "{fx:?}");
    assert!(
        text_of(&p[0].2).contains("ROLLBACK started by dana with \"Flip traffic back\""),
        "{}",
        p[0].2
    );
    // Later actions in the phase (a re-run, another step) do not post it again.
    let fx = ack(&mut r, "Check the old version serves");
    assert!(posts(&fx).is_empty(), "{fx:?}");
}
