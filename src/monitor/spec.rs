//! A metric as the samplers and the pane need it: the front matter's `MetricSpec` checked and
//! resolved once (source, interval, timeout, thresholds), so nothing downstream re-parses text.

use std::time::Duration;

use crate::monitor::threshold::Threshold;
use crate::runbook::duration::parse_duration;
use crate::runbook::frontmatter::{FrontMatter, MetricSpec};

/// Sampling interval when a metric does not say.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// The longest default timeout: `min(interval, 10 s)`.
pub const MAX_DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a metric's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A shell command whose stdout is a number.
    Command(String),
    /// A query whose first column of the first row is a number; `db` names the database.
    Sql { query: String, db: String },
    /// An instant query against the runbook's Prometheus.
    Prometheus { query: String },
    /// A GET: latency in ms, or a number picked from the JSON body.
    Http {
        url: String,
        expect: u16,
        json: Option<String>,
    },
}

impl Source {
    /// The key the source was declared with.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Command(_) => "command",
            Source::Sql { .. } => "sql",
            Source::Prometheus { .. } => "prometheus",
            Source::Http { .. } => "http",
        }
    }
}

/// A checked metric declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDef {
    pub name: String,
    pub source: Source,
    pub interval: Duration,
    pub timeout: Duration,
    pub unit: Option<String>,
    pub warn: Option<Threshold>,
    pub crit: Option<Threshold>,
}

/// Checks one declaration; the error is one line saying what to fix.
pub fn resolve(spec: &MetricSpec, fm: &FrontMatter) -> Result<MetricDef, String> {
    let name = spec.name.trim();
    if name.is_empty() {
        return Err("metric has no `name`; add `name: p95_ms`".into());
    }
    let mut sources = Vec::new();
    if let Some(c) = &spec.command {
        sources.push(Source::Command(c.clone()));
    }
    if let Some(q) = &spec.sql {
        let db = match (&spec.db, fm.databases.len()) {
            (Some(db), _) => db.clone(),
            (None, 1) => fm.databases.keys().next().cloned().unwrap_or_default(),
            (None, 0) => {
                return Err(format!(
                    "metric `{name}`: `sql` needs a database; declare one under `databases:` and name it with `db:`"
                ));
            }
            (None, _) => {
                return Err(format!(
                    "metric `{name}`: several databases are declared; say which with `db:`"
                ));
            }
        };
        if !fm.databases.contains_key(&db) {
            let known: Vec<&str> = fm.databases.keys().map(String::as_str).collect();
            return Err(format!(
                "metric `{name}`: unknown database `{db}`; declared under `databases:`: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ));
        }
        sources.push(Source::Sql {
            query: q.clone(),
            db,
        });
    }
    if let Some(q) = &spec.prometheus {
        sources.push(Source::Prometheus { query: q.clone() });
    }
    if let Some(url) = &spec.http {
        sources.push(Source::Http {
            url: url.clone(),
            expect: spec.expect.unwrap_or(200),
            json: spec.json.clone(),
        });
    }
    let source = match sources.len() {
        0 => {
            return Err(format!(
                "metric `{name}` has no source; add one of `command:`, `sql:`, `prometheus:`, `http:`"
            ));
        }
        1 => sources.remove(0),
        _ => {
            let keys: Vec<&str> = sources.iter().map(Source::kind).collect();
            return Err(format!(
                "metric `{name}` has {} sources ({}); keep exactly one",
                keys.len(),
                keys.join(", ")
            ));
        }
    };
    let duration = |key: &str, text: &Option<String>| -> Result<Option<Duration>, String> {
        match text {
            None => Ok(None),
            Some(t) => match parse_duration(t) {
                Some(s) if s >= 1 => Ok(Some(Duration::from_secs(s))),
                _ => Err(format!(
                    "metric `{name}`: `{key}: {t}` is not a duration of at least 1 s (e.g. `5s`, `1m`)"
                )),
            },
        }
    };
    let interval = duration("interval", &spec.interval)?.unwrap_or(DEFAULT_INTERVAL);
    let timeout =
        duration("timeout", &spec.timeout)?.unwrap_or_else(|| interval.min(MAX_DEFAULT_TIMEOUT));
    let threshold = |key: &str, text: &Option<String>| -> Result<Option<Threshold>, String> {
        text.as_deref()
            .map(|t| Threshold::parse(t).map_err(|e| format!("metric `{name}` `{key}`: {e}")))
            .transpose()
    };
    Ok(MetricDef {
        name: name.to_string(),
        source,
        interval,
        timeout,
        unit: spec.unit.clone(),
        warn: threshold("warn", &spec.warn)?,
        crit: threshold("crit", &spec.crit)?,
    })
}

/// Expands `$NAME` / `${NAME}` in a database URL from run inputs; the error names what is unset.
pub fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(inner) => match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => (inner, inner.len() + 1),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        if name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        match lookup(name) {
            Some(v) => out.push_str(&v),
            None => return Err(format!("needs input ${name}, which has no value yet")),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm(yaml: &str) -> FrontMatter {
        crate::runbook::frontmatter::parse_front_matter(yaml, 2)
            .expect("parses")
            .0
    }

    #[test]
    fn defaults_and_sources() {
        let f = fm(
            "databases:\n  local: postgres://x\nmetrics:\n  - name: a\n    command: echo 1\n  - name: b\n    sql: select 1\n    interval: 30s\n    crit: \"> 3\"\n",
        );
        let a = resolve(&f.metrics[0], &f).unwrap();
        assert_eq!(a.interval, DEFAULT_INTERVAL);
        assert_eq!(a.timeout, Duration::from_secs(5));
        let b = resolve(&f.metrics[1], &f).unwrap();
        assert_eq!(
            b.source,
            Source::Sql {
                query: "select 1".into(),
                db: "local".into()
            }
        );
        assert_eq!(b.timeout, MAX_DEFAULT_TIMEOUT);
        assert_eq!(b.crit.unwrap().to_string(), "> 3");
    }

    #[test]
    fn bad_declarations() {
        let f = fm(
            "metrics:\n  - name: none\n  - name: two\n    command: x\n    http: http://x\n  - name: db\n    sql: select 1\n    db: nope\n  - name: iv\n    command: x\n    interval: soon\n  - name: th\n    command: x\n    warn: \"80\"\n",
        );
        let errs: Vec<String> = f
            .metrics
            .iter()
            .map(|m| resolve(m, &f).unwrap_err())
            .collect();
        assert!(errs[0].contains("no source"), "{errs:?}");
        assert!(errs[1].contains("2 sources (command, http)"), "{errs:?}");
        assert!(errs[2].contains("unknown database `nope`"), "{errs:?}");
        assert!(errs[3].contains("`interval: soon`"), "{errs:?}");
        assert!(errs[4].contains("operator"), "{errs:?}");
    }

    #[test]
    fn expands_inputs() {
        let look = |n: &str| (n == "URL").then(|| "postgres://h/db".to_string());
        assert_eq!(expand("$URL", &look).unwrap(), "postgres://h/db");
        assert_eq!(expand("${URL}?x=1", &look).unwrap(), "postgres://h/db?x=1");
        assert!(expand("$OTHER", &look).unwrap_err().contains("$OTHER"));
        assert_eq!(expand("a$", &look).unwrap(), "a$");
    }
}
