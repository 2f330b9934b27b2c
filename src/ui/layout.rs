//! Where each pane goes for a terminal size: side by side from 140 columns; below that, on a
//! short screen the checklist and one companion pane, on a tall one every pane stacked; one pane
//! when zoomed, a message below 60×16. Panes without content (monitoring without metrics) take no
//! room. Shared by rendering, `Tab` and mouse hit-testing.

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

/// Below this height, and narrower than [`WIDE`], the checklist keeps most of the screen and
/// one companion pane (detail, monitoring or output) takes the rest.
pub const COMPACT_BELOW: u16 = 36;

/// What the layout depends on besides the terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// Show this pane alone.
    pub zoom: Option<Pane>,
    /// Metric rows wanted in the monitoring pane; none hides the pane.
    pub metrics: usize,
    /// `flightdeck watch`: the on-call's view (the cockpit's panes under a header line).
    pub watch: bool,
    /// The pane a compact layout shows beside the checklist.
    pub companion: Pane,
}

impl Default for View {
    fn default() -> Self {
        Self {
            zoom: None,
            metrics: 0,
            watch: false,
            companion: Pane::Detail,
        }
    }
}

/// Lays out a `(width, height)` terminal; `zoom` shows that pane alone.
pub fn areas(size: (u16, u16), zoom: Option<Pane>) -> Areas {
    areas_with(
        size,
        View {
            zoom,
            ..View::default()
        },
    )
}

/// The view the cockpit's state asks for. On a compact screen the companion pane is the
/// focused one; with the checklist focused, it is the selected step's output once it has some,
/// else its detail.
pub fn view_of(app: &crate::app::state::App) -> View {
    let metrics = app.monitor.metrics.len();
    let companion = match app.focus {
        Pane::Checklist => {
            let has_output = app
                .selected_step()
                .is_some_and(|s| app.logs.contains_key(&s.id));
            if has_output || app.monitor.log_tab > 0 {
                Pane::Logs
            } else {
                Pane::Detail
            }
        }
        Pane::Monitor if metrics == 0 => Pane::Detail,
        pane => pane,
    };
    View {
        zoom: app.zoom.then_some(app.focus),
        metrics,
        watch: app.read_only,
        companion,
    }
}

/// The layout for the cockpit's state.
pub fn for_app(app: &crate::app::state::App) -> Areas {
    areas_with(app.size, view_of(app))
}

/// Lays out a `(width, height)` terminal for `view`.
pub fn areas_with(size: (u16, u16), view: View) -> Areas {
    let View {
        zoom,
        metrics,
        watch,
        companion,
    } = view;
    let full = Rect::new(0, 0, size.0, size.1);
    if size.0 < MIN_SIZE.0 || size.1 < MIN_SIZE.1 {
        return Areas {
            status: full,
            too_small: true,
            ..Areas::default()
        };
    }
    let [main, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(full);
    let mut a = Areas {
        status,
        ..Areas::default()
    };
    if let Some(pane) = zoom {
        *a.pane_mut(pane) = Some(main);
        return a;
    }
    if watch {
        // The captain's layout one line lower, under the line saying how the run stands.
        let inner = areas_with(
            (size.0, size.1 - 1),
            View {
                watch: false,
                ..view
            },
        );
        if !inner.too_small {
            let down = |r: Option<Rect>| r.map(|r| Rect { y: r.y + 1, ..r });
            return Areas {
                checklist: down(inner.checklist),
                detail: down(inner.detail),
                monitor: down(inner.monitor),
                logs: down(inner.logs),
                header: Some(Rect::new(0, 0, size.0, 1)),
                ..a
            };
        }
    }
    if size.0 >= WIDE {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(main);
        let [top, logs] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(right);
        a.checklist = Some(left);
        a.logs = Some(logs);
        if metrics > 0 {
            let [detail, monitor] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(top);
            a.detail = Some(detail);
            a.monitor = Some(monitor);
        } else {
            a.detail = Some(top);
        }
        return a;
    }
    if size.1 < COMPACT_BELOW {
        // The captain's pane first: about three fifths for the checklist, the rest for one
        // companion, which `Tab` changes.
        let [list, other] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Min(5)]).areas(main);
        a.checklist = Some(list);
        *a.pane_mut(companion) = Some(other);
        return a;
    }
    // Tall but narrow: every pane stacked; metric rows (up to 6) only when there are metrics.
    let rows = if metrics > 0 {
        metrics.min(6) as u16 + 2
    } else {
        0
    };
    let [list, detail, monitor, logs] = Layout::vertical([
        Constraint::Percentage(45),
        Constraint::Percentage(18),
        Constraint::Length(rows),
        Constraint::Min(4),
    ])
    .areas(main);
    a.checklist = Some(list);
    a.detail = Some(detail);
    a.monitor = (metrics > 0).then_some(monitor);
    a.logs = Some(logs);
    a
}

impl Areas {
    /// The rectangle of `pane`, if it is shown.
    pub fn pane(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::Checklist => self.checklist,
            Pane::Detail => self.detail,
            Pane::Monitor => self.monitor,
            Pane::Logs => self.logs,
        }
    }

    fn pane_mut(&mut self, pane: Pane) -> &mut Option<Rect> {
        match pane {
            Pane::Checklist => &mut self.checklist,
            Pane::Detail => &mut self.detail,
            Pane::Monitor => &mut self.monitor,
            Pane::Logs => &mut self.logs,
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
        assert!(w.monitor.is_none(), "no metrics, no monitoring pane");
        let n = areas((80, 24), None);
        let (l, d) = (n.checklist.expect("list"), n.detail.expect("detail"));
        assert!(d.y > l.y, "stacked");
        assert!(
            l.height >= 13,
            "the checklist keeps most of a small screen: {l:?}"
        );
        assert!(
            n.logs.is_none() && n.monitor.is_none(),
            "one companion: {n:?}"
        );
        let z = areas((80, 24), Some(Pane::Logs));
        assert!(z.checklist.is_none() && z.logs.is_some());
        assert!(areas((59, 30), None).too_small && areas((80, 15), None).too_small);
    }

    #[test]
    fn a_compact_screen_shows_the_companion_it_is_asked_for() {
        for companion in [Pane::Detail, Pane::Monitor, Pane::Logs] {
            let view = View {
                metrics: 3,
                companion,
                ..View::default()
            };
            let a = areas_with((100, 30), view);
            let shown: Vec<Pane> = [Pane::Detail, Pane::Monitor, Pane::Logs]
                .into_iter()
                .filter(|&p| a.pane(p).is_some())
                .collect();
            assert_eq!(shown, [companion]);
            assert!(a.checklist.expect("list").height >= 17, "{a:?}");
        }
        let tall = areas_with(
            (100, 50),
            View {
                metrics: 2,
                ..View::default()
            },
        );
        assert_eq!(tall.monitor.map(|r| r.height), Some(4));
        assert!(tall.detail.is_some() && tall.logs.is_some());
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
