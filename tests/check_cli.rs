//! `flightdeck check` and `plan` as a team's CI runs them: real binary, real files, exit codes
//! and the `file:line:col: severity: message` format.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn flightdeck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write fixture");
    p
}

fn check(path: &Path) -> (i32, String, String) {
    let out = flightdeck(&["check", path.to_str().expect("utf-8 path")]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn clean_runbook_exits_zero_and_prints_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "ok.md",
        b"# T\n\n## P\n\n- [ ] a\n\n```bash\nX=1\necho $X\n```\n",
    );
    assert_eq!(check(&p), (0, String::new(), String::new()));
}

#[test]
fn each_trap_is_found_on_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&str, &str, &str)] = &[
        (
            "unclosed.md",
            "# T\n\n- [ ] a\n\n```bash\necho a\n",
            ":5:1: error: ``` fence opened at line 5 is never closed",
        ),
        (
            "dup.md",
            "# T\n\n```bash {id=x}\necho 1\n```\n\n```bash {id=x}\necho 2\n```\n",
            ":7:1: error: duplicate step id `x` (first used at line 3)",
        ),
        (
            "undef.md",
            "# T\n\n```bash\ncurl $API_HOST/health\n```\n",
            ":3:1: warning: input `$API_HOST` is never set by a step",
        ),
        (
            "fm.md",
            "---\ntitle: x\nvars: [oops\n---\n# T\n\n- [ ] a\n",
            ":3:7: error: front matter does not parse: unclosed bracket",
        ),
        (
            "unknown.md",
            "---\ntitle: x\ncolour: blue\n---\n# T\n\n- [ ] a\n",
            ":3:1: warning: unknown front-matter key `colour` is ignored",
        ),
        ("empty.md", "", ":1:1: error: runbook has no steps"),
        (
            "comments.md",
            "# T\n\n- [ ] a\n\n```bash\n# only a comment\n```\n",
            ":5:1: warning: shell block holds only comments: nothing to run",
        ),
        (
            "output.md",
            "# T\n\n- [ ] a\n\n```console\nNAME READY\n```\n",
            ":5:1: warning: console block holds only output",
        ),
        (
            "fmopen.md",
            "---\nenvironment: production\n\n# T\n\n- [ ] a\n",
            ":1:1: error: front matter opened with `---` at line 1 is never closed",
        ),
        (
            "fmopen-foreign.md",
            "---\ntitle: x\n\n# T\n\n- [ ] a\n",
            ":1:1: warning: front matter opened with `---` at line 1 is never closed",
        ),
        (
            "fm-foreign.md",
            "---\ntitle: a: b\nlayout: post\n---\n# T\n\n- [ ] a\n",
            ":2:9: warning: front matter does not parse: mapping values are not allowed in this context; it is ignored",
        ),
    ];
    for (name, content, expected) in cases {
        let p = write(dir.path(), name, content.as_bytes());
        let (code, stdout, stderr) = check(&p);
        let want = format!("{}{expected}", p.display());
        assert!(
            stdout.lines().any(|l| l.starts_with(&want)),
            "{name}: expected a line starting {want:?}, got:\n{stdout}"
        );
        let errors = stdout.contains(": error: ");
        assert_eq!(
            code,
            i32::from(errors),
            "{name}: exit code with errors={errors}\n{stdout}"
        );
        assert!(stderr.is_empty(), "{name}: {stderr}");
        for line in stdout.lines() {
            let parts: Vec<_> = line.splitn(5, ':').collect();
            assert_eq!(parts.len(), 5, "file:line:col: sev: msg shape: {line}");
            assert!(
                parts[1].parse::<usize>().is_ok() && parts[2].parse::<usize>().is_ok(),
                "{line}"
            );
        }
    }
}

#[test]
fn front_matter_error_names_the_yaml_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "fm.md",
        b"---\ntitle: x\nmetrics:\n  - name: a\n    interval: [1\n---\n# T\n\n- [ ] a\n",
    );
    let (code, stdout, _) = check(&p);
    assert_eq!(code, 1);
    let line: usize = stdout
        .split(':')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("line number");
    assert!(
        (5..=6).contains(&line),
        "error should point into the YAML near line 5: {stdout}"
    );
}

#[test]
fn unreadable_inputs_exit_two_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = write(dir.path(), "bin.md", b"# T\n\x00\x01\x02");
    let big = dir.path().join("big.md");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(100 * 1024 * 1024))
        .expect("sparse 100 MB file");
    let missing = dir.path().join("missing.md");
    let cases = [
        (missing.as_path(), "no such file"),
        (dir.path(), "is a directory"),
        (bin.as_path(), "binary file"),
        (big.as_path(), "runbooks are limited to"),
    ];
    for (path, what) in cases {
        let (code, stdout, stderr) = check(path);
        assert_eq!(code, 2, "{what}");
        assert!(stdout.is_empty());
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.contains(what) && stderr.contains(&path.display().to_string()),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"));
    }
}

#[test]
fn invalid_utf8_is_read_lossily_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "latin1.md", b"# Caf\xe9\n\n- [ ] ol\xe9\n");
    let (code, stdout, _) = check(&p);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(":1:1: warning: file is not valid UTF-8"),
        "{stdout}"
    );
    let out = flightdeck(&["plan", p.to_str().expect("utf-8")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Caf\u{fffd}"));
}

#[test]
fn worst_exit_code_over_many_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = write(dir.path(), "ok.md", b"- [ ] a\n");
    let bad = write(dir.path(), "bad.md", b"");
    let out = flightdeck(&["check", ok.to_str().expect("p"), bad.to_str().expect("p")]);
    assert_eq!(out.status.code(), Some(1));
    let missing = dir.path().join("nope.md");
    let out = flightdeck(&[
        "check",
        ok.to_str().expect("p"),
        missing.to_str().expect("p"),
        bad.to_str().expect("p"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("bad.md:1:1: error"),
        "later files are still checked"
    );
}

#[test]
fn plan_json_is_one_object_and_text_is_a_tree() {
    let out = flightdeck(&["plan", "tests/fixtures/seed-004.md", "--format", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["title"], "Production Deployment Runbook");
    assert_eq!(v["phases"].as_array().map(Vec::len), Some(19));
    let out = flightdeck(&["plan", "tests/fixtures/seed-004.md"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("### Phase 1: Final Validation (30 min)  [timebox 30m]"),
        "{text}"
    );
}

#[test]
fn help_and_version() {
    let out = flightdeck(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Examples:") && help.contains("plan") && help.contains("check"),
        "{help}"
    );
    let out = flightdeck(&["--version"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("flightdeck "));
}

#[test]
fn step_blocks_that_cannot_run_are_errors_with_their_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "steps.md",
        b"---\ndatabases:\n  a: postgres://x/a\n  b: postgres://x/b\nnotify:\n  on: [run_started, lunch]\n---\n# T\n\n## P\n\nCount:\n\n```sql\nselect 1;\n```\n\nOther db:\n\n```sql {db=c timeout=soon}\nselect 2;\n```\n\nHealth:\n\n```http\ncurl https://x\n```\n\nTell:\n\n```notify\nhello\n```\n",
    );
    let (code, out, _) = check(&p);
    assert_eq!(code, 1, "{out}");
    let f = p.display();
    for line in [
        format!(
            "{f}:14:1: error: sql step: several databases are declared (a, b); add db=NAME to the fence"
        ),
        format!("{f}:20:1: error: timeout=soon is not a duration; write timeout=30s, 5m or 1h"),
        format!("{f}:20:1: error: sql step: db=c is not under front-matter `databases` (a, b)"),
        format!(
            "{f}:26:1: error: http block: line 1: `curl https://x` is not a request line (write `GET https://host/path`)"
        ),
        format!(
            "{f}:32:1: error: notify block: a notify block needs a `webhook: URL` line (for example `webhook: $SLACK_WEBHOOK`)"
        ),
        format!(
            "{f}:1:1: error: front-matter `notify` needs `webhook: URL` (for example `webhook: $SLACK_WEBHOOK`)"
        ),
        format!(
            "{f}:1:1: warning: front-matter `notify.on`: `lunch` is not an event flightdeck posts (run_started, run_finished, metric_breach, rollback, handoff)"
        ),
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing `{line}` in:\n{out}"
        );
    }
}
