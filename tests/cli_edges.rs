//! Command-line edges a new user meets in the first hour: a closed pipe, no terminal.

use std::path::Path;
use std::process::{Command, Stdio};

fn flightdeck(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    c.arg("--home").arg(home).env_remove("FLIGHTDECK_HOME");
    c
}

/// A runbook long enough that its plan does not fit in one write.
fn long_runbook(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from("# Long\n\n");
    for i in 0..400 {
        text.push_str(&format!(
            "## Phase {i}\n\n- [ ] check number {i}\n\n```bash\necho step {i}\n```\n\n"
        ));
    }
    let path = dir.join("long.md");
    std::fs::write(&path, text).expect("runbook");
    path
}

/// Each printing command with its reader already gone (`… | head -0`): quiet, no panic.
#[test]
fn a_closed_pipe_ends_printing_commands_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let book = long_runbook(dir.path());
    let book = book.to_str().expect("utf-8 path");
    // A run to list, show and export.
    let rb = flightdeck::runbook::parse("# T\n\n- [ ] one\n", "t.md");
    drop(
        flightdeck::journal::Journal::create(dir.path(), &rb, "# T\n\n- [ ] one\n", "pat")
            .expect("run"),
    );
    let commands: [&[&str]; 7] = [
        &["plan", book],
        &["plan", book, "--format", "json"],
        &["check", book, book, book],
        &["journal", "list"],
        &["journal", "show", "latest"],
        &["export", "latest"],
        &["export", "latest", "--format", "json"],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = flightdeck(dir.path())
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?} says nothing: {err}");
        assert_ne!(out.status.code(), Some(101), "{args:?}");
    }
}

/// Without a terminal `run` says so in one line, exits 1 and creates no run folder.
#[test]
fn run_without_a_terminal_refuses_before_creating_anything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let book = dir.path().join("t.md");
    std::fs::write(&book, "# T\n\n- [ ] one\n").expect("runbook");
    for command in ["run", "watch"] {
        let out = flightdeck(dir.path())
            .arg(command)
            .arg(&book)
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command}: {err}");
        assert_eq!(err.lines().count(), 1, "{command}: {err}");
        assert!(err.contains("needs a terminal"), "{command}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("home")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("t.md")], "nothing created");
}

/// `watch` without a runbook or a share, or with a malformed or missing share URL, says what
/// to give in one line and exits 1.
#[test]
fn watch_without_a_runbook_or_a_share_says_what_to_give() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&[&str], &str); 3] = [
        (&["watch"], "watch needs a runbook FILE"),
        (
            &["watch", "--share", "postgres://x@h:notaport/db"],
            "is not a PostgreSQL connection string",
        ),
        (&["watch", "--share", "-"], "FLIGHTDECK_SHARE is not set"),
    ];
    for (args, says) in cases {
        let out = flightdeck(dir.path())
            .args(args)
            .env_remove("FLIGHTDECK_SHARE")
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
