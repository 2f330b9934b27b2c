//! Shared by the journal tests: a scripted run over seed 002 with injected timestamps.
#![allow(dead_code)]

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use flightdeck::journal::event::sha256_hex;
use flightdeck::journal::secrets::MaskingWriter;
use flightdeck::journal::{EventKind, Journal};
use flightdeck::runbook::{self, Runbook};

/// The secret input value that must never be written anywhere.
pub const CANARY: &str = "CANARY-sk-7f3a9c21";
/// A password inside a non-secret URL input: masked as a URL password.
pub const URL_CANARY: &str = "CANARYpw0451";

/// 2026-11-21 at `h:m:s` UTC.
pub fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, h, m, s)
        .single()
        .expect("valid time")
}

/// Seed 002 as a runbook named `runbooks/seed-002.md` (a relative name, so the journal holds no
/// machine-specific path).
pub fn seed002() -> (Runbook, String) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-002.md"),
    )
    .expect("fixture");
    (runbook::parse(&text, "runbooks/seed-002.md"), text)
}

/// The id of the `n`th step of the runbook.
pub fn step(rb: &Runbook, n: usize) -> String {
    rb.steps().nth(n).expect("step exists").1.id.clone()
}

/// Runs attempt `attempt` of a shell step: output file written through the secret mask.
pub fn shell(
    j: &mut Journal,
    id: &str,
    attempt: u32,
    command: &str,
    (output, exit): (&str, i32),
    (start, end): (DateTime<Utc>, DateTime<Utc>),
) {
    j.append_at(
        EventKind::StepStarted {
            attempt,
            command: Some(command.to_string()),
        },
        Some(id),
        start,
    )
    .expect("step_started");
    let path = j.output_path(id, attempt);
    let file = File::create(&path).expect("output file");
    let mut w = MaskingWriter::new(file, j.masker().clone());
    w.write_all(output.as_bytes()).expect("write output");
    w.finish().expect("finish output");
    let written = std::fs::read(&path).expect("read output");
    let text = String::from_utf8_lossy(&written);
    let lines: Vec<&str> = text.lines().collect();
    let last_lines = lines[lines.len().saturating_sub(3)..]
        .iter()
        .map(|l| l.to_string())
        .collect();
    j.append_at(
        EventKind::StepFinished {
            attempt,
            exit_code: Some(exit),
            signal: None,
            duration_ms: u64::try_from((end - start).num_milliseconds()).unwrap_or(0),
            bytes: written.len() as u64,
            output_sha256: sha256_hex(&written),
            last_lines,
            ended_at: None,
        },
        Some(id),
        end,
    )
    .expect("step_finished");
}

fn ack(j: &mut Journal, id: &str, note: Option<&str>, at: DateTime<Utc>) {
    j.append_at(
        EventKind::StepAcknowledged {
            note: note.map(str::to_string),
        },
        Some(id),
        at,
    )
    .expect("ack");
}

/// A go-live over seed 002, handed from alice to bob, with a failure and retry, a breach, a
/// gate, a skip, and a step interrupted by a cockpit crash. Returns the run folder.
pub fn scripted_run(home: &Path) -> PathBuf {
    let (rb, text) = seed002();
    let mut j = Journal::create_at(home, &rb, &text, "alice", t(1, 45, 0)).expect("create");
    let input = |name: &str, value: &str, secret: bool, source: &str| EventKind::InputSet {
        name: name.into(),
        value: value.into(),
        secret,
        source: Some(source.into()),
    };
    let db_url = format!("postgres://app:{URL_CANARY}@db.internal:5432/prod");
    j.append_at(
        input("SUPABASE_PROD_URL", &db_url, false, "prompt"),
        None,
        t(1, 46, 0),
    )
    .expect("input");
    j.append_at(
        input("SUPABASE_PROD_SERVICE_KEY", CANARY, true, "env"),
        None,
        t(1, 46, 30),
    )
    .expect("input");
    j.append_at(
        input("ALIAS", "app.example.com", false, "prompt"),
        None,
        t(1, 47, 0),
    )
    .expect("input");
    ack(
        &mut j,
        &step(&rb, 0),
        Some("build 4711 is green"),
        t(1, 48, 0),
    );
    ack(&mut j, &step(&rb, 1), None, t(1, 49, 0));
    j.append_at(
        EventKind::StepFailedManual {
            note: "backup job still running".into(),
        },
        Some(&step(&rb, 2)),
        t(1, 50, 0),
    )
    .expect("failed manual");
    ack(
        &mut j,
        &step(&rb, 2),
        Some("backup finished at 01:57"),
        t(1, 58, 0),
    );
    ack(
        &mut j,
        &step(&rb, 3),
        Some("posted in #go-live"),
        t(1, 59, 0),
    );
    shell(
        &mut j,
        &step(&rb, 4),
        1,
        &format!(
            "psql {db_url} -c \"CREATE INDEX CONCURRENTLY idx_users_email_signup ON auth.users(email);\""
        ),
        (
            &format!("CREATE INDEX\nCREATE INDEX\nconnected with key {CANARY}\nVACUUM\n"),
            0,
        ),
        (t(2, 0, 5), t(2, 14, 40)),
    );
    shell(
        &mut j,
        &step(&rb, 5),
        1,
        "curl -f https://your-app.vercel.app/api/health",
        ("curl: (22) The requested URL returned error: 503\n", 22),
        (t(2, 15, 0), t(2, 15, 2)),
    );
    j.append_at(
        EventKind::MetricBreach {
            metric: "error_rate".into(),
            value: 2.5,
            threshold: "< 1".into(),
        },
        None,
        t(2, 15, 30),
    )
    .expect("breach");
    j.append_at(
        EventKind::Note {
            text: "503s from the health check while pgbouncer restarts; retrying".into(),
        },
        None,
        t(2, 16, 0),
    )
    .expect("note");
    j.append_at(
        EventKind::MetricRecovered {
            metric: "error_rate".into(),
            value: 0.4,
        },
        None,
        t(2, 19, 0),
    )
    .expect("recovered");
    shell(
        &mut j,
        &step(&rb, 5),
        2,
        "curl -f https://your-app.vercel.app/api/health",
        (
            "{\"status\":\"ok\"}\nsmoke tests: 42 passed\ndb check: p95 8ms\n",
            0,
        ),
        (t(2, 20, 0), t(2, 22, 30)),
    );
    j.append_at(
        EventKind::Handoff {
            from: "alice".into(),
            to: "bob".into(),
            note: Some("end of shift; canary next".into()),
        },
        None,
        t(2, 25, 0),
    )
    .expect("handoff");
    j.set_operator("bob");
    shell(
        &mut j,
        &step(&rb, 6),
        1,
        "DEPLOY_ID=$(vercel ls --prod --limit 1 | awk 'NR==2{print $1}')",
        ("Deploying: dpl_8Hq2\n", 0),
        (t(2, 30, 0), t(2, 30, 4)),
    );
    j.append_at(
        input(
            "DEPLOY_ID",
            "dpl_8Hq2",
            false,
            &format!("capture:{}", step(&rb, 6)),
        ),
        None,
        t(2, 30, 5),
    )
    .expect("input");
    shell(
        &mut j,
        &step(&rb, 7),
        1,
        "vercel traffic app.example.com dpl_8Hq2@10",
        ("traffic: 10% -> dpl_8Hq2\np95 212ms | errors 0.2%\n", 0),
        (t(2, 31, 0), t(3, 1, 0)),
    );
    j.append_at(
        EventKind::GatePassed {
            figures: serde_json::json!({"error_rate": 0.2, "p95_ms": 212}),
        },
        Some(&step(&rb, 7)),
        t(3, 1, 5),
    )
    .expect("gate");
    j.append_at(
        EventKind::StepSkipped {
            reason: "rollback not needed".into(),
        },
        Some(&step(&rb, 12)),
        t(3, 2, 0),
    )
    .expect("skip");
    j.append_at(
        EventKind::StepStarted {
            attempt: 1,
            command: Some("vercel traffic app.example.com dpl_8Hq2@50".into()),
        },
        Some(&step(&rb, 8)),
        t(3, 3, 0),
    )
    .expect("started");
    let dir = j.run_dir().to_path_buf();
    drop(j); // the cockpit dies with stage 2 running
    let (_j, _, _) = Journal::open_at(&dir, "bob", t(3, 9, 0)).expect("reopen");
    dir
}
