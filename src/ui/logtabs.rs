//! Log sources as tabs of the log pane: the tab strip, and a source's last lines with
//! `ERROR|FATAL|panic` tinted and search matches highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::{App, Pane};
use crate::ui::checklist::truncate;
use crate::ui::pane_block;

/// Words that make a log line stand out.
const ALARMS: [&str; 3] = ["ERROR", "FATAL", "panic"];

/// The tab strip as title spans: `Output │ app │ api`, the shown one highlighted.
pub fn strip(app: &App) -> Vec<Span<'static>> {
    let names = std::iter::once("output").chain(app.monitor.logs.iter().map(|l| l.name.as_str()));
    let mut spans = Vec::new();
    for (i, name) in names.enumerate() {
        spans.push(Span::raw(if i == 0 { " " } else { "│ " }));
        let style = if i == app.monitor.log_tab {
            app.theme.selected
        } else {
            app.theme.dim
        };
        spans.push(Span::styled(format!("{name} "), style));
    }
    spans
}

/// Whether a line reads as an error.
pub fn alarming(line: &str) -> bool {
    ALARMS.iter().any(|w| line.contains(w))
}

/// Draws log source `app.monitor.log_tab - 1`.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(tab) = app
        .monitor
        .log_tab
        .checked_sub(1)
        .and_then(|i| app.monitor.logs.get(i))
    else {
        return;
    };
    let visible = area.height.saturating_sub(2) as usize;
    let kept = tab.lines.len();
    let end = kept.saturating_sub(app.log_offset);
    let start = end.saturating_sub(visible);
    let state = if app.log_offset == 0 {
        "following".to_string()
    } else {
        let first = tab.total - kept as u64 + 1;
        format!("paused at line {}", first + end.saturating_sub(1) as u64)
    };
    let mut title = strip(app);
    title.push(Span::styled(format!("· {state} · t next tab "), t.dim));
    let width = area.width.saturating_sub(2) as usize;
    let query = app.search.as_deref().filter(|q| !q.is_empty());
    let mut body: Vec<Line> = Vec::with_capacity(visible);
    if let Some(s) = &tab.status
        && kept == 0
    {
        body.push(Line::styled(s.clone(), t.dim));
    }
    for l in tab.lines.range(start..end) {
        let style = if alarming(l) { t.crit } else { t.text };
        let shown = if app.masker.is_empty() {
            l.clone()
        } else {
            app.masker.mask(l)
        };
        let text = truncate(&shown, width.max(1));
        body.push(match query.filter(|q| text.contains(*q)) {
            Some(q) => crate::ui::logs::highlight(&text, q, style, t.matched),
            None => Line::styled(text, style),
        });
    }
    if let Some(s) = &tab.status
        && kept > 0
        && body.len() < visible
    {
        body.push(Line::styled(format!("— {s}"), t.dim));
    }
    frame.render_widget(
        Paragraph::new(body).block(pane_block(Line::from(title), app, Pane::Logs)),
        area,
    );
}
