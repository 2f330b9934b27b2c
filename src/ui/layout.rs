//! Where each pane goes for a terminal size: side by side from 140 columns, stacked below,
//! one pane when zoomed, a message below 60×16. Shared by rendering and mouse hit-testing.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::state::Pane;

/// The smallest terminal the cockpit draws in.
pub const MIN_SIZE: (u16, u16) = (60, 16);
/// From this width the panes stand side by side.
pub const WIDE: u16 = 140;

/// Pane rectangles; `None` for a pane not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub checklist: Option<Rect>,
    pub detail: Option<Rect>,
    pub monitor: Option<Rect>,
    pub logs: Option<Rect>,
    pub status: Rect,
    pub too_small: bool,
    /// `flightdeck watch`: the line saying how the followed run stands.
    pub header: Option<Rect>,
}

/// Lays out a `(width, height)` terminal; `zoom` shows that pane alone.
pub fn areas(size: (u16, u16), zoom: Option<Pane>) -> Areas {
    areas_with(size, zoom, 0, false)
}

/// The layout for the cockpit's state: room for its metric rows, or the read-only watch view.
pub fn for_app(app: &crate::app::state::App) -> Areas {
    areas_with(
        app.size,
        app.zoom.then_some(app.focus),
        app.monitor.metrics.len(),
        app.read_only,
    )
}

/// [`areas`] with `metrics` rows wanted in the monitoring pane; `watch` lays out the on-call's
/// view (no checklist, no detail).
pub fn areas_with(size: (u16, u16), zoom: Option<Pane>, metrics: usize, watch: bool) -> Areas {
    let full = Rect::new(0, 0, size.0, size.1);
    if size.0 < MIN_SIZE.0 || size.1 < MIN_SIZE.1 {
        return Areas {
            status: full,
            too_small: true,
            ..Areas::default()
        };
    }
    let [main, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(full);
    if let Some(pane) = zoom {
        let mut a = Areas {
            status,
            ..Areas::default()
        };
        match pane {
            Pane::Checklist => a.checklist = Some(main),
            Pane::Detail => a.detail = Some(main),
            Pane::Monitor => a.monitor = Some(main),
            Pane::Logs => a.logs = Some(main),
        }
        return a;
    }
    if watch {
        let [header, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(main);
        let wanted = (metrics.max(1) + 2) as u16;
        let most = rest.height.saturating_mul(3) / 5;
        let [monitor, logs] = Layout::vertical([
            Constraint::Length(wanted.min(most).max(3)),
            Constraint::Min(3),
        ])
        .areas(rest);
        return Areas {
            monitor: Some(monitor),
            logs: Some(logs),
            status,
            header: Some(header),
            ..Areas::default()
        };
    }
    if size.0 >= WIDE {
        let split = if metrics > 0 { 50 } else { 62 };
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(main);
        let [top, logs] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(right);
        let [detail, monitor] = Layout::horizontal([
            Constraint::Percentage(split),
            Constraint::Percentage(100 - split),
        ])
        .areas(top);
        Areas {
            checklist: Some(left),
            detail: Some(detail),
            monitor: Some(monitor),
            logs: Some(logs),
            status,
            too_small: false,
            header: None,
        }
    } else {
        // Metric rows are the on-call's first look: up to 6 of them before the panes shrink.
        let rows = metrics.clamp(1, 6) as u16;
        let [list, detail, monitor, logs] = Layout::vertical([
            Constraint::Percentage(if metrics > 0 { 34 } else { 38 }),
            Constraint::Percentage(if metrics > 0 { 16 } else { 24 }),
            Constraint::Length(rows + 2),
            Constraint::Min(4),
        ])
        .areas(main);
        Areas {
            checklist: Some(list),
            detail: Some(detail),
            monitor: Some(monitor),
            logs: Some(logs),
            status,
            too_small: false,
            header: None,
        }
    }
}

/// First visible row of a list of `len` rows showing `visible`, keeping `selected` in view
/// and centred where it can be.
pub fn list_offset(selected: usize, visible: usize, len: usize) -> usize {
    if visible == 0 || len <= visible {
        return 0;
    }
    selected.saturating_sub(visible / 2).min(len - visible)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_narrow_zoom_and_too_small() {
        let w = areas((160, 45), None);
        assert!(!w.too_small);
        let (l, d) = (w.checklist.expect("list"), w.detail.expect("detail"));
        assert_eq!(l.y, d.y, "side by side");
        let n = areas((80, 24), None);
        let (l, d) = (n.checklist.expect("list"), n.detail.expect("detail"));
        assert!(d.y > l.y, "stacked");
        let z = areas((80, 24), Some(Pane::Logs));
        assert!(z.checklist.is_none() && z.logs.is_some());
        assert!(areas((59, 30), None).too_small && areas((80, 15), None).too_small);
    }

    #[test]
    fn offsets_keep_the_selection_visible() {
        assert_eq!(list_offset(3, 10, 5), 0);
        assert_eq!(list_offset(50, 10, 100), 45);
        assert_eq!(list_offset(99, 10, 100), 90);
        for sel in 0..100 {
            let off = list_offset(sel, 7, 100);
            assert!(sel >= off && sel < off + 7);
        }
    }
}
