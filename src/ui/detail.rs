//! The detail pane: the selected step (text, code, inputs, last result, notes) or phase.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::state::{App, Pane, Row};
use crate::journal::event::human_ms;
use crate::journal::secrets::MASK;
use crate::plan::human_secs;
use crate::runbook::{Phase, Step};
use crate::ui::pane_block;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let lines = match app.selected {
        Row::Step(..) => app
            .selected_step()
            .map(|s| step_lines(app, s))
            .unwrap_or_default(),
        Row::Phase(p) => app
            .runbook
            .phases
            .get(p)
            .map(|ph| phase_lines(app, ph))
            .unwrap_or_default(),
    };
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(pane_block(" Detail ", app, Pane::Detail));
    frame.render_widget(p, area);
}

fn step_lines(app: &App, step: &Step) -> Vec<Line<'static>> {
    let t = &app.theme;
    let status = app.status_of(&step.id);
    let mut out = vec![
        Line::styled(step.title.clone(), t.accent),
        Line::from(vec![
            Span::styled(
                format!(
                    "{} · {} · line {} · ",
                    step.kind.as_str(),
                    status.as_str(),
                    step.line
                ),
                t.dim,
            ),
            Span::styled(step.id.clone(), t.dim),
        ]),
    ];
    if let Some(why) = &step.dangerous {
        out.push(Line::styled(
            format!("⚠ asks for confirmation: {why}"),
            t.danger,
        ));
    }
    if let Some(c) = &step.choice {
        let others: Vec<&str> = app
            .runbook
            .steps()
            .filter_map(|(_, s)| s.choice.as_ref())
            .filter(|o| o.group == c.group && o.option != c.option)
            .map(|o| o.option.as_str())
            .fold(Vec::new(), |mut v, o| {
                if !v.contains(&o) {
                    v.push(o);
                }
                v
            });
        out.push(Line::styled(
            format!(
                "⑂ option “{}”; taking it skips: {}",
                c.option,
                others.join(" · ")
            ),
            t.dim,
        ));
    }
    if step.optional {
        out.push(Line::styled(
            "optional: `n` passes it; run or skip it when wanted",
            t.dim,
        ));
    }
    if let Some(each) = &step.repeat {
        out.push(Line::styled(
            format!("↻ repeats for {each}: Enter runs it again with new inputs; `n` moves on"),
            t.dim,
        ));
    }
    if step.kind == crate::runbook::StepKind::Shell
        && let Some(dir) = app.values.get(crate::app::values::WORKDIR)
    {
        out.push(Line::styled(
            format!("runs in {dir} (where an earlier step's `cd` left off)"),
            t.dim,
        ));
    }
    if step.inferred && step.is_executable() {
        out.push(Line::styled(
            "read from the runbook's prose: shown for a check before its first run",
            t.dim,
        ));
    }
    if let Some(code) = &step.code {
        out.push(Line::raw(""));
        for l in code.lines() {
            out.push(crate::ui::tint::code_line(&app.theme, l, step.kind));
        }
    }
    let inputs = crate::app::prepare::needed_inputs(app, step);
    if !inputs.is_empty() {
        out.push(Line::raw(""));
        for name in &inputs {
            let value = match app.values.get(name) {
                Some(_) if app.is_secret(name) => MASK.to_string(),
                Some(v) => v.clone(),
                None => "(asked for when the step runs)".into(),
            };
            let mut spans = vec![Span::styled(format!("{name} = "), t.dim), Span::raw(value)];
            if let Some((from, by)) = app.run.input_sources.get(name) {
                let from = match from.strip_prefix("capture:") {
                    Some(step) => format!("set by step {step}"),
                    None if from == "edit" => format!("edited by {by}"),
                    None => format!("entered by {by}"),
                };
                spans.push(Span::styled(format!("  ({from})"), t.dim));
            } else if app.values.contains_key(name) {
                spans.push(Span::styled("  (environment)", t.dim));
            }
            out.push(Line::from(spans));
        }
    }
    if let Some(st) = app.state_of(&step.id) {
        if st.attempts > 0 || st.last_exit.is_some() {
            let exit = st.last_exit.map_or("—".into(), |c| c.to_string());
            let took = st.duration_ms.map(human_ms).unwrap_or_default();
            out.push(Line::styled(
                format!("attempt {} · exit {exit} · {took}", st.attempts),
                t.dim,
            ));
        }
        for note in &st.notes {
            out.push(Line::from(vec![
                Span::styled("note: ", t.dim),
                Span::raw(note.clone()),
            ]));
        }
    }
    if !step.detail.is_empty() {
        out.push(Line::raw(""));
        out.extend(step.detail.lines().map(|l| Line::raw(l.to_string())));
    }
    out
}

fn phase_lines(app: &App, phase: &Phase) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = vec![Line::styled(phase.title.clone(), t.accent)];
    let mut plan = Vec::new();
    if let Some(s) = phase.timebox_secs {
        plan.push(format!("timebox {}", human_secs(s)));
    }
    if let Some(w) = &phase.window {
        plan.push(format!("window {}–{} {}", w.start, w.end, w.tz));
    }
    plan.push(format!("{} steps · line {}", phase.steps.len(), phase.line));
    out.push(Line::styled(plan.join(" · "), t.dim));
    if !phase.description.is_empty() {
        out.push(Line::raw(""));
        out.extend(phase.description.lines().map(|l| Line::raw(l.to_string())));
    }
    out
}
