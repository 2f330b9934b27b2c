//! The header of `flightdeck watch`: how the followed run stands, in one line above the
//! checklist, so the on-call sees the captain's progress and the step running at a glance.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::App;
use crate::journal::replay::StepStatus;

/// Draws the header line.
pub fn render_header(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" WATCH (read-only) ", t.accent)];
    // A record that broke is the first thing said, in full: nothing past it is shown.
    if let Some((seq, why)) = app.follow.as_ref().and_then(|f| f.broken.as_ref()) {
        spans.push(Span::styled(
            format!("✖ BROKEN at seq {seq}: {why}; not applied "),
            t.crit,
        ));
    }
    if app.run.run_id.is_empty() {
        spans.push(Span::styled(
            "· no active run to follow: the runbook and its metrics only",
            t.dim,
        ));
    } else {
        let (done, total) = app.progress();
        spans.push(Span::raw(format!(
            "· run {} · {done}/{total} done ",
            app.run.run_id
        )));
        let running = app
            .runbook
            .steps()
            .find(|(_, s)| app.status_of(&s.id) == StepStatus::Running);
        match (running, app.current_phase()) {
            (Some((p, s)), _) => spans.push(Span::styled(
                format!(
                    "· ➤ {} › {} (running) ",
                    app.runbook.phases[p].title, s.title
                ),
                t.running,
            )),
            (None, Some(p)) => {
                spans.push(Span::raw(format!("· ➤ {} ", app.runbook.phases[p].title)))
            }
            (None, None) => spans.push(Span::styled("· every step done ", t.succeeded)),
        }
        if let Some(outcome) = &app.run.outcome {
            spans.push(Span::styled(format!("· finished: {outcome} "), t.accent));
        }
        if let Some(by) = app.follow.as_ref().and_then(|f| f.taken_over_by.as_ref()) {
            spans.push(Span::styled(
                format!("· taken over from this cockpit by {by} "),
                t.warn,
            ));
        }
        if let Some(f) = app.follow.as_ref().filter(|f| f.source.contains(' ')) {
            spans.push(Span::styled(format!("· from {} ", f.source), t.dim));
        }
        if let Some(last) = app.run.last_event {
            let ago = (app.now - last).num_seconds().max(0);
            spans.push(Span::styled(
                format!(
                    "· last event {} ago by {}",
                    crate::monitor::metric::format_age(ago),
                    app.run.operator
                ),
                t.dim,
            ));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
