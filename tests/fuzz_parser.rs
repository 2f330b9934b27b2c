//! Arbitrary and mutated Markdown never panics the parser, and what comes back is coherent:
//! step lines lie inside the file, ids are unique, diagnostics point at real lines.
//!
//! The number of cases is bounded (PROPTEST_CASES, default below) so CI time stays fixed.

use flightdeck::runbook::parse;
use proptest::prelude::*;

const SEED_TEXTS: [&str; 5] = [
    include_str!("fixtures/seed-000.md"),
    include_str!("fixtures/seed-001.md"),
    include_str!("fixtures/seed-002.md"),
    include_str!("fixtures/seed-003.md"),
    include_str!("fixtures/seed-004.md"),
];

/// Fragments that exercise the parser's tricky paths when spliced together.
const PIECES: &[&str] = &[
    "# ",
    "## ",
    "###### ",
    "\n",
    "\n\n",
    "- [ ] ",
    "- [x] ",
    "1. ",
    "   ",
    "\t",
    "```",
    "```bash",
    "```console",
    "```sql",
    "```bash {id=x confirm}",
    "~~~",
    "$ ",
    "> ",
    "---\n",
    "title: x\n",
    "vars: [\n",
    "(30 min)",
    "(02:00-02:20 UTC)",
    "<project-ref>",
    "$VAR",
    "${X}",
    "{{ Y }}",
    "rm -rf /",
    "DROP TABLE t;",
    "|a|b|\n|-|-|\n",
    "<div>",
    "</div>",
    "***",
    "===",
    "é",
    "\r\n",
    "\u{feff}",
    "`",
    "**",
    "[link](x)",
    "- ",
    "* ",
    "    code",
    "(venv) $ ",
    "(é)# ",
    "[root@é x]# ",
    "user@host:~$ ",
    "server1:# ",
    "mysql> ",
    "\\\n",
    "Run `",
    "run `make x`",
    "T-30m ",
    "Step 3: ",
    "3. ",
    "**3.** ",
    "Output:",
    "The output should look like:",
    "Release manager: ",
    "kubectl get pods -n x",
    "sudo -u",
    "```\n",
    "```no-highlight",
    "```text",
    "nano /etc/x",
    "...",
    "é.",
    "ü: x",
];

fn check_coherent(text: &str) {
    let rb = parse(text, "fuzz.md");
    let lines = text.lines().count().max(1) + 1;
    let mut ids = std::collections::HashSet::new();
    for (_, s) in rb.steps() {
        assert!(
            s.line >= 1 && s.line <= lines,
            "step line {} of {lines}",
            s.line
        );
        // Explicit ids may repeat (that is a reported error); derived ones never do.
        if s.attrs.id.is_none() {
            assert!(ids.insert(s.id.clone()), "duplicate derived id {}", s.id);
        }
    }
    for d in &rb.diagnostics {
        assert!(
            d.line >= 1 && d.line <= lines + 1,
            "diagnostic line {} of {lines}: {}",
            d.line,
            d.message
        );
        assert!(!d.message.contains('\n'));
    }
    let _ = flightdeck::plan::plan_text(&rb);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check_coherent(&text);
    }

    #[test]
    fn spliced_markdown_pieces_never_panic(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..80)) {
        check_coherent(&pieces.concat());
    }

    #[test]
    fn mutated_seeds_never_panic(
        seed in 0usize..5,
        cuts in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(PIECES)), 1..12),
    ) {
        let mut text = SEED_TEXTS[seed].to_string();
        for (at, piece) in cuts {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            text.insert_str(i, piece);
        }
        check_coherent(&text);
    }
}

#[test]
fn deep_nesting_is_bounded() {
    for unit in ["- ", "> ", "1. ", "  - [ ] "] {
        let text = format!("{}x\n", unit.repeat(5_000));
        check_coherent(&text);
    }
    let text = "```bash\n".repeat(2_000);
    check_coherent(&text);
}

/// A lead sentence whose gerund ends in a doubled multi-byte letter ("丸丸ing") is cut
/// by characters, never inside one.
#[test]
fn gerund_leads_with_multibyte_letters_never_panic() {
    for word in ["丸", "😘", "éé", "丸丸", "a丸", "ß"] {
        let text = format!(
            "# T\n\n## A\n\nStart the {word}ing service:\n\n```bash\nsystemctl start x\n```\n"
        );
        check_coherent(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn gerund_leads_never_panic(word in "\\PC{1,4}") {
        let text = format!("# T\n\n## A\n\nStart the {word}ing service:\n\n```bash\nsystemctl start x\n```\n");
        check_coherent(&text);
    }
}
