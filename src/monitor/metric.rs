//! One metric as the pane shows it: its declaration, its window of values, its last reading,
//! and the level (ok / warn / crit / stale / error) they add up to.

use chrono::{DateTime, Utc};

use crate::monitor::series::Series;
use crate::monitor::spec::MetricDef;

/// Where a metric stands; the order is from quiet to loud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Declared, no reading yet.
    Waiting,
    Ok,
    /// No reading for three intervals: the figure shown is old.
    Stale,
    Warn,
    /// The source failed; the row shows its error text.
    Error,
    Crit,
}

impl Level {
    /// The word shown beside the row, so states read without colour.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Waiting => "…",
            Level::Ok => "ok",
            Level::Stale => "stale",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Crit => "CRIT",
        }
    }
}

/// A metric's live view.
#[derive(Debug, Clone)]
pub struct MetricView {
    pub name: String,
    /// `None` when the declaration did not check out (then `error` says why, for good).
    pub def: Option<MetricDef>,
    pub series: Series,
    /// The last numeric reading and when it came.
    pub last: Option<f64>,
    pub last_at: Option<DateTime<Utc>>,
    /// When the last reading (numeric or not) came.
    pub sampled_at: Option<DateTime<Utc>>,
    /// Set when the last reading failed.
    pub error: Option<String>,
    /// Whether a crossing into crit is open (journaled, not yet recovered).
    pub breached: bool,
}

impl MetricView {
    /// A view over a checked declaration.
    pub fn new(def: MetricDef) -> MetricView {
        MetricView {
            name: def.name.clone(),
            def: Some(def),
            series: Series::default(),
            last: None,
            last_at: None,
            sampled_at: None,
            error: None,
            breached: false,
        }
    }

    /// A row for a declaration that cannot be sampled; `why` stays on screen.
    pub fn broken(name: &str, why: String) -> MetricView {
        MetricView {
            name: name.to_string(),
            def: None,
            series: Series::default(),
            last: None,
            last_at: None,
            sampled_at: None,
            error: Some(why),
            breached: false,
        }
    }

    /// Takes a reading in.
    pub fn record(&mut self, at: DateTime<Utc>, value: &Result<f64, String>) {
        self.sampled_at = Some(at);
        match value {
            Ok(v) => {
                self.series.push(at, *v);
                self.last = Some(*v);
                self.last_at = Some(at);
                self.error = None;
            }
            Err(e) => self.error = Some(e.clone()),
        }
    }

    /// Whether the last reading is older than three intervals at `now`.
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        let Some(def) = &self.def else { return false };
        let Some(at) = self.sampled_at else {
            return false;
        };
        (now - at).num_milliseconds() > 3 * def.interval.as_millis() as i64
    }

    /// The value if it is fresh and numeric: what gates and triggers may rely on.
    pub fn fresh_value(&self, now: DateTime<Utc>) -> Option<f64> {
        (self.error.is_none() && !self.is_stale(now))
            .then_some(self.last)
            .flatten()
    }

    /// The level at `now`.
    pub fn level(&self, now: DateTime<Utc>) -> Level {
        if self.error.is_some() {
            return Level::Error;
        }
        let Some(v) = self.last else {
            return Level::Waiting;
        };
        if self.is_stale(now) {
            return Level::Stale;
        }
        let def = self.def.as_ref();
        if def.and_then(|d| d.crit).is_some_and(|t| t.holds(v)) {
            Level::Crit
        } else if def.and_then(|d| d.warn).is_some_and(|t| t.holds(v)) {
            Level::Warn
        } else {
            Level::Ok
        }
    }
}

/// `1.23k`, `42`, `0.25`: a value in at most ~6 characters.
pub fn format_value(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if v.fract() == 0.0 || a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// `4s`, `3m`, `2h`: how old a reading is.
pub fn format_age(secs: i64) -> String {
    match secs.max(0) {
        s @ 0..60 => format!("{s}s"),
        s @ 60..3600 => format!("{}m", s / 60),
        s => format!("{}h", s / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_short() {
        assert_eq!(format_value(42.0), "42");
        assert_eq!(format_value(0.251), "0.25");
        assert_eq!(format_value(12.34), "12.3");
        assert_eq!(format_value(12345.0), "12.3k");
        assert_eq!(format_value(250.5), "250");
        assert_eq!(format_age(75), "1m");
    }
}
