//! The real cockpit in a real terminal (tmux) sharing its run: `run --share URL` pushes
//! every event and a step's whole output, and the status bar says `share ok` once caught up.

mod services;
mod share_support;

use std::process::Command;
use std::time::Duration;

use share_support::TestDb;
use share_support::tmux::Tmux;

const BOOK: &str = "# Shared e2e\n\n## Go\n\n- [ ] Look at the dashboards\n\nPrint the lines:\n\n```bash\nfor i in $(seq 1 3000); do echo \"output line $i\"; done\n```\n";

/// What the cockpit pushed after `q` had only its last 3 s to get there: a fresh pusher on
/// the same run folder catches up (bounded) before the test looks, so nothing depends on
/// the cockpit's timing. It adds only what is missing; a fork or divergence would fail here.
async fn catch_up(url: &str, run_dir: &std::path::Path) {
    let bytes = std::fs::read(run_dir.join("journal.jsonl")).expect("journal");
    let lines = String::from_utf8_lossy(flightdeck::journal::padding::text(&bytes))
        .lines()
        .count() as u64;
    let mut p = share_support::start(url, run_dir, "e2e");
    let status = p.synced(lines).await;
    assert_eq!((status.fork, status.problem), (None, None));
    let last = p.pusher.finish(Duration::from_secs(60)).await;
    assert!(last.is_some(), "the catch-up pusher finished");
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
    let tmux = Tmux::new("cockpit");
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
    catch_up(&db.url, run_dir).await;
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
    let tmux = Tmux::new("resume");
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
    catch_up(&db.url, &runs[0]).await;
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

/// The share URL's password never leaves the machine through a step: `env` in a step does
/// not see `FLIGHTDECK_SHARE`, and a step that prints the password writes `••••` to its
/// output file, to the journal and to the shared copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_that_runs_env_does_not_leak_the_share_url() {
    if !tmux_available() {
        return;
    }
    let Some(db) = TestDb::new().await else {
        return;
    };
    // A role with a password, so the URL carries one that really logs in (trust or scram).
    let role = format!("fd_share_env_{}", std::process::id());
    let password = format!("SharePwCanary{}", std::process::id());
    let dbname = share_support::database_of(&db.url);
    let admin = db.client().await;
    admin
        .client
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD '{password}';
             GRANT CONNECT, CREATE ON DATABASE {dbname} TO {role};"
        ))
        .await
        .expect("role");
    let url = share_support::with_user(&db.url, &role, &password);
    let home = tempfile::tempdir().expect("tempdir");
    let book = home.path().join("book.md");
    let text = format!(
        "# Env\n\n## Go\n\nShow the environment:\n\n```bash\nenv | sort\necho \"the password: {password}\"\necho end-of-env\n```\n"
    );
    std::fs::write(&book, text).expect("runbook");
    let tmux = Tmux::new("env");
    let line = format!(
        "FLIGHTDECK_HOME={} FLIGHTDECK_CONFIG=/nonexistent FLIGHTDECK_OPERATOR=e2e TERM=xterm-256color FLIGHTDECK_SHARE='{url}' {} run {} --new; echo EXITED $?; sleep 30",
        home.path().display(),
        env!("CARGO_BIN_EXE_flightdeck"),
        book.display(),
    );
    tmux.start(&line);
    tmux.wait_for(&["Checklist 0/1", "share ok"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["end-of-env", "Checklist 1/1"]);
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
    let outputs = flightdeck::share::local::output_files(run_dir);
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    let (step, attempt) = &outputs[0];
    let local = std::fs::read_to_string(flightdeck::journal::file::output_path(
        run_dir, step, *attempt,
    ))
    .expect("output file");
    assert!(local.contains("end-of-env"), "{local}");
    assert!(local.contains("PATH="), "env ran: {local}");
    assert!(!local.contains("FLIGHTDECK_SHARE"), "{local}");
    assert!(!local.contains(&password), "{local}");
    assert!(local.contains("the password: ••••"), "{local}");
    let journal = std::fs::read(run_dir.join("journal.jsonl")).expect("journal");
    assert!(!String::from_utf8_lossy(&journal).contains(&password));
    catch_up(&url, run_dir).await;
    // What reached the database: the whole file, and nowhere the password.
    share_support::eventually("the output shared", || async {
        let c = db.client().await;
        let shared: Vec<u8> = c
            .client
            .query(
                "SELECT bytes FROM flightdeck.output WHERE run_id = $1 ORDER BY chunk_no",
                &[&run_id],
            )
            .await
            .expect("output")
            .iter()
            .flat_map(|r| r.get::<_, Vec<u8>>(0))
            .collect();
        shared == local.as_bytes()
    })
    .await;
    for table in ["runs", "events", "output"] {
        let dump: String = admin
            .client
            .query_one(
                &format!(
                    "SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM flightdeck.{table} t"
                ),
                &[],
            )
            .await
            .expect("dump")
            .get(0);
        assert!(
            !dump.contains(&password),
            "the password leaked into {table}"
        );
    }
    let found: i64 = admin
        .client
        .query_one(
            "SELECT count(*) FROM flightdeck.output WHERE position($1::bytea in bytes) > 0",
            &[&password.as_bytes()],
        )
        .await
        .expect("search")
        .get(0);
    assert_eq!(found, 0);
    let _ = admin
        .client
        .batch_execute(&format!(
            "DROP OWNED BY {role}; DROP ROLE IF EXISTS {role};"
        ))
        .await;
}
