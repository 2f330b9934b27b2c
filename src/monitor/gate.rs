//! Soak gates (```` ```watch ```` steps): requirements over metrics that must hold for a span.
//! A gate passes when no reading broke a requirement for `for` and every requirement has a
//! fresh reading that holds; on a breach it fails (`on_breach: fail`, the default) or starts
//! the span again (`reset`); `max` bounds the whole wait.

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::Deserialize;

use crate::monitor::threshold::Condition;
use crate::runbook::duration::parse_duration;

/// What a breach does to the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnBreach {
    Fail,
    Reset,
}

/// A checked ```` ```watch ```` body.
#[derive(Debug, Clone, PartialEq)]
pub struct GateSpec {
    /// Seconds the requirements must hold.
    pub hold_secs: u64,
    pub require: Vec<Condition>,
    pub on_breach: OnBreach,
    /// Seconds the gate may take in all (resets included) before it fails.
    pub max_secs: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(rename = "for")]
    hold: Option<String>,
    #[serde(default)]
    require: Vec<String>,
    on_breach: Option<String>,
    max: Option<String>,
}

impl GateSpec {
    /// Parses the YAML body of a watch block; the error is one line saying what to fix.
    pub fn parse(body: &str) -> Result<GateSpec, String> {
        let raw: Raw = serde_saphyr::from_str(body).map_err(|e| {
            let text = e.to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            format!(
                "watch block does not parse ({}); expected `for: 30m`, `require: [\"metric < 1\"]`, optional `on_breach: fail|reset`, `max: 45m`",
                first.trim()
            )
        })?;
        let hold = raw.hold.ok_or(
            "watch block needs `for:` (how long the requirements must hold, e.g. `for: 30m`)",
        )?;
        let hold_secs = parse_duration(&hold)
            .filter(|s| *s >= 1)
            .ok_or_else(|| format!("watch `for: {hold}` is not a duration (e.g. `30m`, `20s`)"))?;
        if raw.require.is_empty() {
            return Err("watch block needs `require:` with at least one condition (e.g. [\"error_rate < 1\"])".into());
        }
        let require = raw
            .require
            .iter()
            .map(|r| Condition::parse(r))
            .collect::<Result<Vec<_>, _>>()?;
        let on_breach = match raw.on_breach.as_deref().map(str::trim) {
            None | Some("fail") => OnBreach::Fail,
            Some("reset") => OnBreach::Reset,
            Some(other) => {
                return Err(format!(
                    "watch `on_breach: {other}`: use `fail` (default) or `reset`"
                ));
            }
        };
        let max_secs =
            match raw.max {
                None => None,
                Some(m) => Some(parse_duration(&m).filter(|s| *s >= hold_secs).ok_or_else(
                    || format!("watch `max: {m}` must be a duration no shorter than `for: {hold}`"),
                )?),
            };
        Ok(GateSpec {
            hold_secs,
            require,
            on_breach,
            max_secs,
        })
    }
}

/// Figures one requirement saw during the current span.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    min: f64,
    max: f64,
    last: f64,
    samples: u64,
}

/// What a gate decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Held for the whole span: the figures for `gate_passed`.
    Passed(serde_json::Value),
    /// A reading broke a requirement and the gate fails.
    Failed {
        metric: String,
        value: f64,
        requirement: String,
    },
    /// A reading broke a requirement and the span starts again.
    Reset {
        metric: String,
        value: f64,
        requirement: String,
    },
    /// `max` went by without the requirements holding for `for`.
    TimedOut { note: String },
}

/// A gate being soaked.
#[derive(Debug, Clone, PartialEq)]
pub struct GateRun {
    pub spec: GateSpec,
    /// When the step started (`max` counts from here).
    pub started: DateTime<Utc>,
    /// When the current span started (a reset moves it).
    pub span_start: DateTime<Utc>,
    pub resets: u32,
    seen: IndexMap<String, Seen>,
}

impl GateRun {
    pub fn new(spec: GateSpec, started: DateTime<Utc>) -> GateRun {
        GateRun {
            spec,
            started,
            span_start: started,
            resets: 0,
            seen: IndexMap::new(),
        }
    }

    /// Seconds the current span has held at `now`.
    pub fn held_secs(&self, now: DateTime<Utc>) -> u64 {
        (now - self.span_start).num_seconds().max(0) as u64
    }

    /// Takes a reading of `metric` at `at`; a breach decides the gate.
    pub fn observe(&mut self, metric: &str, value: f64, at: DateTime<Utc>) -> Option<Verdict> {
        if at < self.span_start {
            return None;
        }
        for c in &self.spec.require {
            if c.metric != metric {
                continue;
            }
            let key = c.to_string();
            if !c.holds(value) {
                let (metric, requirement) = (metric.to_string(), key);
                return Some(match self.spec.on_breach {
                    OnBreach::Fail => Verdict::Failed {
                        metric,
                        value,
                        requirement,
                    },
                    OnBreach::Reset => {
                        self.span_start = at;
                        self.resets += 1;
                        self.seen.clear();
                        Verdict::Reset {
                            metric,
                            value,
                            requirement,
                        }
                    }
                });
            }
            let seen = self.seen.entry(key).or_insert(Seen {
                min: value,
                max: value,
                last: value,
                samples: 0,
            });
            seen.min = seen.min.min(value);
            seen.max = seen.max.max(value);
            seen.last = value;
            seen.samples += 1;
        }
        None
    }

    /// Whether time decides the gate at `now`; `fresh` gives a metric's fresh value, if any.
    pub fn check(
        &self,
        now: DateTime<Utc>,
        fresh: &dyn Fn(&str) -> Option<f64>,
    ) -> Option<Verdict> {
        let all_hold = self.spec.require.iter().all(|c| {
            self.seen.contains_key(&c.to_string()) && fresh(&c.metric).is_some_and(|v| c.holds(v))
        });
        if self.held_secs(now) >= self.spec.hold_secs && all_hold {
            return Some(Verdict::Passed(self.figures(now)));
        }
        if let Some(max) = self.spec.max_secs
            && (now - self.started).num_seconds() >= max as i64
        {
            let missing: Vec<String> = self
                .spec
                .require
                .iter()
                .filter(|c| !fresh(&c.metric).is_some_and(|v| c.holds(v)))
                .map(ToString::to_string)
                .collect();
            let why = if missing.is_empty() {
                format!("held only {} s", self.held_secs(now))
            } else {
                format!("not holding: {}", missing.join(", "))
            };
            return Some(Verdict::TimedOut {
                note: format!(
                    "soak gate did not hold for {} within max {} ({why}; {} reset(s))",
                    clock(self.spec.hold_secs),
                    clock(max),
                    self.resets
                ),
            });
        }
        None
    }

    /// What `gate_passed` records: the span and, per requirement, min/max/last and samples.
    fn figures(&self, now: DateTime<Utc>) -> serde_json::Value {
        let mut require = serde_json::Map::new();
        for (k, s) in &self.seen {
            require.insert(
                k.clone(),
                serde_json::json!({"min": s.min, "max": s.max, "last": s.last, "samples": s.samples}),
            );
        }
        serde_json::json!({
            "for_secs": self.spec.hold_secs,
            "held_secs": self.held_secs(now),
            "resets": self.resets,
            "require": require,
        })
    }
}

/// `12:31`, `1:02:03`: countdown clocks.
pub fn clock(secs: u64) -> String {
    if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    } else {
        format!("{:02}:{:02}", secs / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::seconds(s)
    }

    #[test]
    fn parses_and_rejects() {
        let g = GateSpec::parse(
            "for: 30m\nrequire: [\"error_rate < 1\", \"p95_ms < 400\"]\nmax: 45m\n",
        )
        .unwrap();
        assert_eq!(
            (g.hold_secs, g.max_secs, g.on_breach),
            (1800, Some(2700), OnBreach::Fail)
        );
        assert_eq!(g.require.len(), 2);
        assert!(
            GateSpec::parse("require: [\"a < 1\"]")
                .unwrap_err()
                .contains("`for:`")
        );
        assert!(GateSpec::parse("for: 1m").unwrap_err().contains("require"));
        assert!(
            GateSpec::parse("for: 1m\nrequire: [\"a < 1\"]\non_breach: retry")
                .unwrap_err()
                .contains("reset")
        );
        assert!(
            GateSpec::parse("for: 1m\nrequire: [\"a < 1\"]\nmax: 30s")
                .unwrap_err()
                .contains("max")
        );
        assert!(GateSpec::parse("for: 1m\nrequire: [\"a < 1\"]\nfoo: 1").is_err());
        assert!(GateSpec::parse(": : :").is_err());
    }

    #[test]
    fn pass_fail_reset_timeout() {
        let spec = GateSpec::parse("for: 10s\nrequire: [\"a < 5\"]").unwrap();
        let mut g = GateRun::new(spec.clone(), t(0));
        let fresh = |_: &str| Some(1.0);
        assert_eq!(g.observe("a", 1.0, t(1)), None);
        assert_eq!(g.check(t(5), &fresh), None);
        assert!(matches!(g.check(t(10), &fresh), Some(Verdict::Passed(_))));
        assert!(matches!(
            g.observe("a", 6.0, t(11)),
            Some(Verdict::Failed { .. })
        ));

        let mut spec_reset = spec.clone();
        spec_reset.on_breach = OnBreach::Reset;
        spec_reset.max_secs = Some(20);
        let mut g = GateRun::new(spec_reset, t(0));
        g.observe("a", 1.0, t(1));
        assert!(matches!(
            g.observe("a", 9.0, t(8)),
            Some(Verdict::Reset { .. })
        ));
        assert_eq!(g.check(t(12), &fresh), None, "span restarted at 8 s");
        g.observe("a", 1.0, t(13));
        assert!(matches!(g.check(t(18), &fresh), Some(Verdict::Passed(_))));
        assert!(g.check(t(17), &|_| None).is_none());
        assert!(matches!(
            g.check(t(20), &|_| None),
            Some(Verdict::TimedOut { .. })
        ));
    }
}
