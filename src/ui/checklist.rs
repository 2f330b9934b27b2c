//! The checklist pane: phases as a collapsible tree with progress, steps with state symbols.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::{App, Pane, Row};
use crate::journal::replay::StepStatus;
use crate::plan::human_secs;
use crate::ui::pane_block;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The symbol of a state: distinct for every state, so colour is never needed to tell them.
pub fn symbol(status: StepStatus, spinner: usize) -> &'static str {
    match status {
        StepStatus::Pending => "○",
        StepStatus::Running => SPINNER[spinner % SPINNER.len()],
        StepStatus::Succeeded => "✓",
        StepStatus::Failed => "✗",
        StepStatus::Acknowledged => "✔",
        StepStatus::Skipped => "⊘",
        StepStatus::Interrupted => "!",
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let (done, total) = app.progress();
    let block = pane_block(format!(" Checklist {done}/{total} "), app, Pane::Checklist);
    let rows = app.rows();
    let visible = area.height.saturating_sub(2) as usize;
    let selected = rows.iter().position(|r| *r == app.selected).unwrap_or(0);
    let offset = crate::ui::layout::list_offset(selected, visible, rows.len());
    let current = app.current_phase();
    let width = area.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = rows
        .iter()
        .skip(offset)
        .take(visible)
        .map(|row| {
            let line = row_line(app, *row, current, width);
            if *row == app.selected {
                line.patch_style(app.theme.selected)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn row_line(app: &App, row: Row, current: Option<usize>, width: usize) -> Line<'static> {
    let t = &app.theme;
    match row {
        Row::Phase(p) => {
            let phase = &app.runbook.phases[p];
            let indent = "  ".repeat(usize::from(phase.level.saturating_sub(base_level(app))));
            let fold = if app.collapsed.contains(&p) {
                "▸"
            } else {
                "▾"
            };
            let done = phase
                .steps
                .iter()
                .filter(|s| app.status_of(&s.id).is_done())
                .count();
            let marker = if current == Some(p) { "➤ " } else { "" };
            let mut spans = vec![
                Span::styled(format!("{indent}{fold} {marker}"), t.accent),
                Span::styled(phase.title.clone(), t.accent),
            ];
            if !phase.steps.is_empty() {
                spans.push(Span::styled(
                    format!("  {done}/{}", phase.steps.len()),
                    t.dim,
                ));
            }
            if let Some(secs) = phase.timebox_secs {
                spans.push(Span::styled(format!("  ⏱ {}", human_secs(secs)), t.dim));
            }
            Line::from(spans)
        }
        Row::Step(p, s) => {
            let phase = &app.runbook.phases[p];
            let step = &phase.steps[s];
            let status = app.status_of(&step.id);
            let indent = "  ".repeat(usize::from(phase.level.saturating_sub(base_level(app))) + 1);
            let state = app.state_of(&step.id);
            let mut spans = vec![
                Span::raw(indent),
                Span::styled(
                    format!("{} ", symbol(status, app.spinner)),
                    t.status(status),
                ),
                Span::styled(format!("{:<6} ", step.kind.as_str()), t.dim),
            ];
            if step.dangerous.is_some() {
                spans.push(Span::styled("⚠ ", t.danger));
            }
            // One option of a choice: taking it skips the others.
            if step.choice.is_some() {
                spans.push(Span::styled("⑂ ", t.dim));
            }
            if step.optional {
                spans.push(Span::styled("optional ", t.dim));
            }
            let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
            let by = state
                .filter(|st| {
                    matches!(
                        st.status,
                        StepStatus::Acknowledged | StepStatus::Skipped | StepStatus::Failed
                    )
                })
                .and_then(|st| st.by.clone())
                .map(|b| format!("  · {b}"))
                .unwrap_or_default();
            // What a long step is doing now (soak countdown, index build, retry countdown) beats
            // who did it.
            let now_doing = crate::app::monitoring::countdown(app, &step.id)
                .or_else(|| app.progress.get(&step.id).cloned())
                .or_else(|| crate::app::timer::step_timer(app, step));
            let (by, by_style) = match now_doing {
                Some(p) => (truncate(&format!("  · {p}"), width / 2), t.accent),
                None => (by, t.dim),
            };
            let room = width.saturating_sub(used + by.chars().count()).max(8);
            spans.push(Span::styled(
                truncate(&step.title, room),
                status_text(app, status),
            ));
            spans.push(Span::styled(by, by_style));
            Line::from(spans)
        }
    }
}

fn status_text(app: &App, status: StepStatus) -> Style {
    match status {
        StepStatus::Skipped => app.theme.skipped,
        StepStatus::Failed => app.theme.failed,
        StepStatus::Interrupted => app.theme.interrupted,
        _ => app.theme.text,
    }
}

fn base_level(app: &App) -> u8 {
    app.runbook
        .phases
        .iter()
        .map(|p| p.level)
        .min()
        .unwrap_or(1)
}

/// Cuts `text` to `max` characters with an ellipsis.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}
