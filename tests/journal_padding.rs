//! The NUL padding the writer preallocates: invisible to readers while a run is open, trimmed on
//! a clean close, and every state a crash can leave it in (mid-extension, mid-trim, mid-append,
//! a power loss that persisted only part of a line) opens without losing a durable event.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use flightdeck::journal::{Event, EventKind, Journal, padding, read_events, verify};
use flightdeck::runbook;

fn at(min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 4, min, 0)
        .single()
        .unwrap()
}

fn note(n: u32) -> EventKind {
    EventKind::Note {
        text: format!("note {n}"),
    }
}

/// A closed journal of `n` notes after `run_started`: its folder and its bytes.
fn closed_run(home: &Path, n: u32) -> (PathBuf, Vec<u8>) {
    let text = "# Pad\n\n- [ ] a\n";
    let rb = runbook::parse(text, "pad.md");
    let mut j = Journal::create_at(home, &rb, text, "alice", at(1)).unwrap();
    for i in 0..n {
        j.append_at(note(i), None, at(2)).unwrap();
    }
    let dir = j.run_dir().to_path_buf();
    drop(j);
    let bytes = fs::read(dir.join("journal.jsonl")).unwrap();
    (dir, bytes)
}

fn write(dir: &Path, bytes: &[u8]) {
    fs::write(dir.join("journal.jsonl"), bytes).unwrap();
}

/// Opens, appends one more note, closes: the file is then plain JSON lines that verify.
fn reopen_append_close(dir: &Path) -> (Vec<Event>, Option<String>) {
    let (mut j, events, message) = Journal::open_at(dir, "bob", at(30)).unwrap();
    let last = j.append_at(note(99), None, at(31)).unwrap();
    drop(j);
    let bytes = fs::read(dir.join("journal.jsonl")).unwrap();
    assert!(!bytes.contains(&0), "padding left after a clean close");
    assert!(bytes.ends_with(b"\n"));
    assert_eq!(verify(dir).unwrap(), last.hash);
    (events, message)
}

#[test]
fn padding_is_there_while_open_and_readers_stop_at_it() {
    let home = tempfile::tempdir().unwrap();
    let text = "# Pad\n\n- [ ] a\n";
    let rb = runbook::parse(text, "pad.md");
    let mut j = Journal::create_at(home.path(), &rb, text, "alice", at(1)).unwrap();
    let last = j.append_at(note(1), None, at(2)).unwrap();
    let path = j.run_dir().join("journal.jsonl");
    let open = fs::read(&path).unwrap();
    let text_len = padding::text_len(&open);
    assert!(text_len < open.len(), "the open journal is preallocated");
    assert!(open[..text_len].ends_with(b"\n"));
    assert!(open[text_len..].iter().all(|&b| b == 0));
    // Readers while the writer holds the run: every event, nothing of the padding.
    assert_eq!(read_events(j.run_dir()).unwrap().len(), 2);
    assert_eq!(verify(j.run_dir()).unwrap(), last.hash);
    drop(j);
    assert_eq!(fs::read(&path).unwrap(), &open[..text_len]);
}

#[test]
fn padding_of_any_length_opens_silently() {
    // A kill while extending (zeros part-written) or trimming (either length) leaves lines and
    // then zeros of any length.
    let home = tempfile::tempdir().unwrap();
    let (dir, closed) = closed_run(home.path(), 5);
    for pad in [1, 2, 4095, 4096, 70_000, 256 * 1024, 300_001] {
        let mut bytes = closed.clone();
        bytes.resize(closed.len() + pad, 0);
        write(&dir, &bytes);
        assert!(verify(&dir).is_ok(), "padding {pad}");
        assert_eq!(read_events(&dir).unwrap().len(), 6);
        let (events, message) = reopen_append_close(&dir);
        assert_eq!(message, None, "padding {pad} is no repair");
        assert_eq!(events.len(), 6, "padding {pad}");
        write(&dir, &closed);
    }
}

#[test]
fn a_line_cut_short_over_the_padding_is_repaired() {
    // A kill inside the write of a line: its first bytes, then the padding.
    let home = tempfile::tempdir().unwrap();
    let (dir, closed) = closed_run(home.path(), 3);
    let torn = b"{\"seq\":5,\"ts\":\"2026-11-21T04:02:00.000Z\",\"oper";
    let mut bytes = closed.clone();
    bytes.extend_from_slice(torn);
    bytes.resize(bytes.len() + 9000, 0);
    write(&dir, &bytes);
    let err = verify(&dir).unwrap_err().to_string();
    assert!(err.contains("line 5: torn"), "{err}");
    assert_eq!(read_events(&dir).unwrap().len(), 4);
    let (events, message) = reopen_append_close(&dir);
    let message = message.expect("repair reported");
    assert!(
        message.contains(&format!("{} bytes moved", torn.len())),
        "{message}"
    );
    assert_eq!(events.len(), 5);
    assert_eq!(
        events[4].kind,
        EventKind::JournalRepaired {
            torn_bytes: torn.len() as u64,
            moved_to: "journal.jsonl.torn-1".into()
        }
    );
    assert_eq!(fs::read(dir.join("journal.jsonl.torn-1")).unwrap(), torn);
}

#[test]
fn part_of_a_line_after_the_padding_is_repaired() {
    // A power loss before a line's `sync_data` may persist a later page of the line but not
    // the first: padding, then the line's end (with or without its newline).
    for tail in [&b"tor\":\"alice\"}\n"[..], b"tor\":\"al", b"x\0\0y\n"] {
        let home = tempfile::tempdir().unwrap();
        let (dir, closed) = closed_run(home.path(), 3);
        let mut bytes = closed.clone();
        bytes.resize(closed.len() + 4096 - closed.len() % 4096, 0);
        bytes.extend_from_slice(tail);
        bytes.resize(bytes.len() + 5000, 0);
        write(&dir, &bytes);
        let err = verify(&dir).unwrap_err().to_string();
        assert!(err.contains("line 5: torn"), "{err}");
        assert_eq!(read_events(&dir).unwrap().len(), 4);
        let (events, message) = reopen_append_close(&dir);
        assert!(message.is_some());
        assert_eq!(events.len(), 5, "every durable event kept");
        let moved = fs::read(dir.join("journal.jsonl.torn-1")).unwrap();
        assert!(moved.ends_with(tail) && moved.len() > tail.len());
    }
}

#[test]
fn lines_after_a_nul_are_damage_not_a_crash() {
    let home = tempfile::tempdir().unwrap();
    let (dir, closed) = closed_run(home.path(), 6);
    let line_3 = closed
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .map(|(i, _)| i + 1)
        .unwrap();
    let mut bytes = closed.clone();
    bytes[line_3 + 10] = 0;
    write(&dir, &bytes);
    let err = verify(&dir).unwrap_err().to_string();
    assert!(err.contains("line 3: a NUL byte"), "{err}");
    assert!(read_events(&dir).is_err());
    let err = Journal::open(&dir, "bob").unwrap_err().to_string();
    assert!(err.contains("line 3: a NUL byte"), "{err}");
    assert!(err.contains("flightdeck journal verify"), "{err}");
}
