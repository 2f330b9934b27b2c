//! One test per mapping rule of DESIGN.md §2 and per Markdown trap: the parser must read
//! real-world Markdown the way a person reads it.

use flightdeck::runbook::{Runbook, Severity, StepKind, parse};

fn rb(md: &str) -> Runbook {
    parse(md, "t.md")
}

fn kinds_titles(rb: &Runbook) -> Vec<(StepKind, String)> {
    rb.steps().map(|(_, s)| (s.kind, s.title.clone())).collect()
}

#[test]
fn headings_are_phases_nested_by_level_and_first_h1_is_the_title() {
    let r = rb("# Go live\n\n## Prep\n\n- [ ] a\n\n### Sub\n\n- [ ] b\n\n## Ship\n\n- [ ] c\n");
    assert_eq!(r.title, "Go live");
    let phases: Vec<_> = r
        .phases
        .iter()
        .map(|p| (p.title.as_str(), p.level, p.parent))
        .collect();
    assert_eq!(
        phases,
        [("Prep", 2, None), ("Sub", 3, Some(0)), ("Ship", 2, None)]
    );
    assert_eq!(r.phases[1].line, 7);
}

#[test]
fn setext_headings_are_phases() {
    let r = rb("Release\n=======\n\nPrep\n----\n\n- [ ] a\n");
    assert_eq!(r.title, "Release");
    assert_eq!(r.phases[0].title, "Prep");
    assert_eq!(r.phases[0].level, 2);
    assert_eq!(r.phases[0].line, 4);
}

#[test]
fn steps_before_any_heading_get_a_phase_named_after_the_runbook() {
    let r = rb("- [ ] only step\n");
    assert_eq!(r.title, "t");
    assert_eq!(r.phases.len(), 1);
    assert_eq!(
        kinds_titles(&r),
        [(StepKind::Check, "only step".to_string())]
    );
}

#[test]
fn task_items_at_any_depth_are_checks_and_checked_ones_too() {
    let r = rb("## P\n\n- [ ] top\n  - [x] nested done\n    - [ ] deeper\n- plain bullet\n");
    assert_eq!(
        kinds_titles(&r),
        [
            (StepKind::Check, "top".to_string()),
            (StepKind::Check, "nested done".to_string()),
            (StepKind::Check, "deeper".to_string()),
        ]
    );
    assert!(r.phases[0].description.contains("plain bullet"));
}

#[test]
fn loose_task_lists_are_checks() {
    let r = rb("## P\n\n- [ ] first\n\n- [ ] second\n");
    assert_eq!(
        r.steps().filter(|(_, s)| s.kind == StepKind::Check).count(),
        2
    );
}

#[test]
fn ordered_items_without_code_are_manual_steps_with_their_details() {
    let r = rb("## P\n\n1. **Tag and build**\n   - create the tag\n2. Announce\n");
    assert_eq!(
        kinds_titles(&r),
        [
            (StepKind::Manual, "Tag and build".to_string()),
            (StepKind::Manual, "Announce".to_string())
        ]
    );
    assert!(r.phases[0].steps[0].detail.contains("create the tag"));
}

#[test]
fn a_fence_inside_a_list_item_belongs_to_it() {
    let r =
        rb("## P\n\n1. Login and link:\n   ```bash\n   supabase login\n   ```\n2. Check logs\n");
    let steps: Vec<_> = r.steps().map(|(_, s)| s).collect();
    assert_eq!(steps.len(), 2);
    assert_eq!(
        (steps[0].kind, steps[0].title.as_str()),
        (StepKind::Shell, "Login and link")
    );
    assert_eq!(steps[0].code.as_deref(), Some("supabase login\n"));
    assert_eq!(steps[0].line, 3);
    assert_eq!(steps[1].kind, StepKind::Manual);
}

#[test]
fn nested_fences_make_their_numbered_item_a_group() {
    let r =
        rb("## P\n\n2. **Migrations**\n   - Apply first:\n     ```sh\n     db push\n     ```\n");
    assert_eq!(
        kinds_titles(&r),
        [(StepKind::Shell, "Migrations › Apply first".to_string())]
    );
}

#[test]
fn a_fence_after_a_paragraph_takes_its_title() {
    let r = rb(
        "## P\n\n**Stage 1: 10% traffic**\n```bash\nvercel traffic x@10\n```\n\n```bash\n# Watch errors\nwatch curl x\n```\n\n```bash\nkubectl get pods\n```\n",
    );
    let titles: Vec<_> = r.steps().map(|(_, s)| s.title.clone()).collect();
    // A leading comment titles its own block; prose titles only the block right after it,
    // so a third block with neither is titled by its first line, not "Stage 1 (2)".
    assert_eq!(
        titles,
        ["Stage 1: 10% traffic", "Watch errors", "kubectl get pods"]
    );
    // The sentence that leads into the block titles it; "e.g." ends no sentence; a bare
    // "Example:" titles nothing.
    let r = rb(
        "## P\n\nThe upgrade keeps data. Then, run the upgrade script:\n\n```bash\n./upgrade.sh\n```\n\nUse a short name, e.g. a tag. It is kept.\n\n```bash\nmake tag\n```\n\nExample:\n\n```bash\nmake example\n```\n",
    );
    let titles: Vec<_> = r.steps().map(|(_, s)| s.title.clone()).collect();
    assert_eq!(
        titles,
        [
            "Then, run the upgrade script",
            "Use a short name, e.g. a tag",
            "make example"
        ]
    );
}

#[test]
fn nothing_inside_a_fence_is_a_phase_or_step() {
    let r = rb(
        "## P\n\n```bash\n# Not a heading\n- [ ] not a check\n1. not manual\necho hi\n```\n\n~~~sh\n# also not\n~~~\n",
    );
    assert_eq!(r.phases.len(), 1);
    // The comment-only block runs nothing and is no step.
    assert_eq!(r.steps().count(), 1);
    assert!(r.steps().all(|(_, s)| s.kind == StepKind::Shell));
}

#[test]
fn tilde_fences_and_languages() {
    let r = rb(
        "## P\n\n~~~zsh\nls\n~~~\n\n```SQL\nselect 1;\n```\n\n```yaml\na: 1\n```\n\n```json\n{}\n```\n\n```python\nprint(1)\n```\n",
    );
    let kinds: Vec<_> = r.steps().map(|(_, s)| s.kind).collect();
    assert_eq!(kinds, [StepKind::Shell, StepKind::Sql]);
    assert!(
        r.phases[0].description.contains("a: 1"),
        "reference blocks go to the description"
    );
}

#[test]
fn html_blocks_are_reference_text() {
    let r = rb(
        "## P\n\n    Dashboard: green\n\n<div>\n\n- [ ] inside html\n\n</div>\n\n<!-- - [ ] commented -->\n",
    );
    assert_eq!(
        kinds_titles(&r),
        [(StepKind::Check, "inside html".to_string())]
    );
    assert!(r.phases[0].description.contains("Dashboard: green"));
}

#[test]
fn console_blocks_run_only_their_prompt_lines() {
    let r = rb(
        "## P\n\n```console\n$ kubectl get pods\nNAME READY\napi 1/1\n$ systemctl restart api\n```\n",
    );
    let s = &r.phases[0].steps[0];
    assert_eq!(
        s.code.as_deref(),
        Some("kubectl get pods\nsystemctl restart api\n")
    );
    assert_eq!(s.expected_output.as_deref(), Some("NAME READY\napi 1/1"));
    // `# ` is a root prompt only where no `$ ` prompt is used; beside them it is a comment.
    let r = rb(
        "## P\n\n```console\n# systemctl restart api\n```\n\n```console\n$ make\n# make sure it built\n```\n",
    );
    let codes: Vec<_> = r
        .steps()
        .map(|(_, s)| s.code.clone().unwrap_or_default())
        .collect();
    assert_eq!(codes, ["systemctl restart api\n", "make\n"]);
}

#[test]
fn bare_fences_run_only_when_they_read_as_commands() {
    let r =
        rb("## P\n\n```\nkubectl rollout status deploy/api\n```\n\n```\nDashboard: green\n```\n");
    assert_eq!(r.steps().count(), 1);
}

#[test]
fn heading_suffixes_plan_the_phase_and_stay_in_the_title() {
    let r = rb(
        "## A (30 min)\n- [ ] x\n## B (~2h)\n- [ ] x\n## C (45-60 minutes)\n- [ ] x\n## D (02:00-02:20 UTC)\n- [ ] x\n",
    );
    let plans: Vec<_> = r
        .phases
        .iter()
        .map(|p| (p.title.as_str(), p.timebox_secs, p.window.is_some()))
        .collect();
    assert_eq!(
        plans,
        [
            ("A (30 min)", Some(1800), false),
            ("B (~2h)", Some(7200), false),
            ("C (45-60 minutes)", Some(3600), false),
            ("D (02:00-02:20 UTC)", None, true)
        ]
    );
}

#[test]
fn inputs_from_placeholders_vars_and_templates_in_order() {
    let r =
        rb("## P\n\n```bash\nX=1\necho <project-ref> $X ${REGION} {{ RELEASE }} $REGION\n```\n");
    assert_eq!(
        r.phases[0].steps[0].inputs,
        ["project-ref", "REGION", "RELEASE"]
    );
    let names: Vec<_> = r.vars.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["project-ref", "REGION", "RELEASE"]);
}

#[test]
fn secret_inputs_by_name_and_front_matter_overrides() {
    let r = rb(
        "---\nvars:\n  API_KEY:\n    secret: false\n  REGION:\n    secret: true\n---\n## P\n\n```bash\ncurl -H \"x: $API_KEY\" $SLACK_WEBHOOK $REGION\n```\n",
    );
    assert!(!r.is_secret("API_KEY"));
    assert!(r.is_secret("REGION"));
    assert!(r.is_secret("SLACK_WEBHOOK"));
}

#[test]
fn fence_attributes_explicit_ids_and_confirm() {
    let r = rb("## P\n\n```bash {id=migrate-users confirm timeout=20m role=sre}\necho safe\n```\n");
    let s = &r.phases[0].steps[0];
    assert_eq!(s.id, "migrate-users");
    assert_eq!(s.attrs.timeout.as_deref(), Some("20m"));
    assert_eq!(s.attrs.role.as_deref(), Some("sre"));
    assert!(s.dangerous.is_some());
}

#[test]
fn destructive_code_is_dangerous() {
    let r = rb(
        "## P\n\n```sql\nDELETE FROM sessions;\n```\n\n```bash\nkubectl delete ns old\n```\n\n```bash\necho ok\n```\n",
    );
    let flags: Vec<_> = r.steps().map(|(_, s)| s.dangerous.is_some()).collect();
    assert_eq!(flags, [true, true, false]);
}

#[test]
fn derived_ids_are_stable_across_edits_elsewhere() {
    let before = rb("## A\n\n- [ ] check x\n\n## B\n\n- [ ] same\n- [ ] same\n");
    let after = rb(
        "## A (typo fixed)\n\nnew intro\n\n- [ ] check x\n- [ ] new step\n\n## B\n\n- [ ] same\n- [ ] same\n",
    );
    let ids = |r: &Runbook, phase: usize| {
        r.phases[phase]
            .steps
            .iter()
            .map(|s| s.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&before, 1), ["b.same", "b.same-2"]);
    assert_eq!(ids(&before, 1), ids(&after, 1));
}

#[test]
fn front_matter_is_typed_and_not_a_phase() {
    let r = rb(
        "---\ntitle: From front matter\nenvironment: production\ndatabases:\n  main: postgres://x@127.0.0.1/test\n---\n# Heading title\n\n- [ ] a\n",
    );
    assert_eq!(r.title, "From front matter");
    let fm = r.front_matter.as_ref().expect("front matter");
    assert_eq!(fm.environment.as_deref(), Some("production"));
    assert_eq!(
        fm.databases.get("main").map(String::as_str),
        Some("postgres://x@127.0.0.1/test")
    );
    assert_eq!(r.phases.len(), 1);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
}

#[test]
fn crlf_bom_and_tabs_parse_like_lf() {
    let lf = rb("# T\n\n## P\n\n- [ ] a\n\n```bash\n\techo hi\n```\n");
    let bytes =
        b"\xEF\xBB\xBF# T\r\n\r\n## P\r\n\r\n- [ ] a\r\n\r\n```bash\r\n\techo hi\r\n```\r\n";
    let text = flightdeck::runbook::source::decode(bytes.to_vec())
        .expect("decodes")
        .text;
    let crlf = rb(&text);
    assert_eq!(kinds_titles(&lf), kinds_titles(&crlf));
    assert_eq!(crlf.title, "T");
    assert_eq!(crlf.phases[0].steps[1].code.as_deref(), Some("\techo hi\n"));
    assert_eq!(crlf.phases[0].steps[1].line, 7);
}

#[test]
fn empty_and_whitespace_files_parse_with_one_error() {
    for text in ["", "\n\n   \n", "# Only a title\n"] {
        let r = rb(text);
        let errors: Vec<_> = r
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{text:?}: {:?}", r.diagnostics);
        assert!(errors[0].message.contains("no steps"));
    }
}

#[test]
fn unclosed_fence_in_a_list_item_is_reported_with_its_line() {
    let r = rb("## P\n\n1. Run:\n   ```bash\n   echo a\n\n```\n");
    let e = r
        .diagnostics
        .iter()
        .find(|d| d.message.contains("never closed"))
        .expect("finding");
    assert_eq!(e.severity, Severity::Error);
}

/// The errors and warnings of a runbook as (line, severity, message start).
fn findings(r: &Runbook) -> Vec<(usize, Severity, String)> {
    r.diagnostics
        .iter()
        .map(|d| (d.line, d.severity, d.message.clone()))
        .collect()
}

#[test]
fn site_generator_front_matter_is_read_without_a_word() {
    let r = rb(
        "---\nlayout: post\ntitle: Ship it\nweight: 2\naliases: [/old]\npermalink: /ship/\ncategories: [ops]\ntags: [release]\ndescription: How we ship\ndate: 2024-01-02\ndraft: false\nmenu:\n  docs:\n    parent: admin\n    weight: 90\nnav_order: 3\nparent: Ops\nredirect_from:\n  - /ship-old/\nsidebar_position: 4\nslug: ship\ntoc: true\nhide:\n  - navigation\nsearch:\n  exclude: true\n---\n# Ship\n\n- [ ] a\n",
    );
    assert_eq!(r.title, "Ship it");
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
}

#[test]
fn unknown_front_matter_keys_warn_once_per_top_level_key() {
    let r = rb(
        "---\nowner_slack: \"#ops\"\nreview:\n  by: x\n  every: 6 months\nmetrics:\n  - name: a\n    command: echo 1\n    crti: \"> 1\"\n  - name: b\n    command: echo 2\n    crti: \"> 2\"\n    colour: red\n---\n# T\n\n- [ ] a\n",
    );
    let got: Vec<_> = r
        .diagnostics
        .iter()
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "unknown front-matter key `owner_slack` is ignored"),
            (3, "unknown front-matter key `review` is ignored"),
            (
                9,
                "unknown front-matter keys `metrics[].crti`, `metrics[].colour` are ignored"
            ),
        ]
    );
}

#[test]
fn a_front_matter_key_given_twice_warns_and_the_last_one_wins() {
    let r = rb("---\ntitle: Draft name\nlayout: x\ntitle: Final name\n---\n- [ ] a\n");
    assert_eq!(r.title, "Final name");
    assert_eq!(
        findings(&r),
        [(
            4,
            Severity::Warning,
            "front-matter key `title` is given again (first at line 2); the last one is used"
                .to_string()
        )]
    );
}

#[test]
fn a_leading_dashed_block_that_is_not_a_mapping_is_markdown() {
    // CommonMark: a thematic break, then a setext heading underlined by the closing `---`.
    let r = rb("---\nRead this before the window opens.\n---\n\n- [ ] a\n");
    assert!(r.front_matter.is_none());
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.title, "Read this before the window opens.");
    assert_eq!(
        (r.phases[0].title.as_str(), r.phases[0].line),
        ("Read this before the window opens.", 2)
    );
}

#[test]
fn a_dashed_block_further_down_is_markdown_not_front_matter() {
    let r = rb("---\ntitle: Real\n---\n# T\n\n## P\n\n- [ ] a\n\n---\nStage two\n---\n\n- [ ] b\n");
    assert_eq!(r.title, "Real");
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let phases: Vec<_> = r
        .phases
        .iter()
        .map(|p| (p.title.as_str(), p.steps.len()))
        .collect();
    assert_eq!(phases, [("P", 1), ("Stage two", 1)]);
}

#[test]
fn front_matter_sections_of_the_wrong_type_are_ignored_on_their_line() {
    let r = rb(
        "---\ntitle: T\nenvironment: staging\nvars:\n  - hugo\n  - list\nmetrics: true\n---\n- [ ] a\n",
    );
    assert!(!r.has_errors(), "{:?}", r.diagnostics);
    let fm = r.front_matter.as_ref().expect("the rest is read");
    assert_eq!(fm.environment.as_deref(), Some("staging"));
    let lines: Vec<_> = findings(&r)
        .into_iter()
        .map(|(line, sev, m)| {
            (
                line,
                sev,
                m.split(" is ignored").next().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (4, Severity::Warning, "front-matter `vars`".to_string()),
            (7, Severity::Warning, "front-matter `metrics`".to_string()),
        ]
    );
}

#[test]
fn front_matter_that_does_not_parse_refuses_only_when_written_for_flightdeck() {
    let foreign = rb("---\ntitle: Deploy: the hard way\nlayout: post\n---\n## Deploy\n\n- [ ] a\n");
    assert!(!foreign.has_errors(), "{:?}", foreign.diagnostics);
    assert_eq!(foreign.diagnostics.len(), 1, "{:?}", foreign.diagnostics);
    let d = &foreign.diagnostics[0];
    assert_eq!((d.line, d.severity), (2, Severity::Warning));
    assert!(
        d.message.starts_with("front matter does not parse"),
        "{d:?}"
    );
    assert_eq!(foreign.title, "Deploy");
    assert_eq!(foreign.steps().count(), 1);

    let ours = rb("---\ntitle: Deploy: the hard way\nenvironment: production\n---\n- [ ] a\n");
    assert!(ours.has_errors(), "{:?}", ours.diagnostics);
}

#[test]
fn the_title_is_front_matter_title_else_the_first_heading_of_any_level() {
    let h2 = rb("## Cut the release\n\n- [ ] a\n\n## Announce\n\n- [ ] b\n");
    assert_eq!(h2.title, "Cut the release");
    assert_eq!(h2.phases[0].title, "Cut the release", "still a phase");
    assert_eq!(h2.phases[0].steps.len(), 1);

    let late = rb("- [ ] before any heading\n\n### Later\n\n- [ ] b\n");
    assert_eq!(late.title, "Later");

    let fm = rb("---\ntitle: From front matter\n---\n## Heading\n\n- [ ] a\n");
    assert_eq!(fm.title, "From front matter");
}

#[test]
fn inputs_an_earlier_step_sets_flow_and_are_not_asked_for_up_front() {
    let r = rb(
        "## P\n\nEarly reader:\n```bash\necho $LATER\n```\n\nSet versions:\n```bash\nNEWVER=1.2\nexport RELEASE_NAME=v$NEWVER\nLATER=1\n```\n\nTag:\n```bash\ngit tag $RELEASE_NAME && git push $REMOTE $NEWVER\n```\n\nHead:\n```bash {capture=SHA}\ngit rev-parse HEAD\n```\n\nShow:\n```bash\necho $SHA $LATER\n```\n",
    );
    let names: Vec<_> = r.vars.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["LATER", "REMOTE"]);
    let tag = &r.phases[0].steps[2];
    assert_eq!(
        tag.inputs,
        ["RELEASE_NAME", "REMOTE", "NEWVER"],
        "the step still shows them"
    );
    let plan = flightdeck::plan::plan_text(&r);
    assert!(plan.contains("\ninputs: LATER, REMOTE\n"), "{plan}");
}

fn inputs_of(md: &str) -> Vec<Vec<String>> {
    rb(md).steps().map(|(_, s)| s.inputs.clone()).collect()
}

#[test]
fn a_placeholder_of_several_words_is_one_input() {
    let r = rb(
        "## P\n\n```bash\nvault login \"<token from the vault>\" --host <vault host>:8200\n```\n",
    );
    assert_eq!(
        r.phases[0].steps[0].inputs,
        ["TOKEN_FROM_THE_VAULT", "VAULT_HOST"]
    );
    assert!(r.is_secret("TOKEN_FROM_THE_VAULT"), "named like a token");
}

#[test]
fn html_tags_redirections_and_comparisons_are_not_placeholders() {
    let inputs = inputs_of(
        "## P\n\n```bash\necho '<br>' '<details open>' '<summary>' '</div>' '<a href=\"x\">'\nsort <in.txt tmp> out.txt\nawk '$1<min && $2>max'\npython3 -c 'print(a < b > c, x<y and z> 0, 1 <y or z>w)'\ncat > settings.xml <<EOF\n<server><id>main</id></server>\nEOF\n```\n",
    );
    assert_eq!(inputs, [Vec::<String>::new()]);
}

#[test]
fn a_dashed_dollar_name_in_template_text_is_not_an_input() {
    let inputs = inputs_of(
        "## P\n\nTell:\n\n```notify\nwebhook: https://hooks.example/x\nShipped $RELEASE-TAG to $REGION-eu, see ${NOTES}-PAGE.\n```\n\nShell:\n\n```bash\ngit push origin $RELEASE-TAG\n```\n",
    );
    assert_eq!(
        inputs,
        [
            vec!["REGION".to_string(), "NOTES".to_string()],
            vec!["RELEASE".to_string()]
        ],
        "in shell `$RELEASE-TAG` is `$RELEASE` then `-TAG`"
    );
}
