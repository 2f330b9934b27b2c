//! Drawing: a pure function of the state. `render` reads `&App` and never changes it.

pub mod checklist;
pub mod detail;
pub mod dialogs;
pub mod layout;
pub mod logs;
pub mod logtabs;
pub mod monitor;
pub mod status;
pub mod theme;
pub mod tint;
pub mod watch;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::state::{App, Pane};

/// Draws the whole cockpit into the frame.
pub fn render(frame: &mut Frame, app: &App) {
    let size = frame.area();
    let mut areas = layout::for_app(app);
    if (size.width, size.height) != app.size {
        // Drawn at another size than the state knows (first frame, tests): lay out for it.
        areas = layout::areas_with((size.width, size.height), layout::view_of(app));
    }
    if areas.too_small {
        let (w, h) = layout::MIN_SIZE;
        let msg = format!(
            "terminal too small (need {w}×{h}, have {}×{})",
            size.width, size.height
        );
        let p = Paragraph::new(msg)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true });
        let y = size.height / 2;
        frame.render_widget(
            p,
            Rect::new(
                0,
                y.min(size.height.saturating_sub(1)),
                size.width,
                1.min(size.height),
            ),
        );
        return;
    }
    if let Some(r) = areas.checklist {
        checklist::render(frame, r, app);
    }
    if let Some(r) = areas.detail {
        detail::render(frame, r, app);
    }
    if let Some(r) = areas.monitor {
        monitor::render(frame, r, app);
    }
    if let Some(r) = areas.logs {
        logs::render(frame, r, app);
    }
    if let Some(r) = areas.header {
        watch::render_header(frame, r, app);
    }
    if let Some(i) = app.monitor.chart {
        let main = Rect::new(0, 0, size.width, size.height.saturating_sub(1));
        monitor::render_chart(frame, main, app, i);
    }
    status::render(frame, areas.status, app);
    dialogs::render(frame, size, app);
}

/// A pane's frame: highlighted when focused.
pub fn pane_block<'a>(title: impl Into<Line<'a>>, app: &App, pane: Pane) -> Block<'a> {
    let style = if app.focus == pane {
        app.theme.focus_border
    } else {
        app.theme.border
    };
    Block::bordered().title(title).border_style(style)
}
