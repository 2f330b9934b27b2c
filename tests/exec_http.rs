//! HTTP and notify steps against real loopback servers: expectations, retry until ready,
//! timeouts, refused connections, and webhook bodies.

mod services;
mod step_run;

use std::time::Duration;

use flightdeck::exec::http::{self, HttpJob};
use flightdeck::exec::notify::{self, NotifyJob};
use flightdeck::exec::request;
use services::HttpServer;
use step_run::{Run, finish};
use tokio::sync::mpsc;

async fn http_step(text: &str, dir: &std::path::Path) -> Run {
    let spec = request::parse(text).expect("request parses");
    let (tx, rx) = mpsc::channel(64);
    let handle = http::spawn(
        HttpJob {
            target: flightdeck::exec::output::StepTarget {
                step_id: "h".into(),
                attempt: 1,
                output_path: dir.join("h.1.log"),
                masker: Default::default(),
            },
            spec,
        },
        tx,
    );
    finish(rx, handle, None).await
}

#[tokio::test]
async fn status_and_json_expectations_pass_and_fail() {
    let server = HttpServer::start(|req, _| match req.path.as_str() {
        "/health" => (
            200,
            r#"{"status":"ok","db":{"latency":12}}"#.into(),
            Duration::ZERO,
        ),
        _ => (500, r#"{"status":"down"}"#.into(), Duration::ZERO),
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = http_step(
        &format!("GET {}\nAuthorization: Bearer abc\nexpect: 200\nexpect_json: status == \"ok\"\nexpect_json: db.latency < 50", server.url("/health")),
        dir.path(),
    )
    .await;
    assert_eq!(ok.outcome.exit_code, Some(0), "{}", ok.out);
    assert!(ok.out.contains("HTTP 200 OK in "), "{}", ok.out);
    assert!(
        ok.out.contains("  content-type: application/json"),
        "{}",
        ok.out
    );
    assert!(
        ok.out.contains("\"status\": \"ok\""),
        "pretty-printed body: {}",
        ok.out
    );
    assert!(ok.out.contains("all expectations hold"));
    let seen = server.seen();
    assert_eq!(seen[0].method, "GET");
    assert!(
        seen[0]
            .headers
            .contains(&("authorization".into(), "Bearer abc".into()))
    );

    let bad = http_step(
        &format!(
            "GET {}\nexpect: 200\nexpect_json: status == \"ok\"",
            server.url("/broken")
        ),
        dir.path(),
    )
    .await;
    assert_eq!(bad.outcome.exit_code, Some(1));
    assert!(
        bad.out
            .contains("expectation failed: status 500 (expected 200)"),
        "{}",
        bad.out
    );
    assert!(
        bad.out
            .contains("expectation failed: status == \"ok\" (found \"down\")"),
        "{}",
        bad.out
    );
}

#[tokio::test]
async fn retry_polls_until_ready_with_a_countdown() {
    // Ready from the third request on.
    let server = HttpServer::start(|_, n| {
        if n < 3 {
            (503, r#"{"status":"starting"}"#.into(), Duration::ZERO)
        } else {
            (200, r#"{"status":"ok"}"#.into(), Duration::ZERO)
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let r = http_step(
        &format!(
            "GET {}\nexpect: 200\nretry: 5 every 1s",
            server.url("/healthz")
        ),
        dir.path(),
    )
    .await;
    assert_eq!(r.outcome.exit_code, Some(0), "{}", r.out);
    assert_eq!(server.seen().len(), 3);
    assert!(r.out.contains("(attempt 3/5)"), "{}", r.out);
    assert!(
        r.progress
            .iter()
            .any(|p| p == "attempt 1/5 failed (status 503 (expected 200)); next in 1s"),
        "{:?}",
        r.progress
    );
}

#[tokio::test]
async fn slow_answers_time_out_and_refused_connections_fail() {
    let server = HttpServer::start(|_, _| (200, "{}".into(), Duration::from_secs(5))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let slow = http_step(
        &format!("GET {}\ntimeout: 1s", server.url("/slow")),
        dir.path(),
    )
    .await;
    assert_eq!(slow.outcome.exit_code, Some(1));
    assert!(
        slow.out.contains("request failed: timed out"),
        "{}",
        slow.out
    );
    assert!(slow.took < Duration::from_secs(4), "took {:?}", slow.took);

    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let refused = http_step(&format!("GET http://127.0.0.1:{port}/"), dir.path()).await;
    assert_eq!(refused.outcome.exit_code, Some(1));
    assert!(
        refused.out.to_lowercase().contains("refused"),
        "{}",
        refused.out
    );
}

#[tokio::test]
async fn notify_posts_a_slack_body_and_reports_failure() {
    let server = HttpServer::start(|req, _| {
        if req.path == "/fail" {
            (500, "nope".into(), Duration::ZERO)
        } else {
            (200, "ok".into(), Duration::ZERO)
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let block = notify::parse("webhook: $HOOK\n{{runbook.title}}: {{step.title}} by {{operator}}")
        .expect("parses");
    let body = notify::body(&block.template, block.json, |n| match n {
        "runbook.title" => Some("Go-live".into()),
        "step.title" => Some("Flip traffic".into()),
        "operator" => Some("maksim".into()),
        _ => None,
    })
    .expect("body");
    for (path, code) in [("/hook", 0), ("/fail", 1)] {
        let (tx, rx) = mpsc::channel(64);
        let handle = notify::spawn(
            NotifyJob {
                target: flightdeck::exec::output::StepTarget {
                    step_id: "n".into(),
                    attempt: 1,
                    output_path: dir.path().join("n.1.log"),
                    masker: Default::default(),
                },
                url: server.url(path),
                body: body.clone(),
            },
            tx,
        );
        let r = finish(rx, handle, None).await;
        assert_eq!(r.outcome.exit_code, Some(code), "{}", r.out);
        if code == 1 {
            assert!(r.out.contains("not sent: HTTP 500"), "{}", r.out);
        }
    }
    let seen = server.seen();
    assert_eq!(seen[0].method, "POST");
    let v: serde_json::Value = serde_json::from_str(&seen[0].body).expect("json body");
    assert_eq!(v["text"], "Go-live: Flip traffic by maksim");
    assert!(
        seen[0]
            .headers
            .contains(&("content-type".into(), "application/json".into()))
    );
}
