//! What background samplers and log followers report to the cockpit task.

use chrono::{DateTime, Utc};

/// One reading of metric `metric` (its index in the runbook's `metrics`).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub metric: usize,
    pub at: DateTime<Utc>,
    /// The number, or why there is none (the source's own error text).
    pub value: Result<f64, String>,
}

/// Everything the monitoring tasks send, in one type so one channel carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum MonitorEvent {
    Sample(Sample),
    /// New complete lines from log source `source`.
    LogLines {
        source: usize,
        lines: Vec<String>,
    },
    /// A log source changed state (rotated, truncated, exited, restarting …).
    LogStatus {
        source: usize,
        text: String,
    },
}

/// Reads a number from a command's output or a text cell: the last non-empty line, whole or
/// its first word (`42`, `42 ms`, `0.5`); `t`/`f` are 1/0. Non-finite values are errors, since
/// nothing can be compared with them.
pub fn parse_number(text: &str) -> Result<f64, String> {
    let line = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .ok_or_else(|| "no output (expected a number)".to_string())?;
    let first = line.split_whitespace().next().unwrap_or(line);
    let value = match first {
        "t" | "true" => Ok(1.0),
        "f" | "false" => Ok(0.0),
        _ => line
            .parse::<f64>()
            .or_else(|_| first.trim_end_matches('%').parse::<f64>()),
    };
    match value {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(v) => Err(format!("{v} is not a finite number")),
        Err(_) => Err(format!("not a number: `{}`", short(line, 40))),
    }
}

/// The first `max` characters of `text`, with an ellipsis when cut.
pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_text() {
        assert_eq!(parse_number("42\n"), Ok(42.0));
        assert_eq!(parse_number("header\n 0.25 \n\n"), Ok(0.25));
        assert_eq!(parse_number("12 ms"), Ok(12.0));
        assert_eq!(parse_number("95%"), Ok(95.0));
        assert_eq!(parse_number("t"), Ok(1.0));
        assert!(parse_number("").unwrap_err().contains("no output"));
        assert!(parse_number("hello").unwrap_err().contains("not a number"));
        assert!(parse_number("NaN").is_err());
    }
}
