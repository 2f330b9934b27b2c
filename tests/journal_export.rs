//! Export snapshots: a scripted run over seed 002 with injected timestamps, as Markdown and JSON.

mod journal_support;

use flightdeck::journal::export;
use flightdeck::journal::runs::load_run;
use journal_support::scripted_run;

/// Machine-specific text (host name, version) and the hashes that depend on it.
fn filters() -> Vec<(String, &'static str)> {
    vec![
        (
            regex::escape(&flightdeck::journal::file::host_name()),
            "[host]",
        ),
        (regex::escape(env!("CARGO_PKG_VERSION")), "[version]"),
        (r"\b[0-9a-f]{64}\b".into(), "[sha256]"),
        (r"\b[0-9a-f]{12}\b".into(), "[sha256-12]"),
    ]
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    for (from, to) in filters() {
        s.add_filter(&from, to);
    }
    s
}

#[test]
fn markdown_report_of_seed_002() {
    let home = tempfile::tempdir().unwrap();
    let run = load_run(&scripted_run(home.path())).unwrap();
    let md = export::markdown(&run);
    // Content the snapshot must keep, whatever happens to the layout.
    assert!(md.contains("**9 of 18 steps done.**"), "{md}");
    assert!(md.contains("Current phase: **Phase 3: Canary"), "{md}");
    assert!(md.contains("```mermaid\ngantt"), "{md}");
    settings().bind(|| insta::assert_snapshot!("seed_002_md", md));
}

#[test]
fn json_report_of_seed_002() {
    let home = tempfile::tempdir().unwrap();
    let run = load_run(&scripted_run(home.path())).unwrap();
    let json = export::json(&run).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["progress"]["done"], 9);
    assert_eq!(
        value["events"].as_array().map(Vec::len),
        Some(run.events.len())
    );
    assert_eq!(value["head"], run.events.last().unwrap().hash.as_str());
    settings().bind(|| insta::assert_snapshot!("seed_002_json", json));
}
