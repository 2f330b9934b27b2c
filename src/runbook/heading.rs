//! Heading suffixes that plan a phase: `(30 min)` is a timebox, `(02:00-02:20 UTC)` a window.

use crate::runbook::duration::parse_duration;
use crate::runbook::model::Window;

/// What a heading's trailing parenthesis says about the phase's plan.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HeadingPlan {
    pub timebox_secs: Option<u64>,
    pub window: Option<Window>,
}

/// Reads the last `( … )` group of a heading title, if it is a timebox or a window.
pub fn heading_plan(title: &str) -> HeadingPlan {
    let t = title.trim_end();
    let Some(inner) = t
        .strip_suffix(')')
        .and_then(|s| s.rfind('(').map(|i| &s[i + 1..]))
    else {
        return HeadingPlan::default();
    };
    if let Some(window) = parse_window(inner) {
        return HeadingPlan {
            timebox_secs: None,
            window: Some(window),
        };
    }
    HeadingPlan {
        timebox_secs: parse_duration(inner),
        window: None,
    }
}

/// `02:00-02:20 UTC`, `2:00–2:20`, `22:00 - 01:00 CET` → a window.
pub fn parse_window(text: &str) -> Option<Window> {
    let (range, tz) = match text.trim().rsplit_once(char::is_whitespace) {
        Some((r, tz))
            if tz
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '+' || c == '-' || c.is_ascii_digit())
                && tz.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) =>
        {
            (r.trim(), tz.to_string())
        }
        _ => (text.trim(), "local".to_string()),
    };
    let (start, end) = range.split_once(['-', '–'])?;
    Some(Window {
        start: clock(start)?,
        end: clock(end)?,
        tz,
    })
}

fn clock(text: &str) -> Option<String> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.trim().len() <= 5).then(|| format!("{h:02}:{m:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(start: &str, end: &str, tz: &str) -> Option<Window> {
        Some(Window {
            start: start.into(),
            end: end.into(),
            tz: tz.into(),
        })
    }

    #[test]
    fn timeboxes() {
        assert_eq!(
            heading_plan("Phase 1: Final Validation (30 min)").timebox_secs,
            Some(1800)
        );
        assert_eq!(heading_plan("Soak (~2h)").timebox_secs, Some(7200));
        assert_eq!(
            heading_plan("Deploy (45-60 minutes)").timebox_secs,
            Some(3600)
        );
        assert_eq!(heading_plan("Warmup (0-5 minutes)").timebox_secs, Some(300));
        assert_eq!(heading_plan("Checklist (T-15 min)"), HeadingPlan::default());
        assert_eq!(
            heading_plan("Database Migrations (Production)"),
            HeadingPlan::default()
        );
        assert_eq!(heading_plan("No suffix"), HeadingPlan::default());
        assert_eq!(heading_plan("Broken (30 min"), HeadingPlan::default());
    }

    #[test]
    fn windows() {
        let p = heading_plan("Phase 1: Database Migrations (02:00-02:20 UTC)");
        assert_eq!(p.window, w("02:00", "02:20", "UTC"));
        assert_eq!(p.timebox_secs, None);
        assert_eq!(parse_window("2:00 – 2:20"), w("02:00", "02:20", "local"));
        assert_eq!(parse_window("22:00-01:00 CET"), w("22:00", "01:00", "CET"));
        assert_eq!(parse_window("25:00-26:00 UTC"), None);
        assert_eq!(parse_window("soon"), None);
    }
}
