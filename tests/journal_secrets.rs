//! Secrets: a canary secret input (and a password inside a URL input) never appears in any file
//! under the run folder, nor in either export.

mod journal_support;

use std::fs;
use std::path::{Path, PathBuf};

use flightdeck::journal::export;
use flightdeck::journal::runs::load_run;
use journal_support::{CANARY, URL_CANARY, scripted_run};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn canary_never_reaches_disk_or_exports() {
    let home = tempfile::tempdir().unwrap();
    let dir = scripted_run(home.path());
    let files = files_under(&dir);
    let names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    assert!(names.contains(&"journal.jsonl".to_string()), "{names:?}");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("output/") && n.ends_with(".1.log")),
        "{names:?}"
    );
    for file in &files {
        let bytes = fs::read(file).unwrap();
        assert!(
            !contains(&bytes, CANARY),
            "{} holds the secret",
            file.display()
        );
        assert!(
            !contains(&bytes, URL_CANARY),
            "{} holds the URL password",
            file.display()
        );
    }
    let journal = fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    assert!(journal.contains(r#""name":"SUPABASE_PROD_SERVICE_KEY","value":"••••","secret":true"#));
    assert!(journal.contains("postgres://app:••••@db.internal"));
    let output = files
        .iter()
        .find(|f| {
            f.display()
                .to_string()
                .contains("execute-migrations-concurrently.1.log")
        })
        .unwrap();
    assert!(
        fs::read_to_string(output)
            .unwrap()
            .contains("connected with key ••••")
    );

    let run = load_run(&dir).unwrap();
    let md = export::markdown(&run);
    let json = export::json(&run).unwrap();
    for (name, text) in [("markdown", &md), ("json", &json)] {
        assert!(!text.contains(CANARY), "{name} export holds the secret");
        assert!(
            !text.contains(URL_CANARY),
            "{name} export holds the URL password"
        );
        assert!(text.contains("••••"), "{name} export shows the mask");
    }
}
