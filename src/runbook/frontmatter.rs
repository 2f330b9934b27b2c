//! Optional YAML front matter: what plain Markdown cannot say (vars, databases, metrics, logs …).
//!
//! Every section is optional. Unknown keys are kept aside and reported as warnings, so a runbook
//! written for a newer flightdeck still opens in an older one.

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::runbook::diagnostic::Diagnostic;

/// Unknown keys found while reading a section, for warnings.
pub type Unknown = IndexMap<String, IgnoredAny>;

/// The typed front matter of a runbook.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FrontMatter {
    /// Overrides the first H1 as the runbook title.
    pub title: Option<String>,
    /// The target environment (`production`); the word a captain types to confirm dangerous steps.
    pub environment: Option<String>,
    /// Inputs with prompts, defaults and secrecy, in the order they are asked for.
    pub vars: IndexMap<String, Option<VarSpec>>,
    /// Named PostgreSQL connection strings (values may reference inputs: `$PROD_DB_URL`).
    pub databases: IndexMap<String, String>,
    /// Prometheus base URL for `prometheus` metrics.
    pub prometheus: Option<String>,
    pub metrics: Vec<MetricSpec>,
    pub logs: Vec<LogSpec>,
    /// Role name → who holds it (`captain: Maksim`).
    pub roles: IndexMap<String, String>,
    /// The maintenance window: `"02:00-04:00 UTC"` or `{start, end, tz}`.
    pub window: Option<WindowSpec>,
    /// Conditions over metrics that call for the rollback phase (`"error_rate > 5"`).
    pub rollback_when: Vec<String>,
    /// Title of the rollback phase when it is not called "Rollback …".
    pub rollback_phase: Option<String>,
    pub notify: Option<NotifySpec>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// How an input is asked for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VarSpec {
    pub prompt: Option<String>,
    pub default: Option<String>,
    /// Overrides the name-based guess (`*_TOKEN`, `*PASSWORD*` … are secret by default).
    pub secret: Option<bool>,
    pub description: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// A figure sampled for the monitoring pane; exactly one source key is expected.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MetricSpec {
    pub name: String,
    pub command: Option<String>,
    pub sql: Option<String>,
    pub db: Option<String>,
    pub prometheus: Option<String>,
    pub http: Option<String>,
    /// Expected HTTP status for `http` sources.
    pub expect: Option<u16>,
    /// Dotted path of a number in an `http` JSON body.
    pub json: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub unit: Option<String>,
    pub warn: Option<String>,
    pub crit: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// A log source shown as a tab in the log pane.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LogSpec {
    pub name: String,
    pub file: Option<String>,
    pub command: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// The maintenance window, in either spelling.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum WindowSpec {
    Text(String),
    Fields {
        start: String,
        end: String,
        tz: Option<String>,
    },
}

/// The events a `notify` hook may name in `on:`.
pub const NOTIFY_EVENTS: &[&str] = &[
    "run_started",
    "run_finished",
    "metric_breach",
    "rollback",
    "handoff",
];

/// Where and when to post notifications.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NotifySpec {
    pub webhook: Option<String>,
    pub on: Vec<String>,
    pub format: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// Parses front matter that starts at 1-based `first_line` of the file. On a YAML error returns
/// the error as a diagnostic located in the file; unknown keys come back as warnings.
pub fn parse_front_matter(
    yaml: &str,
    first_line: usize,
) -> Result<(FrontMatter, Vec<Diagnostic>), Diagnostic> {
    if yaml.trim().is_empty() {
        return Ok((FrontMatter::default(), Vec::new()));
    }
    let fm: FrontMatter = serde_saphyr::from_str(yaml).map_err(|e| {
        let (line, col) = e
            .location()
            .map_or((0, 1), |l| (l.line() as usize, l.column() as usize));
        let line = first_line + line.saturating_sub(1);
        let message = one_line(&e.to_string());
        Diagnostic::error(
            line,
            col.max(1),
            format!("front matter does not parse: {message}"),
        )
    })?;
    let mut warnings = Vec::new();
    let mut warn = |key: &str, section: &str, indented: bool| {
        let line = key_line(yaml, key, indented).map_or(first_line, |l| first_line + l - 1);
        warnings.push(Diagnostic::warning(
            line,
            1,
            format!("unknown front-matter key `{section}{key}` is ignored"),
        ));
    };
    fm.unknown.keys().for_each(|k| warn(k, "", false));
    for (name, spec) in &fm.vars {
        if let Some(spec) = spec {
            spec.unknown
                .keys()
                .for_each(|k| warn(k, &format!("vars.{name}."), true));
        }
    }
    fm.metrics
        .iter()
        .for_each(|m| m.unknown.keys().for_each(|k| warn(k, "metrics[].", true)));
    fm.logs
        .iter()
        .for_each(|l| l.unknown.keys().for_each(|k| warn(k, "logs[].", true)));
    if let Some(n) = &fm.notify {
        n.unknown.keys().for_each(|k| warn(k, "notify.", true));
    }
    Ok((fm, warnings))
}

/// The library's messages can span lines (with a source excerpt); keep the first meaningful one.
fn one_line(message: &str) -> String {
    let first = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid YAML");
    let first = first.strip_prefix("error:").unwrap_or(first).trim_start();
    // Its own relative `line N column M:` prefix is dropped: the diagnostic carries the file's.
    let without_location = first
        .strip_prefix("line ")
        .and_then(|r| r.split_once(": "))
        .filter(|(loc, _)| loc.contains("column"))
        .map_or(first, |(_, msg)| msg);
    without_location.to_string()
}

/// 1-based line within `yaml` where `key:` is written (top level unless `indented`).
fn key_line(yaml: &str, key: &str, indented: bool) -> Option<usize> {
    yaml.lines()
        .position(|l| {
            let t = if indented {
                l.trim_start().trim_start_matches("- ")
            } else {
                l
            };
            t.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

impl FrontMatter {
    /// Whether front matter marks `name` secret; `None` when it does not say.
    pub fn var_secret(&self, name: &str) -> Option<bool> {
        self.vars
            .get(name)
            .and_then(|s| s.as_ref())
            .and_then(|s| s.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_sections() {
        let yaml = "title: Go live\nenvironment: production\nvars:\n  PROJECT_REF:\n    prompt: Supabase project\n  API_KEY:\n    secret: false\n  PLAIN:\ndatabases:\n  main: postgres://postgres@127.0.0.1/test\nmetrics:\n  - name: answer\n    command: echo 42\n    crit: \"> 40\"\nwindow: 02:00-04:00 UTC\n";
        let (fm, warnings) = parse_front_matter(yaml, 2).expect("parses");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(fm.title.as_deref(), Some("Go live"));
        assert_eq!(
            fm.vars.keys().collect::<Vec<_>>(),
            ["PROJECT_REF", "API_KEY", "PLAIN"]
        );
        assert_eq!(fm.var_secret("API_KEY"), Some(false));
        assert_eq!(fm.metrics[0].crit.as_deref(), Some("> 40"));
        assert!(matches!(fm.window, Some(WindowSpec::Text(ref t)) if t == "02:00-04:00 UTC"));
    }

    #[test]
    fn unknown_keys_warn_with_their_line() {
        let yaml = "title: x\ncolour: blue\nmetrics:\n  - name: a\n    crti: \"> 1\"\n";
        let (_, warnings) = parse_front_matter(yaml, 2).expect("parses");
        let got: Vec<_> = warnings
            .iter()
            .map(|w| (w.line, w.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (3, "unknown front-matter key `colour` is ignored"),
                (6, "unknown front-matter key `metrics[].crti` is ignored"),
            ]
        );
    }

    #[test]
    fn bad_yaml_is_an_error_on_its_line() {
        let err = parse_front_matter("title: x\nvars: [unclosed\n", 2).expect_err("fails");
        assert!(err.is_error());
        assert!(err.line >= 3, "{err:?}");
        assert!(
            err.message.starts_with("front matter does not parse"),
            "{err:?}"
        );
        assert!(!err.message.contains('\n'));
        let err = parse_front_matter("metrics: 12\n", 2).expect_err("wrong type");
        assert_eq!(err.line, 2, "{err:?}");
    }
}
