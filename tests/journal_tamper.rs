//! Tamper evidence: changing any one byte of any line, the last included, makes `verify` fail
//! naming that line.

mod journal_support;

use std::fs;

use flightdeck::journal::{VerifyError, verify};
use journal_support::scripted_run;

#[test]
fn any_changed_byte_is_caught_on_its_line() {
    let home = tempfile::tempdir().unwrap();
    let dir = scripted_run(home.path());
    let path = dir.join("journal.jsonl");
    let original = fs::read(&path).unwrap();
    let head = verify(&dir).unwrap();
    assert_eq!(head.len(), 64);

    // (line number, start offset, end offset including the newline)
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, _) in original.iter().enumerate().filter(|(_, b)| **b == b'\n') {
        lines.push((lines.len() + 1, start, i + 1));
        start = i + 1;
    }
    assert!(lines.len() >= 25, "a long enough journal");
    let mut checked = 0;
    for &(number, from, to) in &lines {
        let len = to - from;
        // Every 11th byte, plus both ends, the hash and the newline of every line.
        let mut offsets: Vec<usize> = (0..len).step_by(11).collect();
        offsets.extend([1, len - 40, len - 3, len - 2, len - 1]);
        for off in offsets {
            let mut bytes = original.clone();
            bytes[from + off] ^= 0x01;
            fs::write(&path, &bytes).unwrap();
            match verify(&dir) {
                Err(VerifyError::BadLine { line, why, .. }) => {
                    assert_eq!(line, number, "byte {off} of line {number}: {why}");
                    assert!(!why.is_empty());
                }
                other => panic!("byte {off} of line {number} changed, verify said {other:?}"),
            }
            checked += 1;
        }
    }
    fs::write(&path, &original).unwrap();
    assert_eq!(verify(&dir).unwrap(), head);
    assert!(checked > 500, "{checked}");
}

#[test]
fn a_nul_byte_anywhere_is_caught_on_its_line() {
    // NUL starts the writer's padding, so readers stop at it; it must not hide what follows.
    let home = tempfile::tempdir().unwrap();
    let dir = scripted_run(home.path());
    let path = dir.join("journal.jsonl");
    let original = fs::read(&path).unwrap();
    let mut start = 0;
    let mut checked = 0;
    for (number, end) in original
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .enumerate()
    {
        let len = end - start;
        for off in [0, len / 2, len - 3, len - 2, len - 1] {
            let mut bytes = original.clone();
            bytes[start + off] = 0;
            fs::write(&path, &bytes).unwrap();
            match verify(&dir) {
                Err(VerifyError::BadLine { line, .. }) => {
                    assert_eq!(line, number + 1, "NUL at byte {off} of line {}", number + 1);
                }
                other => panic!("NUL at byte {off} of line {}: {other:?}", number + 1),
            }
            checked += 1;
        }
        start = end;
    }
    fs::write(&path, &original).unwrap();
    assert!(checked > 100, "{checked}");
}

#[test]
fn removed_or_swapped_lines_break_the_chain() {
    let home = tempfile::tempdir().unwrap();
    let dir = scripted_run(home.path());
    let path = dir.join("journal.jsonl");
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();

    let mut swapped = lines.clone();
    swapped.swap(5, 6);
    fs::write(&path, swapped.join("\n") + "\n").unwrap();
    let err = verify(&dir).unwrap_err().to_string();
    assert!(err.contains("line 6: `prev` is"), "{err}");

    let truncated_head = lines[..lines.len() - 1].join("\n") + "\n";
    fs::write(&path, truncated_head).unwrap();
    assert!(
        verify(&dir).is_ok(),
        "dropping the last line is only caught by comparing heads"
    );
}
