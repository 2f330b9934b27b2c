//! Durations as people write them in runbooks: `30 min`, `~2h`, `45-60 minutes`, `20m`, `1h30m`.

/// Seconds in a written duration; for a range (`45-60 minutes`) the upper bound. `None` when the
/// text is not a duration.
pub fn parse_duration(text: &str) -> Option<u64> {
    let t = text.trim().trim_start_matches('~').trim();
    if t.is_empty() {
        return None;
    }
    // A range: "45-60 minutes", "0-5 min", "1–2h": the unit follows the upper bound.
    if let Some((lo, hi)) = t.split_once(['-', '–']) {
        let lo = lo.trim();
        if !lo.is_empty() && lo.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return parse_duration(hi);
        }
        return None;
    }
    // Compound forms: "1h30m", "1h 30m", "90s", "2 hours".
    let mut total = 0f64;
    let mut rest = t;
    let mut any = false;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = rest[num_len..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = rest[..unit_len].to_ascii_lowercase();
        rest = rest[unit_len..].trim_start();
        let secs = match unit.as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
            "d" | "day" | "days" => 86400.0,
            _ => return None,
        };
        total += n * secs;
        any = true;
    }
    if any && total.is_finite() && total < 1e12 {
        Some(total.round() as u64)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn written_durations() {
        assert_eq!(parse_duration("30 min"), Some(1800));
        assert_eq!(parse_duration("~2h"), Some(7200));
        assert_eq!(parse_duration("45-60 minutes"), Some(3600));
        assert_eq!(parse_duration("0-5 minutes"), Some(300));
        assert_eq!(parse_duration("20m"), Some(1200));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("1.5h"), Some(5400));
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("Production"), None);
        assert_eq!(parse_duration("T-15 min"), None);
        assert_eq!(parse_duration("30"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("99999999999999999999h"), None);
    }
}
