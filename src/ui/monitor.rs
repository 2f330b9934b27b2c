//! The monitoring pane. Metrics arrive with the monitoring work; until then it says how to
//! declare them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::state::{App, Pane};
use crate::ui::pane_block;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let declared = app
        .runbook
        .front_matter
        .as_ref()
        .map_or(0, |f| f.metrics.len());
    let text = if declared == 0 {
        vec![
            Line::styled("No metrics yet.", app.theme.dim),
            Line::styled("Declare them in the runbook's front matter:", app.theme.dim),
            Line::styled(
                "metrics: [{name: p95_ms, prometheus: …, crit: \"> 400\"}]",
                app.theme.dim,
            ),
        ]
    } else {
        vec![Line::styled(
            format!("{declared} metric(s) declared; live sampling is not built yet."),
            app.theme.dim,
        )]
    };
    let p = Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .block(pane_block(" Monitoring ", app, Pane::Monitor));
    frame.render_widget(p, area);
}
