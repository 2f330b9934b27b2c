//! Notifications: a `notify` block or a front-matter hook becomes one webhook POST, Slack's
//! `{"text": …}` by default or the template itself with `format: json`. Templates know
//! `{{run.id}}`, `{{runbook.title}}`, `{{step.title}}`, `{{operator}}`, `{{progress}}`,
//! `{{phase}}` and the run's inputs.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::exec::output::{StepTarget, spawn_step};
use crate::exec::shell::{ExecEvent, Running};
use crate::exec::substitute::{fill, json_content};

/// How long a post may take before it counts as failed.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A `notify` block, not yet filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyBlock {
    pub webhook: String,
    pub json: bool,
    pub template: String,
}

/// Reads `webhook:` / `format:` lines at the top, the message after them.
pub fn parse(text: &str) -> Result<NotifyBlock, String> {
    let mut webhook = None;
    let mut json = false;
    let mut rest = Vec::new();
    let mut header = true;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if header {
            if t.is_empty() {
                continue;
            }
            match t
                .split_once(':')
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim()))
            {
                Some((k, v)) if k == "webhook" => {
                    webhook = Some(v.to_string());
                    continue;
                }
                Some((k, v)) if k == "format" => {
                    json = match v {
                        "json" => true,
                        "slack" | "text" => false,
                        other => {
                            return Err(format!(
                                "line {}: format: `{other}` is not known (write `format: json`, or leave it out for Slack text)",
                                n + 1
                            ));
                        }
                    };
                    continue;
                }
                _ => header = false,
            }
        }
        rest.push(line);
    }
    let webhook = webhook.ok_or(
        "a notify block needs a `webhook: URL` line (for example `webhook: $SLACK_WEBHOOK`)",
    )?;
    let template = rest.join("\n").trim().to_string();
    if template.is_empty() {
        return Err("a notify block needs a message after its `webhook:` line".into());
    }
    Ok(NotifyBlock {
        webhook,
        json,
        template,
    })
}

/// The request body: `{"text": message}`, or with `json` the template itself, where each
/// value is escaped as JSON string content so that it stays inside its string.
pub fn body(
    template: &str,
    json: bool,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    if json {
        let filled = fill(template, true, &lookup, json_content);
        serde_json::from_str::<serde_json::Value>(&filled)
            .map_err(|e| format!("format: json, but the filled template is not JSON: {e}"))?;
        Ok(filled)
    } else {
        let text = fill(template, true, &lookup, str::to_string);
        Ok(serde_json::json!({ "text": text }).to_string())
    }
}

/// Posts `body` to `url`; the status on success, the reason otherwise.
pub async fn post(url: &str, body: String) -> Result<u16, String> {
    let client = crate::tls::http_client()?;
    let resp = client
        .post(url)
        .header("content-type", "application/json")
        .timeout(TIMEOUT)
        .body(body)
        .send()
        .await
        .map_err(crate::tls::describe)?;
    let status = resp.status();
    if status.is_success() {
        Ok(status.as_u16())
    } else {
        let detail = resp.text().await.unwrap_or_default();
        let detail: String = detail.chars().take(200).collect();
        Err(format!("HTTP {status} {}", detail.trim()))
    }
}

/// Scheme and host only: the path of a Slack-style webhook is its secret.
pub fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) if u.path().len() > 1 || u.query().is_some() || !u.username().is_empty() => format!(
            "{}://{}{}/…",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Ok(u) => u.to_string(),
        Err(_) => "(not a URL)".into(),
    }
}

/// A `notify` step.
#[derive(Debug, Clone)]
pub struct NotifyJob {
    /// Which step and attempt, and its output file.
    pub target: StepTarget,
    pub url: String,
    pub body: String,
}

/// Posts once; the step succeeds on a 2xx answer.
pub fn spawn(job: NotifyJob, events: mpsc::Sender<ExecEvent>) -> Running {
    spawn_step(
        &job.target.clone(),
        events,
        move |mut out, mut cancel| async move {
            let started = Instant::now();
            out.line(&format!("POST {}", redacted(&job.url)), false)
                .await;
            out.lines(&job.body, false).await;
            let ok = tokio::select! {
                r = post(&job.url, job.body.clone()) => match r {
                    Ok(status) => {
                        let took = started.elapsed().as_millis();
                        out.line(&format!("sent: HTTP {status} in {took} ms"), false).await;
                        true
                    }
                    Err(e) => {
                        out.line(&format!("not sent: {e}"), true).await;
                        false
                    }
                },
                _ = cancel.recv() => {
                    out.line("cancelled", true).await;
                    false
                }
            };
            (out, ok)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_webhook_format_and_message() {
        let b = parse("webhook: $SLACK_WEBHOOK\n\n:rocket: {{runbook.title}} — {{step.title}}\nby {{operator}}")
            .expect("parses");
        assert_eq!(b.webhook, "$SLACK_WEBHOOK");
        assert!(!b.json);
        assert_eq!(
            b.template,
            ":rocket: {{runbook.title}} — {{step.title}}\nby {{operator}}"
        );
        assert!(parse("hello").is_err());
        assert!(
            parse("webhook: x\nformat: xml\nhi")
                .unwrap_err()
                .contains("format")
        );
    }

    #[test]
    fn webhook_paths_are_not_shown() {
        assert_eq!(
            redacted("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            redacted("http://127.0.0.1:18787/hook"),
            "http://127.0.0.1:18787/…"
        );
        assert_eq!(redacted("$SLACK_WEBHOOK"), "(not a URL)");
        assert_eq!(
            redacted("https://h.example/?token=abc"),
            "https://h.example/…"
        );
    }

    #[test]
    fn bodies_keep_values_inside_their_strings() {
        let evil = |n: &str| (n == "operator").then(|| "a\"}, \"x\": {\"".to_string());
        let slack = body("by {{operator}}", false, evil).expect("slack");
        let v: serde_json::Value = serde_json::from_str(&slack).expect("json");
        assert_eq!(v["text"], "by a\"}, \"x\": {\"");
        let raw = body("{\"msg\": \"by {{operator}}\"}", true, evil).expect("raw");
        let v: serde_json::Value = serde_json::from_str(&raw).expect("json");
        assert_eq!(v["msg"], "by a\"}, \"x\": {\"");
        assert!(v.get("x").is_none());
        assert!(body("{not json", true, |_| None).is_err());
    }
}
