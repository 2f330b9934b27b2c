//! Heading suffixes that plan a phase: `(30 min)` is a timebox, `(02:00-02:20 UTC)` a window.

use crate::runbook::duration::parse_duration;
use crate::runbook::model::Window;

/// What a heading's trailing parenthesis says about the phase's plan.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HeadingPlan {
    pub timebox_secs: Option<u64>,
    pub window: Option<Window>,
    /// `T-15`, `T+0`: seconds from the go time.
    pub offset_secs: Option<i64>,
}

/// An offset from the go time written in a heading: `T-15` (minutes when no unit is given),
/// `T+0`, `T+15 min`, `T-6 days`, `T+1hr`.
pub fn t_offset(title: &str) -> Option<i64> {
    let words: Vec<&str> = title
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ':' | '*' | '['))
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let rest = w.strip_prefix('T')?;
        let (sign, rest) = match rest.chars().next()? {
            '-' | '−' => (-1, &rest[rest.chars().next()?.len_utf8()..]),
            '+' => (1, &rest[1..]),
            _ => return None,
        };
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let secs = if rest.bytes().all(|b| b.is_ascii_digit()) {
            // A bare number takes the unit word after it, else minutes.
            let n: i64 = rest.parse().ok()?;
            match words
                .get(i + 1)
                .and_then(|u| parse_duration(&format!("{n} {u}")))
            {
                Some(s) => i64::try_from(s).ok()?,
                None => n.checked_mul(60)?,
            }
        } else {
            i64::try_from(parse_duration(rest)?).ok()?
        };
        Some(sign * secs)
    })
}

/// Reads the last `( … )` group of a heading title, if it is a timebox or a window, and a
/// `T-15`-style offset anywhere in it.
pub fn heading_plan(title: &str) -> HeadingPlan {
    let offset_secs = t_offset(title);
    let t = title.trim_end();
    let Some(inner) = t
        .strip_suffix(')')
        .and_then(|s| s.rfind('(').map(|i| &s[i + 1..]))
    else {
        return HeadingPlan {
            offset_secs,
            ..HeadingPlan::default()
        };
    };
    if let Some(window) = parse_window(inner) {
        return HeadingPlan {
            timebox_secs: None,
            window: Some(window),
            offset_secs,
        };
    }
    HeadingPlan {
        // `(T-15 min)` is an offset, not a timebox.
        timebox_secs: estimate(inner).filter(|_| t_offset(inner).is_none()),
        window: None,
        offset_secs,
    }
}

/// A duration as headings hedge it: `~2h`, `<15 min`, `under 10 minutes`, `fast path, about
/// 30 min`: the bound, from whichever comma-separated part reads as one.
pub fn estimate(text: &str) -> Option<u64> {
    const HEDGES: &[&str] = &[
        "approximately",
        "approx.",
        "approx",
        "about",
        "around",
        "roughly",
        "under",
        "less than",
        "up to",
        "at most",
        "max",
        "max.",
        "within",
        "takes",
        "ca.",
        "<=",
        "≤",
        "<",
        "~",
    ];
    text.split([',', ';']).find_map(|part| {
        let mut p = part.trim();
        loop {
            let lower = p.to_ascii_lowercase();
            match HEDGES.iter().find(|h| lower.starts_with(*h)) {
                Some(h) => p = p[h.len()..].trim_start(),
                None => break,
            }
        }
        parse_duration(p)
    })
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
        // Hedged the way people write them.
        assert_eq!(heading_plan("Smoke (<15 min)").timebox_secs, Some(900));
        assert_eq!(
            heading_plan("Rollback (fast path, under 10 minutes)").timebox_secs,
            Some(600)
        );
        assert_eq!(
            heading_plan("Drain (about 30 min)").timebox_secs,
            Some(1800)
        );
        assert_eq!(
            heading_plan("Checklist (T-15 min)"),
            HeadingPlan {
                offset_secs: Some(-900),
                ..HeadingPlan::default()
            }
        );
        assert_eq!(
            heading_plan("Database Migrations (Production)"),
            HeadingPlan::default()
        );
        assert_eq!(heading_plan("No suffix"), HeadingPlan::default());
        assert_eq!(heading_plan("Broken (30 min"), HeadingPlan::default());
    }

    #[test]
    fn offsets_from_the_go_time() {
        assert_eq!(t_offset("T-15: freeze merges"), Some(-900));
        assert_eq!(t_offset("T+0 Go"), Some(0));
        assert_eq!(t_offset("Smoke (T+15 min)"), Some(900));
        assert_eq!(t_offset("Branch cut (T-6 days, Monday)"), Some(-6 * 86400));
        assert_eq!(t_offset("**T+1hr** check"), Some(3600));
        assert_eq!(t_offset("T-30m"), Some(-1800));
        assert_eq!(t_offset("Tuesday"), None);
        assert_eq!(t_offset("T-shirts"), None);
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
