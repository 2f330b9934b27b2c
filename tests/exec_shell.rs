//! Real child processes: output capture, exit codes, environment, cancel escalation.

use std::time::{Duration, Instant};

use flightdeck::exec::ring::OutputRing;
use flightdeck::exec::shell::{ExecEvent, Outcome, ShellJob, spawn};
use tokio::sync::mpsc;

fn job(dir: &std::path::Path, script: &str) -> ShellJob {
    ShellJob {
        step_id: "s".into(),
        attempt: 1,
        script: script.into(),
        env: vec![("FD_VALUE".into(), "a'b; $(touch injected)".into())],
        workdir: dir.to_path_buf(),
        output_path: dir.join("output/s.1.log"),
        masker: Default::default(),
        capture_vars: false,
        program: env!("CARGO_BIN_EXE_flightdeck").into(),
    }
}

/// Runs to the end (bounded by `limit`), returning the ring, the signals seen and the outcome.
async fn run(
    job: ShellJob,
    cancel_after: Option<Duration>,
    limit: Duration,
) -> (OutputRing, Vec<&'static str>, Outcome) {
    run_with_pgid(job, cancel_after, limit).await.0
}

async fn run_with_pgid(
    job: ShellJob,
    cancel_after: Option<Duration>,
    limit: Duration,
) -> ((OutputRing, Vec<&'static str>, Outcome), i32) {
    let (tx, mut rx) = mpsc::channel(64);
    let running = spawn(job, tx).expect("spawns");
    let mut pgid = running.pgid();
    let mut ring = OutputRing::new(1000);
    let mut signals = Vec::new();
    let start = Instant::now();
    let mut cancelled = false;
    loop {
        let ev = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await;
        if pgid == 0 {
            // Known once the step's supervisor has started it.
            pgid = running.pgid();
        }
        if let Some(after) = cancel_after
            && !cancelled
            && start.elapsed() >= after
        {
            running.cancel();
            cancelled = true;
        }
        assert!(
            start.elapsed() < limit,
            "step did not finish within {limit:?}"
        );
        match ev {
            Ok(Some(ExecEvent::Output { chunk, stderr, .. })) => ring.push_chunk(&chunk, stderr),
            Ok(Some(ExecEvent::Signalled { signal, .. })) => signals.push(signal),
            Ok(Some(ExecEvent::Finished { outcome, .. })) => {
                ring.finish();
                return ((ring, signals, outcome), pgid);
            }
            Ok(Some(ExecEvent::Progress { .. })) => {}
            Ok(Some(ExecEvent::Lost { .. })) => panic!("the step's supervisor was lost"),
            Ok(None) => panic!("channel closed before Finished"),
            Err(_) => {}
        }
    }
}

#[tokio::test]
async fn output_goes_to_file_and_screen_with_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = "echo out1; echo err1 >&2; printf '%s\\n' \"$FD_VALUE\"; pwd; exit 3";
    let (ring, _, outcome) = run(job(dir.path(), script), None, Duration::from_secs(10)).await;
    assert_eq!(outcome.exit_code, Some(3));
    assert!(!outcome.succeeded());
    let lines: Vec<_> = ring
        .lines(0..ring.len())
        .map(|l| (l.text, l.stderr))
        .collect();
    assert!(lines.contains(&("out1".to_string(), false)), "{lines:?}");
    assert!(lines.contains(&("err1".to_string(), true)), "{lines:?}");
    assert!(
        lines.contains(&("a'b; $(touch injected)".to_string(), false)),
        "env values stay data: {lines:?}"
    );
    assert!(!dir.path().join("injected").exists());
    assert!(lines.iter().any(|(l, _)| {
        l.ends_with(
            &dir.path()
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string(),
        )
    }));
    let file = std::fs::read(dir.path().join("output/s.1.log")).expect("output file");
    assert_eq!(file.len() as u64, outcome.bytes);
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&file)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(sha, outcome.output_sha256);
}

#[tokio::test]
async fn cancel_sends_sigint_to_the_whole_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A grandchild in the same group must die too.
    let script = "sleep 30 & echo started; wait";
    let ((ring, signals, outcome), pgid) = run_with_pgid(
        job(dir.path(), script),
        Some(Duration::from_millis(300)),
        Duration::from_secs(10),
    )
    .await;
    // Killed processes may linger as zombies until their new parent reaps them: only running
    // (non-zombie) members count.
    let mut running = Vec::new();
    for _ in 0..20 {
        let ps = std::process::Command::new("ps")
            .args(["-e", "-o", "pgid=,stat=,args="])
            .output()
            .expect("ps");
        running = String::from_utf8_lossy(&ps.stdout)
            .lines()
            .filter(|l| {
                let mut f = l.split_whitespace();
                f.next() == Some(pgid.to_string().as_str())
                    && !f.next().is_some_and(|st| st.starts_with('Z'))
            })
            .map(String::from)
            .collect::<Vec<_>>();
        if running.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        running.is_empty(),
        "the background sleep of a cancelled step is gone: {running:?}"
    );
    assert_eq!(signals, ["SIGINT"]);
    assert!(outcome.exit_code != Some(0), "{outcome:?}");
    assert!(ring.lines(0..ring.len()).any(|l| l.text == "started"));
}

#[tokio::test]
async fn cancel_escalates_when_sigint_is_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = "trap '' INT; echo ignoring; while :; do sleep 0.1; done";
    let (_, signals, outcome) = run(
        job(dir.path(), script),
        Some(Duration::from_millis(300)),
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(signals, ["SIGINT", "SIGTERM"]);
    assert_eq!(outcome.signal, Some(15), "{outcome:?}");
}

#[tokio::test]
async fn secrets_are_masked_in_the_output_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut j = job(dir.path(), "echo token=canary-s3cr3t-value; echo done");
    j.masker.add("canary-s3cr3t-value");
    let (_, _, outcome) = run(j, None, Duration::from_secs(10)).await;
    let file = std::fs::read_to_string(dir.path().join("output/s.1.log")).expect("file");
    assert_eq!(file, "token=••••\ndone\n");
    assert_eq!(outcome.bytes, file.len() as u64);
}

#[tokio::test]
async fn a_flood_is_captured_in_full_with_bounded_screen_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ring, _, outcome) = run(
        job(dir.path(), "seq 1 200000"),
        None,
        Duration::from_secs(30),
    )
    .await;
    assert!(outcome.succeeded());
    assert_eq!(ring.total_lines(), 200_000);
    assert_eq!(ring.len(), 1000);
    assert_eq!(ring.last_lines(1), ["200000"]);
    let file = std::fs::read_to_string(dir.path().join("output/s.1.log")).expect("file");
    assert_eq!(file.lines().count(), 200_000);
}

#[tokio::test]
async fn variables_the_script_sets_are_captured_and_the_dumps_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Seed 002's pattern: a value from a command substitution, one exported, one changed.
    let script = "DEPLOY_ID=$(echo dpl_42)\nexport ALIAS='my app; $(touch nope)'\n\
                  FD_VALUE=changed\nfor i in 1 2; do :; done\necho last line\necho\n";
    let mut j = job(dir.path(), script);
    j.capture_vars = true;
    let (_, _, outcome) = run(j, None, Duration::from_secs(10)).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    let get = |n: &str| {
        outcome
            .vars
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("DEPLOY_ID"), Some("dpl_42"));
    assert_eq!(get("ALIAS"), Some("my app; $(touch nope)"));
    assert_eq!(get("FD_VALUE"), Some("changed"));
    assert_eq!(get("i"), Some("2"));
    assert_eq!(get("HOME"), None, "unchanged variables are not the step's");
    assert!(
        !outcome
            .vars
            .iter()
            .any(|(k, _)| k.starts_with("BASH") || k.starts_with("__fd")),
        "{:?}",
        outcome.vars
    );
    assert_eq!(outcome.last_stdout_line.as_deref(), Some("last line"));
    assert!(!dir.path().join("nope").exists());
    // The private dumps are gone once collected.
    let uid_dir = std::env::temp_dir().join(format!("flightdeck-{}", nix_uid()));
    let leftovers: Vec<_> = std::fs::read_dir(&uid_dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&format!("vars-{}-s-", std::process::id())))
                .collect()
        })
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn a_script_that_exits_early_or_sets_nounset_is_still_captured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut j = job(dir.path(), "set -u\nTOKEN=abc\nexit 0\nNEVER=1");
    j.capture_vars = true;
    let (_, _, outcome) = run(j, None, Duration::from_secs(10)).await;
    assert!(
        outcome.vars.contains(&("TOKEN".into(), "abc".into())),
        "{:?}",
        outcome.vars
    );
    assert!(!outcome.vars.iter().any(|(k, _)| k == "NEVER"));
}

fn nix_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map_or(0, |m| m.uid())
}

#[tokio::test]
async fn capture_survives_child_shells_exit_traps_ifs_and_noclobber() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = "set -C\nIFS=,\ntrap 'echo user trap ran' EXIT\n\
                  printf 'CHILD_ONLY=1\\n' > child.sh\nbash child.sh\n\
                  export DEPLOY=dpl_1\n";
    let mut j = job(dir.path(), script);
    j.capture_vars = true;
    let (ring, _, outcome) = run(j, None, Duration::from_secs(10)).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    let text: Vec<String> = ring.lines(0..ring.len()).map(|l| l.text).collect();
    assert!(text.iter().any(|l| l == "user trap ran"), "{text:?}");
    assert!(
        outcome.vars.contains(&("DEPLOY".into(), "dpl_1".into())),
        "{:?}",
        outcome.vars
    );
    assert!(
        !outcome.vars.iter().any(|(k, _)| k == "CHILD_ONLY"),
        "{:?}",
        outcome.vars
    );
}

/// A second cockpit takes up a step another one started (as after a crash): it follows the
/// output file from the step's start, `c` signals the step's process group, and the end it
/// reports is the supervisor's, with the output file's real size and hash.
#[tokio::test]
async fn an_attached_step_is_followed_and_cancelled_through_its_process_group() {
    use flightdeck::journal::supervised::{Probe, probe};
    let dir = tempfile::tempdir().expect("tempdir");
    let job = job(dir.path(), "echo first; sleep 30 & echo started; wait");
    let output = job.output_path.clone();
    let (tx, _first_cockpit) = mpsc::channel(64);
    let _started = spawn(job, tx).expect("spawns");
    let start = Instant::now();
    let pgid = loop {
        if let Probe::Running { pgid } = probe(&output)
            && pgid > 0
        {
            break pgid;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            probe(&output)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    let (tx, mut rx) = mpsc::channel(64);
    let attached = flightdeck::exec::shell::attach("s".into(), 1, output.clone(), pgid, tx);
    let mut ring = OutputRing::new(100);
    let mut signals = Vec::new();
    let outcome = loop {
        let ev = tokio::time::timeout(Duration::from_secs(15), rx.recv())
            .await
            .expect("the attached step ends")
            .expect("event");
        match ev {
            ExecEvent::Output { chunk, .. } => {
                ring.push_chunk(&chunk, false);
                if ring.rfind("started").is_some() && signals.is_empty() {
                    attached.cancel();
                }
            }
            ExecEvent::Signalled { signal, .. } => signals.push(signal),
            ExecEvent::Finished { outcome, .. } => break outcome,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(signals.first(), Some(&"SIGINT"));
    assert!(
        outcome.signal == Some(2) || outcome.exit_code == Some(130),
        "{outcome:?}"
    );
    let file = std::fs::read(&output).expect("output file");
    assert_eq!(file, b"first\nstarted\n");
    assert_eq!(outcome.bytes, file.len() as u64);
}

/// A supervisor that fails before it can start the step is explained: what it said is in
/// `output/<step>.<n>.supervisor.log`, and the step is lost, not finished.
#[tokio::test]
async fn a_failed_supervisor_leaves_its_errors_in_the_run_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    // The real supervisor, its job file taken away first (as a cleaner of /tmp would).
    let wrapper = dir.path().join("supervise-without-job");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nrm -f \"$3\"\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_flightdeck")
        ),
    )
    .expect("wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut job = job(dir.path(), "echo never");
    job.program = wrapper;
    let output = job.output_path.clone();
    let (tx, mut rx) = mpsc::channel(64);
    let _running = spawn(job, tx).expect("spawns");
    let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an end")
        .expect("event");
    assert!(matches!(ev, ExecEvent::Lost { .. }), "{ev:?}");
    let log = std::fs::read_to_string(dir.path().join("output/s.1.supervisor.log")).expect("log");
    assert!(log.starts_with("flightdeck supervise: "), "{log}");
    assert!(log.contains("supervise-"), "names the job file: {log}");
    assert!(!output.exists(), "the step never ran");
}

/// A supervisor with nothing to say leaves no log behind.
#[tokio::test]
async fn a_supervisor_without_errors_leaves_no_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, _, outcome) = run(job(dir.path(), "echo hi"), None, Duration::from_secs(10)).await;
    assert_eq!(outcome.exit_code, Some(0));
    assert!(dir.path().join("output/s.1.log").exists());
    assert!(!dir.path().join("output/s.1.supervisor.log").exists());
}

#[test]
fn supervisors_start_from_the_cockpits_own_image_on_linux() {
    let program = flightdeck::exec::supervisor::this_binary();
    if cfg!(target_os = "linux") {
        assert_eq!(program, std::path::Path::new("/proc/self/exe"));
    } else {
        assert_eq!(program, std::env::current_exe().expect("exe"));
    }
}

/// A step attached before its supervisor had noted the process group (pgid 0): a cancel
/// claims no signal while the group is unknown, then finds it in the lock file once the
/// supervisor writes it, and really signals it.
#[tokio::test]
async fn a_cancel_before_the_process_group_is_known_waits_for_it() {
    use flightdeck::journal::supervised::{StepEnd, note_pgid, status_path, take_lock};
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dir.path().join("output/s.1.log");
    // A supervisor as it starts: the lock held, no process group written yet.
    let mut lock = take_lock(&output).expect("lock");
    std::fs::write(&output, "").expect("output");
    let (tx, mut rx) = mpsc::channel(64);
    let attached = flightdeck::exec::shell::attach("s".into(), 1, output.clone(), 0, tx);
    attached.cancel();
    let quiet = tokio::time::timeout(Duration::from_millis(400), rx.recv()).await;
    assert!(quiet.is_err(), "no signal can have been sent: {quiet:?}");
    assert_eq!(attached.pgid(), 0);

    // The step's process group appears and is noted in the lock file.
    let mut step = std::process::Command::new("sleep")
        .arg("30")
        .process_group(0)
        .spawn()
        .expect("sleep");
    let pgid = step.id() as i32;
    note_pgid(&mut lock, pgid).expect("pgid");
    let ev = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("the cancel goes on")
        .expect("event");
    assert!(
        matches!(
            ev,
            ExecEvent::Signalled {
                signal: "SIGINT",
                ..
            }
        ),
        "{ev:?}"
    );
    assert_eq!(attached.pgid(), pgid);
    let status = step.wait().expect("sleep ends");
    assert_eq!(status.signal(), Some(2), "SIGINT reached the group");

    // The supervisor records the end and goes: the attached step finishes.
    StepEnd {
        exit_code: None,
        signal: Some(2),
        ended_at: StepEnd::now(),
        duration_ms: 1,
        bytes: 0,
        output_sha256: String::new(),
        error: None,
    }
    .write(&status_path(&output))
    .expect("status");
    drop(lock);
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("an end")
            .expect("event");
        match ev {
            ExecEvent::Finished { outcome, .. } => {
                assert_eq!(outcome.signal, Some(2));
                break;
            }
            ExecEvent::Signalled { signal, .. } => {
                panic!("{signal} claimed for a group that is gone")
            }
            _ => {}
        }
    }
}

/// With secrets in the run the output file is masked line by line, yet a prompt without a
/// newline reaches the screen while the step waits, not only once its line ends.
#[tokio::test]
async fn a_prompt_shows_while_the_step_waits_when_output_is_masked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut job = job(
        dir.path(),
        "printf 'Continue? '; sleep 1.5; echo \"yes CANARY-prompt-77\"",
    );
    job.masker.add("CANARY-prompt-77");
    let output = job.output_path.clone();
    let (tx, mut rx) = mpsc::channel(64);
    let _running = spawn(job, tx).expect("spawns");
    let start = Instant::now();
    let mut chunks: Vec<(Duration, String)> = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("the step ends")
            .expect("event");
        match ev {
            ExecEvent::Output { chunk, .. } => chunks.push((
                start.elapsed(),
                String::from_utf8_lossy(&chunk).into_owned(),
            )),
            ExecEvent::Finished { outcome, .. } => {
                assert_eq!(outcome.exit_code, Some(0));
                break;
            }
            _ => {}
        }
    }
    assert_eq!(
        chunks.first().map(|(_, c)| c.as_str()),
        Some("Continue? "),
        "{chunks:?}"
    );
    assert!(
        chunks[0].0 < Duration::from_millis(1200),
        "shown while the step waited: {chunks:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&output).expect("output"),
        "Continue? yes ••••\n"
    );
}

/// Issue 18: a step's pipes and exit status do not depend on the cockpit. A cockpit that is
/// alive but does not read its pipe (stopped, or blocked on a dead terminal) lets the step run
/// to its end: the supervisor never blocks on it, and once the pipe is read again the frames
/// that waited say how far the file grew, the last one the whole file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cockpit_that_does_not_read_does_not_stop_the_step() {
    use flightdeck::exec::supervisor::{frame, start};
    use flightdeck::journal::supervised::{StepEnd, status_path};
    use tokio::io::AsyncReadExt;
    let dir = tempfile::tempdir().expect("tempdir");
    // One write per line (bash's echo): far more frames than the widened pipe to the
    // cockpit holds (a frame per read, 13 bytes; 1 MiB).
    let job = job(
        dir.path(),
        "for ((i = 1; i <= 400000; i++)); do echo $i; done",
    );
    let output = job.output_path.clone();
    let mut child = start(&job).expect("starts");
    let status = status_path(&output);
    let begun = Instant::now();
    let end = loop {
        if let Some(end) = StepEnd::read(&status) {
            break end;
        }
        if begun.elapsed() > Duration::from_secs(90) {
            let _ = child.start_kill();
            panic!("the step did not end while the cockpit was not reading");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(end.exit_code, Some(0), "{end:?}");
    let file = std::fs::read(&output).expect("output");
    let expected: String = (1..=400_000).map(|i| format!("{i}\n")).collect();
    assert!(file == expected.as_bytes(), "every line is in the file");
    assert_eq!(end.bytes, file.len() as u64);

    // Now the cockpit reads: the frames that waited come, the last offset is the whole file.
    let mut pipe = child.stdout.take().expect("pipe");
    let mut frames = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), pipe.read_to_end(&mut frames))
        .await
        .expect("the supervisor goes")
        .expect("read");
    let (mut last_offset, mut ended, mut at) = (None, false, 0);
    while at < frames.len() {
        assert!(!ended, "nothing after the end frame");
        let kind = frames[at];
        let len = u32::from_le_bytes(frames[at + 1..at + 5].try_into().expect("head")) as usize;
        let payload = &frames[at + 5..at + 5 + len];
        match kind {
            frame::STDOUT_TO | frame::STDERR_TO => {
                let to = u64::from_le_bytes(payload.try_into().expect("an offset"));
                assert!(last_offset.is_none_or(|l| l <= to), "offsets only grow");
                last_offset = Some(to);
            }
            frame::PGID => {}
            frame::END => {
                let outcome: Outcome = serde_json::from_slice(payload).expect("outcome");
                assert_eq!(outcome.exit_code, Some(0));
                ended = true;
            }
            other => panic!("unexpected frame {other}"),
        }
        at += 5 + len;
    }
    assert_eq!(at, frames.len(), "whole frames only");
    assert_eq!(last_offset, Some(file.len() as u64));
    assert!(ended, "the end frame comes once the pipe is read");
    assert!(child.wait().await.expect("exits").success());
}

/// Voluntary context switches of every thread of process `pid`: how often it woke up.
fn wake_ups(pid: u32) -> u64 {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("tasks");
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
        .filter_map(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
                .and_then(|v| v.trim().parse::<u64>().ok())
        })
        .sum()
}

#[tokio::test]
async fn a_quiet_step_costs_its_supervisor_no_wake_ups() {
    use flightdeck::exec::supervisor::start;
    let dir = tempfile::tempdir().expect("tempdir");
    // Masked output and a partial line: the ticker has work only until it is let out.
    let mut job = job(dir.path(), "printf 'Password: '; sleep 3");
    job.masker.add("hunter2-secret");
    let mut child = start(&job).expect("starts");
    let pid = child.id().expect("pid");
    // Past the start and past the partial line's release (at most about 100 ms).
    tokio::time::sleep(Duration::from_millis(600)).await;
    let before = wake_ups(pid);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let during = wake_ups(pid) - before;
    // A ticker on a fixed 20 ms period would wake about 50 times in that second.
    assert!(during < 10, "{during} wake-ups in a quiet second");
    let _ = child.start_kill();
    let _ = child.wait().await;
}
