//! The text of an `http` step: a request line, headers, directives (`expect`, `expect_json`,
//! `retry`, `timeout`) and an optional body, read before any input is filled in so that a
//! value can never add a header or a line.

use std::time::Duration;

use crate::runbook::duration::parse_duration;

/// A parsed (not yet filled) request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSpec {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// Accepted statuses; empty means any 2xx.
    pub expect_status: Vec<StatusPattern>,
    pub expect_json: Vec<JsonCheck>,
    /// Attempts in all, and the wait between two.
    pub retry: Option<(u32, Duration)>,
    pub timeout: Duration,
}

/// `200`, or a class such as `2xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPattern {
    Exact(u16),
    Class(u16),
}

impl StatusPattern {
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusPattern::Exact(s) => s == status,
            StatusPattern::Class(c) => status / 100 == c,
        }
    }
}

/// `status.db == "ok"`: a dotted path into the JSON body, an operator, a JSON literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonCheck {
    pub path: String,
    pub op: String,
    /// The expected value as written (a JSON literal, or a bare word taken as a string).
    pub value: String,
}

/// Default time one request may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const OPS: &[&str] = &["==", "!=", ">=", "<=", ">", "<"];

/// Reads an `http` block: the request line, then header and directive lines, then after the
/// first blank line the body, verbatim (a body line is never a header or a directive). `#`
/// lines before the body are comments. Errors name the line (1-based, within the block).
pub fn parse(text: &str) -> Result<RequestSpec, String> {
    let mut lines = text.lines().enumerate();
    let (method, url) = loop {
        let Some((n, line)) = lines.next() else {
            return Err(
                "empty http block: start with a request line such as `GET https://…`".into(),
            );
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (first, second) = (parts.next().unwrap_or(""), parts.next());
        let upper = first.to_ascii_uppercase();
        match second {
            Some(url) if METHODS.contains(&upper.as_str()) => break (upper, url.to_string()),
            None if first.contains("://") => break ("GET".to_string(), first.to_string()),
            _ => {
                return Err(format!(
                    "line {}: `{line}` is not a request line (write `GET https://host/path`)",
                    n + 1
                ));
            }
        }
    };
    let mut spec = RequestSpec {
        method,
        url,
        headers: Vec::new(),
        body: None,
        expect_status: Vec::new(),
        expect_json: Vec::new(),
        retry: None,
        timeout: DEFAULT_TIMEOUT,
    };
    for (n, raw) in lines.by_ref() {
        let line = raw.trim();
        if line.is_empty() {
            break;
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!(
                "line {}: `{line}` is neither `Header: value` nor a directive; a body goes after a blank line",
                n + 1
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        if directive(&mut spec, key, value, n + 1)? {
            continue;
        }
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(format!("line {}: `{key}` is not a header name", n + 1));
        }
        spec.headers.push((key.to_string(), value.to_string()));
    }
    let body: Vec<&str> = lines.map(|(_, l)| l).collect();
    let body = body.join("\n");
    if !body.trim().is_empty() {
        spec.body = Some(body.trim_end().to_string());
    }
    Ok(spec)
}

/// Applies `key: value` when it is a flightdeck directive; false for an ordinary header.
fn directive(spec: &mut RequestSpec, key: &str, value: &str, line: usize) -> Result<bool, String> {
    match key.to_ascii_lowercase().as_str() {
        "expect" if value != "100-continue" => {
            for part in value.split([',', ' ']).filter(|p| !p.is_empty()) {
                spec.expect_status.push(status_pattern(part).ok_or_else(|| {
                    format!("line {line}: expect: `{part}` is not a status (write 200 or 2xx)")
                })?);
            }
        }
        "expect_json" => spec.expect_json.push(json_check(value).ok_or_else(|| {
            format!("line {line}: expect_json: write `path == value`, e.g. `status == \"ok\"`")
        })?),
        "retry" => {
            spec.retry = Some(
                retry(value).ok_or_else(|| format!("line {line}: retry: write `10 every 15s`"))?,
            );
        }
        "timeout" => {
            spec.timeout = parse_duration(value)
                .filter(|s| *s > 0)
                .map(Duration::from_secs)
                .ok_or_else(|| format!("line {line}: timeout: write a duration such as 30s"))?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn status_pattern(s: &str) -> Option<StatusPattern> {
    let lower = s.to_ascii_lowercase();
    if let Some(c) = lower.strip_suffix("xx") {
        return c
            .parse()
            .ok()
            .filter(|c| (1..=5).contains(c))
            .map(StatusPattern::Class);
    }
    s.parse()
        .ok()
        .filter(|s| (100..=599).contains(s))
        .map(StatusPattern::Exact)
}

fn json_check(s: &str) -> Option<JsonCheck> {
    OPS.iter().find_map(|op| {
        let (path, value) = s.split_once(op)?;
        let (path, value) = (path.trim(), value.trim());
        (!path.is_empty() && !value.is_empty()).then(|| JsonCheck {
            path: path.to_string(),
            op: (*op).to_string(),
            value: value.to_string(),
        })
    })
}

/// `10 every 15s` (also `10x every 15s`, `10 times every 15s`).
fn retry(s: &str) -> Option<(u32, Duration)> {
    let (count, every) = s.split_once("every")?;
    let count = count
        .trim()
        .trim_end_matches("times")
        .trim()
        .trim_end_matches('x');
    let n: u32 = count.trim().parse().ok().filter(|n| *n >= 1)?;
    let wait = parse_duration(every.trim())?;
    Some((n, Duration::from_secs(wait)))
}

impl JsonCheck {
    /// Whether the body satisfies the check, and what was found at the path.
    pub fn holds(&self, body: &serde_json::Value) -> (bool, String) {
        let mut at = body;
        for key in self.path.split('.').filter(|k| !k.is_empty()) {
            let next = match at {
                serde_json::Value::Object(m) => m.get(key),
                serde_json::Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            };
            match next {
                Some(v) => at = v,
                None => return (false, "nothing".into()),
            }
        }
        let want: serde_json::Value = serde_json::from_str(&self.value)
            .unwrap_or_else(|_| serde_json::Value::String(self.value.clone()));
        let ok = match (self.op.as_str(), at.as_f64(), want.as_f64()) {
            ("==", _, _) => *at == want,
            ("!=", _, _) => *at != want,
            (">", Some(a), Some(b)) => a > b,
            (">=", Some(a), Some(b)) => a >= b,
            ("<", Some(a), Some(b)) => a < b,
            ("<=", Some(a), Some(b)) => a <= b,
            _ => false,
        };
        (ok, at.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_issue_example() {
        let spec = parse(
            "GET https://app.example.com/api/health\nAuthorization: Bearer $TOKEN\nexpect: 200\nexpect_json: status == \"ok\"\nretry: 10 every 15s\n",
        )
        .expect("parses");
        assert_eq!(spec.method, "GET");
        assert_eq!(spec.url, "https://app.example.com/api/health");
        assert_eq!(
            spec.headers,
            vec![("Authorization".into(), "Bearer $TOKEN".into())]
        );
        assert_eq!(spec.expect_status, vec![StatusPattern::Exact(200)]);
        assert_eq!(spec.expect_json[0].path, "status");
        assert_eq!(spec.retry, Some((10, Duration::from_secs(15))));
        assert_eq!(spec.body, None);
    }

    #[test]
    fn a_body_follows_the_first_blank_line_verbatim() {
        let spec = parse(
            "POST https://h/x\nexpect: 201\n\n{\"a\": 1}\n# kept\ntimeout: not a directive here\n",
        )
        .expect("parses");
        assert!(spec.headers.is_empty());
        assert_eq!(spec.expect_status, vec![StatusPattern::Exact(201)]);
        assert_eq!(
            spec.body.as_deref(),
            Some("{\"a\": 1}\n# kept\ntimeout: not a directive here")
        );
        assert_eq!(spec.timeout, DEFAULT_TIMEOUT);
        let spec = parse("POST https://h/x\n\n{\"a\":1}").expect("parses");
        assert!(spec.headers.is_empty());
        assert_eq!(spec.body.as_deref(), Some("{\"a\":1}"));
        assert!(parse("GET https://h/x\njust words").is_err());
    }

    #[test]
    fn bad_lines_are_named() {
        assert!(parse("").is_err());
        assert_eq!(
            parse("curl https://x").unwrap_err(),
            "line 1: `curl https://x` is not a request line (write `GET https://host/path`)"
        );
        assert!(
            parse("GET https://x\nretry: often")
                .unwrap_err()
                .starts_with("line 2: retry")
        );
        assert!(parse("GET https://x\nexpect: 700").is_err());
    }

    #[test]
    fn json_checks_compare_by_type() {
        let body: serde_json::Value =
            serde_json::from_str(r#"{"status":"ok","db":{"latency":12},"items":[{"id":7}]}"#)
                .expect("json");
        let check = |s: &str| json_check(s).expect("check").holds(&body).0;
        assert!(check("status == \"ok\""));
        assert!(check("status == ok"));
        assert!(check("db.latency < 50"));
        assert!(!check("db.latency > 50"));
        assert!(check("items.0.id == 7"));
        assert!(!check("missing == 1"));
        assert!(check("status != \"down\""));
    }
}
