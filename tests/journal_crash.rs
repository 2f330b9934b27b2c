//! Crash safety: a writer process is killed with SIGKILL at random points while it appends and
//! a shell step it started runs under its supervisor; every event whose append returned (the
//! child printed its seq) must be there after reopening, a torn tail is repaired, the step's
//! output file holds every byte the writer had received when it died, and once the step ends
//! its supervisor has recorded its real end with the whole output (reopening leaves the step
//! for the cockpit to finish, never interrupted). The writer preallocates
//! NUL padding, which a kill leaves behind; a torn line is written where a real one would be,
//! at the end of the text, before the padding.

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flightdeck::journal::supervised::{Probe, probe};
use flightdeck::journal::{EventKind, Journal, padding, verify};
use flightdeck::runbook;

/// xorshift64*: enough randomness for kill points, seeded and printed so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// Kill points: each round kills the writer once, at a random moment.
const ROUNDS: usize = 200;
/// Rounds written to one run before the next one starts.
const RUN_ROUNDS: usize = 20;

#[test]
fn sigkill_at_random_points_loses_no_durable_event() {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    eprintln!("CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let home = tempfile::tempdir().unwrap();
    let text = "# Crash\n\n- [ ] survive\n";
    let rb = runbook::parse(text, "crash.md");
    let (mut dir, mut run_id) = (std::path::PathBuf::new(), String::new());

    // About 0.1 s of numbered lines in bursts, so that kills land before, during and after it.
    let script = "for i in $(seq 1 2000); do echo \"line $i\"; [ $((i % 100)) = 0 ] && sleep 0.005; done; true";
    let whole: String = (1..=2000).map(|i| format!("line {i}\n")).collect();
    let mut durable_total = 0usize;
    let mut repairs = 0usize;
    let mut padded = 0usize;
    let mut mid_step = 0usize;
    for round in 0..ROUNDS {
        if round % RUN_ROUNDS == 0 {
            // A fresh run now and then: reopening reads every event, and a run of all 200
            // rounds would make the test quadratic.
            let journal = Journal::create(home.path(), &rb, text, "setup").unwrap();
            dir = journal.run_dir().to_path_buf();
            run_id = journal.run_id().to_string();
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
            .args(["--home"])
            .arg(home.path())
            .args([
                "journal",
                "__append-loop",
                &run_id,
                "1000000",
                "--step",
                script,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut printed = String::new();
        // Even rounds: the kill may come anywhere, opening and the first extension included.
        // Odd rounds: only after the first append, so that it lands among appends even on a
        // slow machine (where starting the writer can take longer than the random delay).
        if round % 2 == 1 {
            out.read_line(&mut printed).unwrap();
        }
        std::thread::sleep(Duration::from_millis(5 + rng.below(120)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        out.read_to_string(&mut printed).unwrap();
        let mut durable: Vec<u64> = Vec::new();
        let (mut started, mut shown) = (None::<(u64, u32)>, 0u64);
        for line in printed.lines() {
            let mut words = line.split(' ');
            let (kind, a, b) = (words.next(), words.next(), words.next());
            let n = |w: Option<&str>| w.and_then(|w| w.parse::<u64>().ok()).unwrap();
            match kind {
                Some("seq") => durable.push(n(a)),
                Some("shown") => shown = n(a),
                Some("started") => started = Some((n(a), n(b) as u32)),
                _ => panic!("round {round}: unexpected line {line}"),
            }
        }
        durable_total += durable.len();
        if let Some((_, attempt)) = started {
            // What the output file holds at once, while the step may still write more.
            let output = dir.join(format!("output/count.{attempt}.log"));
            let now = fs::read(&output).unwrap_or_default();
            assert!(
                now.len() as u64 >= shown && whole.as_bytes().starts_with(&now[..shown as usize]),
                "round {round}: {shown} bytes were received before the kill, the file has {}",
                now.len()
            );
            if (now.len() as u64) < whole.len() as u64 {
                mid_step += 1;
            }
            // The step runs on without the writer: wait (bounded) for its end.
            let start = std::time::Instant::now();
            while matches!(probe(&output), Probe::Running { .. }) {
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "round {round}: the step did not end"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        }

        // After any append the file is padded, and a kill leaves the padding as it is.
        let path = dir.join("journal.jsonl");
        let content = fs::read(&path).unwrap();
        let text_len = padding::text_len(&content);
        if text_len < content.len() {
            padded += 1;
            assert!(content[text_len..].iter().all(|&b| b == 0), "round {round}");
        } else {
            assert!(durable.is_empty(), "round {round}: appended but not padded");
        }

        // Every other round, also tear the tail by hand (a crash inside the write itself): part
        // of a line written where the next line goes, over the padding if there is some.
        let mut torn = Vec::new();
        if round % 2 == 1 {
            let text = &content[..text_len];
            let last_line = text[..text.len() - 1]
                .rsplit(|&b| b == b'\n')
                .next()
                .unwrap()
                .to_vec();
            torn = last_line[..1 + rng.below(last_line.len() as u64 - 1) as usize].to_vec();
            let f = OpenOptions::new().write(true).open(&path).unwrap();
            f.write_all_at(&torn, text_len as u64).unwrap();
        }

        let before = flightdeck::journal::read_events(&dir).unwrap().len();
        let (j, events, repaired) = Journal::open(&dir, "checker").unwrap();
        if let Some((seq, attempt)) = started {
            assert!(
                matches!(&events[(seq - 1) as usize].kind, EventKind::StepStarted { attempt: a, .. } if *a == attempt),
                "round {round}: step_started {seq} is missing"
            );
            // Opening leaves an ended step to the cockpit that re-attaches (it journals the
            // end as for any step): no `step_interrupted`, no end made up here. The end the
            // supervisor recorded is the real one, with the whole output.
            assert!(
                !events[(seq as usize)..]
                    .iter()
                    .any(|e| e.step.as_deref() == Some("count")
                        && matches!(
                            e.kind,
                            EventKind::StepInterrupted { .. } | EventKind::StepFinished { .. }
                        )),
                "round {round}: opening settled a step its supervisor finished"
            );
            let output_path = dir.join(format!("output/count.{attempt}.log"));
            let output = fs::read(&output_path).unwrap();
            assert_eq!(
                output,
                whole.as_bytes(),
                "round {round}: every output byte, once, in order"
            );
            let Probe::Ended(end) = probe(&output_path) else {
                panic!("round {round}: no end recorded: {:?}", probe(&output_path));
            };
            assert_eq!(
                (end.exit_code, end.bytes, end.output_sha256, end.error),
                (
                    Some(0),
                    whole.len() as u64,
                    flightdeck::journal::event::sha256_hex(whole.as_bytes()),
                    None
                ),
                "round {round}: the real end is recorded"
            );
        }
        for seq in &durable {
            let e = &events[(*seq - 1) as usize];
            assert_eq!(e.seq, *seq, "round {round}: seq {seq} is missing");
            assert_eq!(e.operator, "crash-test");
            assert!(
                matches!(&e.kind, EventKind::Note { text } if text.starts_with("append-loop note"))
            );
        }
        if let Some(msg) = &repaired {
            repairs += 1;
            // Opening appends the repair first, then what settles the step.
            let Some(EventKind::JournalRepaired {
                torn_bytes,
                moved_to,
            }) = events[before..].first().map(|e| &e.kind)
            else {
                panic!("round {round}: repair said ({msg}) but not recorded")
            };
            let moved = fs::read(dir.join(moved_to)).unwrap();
            assert_eq!(moved.len() as u64, *torn_bytes);
            if !torn.is_empty() {
                assert!(moved.ends_with(&torn), "round {round}: torn bytes kept");
            }
        } else {
            assert!(
                torn.is_empty(),
                "round {round}: a torn tail went unrepaired"
            );
        }
        drop(j);
        // A clean close leaves plain JSON lines: no padding, a newline at the end.
        let closed = fs::read(&path).unwrap();
        assert!(
            !closed.contains(&0),
            "round {round}: padding left after close"
        );
        assert!(closed.ends_with(b"\n"));
        assert_eq!(verify(&dir).unwrap(), events.last().unwrap().hash);
    }
    assert!(
        durable_total > 20,
        "the writer hardly ran: {durable_total} appends"
    );
    assert!(repairs >= ROUNDS / 2, "only {repairs} repairs");
    assert!(padded >= ROUNDS / 2, "only {padded} kills left padding");
    assert!(
        mid_step >= 10,
        "only {mid_step} kills landed while the step wrote"
    );
    eprintln!(
        "{durable_total} durable appends over {ROUNDS} kills, {repairs} repairs, {padded} padded, {mid_step} mid-step"
    );
}
