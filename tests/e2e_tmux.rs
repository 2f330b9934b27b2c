//! End to end with the real binary in a real terminal (tmux): walk the demo runbook, run a
//! step, acknowledge with a note, cancel a long step, quit; check the journal; resume and see
//! the restored states on screen.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use flightdeck::journal::EventKind;

const CANARY: &str = "canary-s3cr3t-7f3a";

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Starts the session; a server still shutting down from the last session can refuse the
    /// first try, so it is retried a few times.
    fn start(&self, shell_command: &str) {
        let mut last = String::new();
        for _ in 0..5 {
            let out = self.cmd(&[
                "new-session",
                "-d",
                "-s",
                "fd",
                "-x",
                "160",
                "-y",
                "45",
                shell_command,
            ]);
            if out.status.success() {
                return;
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            std::thread::sleep(Duration::from_millis(300));
        }
        panic!("tmux new-session: {last}");
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "fd", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// The pane as text; when tmux cannot capture it (the session or server is gone), its
    /// error instead, so a failed wait says why the screen is empty.
    fn screen(&self) -> String {
        let out = self.cmd(&["capture-pane", "-p", "-t", "fd"]);
        if out.status.success() {
            String::from_utf8_lossy(&out.stdout).into_owned()
        } else {
            format!(
                "(tmux capture-pane failed: {})",
                String::from_utf8_lossy(&out.stderr).trim()
            )
        }
    }

    /// Waits (bounded) until one capture shows every text of `texts`: a frame drawn in part
    /// under load never passes for the whole screen.
    fn wait_for(&self, texts: &[&str], limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            let missing: Vec<&&str> = texts.iter().filter(|t| !screen.contains(**t)).collect();
            if missing.is_empty() {
                return screen;
            }
            assert!(
                start.elapsed() < limit,
                "{missing:?} did not appear within {limit:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Waits (bounded) until the process `pid` is gone: a cockpit killed with SIGKILL leaves the
/// terminal mid-frame, so what the shell prints after it is no sure sign of its end.
fn wait_gone(pid: i32, limit: Duration) {
    let start = Instant::now();
    loop {
        // Gone, or a zombie its shell has yet to reap.
        let gone = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
            stat.rsplit_once(") ")
                .is_some_and(|(_, state)| state.starts_with('Z'))
        });
        if gone {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "process {pid} still runs after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// Whether tmux runs here; without it the test is skipped with a message locally and fails in
/// CI (`FLIGHTDECK_REQUIRE_SERVICES`).
fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("FLIGHTDECK_REQUIRE_SERVICES").is_none(),
            "tmux is required in CI (.ci/run installs it)"
        );
        eprintln!("skipped: tmux is not installed");
    }
    found
}

/// `flightdeck journal verify` passes on the run.
fn assert_verifies(run: &Path) {
    let verify = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .args(["journal", "verify"])
        .arg(run)
        .output()
        .expect("verify runs");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

fn only_run(home: &Path) -> std::path::PathBuf {
    let runs: Vec<_> = std::fs::read_dir(home.join("runs"))
        .expect("runs dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs[0].clone()
}

#[test]
fn walk_the_demo_quit_and_resume() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let tmux = Tmux {
        socket: format!("fd-e2e-{}", std::process::id()),
    };
    let bin = env!("CARGO_BIN_EXE_flightdeck");
    let env = format!(
        "FLIGHTDECK_HOME={} FLIGHTDECK_CONFIG=/nonexistent FLIGHTDECK_OPERATOR=e2e TERM=xterm-256color",
        home.path().display()
    );
    tmux.start(&format!(
        "{env} {bin} run runbooks/demo.md --new; echo EXITED $?; sleep 30"
    ));
    tmux.wait_for(
        &[
            "Checklist 0/21",
            "○ check  Release notes reviewed",
            " ? help ",
        ],
        Duration::from_secs(30),
    );

    // Acknowledge the first check, then the second with a note.
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        &["Checklist 1/21", "✔ check  Release notes reviewed"],
        Duration::from_secs(30),
    );
    tmux.keys(&["a"]);
    tmux.wait_for(&["Acknowledge with a note"], Duration::from_secs(30));
    tmux.keys(&["-l", "pager duty confirmed"]);
    tmux.keys(&["C-s"]);
    tmux.wait_for(
        &[
            "Checklist 2/21",
            "✔ check  On-call engineer knows the window",
        ],
        Duration::from_secs(30),
    );

    // From "Rollback plan read aloud": next pending ×4 is "Warm the caches"; run it.
    tmux.keys(&["n", "n", "n", "n", "Enter"]);
    tmux.wait_for(
        &["caches warm", "Checklist 3/21", "✓ shell  Warm the caches"],
        Duration::from_secs(30),
    );

    // Selection moved to the deploy marker; next pending is the two-minute rollout: run, cancel.
    tmux.keys(&["n", "Enter"]);
    tmux.wait_for(&["rollout check 2/120"], Duration::from_secs(30));
    tmux.keys(&["c"]);
    tmux.wait_for(&["SIGINT sent"], Duration::from_secs(30));
    tmux.wait_for(
        &[
            "✗ shell  Watch the rollout",
            "✔ check  Release notes reviewed",
        ],
        Duration::from_secs(30),
    );
    // A secret input: asked masked, masked on screen.
    tmux.keys(&["G", "k", "k", "Enter"]);
    tmux.wait_for(&["DEMO_API_TOKEN (secret)"], Duration::from_secs(30));
    tmux.keys(&["-l", CANARY]);
    let form = tmux.screen();
    assert!(
        !form.contains(CANARY),
        "typed secret is masked in the form:\n{form}"
    );
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(&["Authorization: Bearer ••••"], Duration::from_secs(30));
    assert!(!screen.contains(CANARY), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for(&["EXITED 0"], Duration::from_secs(30));

    // The journal says what happened, in order, durably.
    let run = only_run(home.path());
    let events = flightdeck::journal::read_events(&run).expect("journal reads");
    let acks: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StepAcknowledged { note } => Some(note.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(acks, [None, Some("pager duty confirmed".to_string())]);
    let finished: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StepFinished {
                exit_code, signal, ..
            } => Some((e.step.clone().unwrap_or_default(), *exit_code, *signal)),
            _ => None,
        })
        .collect();
    assert_eq!(finished.len(), 3, "{finished:?}");
    assert!(
        finished[0].0.contains("warm-the-caches") && finished[0].1 == Some(0),
        "{finished:?}"
    );
    assert!(
        finished[1].0.contains("watch-the-rollout") && finished[1].2 == Some(2),
        "cancelled by SIGINT: {finished:?}"
    );
    assert_verifies(&run);
    let output =
        std::fs::read_to_string(run.join("output").join(format!("{}.1.log", finished[0].0)))
            .expect("output file");
    assert!(output.ends_with("caches warm\n"), "{output}");

    // The secret is nowhere on disk: journal, output files, runbook copy, logs.
    let mut files = vec![home.path().to_path_buf()];
    let mut checked = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(
                std::fs::read_dir(&p)
                    .expect("dir")
                    .flatten()
                    .map(|e| e.path()),
            );
        } else {
            let bytes = std::fs::read(&p).expect("file");
            assert!(
                !String::from_utf8_lossy(&bytes).contains(CANARY),
                "secret in {}",
                p.display()
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 5,
        "journal, runbook copy, lock, outputs and log were checked: {checked}"
    );

    // The application log has the story in ids and states, in its own file.
    let logs: String = std::fs::read_dir(home.path().join("logs"))
        .expect("log dir")
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    assert!(
        logs.contains("cockpit opened") && logs.contains("step finished"),
        "{logs}"
    );
    assert!(
        !logs.contains("pager duty confirmed"),
        "notes are not logged"
    );

    // Resume: one key answers the prompt, and the states come back on screen.
    tmux.cmd(&["kill-session", "-t", "fd"]);
    std::thread::sleep(Duration::from_millis(200));
    tmux.start(&format!(
        "{env} {bin} run runbooks/demo.md; echo EXITED $?; sleep 30"
    ));
    tmux.wait_for(&["Resume it? [Y/n]"], Duration::from_secs(30));
    tmux.keys(&["y"]);
    tmux.wait_for(
        &[
            "Checklist 4/21",
            "✔ check  Release notes reviewed",
            "✓ shell  Warm the caches",
            "✗ shell  Watch the rollout",
            " ? help ",
        ],
        Duration::from_secs(30),
    );
    tmux.keys(&["q"]);
    tmux.wait_for(&["EXITED 0"], Duration::from_secs(30));
    let events = flightdeck::journal::read_events(&run).expect("journal reads");
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind, EventKind::RunResumed { .. }))
    );
}

#[test]
fn quit_and_leave_a_step_running_keeps_its_output_whole() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let book = home.path().join("long.md");
    std::fs::write(
        &book,
        "# Leave it running\n\n## Long\n\nCount loudly then slowly:\n\n```bash\nfor j in $(seq 0 9); do seq $((j*100000+1)) $(((j+1)*100000)); sleep 0.5; done\nLEFT_VALUE=1\necho finished > done.txt\n```\n",
    )
    .expect("runbook");
    let tmux = Tmux {
        socket: format!("fd-leave-{}", std::process::id()),
    };
    tmux.start(&cockpit_line(home.path(), &book, "--new"));
    tmux.wait_for(&["Checklist 0/1"], Duration::from_secs(30));
    tmux.keys(&["Enter"]);
    // Quit while it floods: the handover must not lose or repeat a line.
    tmux.wait_for(&["100000"], Duration::from_secs(30));
    tmux.keys(&["q"]);
    tmux.wait_for(
        &[
            "Quit, leave them running",
            "Shell steps left running go on",
            "Esc back",
        ],
        Duration::from_secs(10),
    );
    tmux.keys(&["Right", "Right", "Enter"]);
    tmux.wait_for(&["EXITED 0"], Duration::from_secs(30));

    // The cockpit is gone; the step is not: it finishes on its own.
    let done = home.path().join("done.txt");
    let start = Instant::now();
    while !done.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the step did not run on"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let run = only_run(home.path());
    let events = flightdeck::journal::read_events(&run).expect("events");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.kind, EventKind::StepInterrupted { .. })),
        "left running, it is not interrupted: the next cockpit re-attaches"
    );
    // Every line reached the output file exactly once, across the handover.
    let output = std::fs::read_dir(run.join("output"))
        .expect("output dir")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".1.log"))
        .expect("output file")
        .path();
    let expected: String = (1..=1_000_000).map(|i| format!("{i}\n")).collect();
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&output).expect("read output");
        if text == expected {
            break;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let first_bad = text
                .lines()
                .zip(1..)
                .find(|(l, i)| *l != i.to_string())
                .map(|(l, i)| format!("line {i} is `{l}`"));
            panic!(
                "output not whole: {} lines, {first_bad:?}",
                text.lines().count()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // The variable dumps of a step left running are not left behind (they hold its environment).
    // The supervisor removes them before it writes the status file; once it is gone, what is
    // left is left behind. A dump of a process still alive after that belongs to the same test
    // run at the same time from another checkout (the folder is per user, not per checkout).
    use std::os::unix::fs::MetadataExt;
    let status = output.with_extension("status.json");
    let start = Instant::now();
    while !status.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no status file {}",
            status.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let uid = std::fs::metadata("/proc/self").map_or(0, |m| m.uid());
    let dumps = || -> Vec<(String, bool)> {
        std::fs::read_dir(std::env::temp_dir().join(format!("flightdeck-{uid}")))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.contains("count_loudly_then_slowly"))
                    .map(|n| {
                        let alive = n
                            .strip_prefix("vars-")
                            .and_then(|r| r.split('-').next())
                            .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
                        (n, alive)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let start = Instant::now();
    let leftovers = loop {
        let all = dumps();
        let alive = all.iter().any(|(_, alive)| *alive);
        if !alive || start.elapsed() > Duration::from_secs(10) {
            break all
                .into_iter()
                .filter(|(_, alive)| !alive)
                .map(|(n, _)| n)
                .collect::<Vec<_>>();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// How the cockpit goes away while a step runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ending {
    /// `kill -9`: nothing of the cockpit runs on its way out.
    Kill,
    /// A hangup (a dropped SSH session).
    Hangup,
    /// `kill -9`, and the step ends before a cockpit opens the run again.
    KillAndEndAlone,
}

const NUMBERED: usize = 50;

/// A step prints a numbered line every 100 ms for 5 s; the cockpit goes after about 1 s. The
/// step runs on, its output file already holds every line the screen showed, and a resumed
/// cockpit follows it to its real end (or finds the end recorded): `step_finished` exit 0,
/// every line once and in order, a journal that verifies.
fn step_outlives_the_cockpit(ending: Ending) {
    use flightdeck::journal::supervised::{Probe, probe};
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let book = home.path().join("numbered.md");
    std::fs::write(
        &book,
        format!(
            "# Outlive\n\n## Count\n\nCount slowly:\n\n```bash\nfor i in $(seq 1 {NUMBERED}); do echo \"line $i\"; sleep 0.1; done\n```\n"
        ),
    )
    .expect("runbook");
    let tmux = Tmux {
        socket: format!("fd-outlive-{ending:?}-{}", std::process::id()),
    };
    let run_cmd = |extra: &str| cockpit_line(home.path(), &book, extra);
    tmux.start(&run_cmd("--new"));
    tmux.wait_for(
        &["Checklist 0/1", "shell  Count slowly"],
        Duration::from_secs(30),
    );
    tmux.keys(&["Enter"]);
    // About a second in: ten lines on screen.
    tmux.wait_for(&["line 10", "Checklist 0/1"], Duration::from_secs(30));
    let run = only_run(home.path());
    let pid = cockpit_pid(&run);
    let before = tmux.screen();
    let signal = if ending == Ending::Hangup {
        "-HUP"
    } else {
        "-KILL"
    };
    let killed = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    // A killed cockpit leaves its last frame on screen: every line it drew counts.
    let shown = shown_lines(&before).max(shown_lines(&tmux.screen()));
    assert!(shown >= 10, "{before}");
    wait_gone(pid, Duration::from_secs(30));

    // The step's process runs on, and the file has every line the screen showed.
    let output = std::fs::read_dir(run.join("output"))
        .expect("output dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".1.log"))
        .expect("output file");
    let Probe::Running { pgid } = probe(&output) else {
        panic!("the step's supervisor is gone: {:?}", probe(&output));
    };
    assert!(
        pgid > 0 && Path::new(&format!("/proc/{pgid}")).exists(),
        "the step's process {pgid} is alive"
    );
    let text = std::fs::read_to_string(&output).expect("output");
    let expected_shown: String = (1..=shown).map(|i| format!("line {i}\n")).collect();
    assert!(
        text.starts_with(&expected_shown),
        "lines 1..={shown} were on screen before the kill; the file holds:\n{text}"
    );

    if ending == Ending::KillAndEndAlone {
        let start = Instant::now();
        while matches!(probe(&output), Probe::Running { .. }) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the step did not end"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    tmux.cmd(&["kill-session", "-t", "fd"]);
    std::thread::sleep(Duration::from_millis(200));
    tmux.start(&run_cmd("--resume latest"));
    if ending != Ending::KillAndEndAlone {
        // Running, and followed live: lines written after the kill arrive on screen.
        let later = format!("line {}", (shown + 5).clamp(20, NUMBERED - 10));
        let screen = tmux.wait_for(&["Checklist 0/1", &later], Duration::from_secs(30));
        let row = screen
            .lines()
            .find(|l| l.contains("shell  Count slowly"))
            .unwrap_or_default();
        assert!(
            ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
                .iter()
                .any(|s| row.contains(s)),
            "the step shows as running: {row}\n{screen}"
        );
    }
    let mut done = vec!["Checklist 1/1", "✓ shell  Count slowly"];
    let last = format!("line {NUMBERED}");
    if ending != Ending::KillAndEndAlone {
        // Followed to the end (an earlier session's output is not loaded into the pane).
        done.push(&last);
    }
    tmux.wait_for(&done, Duration::from_secs(30));
    tmux.keys(&["q"]);
    tmux.wait_for(&["EXITED 0"], Duration::from_secs(30));

    let all: String = (1..=NUMBERED).map(|i| format!("line {i}\n")).collect();
    assert_eq!(
        std::fs::read_to_string(&output).expect("output"),
        all,
        "every line once, in order"
    );
    let events = flightdeck::journal::read_events(&run).expect("journal reads");
    let finished: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StepFinished {
                exit_code,
                ended_at,
                bytes,
                ..
            } => Some((*exit_code, ended_at.is_some(), *bytes)),
            _ => None,
        })
        .collect();
    assert_eq!(
        finished,
        [(Some(0), ending == Ending::KillAndEndAlone, all.len() as u64)],
        "{events:#?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.kind, EventKind::StepInterrupted { .. })),
        "{events:#?}"
    );
    assert_verifies(&run);
}

/// The highest `line N` on a screen.
fn shown_lines(screen: &str) -> usize {
    screen
        .split("line ")
        .skip(1)
        .filter_map(|r| {
            let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn a_step_outlives_kill_9_and_is_followed_after_resume() {
    step_outlives_the_cockpit(Ending::Kill);
}

#[test]
fn a_step_outlives_a_hangup_and_is_followed_after_resume() {
    step_outlives_the_cockpit(Ending::Hangup);
}

#[test]
fn a_step_that_ended_while_no_cockpit_was_open_is_journaled_with_its_real_end() {
    step_outlives_the_cockpit(Ending::KillAndEndAlone);
}

/// The installed binary is replaced while a cockpit runs (an upgrade mid-release): shell
/// steps still start, their supervisors coming from the cockpit's own image.
#[test]
fn steps_still_run_after_the_binary_is_replaced_mid_run() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let book = home.path().join("replace.md");
    std::fs::write(
        &book,
        "# Replace\n\n## Go\n\nSay hi:\n\n```bash\necho replaced-binary-ok\n```\n",
    )
    .expect("runbook");
    let bin = home.path().join("flightdeck");
    std::fs::copy(env!("CARGO_BIN_EXE_flightdeck"), &bin).expect("copy of the binary");
    let tmux = Tmux {
        socket: format!("fd-replace-{}", std::process::id()),
    };
    tmux.start(&format!(
        "FLIGHTDECK_HOME={} FLIGHTDECK_CONFIG=/nonexistent FLIGHTDECK_OPERATOR=e2e TERM=xterm-256color {} run {} --new; echo EXITED $?; sleep 30",
        home.path().display(),
        bin.display(),
        book.display()
    ));
    tmux.wait_for(&["Checklist 0/1", "shell  Say hi"], Duration::from_secs(30));
    // An upgrade: a new file renamed over the old one; this one cannot supervise anything.
    let new = home.path().join("flightdeck.new");
    std::fs::write(
        &new,
        "#!/bin/sh\necho not the binary you started >&2\nexit 1\n",
    )
    .expect("new");
    std::fs::set_permissions(&new, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    std::fs::rename(&new, &bin).expect("replace");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        &["Checklist 1/1", "✓ shell  Say hi", "replaced-binary-ok"],
        Duration::from_secs(30),
    );
    tmux.keys(&["q"]);
    tmux.wait_for(&["EXITED 0"], Duration::from_secs(30));
}

/// What a step hands on reaches the next step when the step ended while no cockpit was open:
/// its variables (a secret among them, never in the journal unmasked) and the folder it
/// `cd`'d to come back through the resumed cockpit, as for a step it saw end. The secret is
/// made at run time: the runbook's text (journaled as the command) never holds it.
#[test]
fn values_of_a_step_that_ended_unobserved_are_handed_on_after_resume() {
    use flightdeck::journal::supervised::{Probe, probe};
    use std::os::unix::fs::PermissionsExt;
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let seen = home.path().join("seen.txt");
    let book = home.path().join("carry.md");
    std::fs::write(
        &book,
        format!(
            "# Carry\n\n## Go\n\nSet things:\n\n```bash\nsleep 2; cd /tmp && export DEPLOY_TOKEN=tok-$((6000 + 21))-carried RELEASE_TAG=v9.1.7; echo set\n```\n\nUse them:\n\n```bash\necho \"$DEPLOY_TOKEN $RELEASE_TAG $(pwd)\" > {}\n```\n",
            seen.display()
        ),
    )
    .expect("runbook");
    let tmux = Tmux {
        socket: format!("fd-carry-{}", std::process::id()),
    };
    let run_cmd = |extra: &str| cockpit_line(home.path(), &book, extra);
    tmux.start(&run_cmd("--new"));
    tmux.wait_for(
        &["Checklist 0/2", "shell  Set things"],
        Duration::from_secs(30),
    );
    tmux.keys(&["Enter"]);
    let run = only_run(home.path());
    let output = run.join("output").join("go.set-things.1.log");
    let start = Instant::now();
    while !matches!(probe(&output), Probe::Running { pgid } if pgid > 0) {
        assert!(start.elapsed() < Duration::from_secs(20), "the step starts");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = cockpit_pid(&run);
    assert!(
        Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .expect("kill")
            .success()
    );
    wait_gone(pid, Duration::from_secs(30));
    while matches!(probe(&output), Probe::Running { .. }) {
        assert!(start.elapsed() < Duration::from_secs(30), "the step ends");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Its values wait beside the status, private; the status does not hold them.
    let values = run.join("output").join("go.set-things.1.values.json");
    let mode = std::fs::metadata(&values)
        .expect("values file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        std::fs::read_to_string(&values)
            .expect("values")
            .contains("tok-6021-carried")
    );
    let status = std::fs::read_to_string(run.join("output").join("go.set-things.1.status.json"))
        .expect("status");
    assert!(!status.contains("tok-6021-carried"), "{status}");

    tmux.cmd(&["kill-session", "-t", "fd"]);
    std::thread::sleep(Duration::from_millis(200));
    tmux.start(&run_cmd("--resume latest"));
    tmux.wait_for(
        &["Checklist 1/2", "✓ shell  Set things"],
        Duration::from_secs(30),
    );
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for(&["Checklist 2/2"], Duration::from_secs(30));
    tmux.keys(&["q"]);
    tmux.wait_for(&["EXITED"], Duration::from_secs(30));

    assert_eq!(
        std::fs::read_to_string(&seen).expect("the next step ran"),
        "tok-6021-carried v9.1.7 /tmp\n"
    );
    assert!(!values.exists(), "handed on, then removed");
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).expect("journal");
    assert!(
        !journal.contains("tok-6021-carried"),
        "a secret in the journal"
    );
    let events = flightdeck::journal::read_events(&run).expect("journal reads");
    let set: Vec<(String, String)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::InputSet { name, value, .. } => Some((name.clone(), value.clone())),
            _ => None,
        })
        .collect();
    assert!(
        set.contains(&("DEPLOY_TOKEN".into(), "••••".into())),
        "{set:?}"
    );
    assert!(
        set.contains(&("RELEASE_TAG".into(), "v9.1.7".into())),
        "{set:?}"
    );
    assert!(
        set.contains(&(flightdeck::app::values::WORKDIR.into(), "/tmp".into())),
        "{set:?}"
    );
    let finished: Vec<bool> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StepFinished { ended_at, .. } => Some(ended_at.is_some()),
            _ => None,
        })
        .collect();
    assert_eq!(finished, [true, false], "{events:#?}");
    assert_verifies(&run);
}

/// The shell line that runs the real binary on `book` in its own home, then says how it exited
/// and keeps the pane open long enough to read it.
fn cockpit_line(home: &std::path::Path, book: &std::path::Path, extra: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_flightdeck");
    format!(
        "FLIGHTDECK_HOME={} FLIGHTDECK_CONFIG=/nonexistent FLIGHTDECK_OPERATOR=e2e TERM=xterm-256color {bin} run {} {extra}; echo EXITED $?; sleep 30",
        home.display(),
        book.display()
    )
}

/// The pid of the cockpit that holds a run, from the run's lock file.
fn cockpit_pid(run: &Path) -> i32 {
    let lock = std::fs::read_to_string(run.join("lock")).expect("lock file");
    lock.split("pid ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no pid in the lock file: {lock}"))
}

#[test]
fn starting_anew_beside_a_step_still_running_says_so() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let book = home.path().join("twice.md");
    std::fs::write(
        &book,
        "# Twice\n\n## Migrate\n\nCount slowly:\n\n```bash\nfor i in $(seq 1 60); do echo \"line $i\"; sleep 0.1; done\n```\n",
    )
    .expect("runbook");
    let tmux = Tmux {
        socket: format!("fd-twice-{}", std::process::id()),
    };
    tmux.start(&cockpit_line(home.path(), &book, "--new"));
    tmux.wait_for(
        &["Checklist 0/1", "shell  Count slowly"],
        Duration::from_secs(30),
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["line 5", "Checklist 0/1"], Duration::from_secs(30));
    let pid = cockpit_pid(&only_run(home.path()));
    let killed = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    wait_gone(pid, Duration::from_secs(30));
    tmux.cmd(&["kill-session", "-t", "fd"]);
    std::thread::sleep(Duration::from_millis(200));

    // The prompt names the step that still runs; starting anew says so in the cockpit.
    tmux.start(&cockpit_line(home.path(), &book, ""));
    tmux.wait_for(
        &["still running: Count slowly", "Resume it? [Y/n]"],
        Duration::from_secs(30),
    );
    tmux.keys(&["n"]);
    tmux.wait_for(
        &[
            "this is a new run",
            "still has a step running",
            "Checklist 0/1",
        ],
        Duration::from_secs(30),
    );
    tmux.keys(&["q"]);
    tmux.wait_for(&["EXITED 0"], Duration::from_secs(30));
    // The first run's step is not this test's to finish: stop its group.
    let first = std::fs::read_dir(home.path().join("runs"))
        .expect("runs")
        .flatten()
        .map(|e| e.path().join("output"))
        .flat_map(|o| std::fs::read_dir(o).into_iter().flatten().flatten())
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".1.log"));
    if let Some(output) = first
        && let flightdeck::journal::supervised::Probe::Running { pgid } =
            flightdeck::journal::supervised::probe(&output)
        && pgid > 0
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pgid}")])
            .status();
    }
}
