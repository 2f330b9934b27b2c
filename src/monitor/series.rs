//! The last 15 minutes of a metric: a bounded ring of (time, value), so memory per metric is
//! fixed however long the run lasts.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

/// How far back the chart looks.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Most points kept per metric (15 min at one sample a second, and a little more).
pub const MAX_POINTS: usize = 960;

/// Numeric samples of one metric, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Series {
    points: VecDeque<(DateTime<Utc>, f64)>,
}

impl Series {
    /// Adds a reading, dropping what is older than the window or beyond the cap.
    pub fn push(&mut self, at: DateTime<Utc>, value: f64) {
        self.points.push_back((at, value));
        while self.points.len() > MAX_POINTS {
            self.points.pop_front();
        }
        while self
            .points
            .front()
            .is_some_and(|(t, _)| (at - *t).num_seconds() > WINDOW_SECS)
        {
            self.points.pop_front();
        }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// (min, max) of the window.
    pub fn min_max(&self) -> Option<(f64, f64)> {
        self.points.iter().fold(None, |acc, (_, v)| match acc {
            None => Some((*v, *v)),
            Some((lo, hi)) => Some((lo.min(*v), hi.max(*v))),
        })
    }

    /// The last `n` values, oldest first (for a sparkline `n` cells wide).
    pub fn last(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        self.points
            .iter()
            .skip(self.points.len().saturating_sub(n))
            .map(|(_, v)| *v)
    }

    /// Every point as (seconds before `now`, value), for the chart.
    pub fn relative_to(&self, now: DateTime<Utc>) -> Vec<(f64, f64)> {
        self.points
            .iter()
            .map(|(t, v)| (-((now - *t).num_milliseconds() as f64) / 1000.0, *v))
            .collect()
    }
}

/// Unicode bars for `values`, scaled between `lo` and `hi`.
pub fn sparkline(values: impl Iterator<Item = f64>, lo: f64, hi: f64) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let span = hi - lo;
    values
        .map(|v| {
            if span <= f64::EPSILON {
                BARS[3]
            } else {
                let i = ((v - lo) / span * 7.0).round().clamp(0.0, 7.0) as usize;
                BARS[i]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn bounded_by_count_and_age() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut s = Series::default();
        for i in 0..2000 {
            s.push(t0 + chrono::Duration::seconds(i), i as f64);
        }
        assert!(s.len() <= MAX_POINTS);
        assert_eq!(
            s.min_max(),
            Some((1099.0, 1999.0)),
            "older than 15 min dropped"
        );
        let mut s = Series::default();
        s.push(t0, 1.0);
        s.push(t0 + chrono::Duration::seconds(WINDOW_SECS + 5), 2.0);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn sparkline_scales() {
        assert_eq!(sparkline([0.0, 5.0, 10.0].into_iter(), 0.0, 10.0), "▁▅█");
        assert_eq!(sparkline([3.0, 3.0].into_iter(), 3.0, 3.0), "▄▄");
    }
}
