//! The log pane: the output of the selected step (or the one running), stderr tinted,
//! scrollable and searchable, with a following / paused indicator.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::{App, Pane};
use crate::ui::checklist::truncate;
use crate::ui::pane_block;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    if app.monitor.log_tab > 0 {
        return crate::ui::logtabs::render(frame, area, app);
    }
    let t = &app.theme;
    let visible = area.height.saturating_sub(2) as usize;
    let Some((id, log)) = app
        .log_step()
        .and_then(|id| app.logs.get(id).map(|l| (id, l)))
    else {
        let hint = if app.read_only {
            "No output yet: the captain's running step shows here."
        } else {
            "No output yet: select a step that runs and press Enter."
        };
        let hint = Line::styled(hint, t.dim);
        frame.render_widget(
            Paragraph::new(hint).block(pane_block(tabbed(app, " Output ".into()), app, Pane::Logs)),
            area,
        );
        return;
    };
    let kept = log.ring.len();
    let end = kept.saturating_sub(app.log_offset);
    let start = end.saturating_sub(visible);
    let first_number = log.ring.total_lines() - kept as u64 + 1;
    let state = if app.log_offset == 0 {
        "following".to_string()
    } else {
        format!(
            "paused at line {}",
            first_number + end.saturating_sub(1) as u64
        )
    };
    let signal = log
        .signal
        .map(|s| format!(" · {s} sent"))
        .unwrap_or_default();
    let title = format!(
        " Output: {} · attempt {} · {state}{signal} ",
        truncate(id, 40),
        log.attempt
    );
    let title = tabbed(app, title);
    let width = area.width.saturating_sub(2) as usize;
    let query = app.search.as_deref();
    let body: Vec<Line> = log
        .ring
        .lines(start..end)
        .map(|l| {
            let style = if l.stderr { t.stderr } else { t.text };
            let shown = if app.masker.is_empty() {
                l.text
            } else {
                app.masker.mask(&l.text)
            };
            let text = truncate(&shown, width.max(1));
            match query.filter(|q| !q.is_empty() && text.contains(*q)) {
                Some(q) => highlight(&text, q, style, t.matched),
                None => Line::styled(text, style),
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(body).block(pane_block(title, app, Pane::Logs)),
        area,
    );
}

/// `text` with every occurrence of `q` in the `matched` style.
pub fn highlight(
    text: &str,
    q: &str,
    style: ratatui::style::Style,
    matched: ratatui::style::Style,
) -> Line<'static> {
    let mut spans = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(q) {
        spans.push(Span::styled(rest[..i].to_string(), style));
        spans.push(Span::styled(q.to_string(), style.patch(matched)));
        rest = &rest[i + q.len()..];
    }
    spans.push(Span::styled(rest.to_string(), style));
    Line::from(spans)
}

/// The title with the log-source tabs in front when the runbook declares log sources.
fn tabbed(app: &App, title: String) -> Line<'static> {
    if app.monitor.logs.is_empty() {
        return Line::raw(title);
    }
    let mut spans = crate::ui::logtabs::strip(app);
    spans.push(Span::raw(format!("·{title}")));
    Line::from(spans)
}
