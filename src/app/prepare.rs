//! Turning a step and the run's input values into the job that runs: which inputs it still
//! needs, and its text with values filled in so that they stay data.

use std::time::Duration;

use crate::app::state::App;
use crate::exec::job::Job;
use crate::exec::substitute::{env_name, fill, fill_sql, is_env_name, json_content, substitute};
use crate::journal::secrets::url_encoded;
use crate::runbook::duration::parse_duration;
use crate::runbook::{Step, StepKind};

/// The input a SQL step asks for when the runbook names no database.
pub const DATABASE_URL: &str = "DATABASE_URL";

/// Every input the step needs before it can run, in order: its own, then those of its database
/// connection string.
pub fn needed_inputs(app: &App, step: &Step) -> Vec<String> {
    let mut names = step.inputs.clone();
    if step.kind == StepKind::Sql {
        let extra = match database_template(app, step) {
            Ok(Some(url)) => url_refs(&url),
            Ok(None) => vec![DATABASE_URL.to_string()],
            Err(_) => Vec::new(),
        };
        for n in extra {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

/// The job for `step`, or why it cannot run (the message names the fix).
pub fn prepare(app: &App, step: &Step) -> Result<Job, String> {
    let code = step.code.as_deref().unwrap_or("");
    match step.kind {
        StepKind::Shell => {
            let (script, placeholders) = substitute(code, |n| app.values.contains_key(n));
            let mut env: Vec<(String, String)> = Vec::new();
            for name in &step.inputs {
                if let Some(v) = app.values.get(name) {
                    if placeholders.contains(name) {
                        env.push((env_name(name), v.clone()));
                    }
                    if is_env_name(name) {
                        env.push((name.clone(), v.clone()));
                    }
                }
            }
            env.push(("FLIGHTDECK_RUN_ID".into(), app.run.run_id.clone()));
            env.push(("FLIGHTDECK_STEP_ID".into(), step.id.clone()));
            Ok(Job::Shell {
                script,
                env,
                capture_vars: true,
            })
        }
        StepKind::Sql => {
            let url = match database_template(app, step)? {
                Some(t) => fill(&t, true, |n| value(app, n), str::to_string),
                None => value(app, DATABASE_URL)
                    .ok_or_else(|| format!("{DATABASE_URL} has no value yet"))?,
            };
            let sql = fill_sql(code, |n| input_value(app, step, n))?;
            Ok(Job::Sql {
                url,
                sql,
                timeout: timeout(step)?,
            })
        }
        StepKind::Http => {
            let spec = crate::exec::request::parse(code)?;
            let lookup = |n: &str| input_value(app, step, n);
            let no_breaks = |filled: String, t: &str| -> Result<String, String> {
                if filled.contains(['\r', '\n']) {
                    return Err(format!(
                        "a value in `{t}` holds a line break; it cannot go into a request line or header"
                    ));
                }
                Ok(filled)
            };
            // A value that is the whole URL goes in as written; a value inside one is
            // percent-encoded, so it cannot change the host, path or query around it.
            let url = if whole_reference(&spec.url) {
                fill(&spec.url, true, lookup, str::to_string)
            } else {
                fill(&spec.url, true, lookup, url_encoded)
            };
            let url = no_breaks(url, &spec.url)?;
            let mut headers = Vec::with_capacity(spec.headers.len());
            for (k, v) in &spec.headers {
                headers.push((
                    k.clone(),
                    no_breaks(fill(v, true, lookup, str::to_string), v)?,
                ));
            }
            // In a JSON body a value is JSON string content; elsewhere it is text.
            let body = spec.body.as_deref().map(|b| {
                if b.trim_start().starts_with(['{', '[']) {
                    fill(b, true, lookup, json_content)
                } else {
                    fill(b, true, lookup, str::to_string)
                }
            });
            Ok(Job::Http(crate::exec::request::RequestSpec {
                url,
                headers,
                body,
                timeout: timeout(step)?.unwrap_or(spec.timeout),
                ..spec
            }))
        }
        StepKind::Notify => {
            let block = crate::exec::notify::parse(code)?;
            let url = fill(&block.webhook, true, |n| value(app, n), str::to_string);
            let body = crate::exec::notify::body(&block.template, block.json, |n| {
                template_value(app, Some(step), n).or_else(|| input_value(app, step, n))
            })?;
            Ok(Job::Notify { url, body })
        }
        other => Err(format!(
            "{} steps do not run from the cockpit yet: do it by hand, then `a` to acknowledge or `s` to skip",
            other.as_str()
        )),
    }
}

/// The step's `timeout=` attribute.
fn timeout(step: &Step) -> Result<Option<Duration>, String> {
    step.attrs
        .timeout
        .as_deref()
        .map(|t| {
            parse_duration(t)
                .map(Duration::from_secs)
                .ok_or_else(|| format!("timeout={t} is not a duration (try timeout=30s or 5m)"))
        })
        .transpose()
}

/// The connection string template of a SQL step: `db=NAME`, else the only database of the
/// front matter; `None` when the runbook names none (the captain is asked for one).
fn database_template(app: &App, step: &Step) -> Result<Option<String>, String> {
    let dbs = app.runbook.front_matter.as_ref().map(|f| &f.databases);
    match (&step.attrs.db, dbs) {
        (Some(name), Some(dbs)) if dbs.contains_key(name) => Ok(dbs.get(name).cloned()),
        (Some(name), dbs) => Err(format!(
            "db={name}: no such database in the front matter `databases:` ({})",
            dbs.map(|d| d.keys().cloned().collect::<Vec<_>>().join(", "))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "none declared".into())
        )),
        (None, Some(dbs)) if dbs.len() == 1 => Ok(dbs.values().next().cloned()),
        (None, Some(dbs)) if dbs.len() > 1 => Err(format!(
            "several databases in the front matter: add db=NAME to the sql fence ({})",
            dbs.keys().cloned().collect::<Vec<_>>().join(", ")
        )),
        _ => Ok(None),
    }
}

/// The inputs the runbook's database URLs read (and the environment does not set): when their
/// values change, the `sql` metrics reconnect with the new URL.
pub fn database_inputs(app: &App) -> Vec<String> {
    let Some(fm) = app.runbook.front_matter.as_ref() else {
        return Vec::new();
    };
    fm.databases
        .values()
        .flat_map(|url| url_refs(url))
        .collect()
}

/// `$NAME` / `${NAME}` references of a connection string that the environment does not set.
fn url_refs(url: &str) -> Vec<String> {
    let mut names = Vec::new();
    fill(
        url,
        true,
        |n| {
            if std::env::var_os(n).is_none() && !names.iter().any(|x: &String| x == n) {
                names.push(n.to_string());
            }
            None::<String>
        },
        str::to_string,
    );
    names
}

/// The share URL with its inputs filled (`share: $SHARE_DB`): a run input, else the
/// environment; `None` while one has no value yet.
pub fn share_url(app: &App, template: &str) -> Option<String> {
    let mut missing = false;
    let url = fill(
        template,
        true,
        |n| {
            let v = value(app, n);
            missing |= v.is_none();
            v
        },
        str::to_string,
    );
    (!missing && !url.trim().is_empty()).then_some(url)
}

/// What a share URL that cannot start yet waits for: its inputs without a value (neither a
/// run input nor in the environment), as `$NAME, $OTHER`; `None` when it waits for nothing.
pub fn share_waiting(app: &App) -> Option<String> {
    let template = app.share_url.as_deref()?;
    let mut names: Vec<String> = Vec::new();
    fill(
        template,
        true,
        |n| {
            let v = value(app, n);
            let shown = format!("${n}");
            if v.is_none() && !names.contains(&shown) {
                names.push(shown);
            }
            v
        },
        str::to_string,
    );
    (!names.is_empty()).then(|| names.join(", "))
}

/// The inputs the share URL reads that have no value yet (neither a run input nor set in the
/// environment): asked once when the cockpit opens, as secrets.
pub fn share_inputs(app: &App) -> Vec<String> {
    app.share_url
        .as_deref()
        .map(url_refs)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !app.values.contains_key(n))
        .collect()
}

/// A run input, else the process environment (connection strings often live there).
fn value(app: &App, name: &str) -> Option<String> {
    app.values
        .get(name)
        .cloned()
        .or_else(|| std::env::var(name).ok())
}

/// Whether `text` is nothing but one input reference (`$URL`, `${URL}`, `<url>`, `{{ url }}`).
fn whole_reference(text: &str) -> bool {
    let mut count = 0;
    let rest = fill(
        text.trim(),
        true,
        |_| {
            count += 1;
            Some(String::new())
        },
        str::to_string,
    );
    count == 1 && rest.is_empty()
}

/// The fields every message template knows.
pub fn template_value(app: &App, step: Option<&Step>, name: &str) -> Option<String> {
    match name {
        "run.id" => Some(app.run.run_id.clone()),
        "runbook.title" => Some(app.runbook.title.clone()),
        "step.title" => step.map(|s| s.title.clone()),
        "operator" => Some(app.operator.clone()),
        "progress" => {
            let (done, total) = app.run.done_count();
            Some(format!("{done}/{total}"))
        }
        "phase" => app
            .current_phase()
            .and_then(|p| app.runbook.phases.get(p))
            .map(|p| p.title.clone()),
        _ => None,
    }
}

/// Only the step's own inputs are filled into its text.
fn input_value(app: &App, step: &Step, name: &str) -> Option<String> {
    step.inputs
        .iter()
        .any(|n| n == name)
        .then(|| app.values.get(name).cloned())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_values_are_encoded_unless_they_are_the_url() {
        assert!(whole_reference("$HEALTH_URL"));
        assert!(whole_reference(" {{ url }} "));
        assert!(!whole_reference("https://x/$ID"));
        assert_eq!(url_encoded("a b/../?x=1#@"), "a%20b%2F..%2F%3Fx%3D1%23%40");
        assert_eq!(json_content("say \"hi\"\n"), "say \\\"hi\\\"\\n");
    }
}
