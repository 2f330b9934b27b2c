//! The five real runbooks users sent us must plan as they are, with every check and every
//! shell block accounted for. Counts here come from pulldown-cmark directly, independently of
//! flightdeck's walker, so a walker that drops or invents steps fails.

use flightdeck::plan::{plan_json, plan_text};
use flightdeck::runbook::{self, Runbook, StepKind};
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};

const SEEDS: [&str; 5] = ["seed-000", "seed-001", "seed-002", "seed-003", "seed-004"];

fn load(name: &str) -> (String, Runbook) {
    let path = format!("tests/fixtures/{name}.md");
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    let rb = runbook::load(std::path::Path::new(&path)).expect("seed loads");
    (text, rb)
}

/// Task items outside code, shell fences, and the line ranges of all fences.
fn independent_counts(text: &str) -> (usize, usize, Vec<(usize, usize)>) {
    let mut tasks = 0;
    let mut shell = 0;
    let mut fences = Vec::new();
    let line_of = |off: usize| text[..off].matches('\n').count() + 1;
    for (event, range) in
        Parser::new_ext(text, Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES).into_offset_iter()
    {
        match event {
            Event::TaskListMarker(_) => tasks += 1,
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let lang = info.split_whitespace().next().unwrap_or("");
                if matches!(lang, "bash" | "sh" | "shell" | "zsh" | "console") {
                    shell += 1;
                }
                fences.push((line_of(range.start), line_of(range.end.saturating_sub(1))));
            }
            _ => {}
        }
    }
    (tasks, shell, fences)
}

#[test]
fn every_check_and_shell_block_becomes_one_step() {
    for name in SEEDS {
        let (text, rb) = load(name);
        let (tasks, shell, fences) = independent_counts(&text);
        let count = |k: StepKind| rb.steps().filter(|(_, s)| s.kind == k).count();
        assert_eq!(count(StepKind::Check), tasks, "{name}: check steps");
        // Every shell fence is a step of its own; commands read from bullets are on top.
        let fenced = rb
            .steps()
            .filter(|(_, s)| s.kind == StepKind::Shell && !s.inferred)
            .count();
        assert_eq!(fenced, shell, "{name}: shell steps from fences");
        for phase in &rb.phases {
            let inside = fences
                .iter()
                .any(|&(a, b)| phase.line >= a && phase.line <= b);
            assert!(
                !inside,
                "{name}: phase {:?} at line {} comes from inside a fence",
                phase.title, phase.line
            );
        }
        assert!(!rb.has_errors(), "{name}: {:?}", rb.diagnostics);
        // Ids are unique, so a resumed run can find every step.
        let mut ids: Vec<&str> = rb.steps().map(|(_, s)| s.id.as_str()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "{name}: duplicate ids");
    }
}

#[test]
fn seed_counts_are_what_a_captain_sees() {
    // Pinned so that a change in the mapping is a visible, reviewed change.
    let expected = [
        ("seed-000", 42),
        ("seed-001", 93),
        ("seed-002", 18),
        ("seed-003", 14),
        ("seed-004", 68),
    ];
    for (name, steps) in expected {
        assert_eq!(load(name).1.steps().count(), steps, "{name}");
    }
}

#[test]
fn seed_002_phase_one_has_its_window() {
    let (_, rb) = load("seed-002");
    let p = rb
        .phases
        .iter()
        .find(|p| p.title == "Phase 1: Database Migrations (02:00-02:20 UTC)")
        .expect("phase 1");
    let w = p.window.as_ref().expect("window");
    assert_eq!(
        (w.start.as_str(), w.end.as_str(), w.tz.as_str()),
        ("02:00", "02:20", "UTC")
    );
    assert_eq!(p.timebox_secs, None);
    assert_eq!(rb.title, "Production Go-Live Runbook");
}

#[test]
fn seed_004_final_validation_is_timeboxed() {
    let (_, rb) = load("seed-004");
    let p = rb
        .phases
        .iter()
        .find(|p| p.title == "Phase 1: Final Validation (30 min)")
        .expect("phase 1");
    assert_eq!(p.timebox_secs, Some(1800));
    // "Run full test suite: `npm run test:ci`" runs; "Review the Go/No-Go report" is by hand.
    let kinds: Vec<StepKind> = p.steps.iter().map(|s| s.kind).collect();
    use StepKind::{Manual, Shell};
    assert_eq!(kinds, [Shell, Shell, Shell, Manual, Manual]);
    assert_eq!(
        p.steps[0].code.as_deref(),
        Some("npm run test:ci\n"),
        "the inline command"
    );
    assert!(p.steps[0].inferred, "confirmed before its first run");
}

#[test]
fn seed_000_list_item_fence_is_one_shell_step_titled_by_its_item() {
    let (_, rb) = load("seed-000");
    let s = rb
        .steps()
        .map(|(_, s)| s)
        .find(|s| s.title == "Login and link")
        .expect("step");
    assert_eq!(s.kind, StepKind::Shell);
    assert_eq!(s.inputs, ["project-ref"]);
    assert!(
        s.code
            .as_deref()
            .unwrap_or("")
            .contains("supabase link --project-ref <project-ref>")
    );
}

#[test]
fn seed_002_values_flow_as_inputs() {
    let (_, rb) = load("seed-002");
    let stage1 = rb
        .steps()
        .map(|(_, s)| s)
        .find(|s| s.title.starts_with("Stage 1"))
        .expect("stage 1");
    assert_eq!(stage1.inputs, ["ALIAS", "DEPLOY_ID"]);
    let get = rb
        .steps()
        .map(|(_, s)| s)
        .find(|s| s.title == "Get latest production deployment")
        .expect("3.1");
    assert!(
        get.inputs.is_empty(),
        "DEPLOY_ID is set by the step itself: {:?}",
        get.inputs
    );
    assert!(rb.is_secret("SLACK_WEBHOOK") && rb.is_secret("SUPABASE_PROD_SERVICE_KEY"));
    assert!(!rb.is_secret("DEPLOY_ID"));
    let migrate = rb
        .steps()
        .map(|(_, s)| s)
        .find(|s| s.title.starts_with("Execute migrations"))
        .expect("phase 1 step");
    assert!(
        migrate.dangerous.is_some(),
        "CREATE INDEX on the production URL asks for confirmation"
    );
}

#[test]
fn plan_text_snapshots() {
    for name in SEEDS {
        let (_, rb) = load(name);
        insta::assert_snapshot!(format!("plan_text_{name}"), plan_text(&rb));
    }
}

#[test]
fn plan_json_snapshot_and_field_names() {
    let (_, rb) = load("seed-002");
    let json = serde_json::to_value(plan_json(&rb)).expect("serialises");
    for key in ["title", "source", "vars", "phases"] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    let phase = &json["phases"][4];
    for key in ["title", "level", "line", "timebox_secs", "window", "steps"] {
        assert!(phase.get(key).is_some(), "phase missing {key}");
    }
    assert_eq!(phase["window"]["start"], "02:00");
    let step = &phase["steps"][0];
    for key in ["id", "kind", "title", "line", "code", "inputs", "dangerous"] {
        assert!(step.get(key).is_some(), "step missing {key}");
    }
    insta::assert_json_snapshot!("plan_json_seed-002", json);
}
