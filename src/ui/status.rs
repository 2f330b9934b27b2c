//! The status bar: where the run stands and how the clocks look, in one line.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::App;
use crate::runbook::Window;

/// The go time of a runbook whose phases are offsets from it (`T-15`, `T+0`): when its `T+0`
/// phase (or the first at or after go) was entered, as the journal recorded it.
pub fn go_time(app: &App) -> Option<DateTime<Utc>> {
    let (i, _) = app
        .runbook
        .phases
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.offset_secs.filter(|o| *o >= 0).map(|o| (i, o)))
        .min_by_key(|(_, o)| *o)?;
    let offset = app.runbook.phases[i].offset_secs.unwrap_or(0);
    app.run
        .phases
        .get(i)
        .and_then(|s| s.started)
        .map(|entered| entered - Duration::seconds(offset))
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let (done, total) = app.progress();
    let bar_width = 10usize;
    let filled = (done * bar_width).checked_div(total).unwrap_or(0);
    // Most urgent first: a narrow terminal cuts the end of the line.
    let title = crate::ui::checklist::truncate(&app.runbook.title, 32);
    let mut spans = vec![
        Span::styled(format!(" {title} "), t.accent),
        Span::styled(
            format!("{}{}", "█".repeat(filled), "░".repeat(bar_width - filled)),
            t.succeeded,
        ),
        Span::raw(format!(" {done}/{total} ")),
    ];
    // A metric in crit is the loudest thing on the line, right after the progress.
    let crit: Vec<&str> = app
        .monitor
        .metrics
        .iter()
        .filter(|m| m.level(app.now) == crate::monitor::metric::Level::Crit)
        .map(|m| m.name.as_str())
        .collect();
    if !crit.is_empty() {
        spans.push(Span::styled(format!("✖ CRIT {} ", crit.join(", ")), t.crit));
    }
    // A fork of the shared copy is as loud: the team no longer sees this run's truth.
    if let Some(share) = app.share.as_ref().filter(|s| s.fork.is_some()) {
        spans.push(Span::styled(format!("✖ {} ", share.label()), t.crit));
    }
    if let Some(start) = app.run.started {
        let end = app.run.finished.unwrap_or(app.now);
        spans.push(Span::styled(format!("· {} ", clock(end - start)), t.text));
    }
    // Runbooks planned around a go time (`T-15`, `T+0`): where the run stands against it.
    if let Some(go) = go_time(app) {
        let d = app.now - go;
        let sign = if d < Duration::zero() { '-' } else { '+' };
        spans.push(Span::styled(
            format!(
                "· T{sign}{} ",
                clock(Duration::seconds(d.num_seconds().abs()))
            ),
            t.text,
        ));
    }
    if let Some(p) = app.current_phase() {
        if let (Some(allowed), Some(started)) = (
            app.runbook.phases[p].timebox_secs,
            app.run.phases.get(p).and_then(|s| s.started),
        ) {
            let used = (app.now - started).num_seconds().max(0) as u64;
            let style = timebox_style(app, used, allowed);
            spans.push(Span::styled(
                format!(
                    "· phase {}/{} ",
                    clock(Duration::seconds(used as i64)),
                    clock(Duration::seconds(allowed as i64))
                ),
                style,
            ));
        }
        let window = app.runbook.phases[p].window.as_ref();
        if let Some((text, style)) = window.and_then(|w| window_text(app, w, app.now)) {
            spans.push(Span::styled(format!("· {text} "), style));
        }
    }
    if app.read_only {
        spans.extend(follow_spans(app));
        if let Some(msg) = app
            .message
            .as_ref()
            .filter(|_| app.follow.as_ref().is_none_or(|f| f.broken.is_none()))
        {
            spans.push(Span::styled(format!("· {msg} "), t.warn));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let journal = match (&app.journal_error, app.in_flight) {
        (Some(_), _) => Span::styled("· journal ERROR ", t.crit),
        (None, 0) => Span::styled("· journal synced ", t.dim),
        (None, _) => Span::styled("· journal writing ", t.warn),
    };
    spans.push(journal);
    // Behind, offline or in sync: after the journal's own word.
    if let Some(share) = app.share.as_ref().filter(|s| s.fork.is_none()) {
        let style = if share.problem.is_some() {
            t.crit
        } else if share.behind() > 0 || share.offline.is_some() {
            t.warn
        } else {
            t.dim
        };
        spans.push(Span::styled(format!("· {} ", share.label()), style));
    } else if app.share.is_none()
        && let Some(waiting) = &app.share_waiting
    {
        spans.push(Span::styled(
            format!("· share: waiting for {waiting} "),
            t.warn,
        ));
    }
    if let Some(msg) = &app.message {
        spans.push(Span::styled(format!("· {msg} "), t.warn));
    } else {
        spans.push(Span::styled("· ? help ", t.dim));
    }
    spans.push(Span::styled(
        format!("· {} · {}", app.operator, app.run.run_id),
        t.dim,
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Amber from 80 % of the timebox, red past it.
fn timebox_style(app: &App, used: u64, allowed: u64) -> Style {
    if used > allowed {
        app.theme.crit
    } else if used * 10 >= allowed * 8 {
        app.theme.warn
    } else {
        app.theme.text
    }
}

/// `HH:MM:SS` (or `Nd HH:MM:SS`).
pub fn clock(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (days, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if days > 0 {
        format!("{days}d {h:02}:{m:02}:{sec:02}")
    } else {
        format!("{h:02}:{m:02}:{sec:02}")
    }
}

/// "window in 1h02m", "window left 12m", "window over by 5m" for a UTC window today.
fn window_text(app: &App, w: &Window, now: DateTime<Utc>) -> Option<(String, Style)> {
    if !w.tz.eq_ignore_ascii_case("UTC") {
        return Some((
            format!("window {}–{} {}", w.start, w.end, w.tz),
            app.theme.dim,
        ));
    }
    let start = NaiveTime::parse_from_str(&w.start, "%H:%M").ok()?;
    let end = NaiveTime::parse_from_str(&w.end, "%H:%M").ok()?;
    let day = now.date_naive();
    let start = day.and_time(start).and_utc();
    let mut end = day.and_time(end).and_utc();
    if end <= start {
        end += Duration::days(1);
    }
    let mins = |d: Duration| {
        let m = d.num_minutes().max(0);
        if m >= 60 {
            format!("{}h{:02}m", m / 60, m % 60)
        } else {
            format!("{m}m")
        }
    };
    Some(if now < start {
        (format!("window in {}", mins(start - now)), app.theme.dim)
    } else if now <= end {
        (format!("window left {}", mins(end - now)), app.theme.text)
    } else {
        (
            format!("window over by {}", mins(now - end)),
            app.theme.crit,
        )
    })
}

/// The read-only view's words: whose run it follows, from where, and whether that holds; a
/// broken record first and loudest.
fn follow_spans(app: &App) -> Vec<Span<'static>> {
    let t = &app.theme;
    let mut spans = Vec::new();
    let follow = app.follow.as_ref();
    if let Some((seq, _)) = follow.and_then(|f| f.broken.as_ref()) {
        spans.push(Span::styled(
            format!("✖ record BROKEN at seq {seq}: not applied "),
            t.crit,
        ));
    }
    if app.run.run_id.is_empty() {
        spans.push(Span::styled("· read-only: no active run ", t.dim));
        return spans;
    }
    spans.push(Span::styled(
        format!(
            "· read-only follow of run {} by captain {} ",
            app.run.run_id, app.run.operator
        ),
        t.accent,
    ));
    if let Some(f) = follow {
        // The kind of source only (`share`, `journal`): the header says where from.
        let kind = f.source.split_whitespace().next().unwrap_or("source");
        match &f.link {
            crate::follow::Link::Live => spans.push(Span::styled(format!("· {kind} live "), t.dim)),
            crate::follow::Link::Offline(_) => spans.push(Span::styled(
                format!("· {kind} offline, reconnecting "),
                t.warn,
            )),
            crate::follow::Link::Waiting(seq) => spans.push(Span::styled(
                format!("· {kind} waiting for seq {seq} "),
                t.warn,
            )),
        }
    }
    spans
}
