//! The monitoring pane: one row per metric (state symbol, name, value and unit, a sparkline
//! as wide as the pane allows, min/max of the window, age of the last reading), coloured by
//! state; and the chart of one metric over the last 15 minutes with its warn/crit lines.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Clear, Dataset, GraphType, Paragraph, Wrap};

use crate::app::state::{App, Pane};
use crate::monitor::metric::{Level, MetricView, format_age, format_value};
use crate::monitor::series::{WINDOW_SECS, sparkline};
use crate::ui::checklist::truncate;
use crate::ui::pane_block;
use crate::ui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let metrics = &app.monitor.metrics;
    if metrics.is_empty() {
        let text = vec![
            Line::styled("No metrics yet.", app.theme.dim),
            Line::styled("Declare them in the runbook's front matter:", app.theme.dim),
            Line::styled(
                "metrics: [{name: p95_ms, prometheus: …, crit: \"> 400\"}]",
                app.theme.dim,
            ),
        ];
        let p = Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(pane_block(" Monitoring ", app, Pane::Monitor));
        frame.render_widget(p, area);
        return;
    }
    let now = app.now;
    let levels: Vec<Level> = metrics.iter().map(|m| m.level(now)).collect();
    let count = |l: Level| levels.iter().filter(|x| **x == l).count();
    let mut title = vec![Span::raw(" Monitoring ")];
    for (level, style) in [
        (Level::Crit, app.theme.crit),
        (Level::Error, app.theme.failed),
        (Level::Warn, app.theme.warn),
        (Level::Stale, app.theme.dim),
    ] {
        let n = count(level);
        if n > 0 {
            title.push(Span::styled(format!("{n} {} ", level.as_str()), style));
        }
    }
    let visible = area.height.saturating_sub(2) as usize;
    let selected = app.monitor.selected.min(metrics.len() - 1);
    let offset = crate::ui::layout::list_offset(selected, visible, metrics.len());
    let width = area.width.saturating_sub(2) as usize;
    let focused = app.focus == Pane::Monitor;
    let name_w = name_width(metrics.iter().map(|m| m.name.as_str()), width);
    let lines: Vec<Line> = metrics
        .iter()
        .zip(&levels)
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, (m, level))| {
            let line = row(m, *level, now, (name_w, width), &app.theme);
            if focused && i == selected {
                line.patch_style(app.theme.selected)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(Line::from(title), app, Pane::Monitor)),
        area,
    );
}

/// The style of a level.
pub fn level_style(t: &Theme, level: Level) -> Style {
    match level {
        Level::Waiting | Level::Stale => t.dim,
        Level::Ok => t.succeeded,
        Level::Warn => t.warn,
        Level::Error => t.failed,
        Level::Crit => t.crit,
    }
}

/// The symbol of a level: distinct for each, so colour is never needed.
pub fn level_symbol(level: Level) -> &'static str {
    match level {
        Level::Waiting => "…",
        Level::Ok => "●",
        Level::Stale => "◌",
        Level::Warn => "▲",
        Level::Error => "!",
        Level::Crit => "✖",
    }
}

/// Room for metric names: the longest one whole, up to two fifths of the row, so that the
/// sparkline shrinks before `replica_lag_s` or `error_rate_5xx` is cut. Every row uses the same
/// width, so values line up.
pub fn name_width<'a>(names: impl Iterator<Item = &'a str>, width: usize) -> usize {
    let longest = names.map(|n| n.chars().count()).max().unwrap_or(0);
    longest.clamp(4, (width * 2 / 5).max(10))
}

/// One metric's row: `(name width, row width)` in columns.
pub fn row(
    m: &MetricView,
    level: Level,
    now: DateTime<Utc>,
    (name_w, width): (usize, usize),
    t: &Theme,
) -> Line<'static> {
    let style = level_style(t, level);
    let value_w = if width >= 60 { 11 } else { 9 };
    let unit = m
        .def
        .as_ref()
        .and_then(|d| d.unit.as_deref())
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    let value = m
        .last
        .map_or_else(|| "—".to_string(), |v| format!("{}{unit}", format_value(v)));
    let age = m
        .sampled_at
        .map_or_else(String::new, |at| format_age((now - at).num_seconds()));
    let mut spans = vec![
        Span::styled(format!("{} ", level_symbol(level)), style),
        Span::styled(format!("{:<name_w$} ", truncate(&m.name, name_w)), style),
        Span::styled(format!("{:>value_w$} ", truncate(&value, value_w)), style),
    ];
    let fixed = 2 + name_w + 1 + value_w + 1 + 5;
    let rest = width.saturating_sub(fixed);
    let middle = match (&m.error, level) {
        (Some(e), _) => Span::styled(format!("{:<rest$}", truncate(e, rest)), t.failed),
        _ => {
            let minmax = m.series.min_max();
            let mm_text = minmax
                .map(|(lo, hi)| format!(" ↓{} ↑{}", format_value(lo), format_value(hi)))
                .unwrap_or_default();
            let show_mm = rest >= mm_text.chars().count() + 6;
            let spark_w = if show_mm {
                rest.saturating_sub(mm_text.chars().count())
            } else {
                rest
            };
            let spark = minmax.map_or_else(String::new, |(lo, hi)| {
                sparkline(m.series.last(spark_w), lo, hi)
            });
            let text = if show_mm {
                format!("{spark:<spark_w$}{mm_text}")
            } else {
                format!("{spark:<spark_w$}")
            };
            Span::styled(text, if level == Level::Stale { t.dim } else { style })
        }
    };
    spans.push(middle);
    spans.push(Span::styled(format!(" {age:>4}"), t.dim));
    Line::from(spans)
}

/// The chart of metric `index` over the last 15 minutes, drawn over `area`.
pub fn render_chart(frame: &mut Frame, area: Rect, app: &App, index: usize) {
    let Some(m) = app.monitor.metrics.get(index) else {
        return;
    };
    let t = &app.theme;
    let now = app.now;
    let points = m.series.relative_to(now);
    let def = m.def.as_ref();
    let warn = def.and_then(|d| d.warn).map(|w| w.value);
    let crit = def.and_then(|d| d.crit).map(|c| c.value);
    let values = points.iter().map(|p| p.1).chain(warn).chain(crit);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.05).max(0.5);
    let (lo, hi) = (lo - pad, hi + pad);
    let x0 = -(WINDOW_SECS as f64);
    let warn_line = warn.map(|w| vec![(x0, w), (0.0, w)]);
    let crit_line = crit.map(|c| vec![(x0, c), (0.0, c)]);
    let level = m.level(now);
    let mut datasets = vec![
        Dataset::default()
            .name(m.name.clone())
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(level_style(t, level).remove_modifier(ratatui::style::Modifier::all()))
            .data(&points),
    ];
    if let (Some(line), Some(w)) = (&warn_line, def.and_then(|d| d.warn)) {
        datasets.push(
            Dataset::default()
                .name(format!("warn {w}"))
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(t.warn)
                .data(line),
        );
    }
    if let (Some(line), Some(c)) = (&crit_line, def.and_then(|d| d.crit)) {
        datasets.push(
            Dataset::default()
                .name(format!("crit {c}"))
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(t.crit)
                .data(line),
        );
    }
    let unit = def.and_then(|d| d.unit.clone()).unwrap_or_default();
    let now_text = m.last.map_or_else(
        || "no reading".into(),
        |v| format!("{} {unit}", format_value(v)),
    );
    let title = format!(
        " {} · {} · {} · last 15 min · Esc closes, ↑/↓ other metrics ",
        m.name,
        now_text.trim_end(),
        level.as_str()
    );
    let x_labels = ["-15m", "-10m", "-5m", "now"].map(|s| Span::styled(s, t.dim));
    let y_labels = [lo, (lo + hi) / 2.0, hi].map(|v| Span::styled(format_value(v), t.dim));
    let chart = Chart::new(datasets)
        .block(pane_block(title, app, Pane::Monitor).border_style(t.focus_border))
        .x_axis(
            Axis::default()
                .title(Span::styled("time", t.dim))
                .bounds([x0, 0.0])
                .labels(x_labels),
        )
        .y_axis(
            Axis::default()
                .title(Span::styled(unit, t.dim))
                .bounds([lo, hi])
                .labels(y_labels),
        );
    frame.render_widget(Clear, area);
    frame.render_widget(chart, area);
    if let Some(e) = &m.error
        && area.height > 3
    {
        let line = Line::styled(
            format!(" ! {}", truncate(e, area.width as usize - 4)),
            t.failed,
        );
        frame.render_widget(
            Paragraph::new(line),
            Rect::new(area.x + 1, area.y + area.height - 2, area.width - 2, 1),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::name_width;

    #[test]
    fn names_get_the_room_they_need_before_the_sparkline() {
        let names = ["cpu", "replica_lag_s", "error_rate_5xx"];
        assert_eq!(name_width(names.into_iter(), 70), 14);
        assert_eq!(
            name_width(["a_rather_long_metric_name_here"].into_iter(), 50),
            20
        );
        assert_eq!(
            name_width(["a_rather_long_metric_name_here"].into_iter(), 20),
            10
        );
        assert_eq!(name_width(["up"].into_iter(), 70), 4);
    }
}
