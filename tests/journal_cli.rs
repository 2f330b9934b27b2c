//! The journal commands through the real binary, on runs written by the library in a temp home.

mod journal_support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use flightdeck::journal::{Journal, verify};
use flightdeck::runbook;
use journal_support::{scripted_run, t};

fn flightdeck(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("FLIGHTDECK_HOME")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A second, newer run of a small runbook, still held open (active) when `hold` is true.
fn small_run(home: &Path) -> Journal {
    let text = "# Small\n\n- [ ] one\n- [ ] two\n";
    let rb = runbook::parse(text, "small.md");
    Journal::create_at(home, &rb, text, "carol", t(5, 0, 0)).unwrap()
}

#[test]
fn list_show_verify_export() {
    let home = tempfile::tempdir().unwrap();
    let empty = flightdeck(home.path(), &["journal", "list"]);
    assert!(empty.status.success());
    assert!(text(&empty.stdout).starts_with("no runs yet in "));

    let dir = scripted_run(home.path());
    let active = small_run(home.path());

    let list = flightdeck(home.path(), &["journal", "list"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    let out = text(&list.stdout);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(rows[0].starts_with("RUN "));
    assert!(
        rows[1].starts_with("2026-11-21T050000Z-small "),
        "newest first: {out}"
    );
    assert!(
        rows[1].contains(" active ") && rows[1].contains(" 0/2 "),
        "{out}"
    );
    assert!(rows[2].starts_with("2026-11-21T014500Z-seed-002 "), "{out}");
    assert!(
        rows[2].contains(" abandoned ") && rows[2].contains(" 9/18 "),
        "{out}"
    );
    assert!(rows[2].ends_with("Production Go-Live Runbook"), "{out}");
    drop(active);

    let show = flightdeck(home.path(), &["journal", "show", "2026-11-21T0145"]);
    assert!(show.status.success(), "{}", text(&show.stderr));
    let out = text(&show.stdout);
    assert!(
        out.starts_with(
            "2026-11-21T014500Z-seed-002 — Production Go-Live Runbook (abandoned, 9/18 steps done)"
        ),
        "{out}"
    );
    assert!(out.contains("2026-11-21 02:25:00  alice        handoff from alice to bob — end of shift; canary next"), "{out}");

    assert!(
        out.contains("2026-11-21 02:15:02  alice        Health check: failed with exit code 22 in 2.0 s, 49 bytes of output"),
        "{out}"
    );
    assert!(
        out.contains("Stage 2: 50% Traffic (03:00-03:15 UTC): interrupted (attempt 1)"),
        "{out}"
    );

    let ok = flightdeck(home.path(), &["journal", "verify", dir.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let head = verify(&dir).unwrap();
    assert_eq!(
        text(&ok.stdout),
        format!("2026-11-21T014500Z-seed-002: chain intact; head {head}\n")
    );

    let report = home.path().join("handoff.md");
    let md = flightdeck(
        home.path(),
        &[
            "export",
            "2026-11-21T014500Z-seed-002",
            "-o",
            report.to_str().unwrap(),
        ],
    );
    assert!(md.status.success(), "{}", text(&md.stderr));
    let md = fs::read_to_string(&report).unwrap();
    assert!(md.starts_with("# Handoff: Production Go-Live Runbook\n"));
    assert!(md.contains(&format!("| Journal head | `{head}` |")));

    let json = flightdeck(
        home.path(),
        &["export", "2026-11-21T0145", "--format", "json"],
    );
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["run_id"], "2026-11-21T014500Z-seed-002");
    assert_eq!(v["state"]["operator"], "bob");

    let latest = flightdeck(home.path(), &["journal", "show", "latest"]);
    assert!(text(&latest.stdout).starts_with("2026-11-21T050000Z-small — Small (abandoned, 0/2"));
}

#[test]
fn verify_names_the_bad_line_and_exits_1() {
    let home = tempfile::tempdir().unwrap();
    let dir = scripted_run(home.path());
    let path = dir.join("journal.jsonl");
    let content = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        content.replacen("build 4711 is green", "build 4712 is green", 1),
    )
    .unwrap();
    let out = flightdeck(home.path(), &["journal", "verify", "latest"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.ends_with(
            "journal.jsonl: line 5: hash does not match the line's bytes (the line was changed)\n"
        ),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    // The damaged run is refused by readers too, with the way out.
    let show = flightdeck(home.path(), &["export", "latest"]);
    assert_eq!(show.status.code(), Some(2));
    assert!(
        text(&show.stderr).contains("flightdeck journal verify"),
        "{}",
        text(&show.stderr)
    );
}

#[test]
fn user_errors_are_one_clear_line() {
    let home = tempfile::tempdir().unwrap();
    scripted_run(home.path());
    drop(small_run(home.path()));

    let none = flightdeck(home.path(), &["journal", "show", "nope"]);
    assert_eq!(none.status.code(), Some(2));
    let err = text(&none.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("flightdeck: no run matches `nope` in "),
        "{err}"
    );
    assert!(
        err.contains("`flightdeck journal list` shows the runs"),
        "{err}"
    );

    let many = flightdeck(home.path(), &["export", "2026"]);
    assert_eq!(many.status.code(), Some(2));
    assert_eq!(
        text(&many.stderr),
        "flightdeck: `2026` matches 2 runs (2026-11-21T050000Z-small, 2026-11-21T014500Z-seed-002); type more of the id\n"
    );

    let bad_out = flightdeck(
        home.path(),
        &["export", "latest", "-o", "/nonexistent/dir/x.md"],
    );
    assert_eq!(bad_out.status.code(), Some(2));
    assert!(text(&bad_out.stderr).contains("/nonexistent/dir/x.md: cannot write the report"));
}

#[test]
fn home_comes_from_the_environment_and_the_test_hook_is_hidden() {
    let home = tempfile::tempdir().unwrap();
    drop(small_run(home.path()));
    let out = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .args(["journal", "list"])
        .env("FLIGHTDECK_HOME", home.path())
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).contains("2026-11-21T050000Z-small"),
        "{}",
        text(&out.stdout)
    );
    let help = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .args(["journal", "--help"])
        .output()
        .unwrap();
    let help = text(&help.stdout);
    assert!(
        help.contains("verify") && !help.contains("__append-loop"),
        "{help}"
    );
}

/// Edge 3 of the first-hour issue: `latest` is the run that started last, not the id that sorts
/// last, even for two runs begun in the same second, and beside an older minute-only id.
#[test]
fn latest_is_the_run_started_last() {
    let home = tempfile::tempdir().unwrap();
    let start = t(5, 0, 0) + chrono::Duration::milliseconds(100);
    for (file, at) in [
        ("sql.md", start),
        ("flow.md", start + chrono::Duration::milliseconds(400)),
    ] {
        let text = "# T\n\n- [ ] one\n";
        let rb = runbook::parse(text, file);
        drop(Journal::create_at(home.path(), &rb, text, "carol", at).unwrap());
    }
    let latest = flightdeck(home.path(), &["journal", "show", "latest"]);
    assert!(
        text(&latest.stdout).starts_with("2026-11-21T050000Z-flow — "),
        "{}",
        text(&latest.stdout)
    );
    let list = text(&flightdeck(home.path(), &["journal", "list"]).stdout);
    let ids: Vec<&str> = list
        .lines()
        .skip(1)
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        ["2026-11-21T050000Z-flow", "2026-11-21T050000Z-sql"],
        "{list}"
    );

    // A run folder named the old way, minute only, still resolves by prefix and by id.
    let old = home.path().join("runs/2026-11-21T0459Z-old");
    fs::rename(home.path().join("runs/2026-11-21T050000Z-sql"), &old).unwrap();
    let by_prefix = flightdeck(home.path(), &["journal", "show", "2026-11-21T0459"]);
    assert!(by_prefix.status.success(), "{}", text(&by_prefix.stderr));
    // The journal inside keeps the id the run was started with.
    assert!(text(&by_prefix.stdout).starts_with("2026-11-21T050000Z-sql — "));
    let latest = flightdeck(home.path(), &["journal", "show", "latest"]);
    assert!(text(&latest.stdout).starts_with("2026-11-21T050000Z-flow — "));
}
