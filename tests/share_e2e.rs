//! The real cockpit in a real terminal (tmux) sharing its run: `run --share URL` pushes
//! every event and a step's whole output, and the status bar says `share ok` once caught up.

mod services;
mod share_support;

use std::process::Command;
use std::time::{Duration, Instant};

use share_support::TestDb;

const BOOK: &str = "# Shared e2e\n\n## Go\n\n- [ ] Look at the dashboards\n\nPrint the lines:\n\n```bash\nfor i in $(seq 1 3000); do echo \"output line $i\"; done\n```\n";

struct Tmux(String);

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.0)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Starts the session; a server still shutting down from the last one can refuse the
    /// first tries.
    fn start(&self, line: &str) {
        let mut last = String::new();
        for _ in 0..10 {
            let out = self.cmd(&[
                "new-session",
                "-d",
                "-s",
                "fd",
                "-x",
                "160",
                "-y",
                "45",
                line,
            ]);
            if out.status.success() {
                return;
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            std::thread::sleep(Duration::from_millis(300));
        }
        panic!("tmux new-session: {last}");
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "fd"]).stdout).into_owned()
    }

    fn wait_for(&self, texts: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{texts:?} did not appear; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "fd", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        services::missing("tmux");
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cockpit_shares_its_run_and_a_steps_whole_output() {
    if !tmux_available() {
        return;
    }
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let book = home.path().join("book.md");
    std::fs::write(&book, BOOK).expect("runbook");
    let tmux = Tmux(format!("fd-share-{}", std::process::id()));
    let line = format!(
        "FLIGHTDECK_HOME={} FLIGHTDECK_CONFIG=/nonexistent FLIGHTDECK_OPERATOR=e2e TERM=xterm-256color {} run {} --new --share '{}'; echo EXITED $?; sleep 30",
        home.path().display(),
        env!("CARGO_BIN_EXE_flightdeck"),
        book.display(),
        db.url
    );
    tmux.start(&line);
    tmux.wait_for(&["Checklist 0/2", "share ok"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Checklist 1/2"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["output line 3000", "Checklist 2/2"]);
    tmux.wait_for(&["share ok"]);
    tmux.keys(&["q"]);
    tmux.wait_for(&["EXITED 0"]);

    let runs: Vec<_> = std::fs::read_dir(home.path().join("runs"))
        .expect("runs")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(runs.len(), 1);
    let run_dir = &runs[0];
    let run_id = flightdeck::journal::runs::run_id_of(run_dir);
    let bytes = std::fs::read(run_dir.join("journal.jsonl")).expect("journal");
    let local: Vec<String> = String::from_utf8_lossy(flightdeck::journal::padding::text(&bytes))
        .lines()
        .map(str::to_string)
        .collect();
    let c = db.client().await;
    let shared: Vec<String> = c
        .client
        .query(
            "SELECT line FROM flightdeck.events WHERE run_id = $1 ORDER BY seq",
            &[&run_id],
        )
        .await
        .expect("events")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(shared, local, "every event, in order, byte for byte");
    let output_file = flightdeck::journal::file::output_path(run_dir, "go.print-the-lines", 1);
    let local_output = std::fs::read(&output_file).expect("output file");
    assert!(local_output.ends_with(b"output line 3000\n"));
    let shared_output: Vec<u8> = c
        .client
        .query(
            "SELECT bytes FROM flightdeck.output WHERE run_id = $1 AND step_id = 'go.print-the-lines' AND attempt = 1 ORDER BY chunk_no",
            &[&run_id],
        )
        .await
        .expect("output")
        .iter()
        .flat_map(|r| r.get::<_, Vec<u8>>(0))
        .collect();
    assert_eq!(
        shared_output, local_output,
        "the shared output is the local file"
    );
    let status: String = c
        .client
        .query_one(
            "SELECT status FROM flightdeck.runs WHERE run_id = $1",
            &[&run_id],
        )
        .await
        .expect("runs row")
        .get(0);
    assert!(
        ["finished", "abandoned"].contains(&status.as_str()),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_resumed_with_flightdeck_share_uploads_its_whole_journal() {
    if !tmux_available() {
        return;
    }
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let book = home.path().join("book.md");
    std::fs::write(&book, BOOK).expect("runbook");
    let tmux = Tmux(format!("fd-share-resume-{}", std::process::id()));
    let cockpit = |extra: &str| {
        format!(
            "FLIGHTDECK_HOME={} FLIGHTDECK_CONFIG=/nonexistent FLIGHTDECK_OPERATOR=e2e TERM=xterm-256color {extra} {} run {}",
            home.path().display(),
            env!("CARGO_BIN_EXE_flightdeck"),
            book.display(),
        )
    };
    // First without sharing: one step acknowledged, then quit.
    let first = format!("{} --new; echo EXITED $?; sleep 30", cockpit(""));
    tmux.start(&first);
    let screen = tmux.wait_for(&["Checklist 0/2"]);
    assert!(
        !screen.contains("share ok") && !screen.contains("share:"),
        "{screen}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Checklist 1/2"]);
    tmux.keys(&["q"]);
    tmux.wait_for(&["EXITED 0"]);
    let _ = tmux.cmd(&["kill-server"]);

    // Resumed with FLIGHTDECK_SHARE: everything so far goes up, and what follows.
    let second = format!(
        "{} --resume latest; echo EXITED $?; sleep 30",
        cockpit(&format!("FLIGHTDECK_SHARE='{}'", db.url))
    );
    tmux.start(&second);
    tmux.wait_for(&["Checklist 1/2", "share ok"]);
    tmux.keys(&["q"]);
    tmux.wait_for(&["EXITED 0"]);

    let runs: Vec<_> = std::fs::read_dir(home.path().join("runs"))
        .expect("runs")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(runs.len(), 1);
    let run_id = flightdeck::journal::runs::run_id_of(&runs[0]);
    let bytes = std::fs::read(runs[0].join("journal.jsonl")).expect("journal");
    let local: Vec<String> = String::from_utf8_lossy(flightdeck::journal::padding::text(&bytes))
        .lines()
        .map(str::to_string)
        .collect();
    assert!(local.iter().any(|l| l.contains("\"type\":\"run_resumed\"")));
    let shared: Vec<String> = db
        .client()
        .await
        .client
        .query(
            "SELECT line FROM flightdeck.events WHERE run_id = $1 ORDER BY seq",
            &[&run_id],
        )
        .await
        .expect("events")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        shared, local,
        "the whole journal, the part before sharing included"
    );
}
