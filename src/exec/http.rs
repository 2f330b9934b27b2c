//! HTTP steps: send the request, show status, latency, headers and body, check expectations,
//! and with `retry` keep polling with a visible countdown until they hold or attempts run out.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::exec::output::{StepOutput, StepTarget, spawn_step};
use crate::exec::request::RequestSpec;
use crate::exec::shell::{ExecEvent, Running};

/// Body bytes read at most; the rest is counted, not kept.
const MAX_BODY: usize = 1 << 20;
/// Body lines shown.
const MAX_BODY_LINES: usize = 100;

/// What to run: a request whose inputs are filled in.
#[derive(Debug, Clone)]
pub struct HttpJob {
    /// Which step and attempt, and its output file.
    pub target: StepTarget,
    pub spec: RequestSpec,
}

/// One response, as far as the checks need it.
struct Reply {
    status: u16,
    reason: String,
    latency: Duration,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    truncated: bool,
}

/// Starts the job; events arrive on `events` until `Finished`; cancel stops the polling.
pub fn spawn(job: HttpJob, events: mpsc::Sender<ExecEvent>) -> Running {
    spawn_step(
        &job.target.clone(),
        events.clone(),
        move |mut out, mut cancel| async move {
            let ok = tokio::select! {
                ok = poll(&job, &mut out, &events) => ok,
                _ = cancel.recv() => {
                    out.line("cancelled", true).await;
                    false
                }
            };
            job.target.clear_progress(&events).await;
            (out, ok)
        },
    )
}

/// Tries up to the retry count; true once every expectation holds.
async fn poll(job: &HttpJob, out: &mut StepOutput, events: &mpsc::Sender<ExecEvent>) -> bool {
    let spec = &job.spec;
    let (attempts, every) = spec.retry.unwrap_or((1, Duration::ZERO));
    let client = match crate::tls::http_client() {
        Ok(c) => c,
        Err(e) => {
            out.line(&e, true).await;
            return false;
        }
    };
    for n in 1..=attempts {
        let last = n == attempts;
        let counter = if attempts > 1 {
            format!("  (attempt {n}/{attempts})")
        } else {
            String::new()
        };
        out.line(&format!("{} {}{counter}", spec.method, spec.url), false)
            .await;
        let failure = match send(&client, spec).await {
            Err(e) => {
                out.line(&format!("request failed: {e}"), true).await;
                e
            }
            Ok(reply) => {
                out.line(
                    &format!(
                        "HTTP {} {} in {} ms",
                        reply.status,
                        reply.reason,
                        reply.latency.as_millis()
                    ),
                    false,
                )
                .await;
                let problems = check(spec, &reply);
                if problems.is_empty() || last {
                    show(&reply, out).await;
                }
                for p in &problems {
                    out.line(&format!("expectation failed: {p}"), true).await;
                }
                match problems.first() {
                    None => {
                        out.line("all expectations hold", false).await;
                        return true;
                    }
                    Some(p) => p.clone(),
                }
            }
        };
        if last {
            break;
        }
        // The countdown is shown in the checklist, one update a second.
        let until = Instant::now() + every;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let text = format!(
                "attempt {n}/{attempts} failed ({failure}); next in {}s",
                left.as_secs() + u64::from(left.subsec_nanos() > 0)
            );
            let _ = events
                .send(ExecEvent::Progress {
                    step_id: job.target.step_id.clone(),
                    attempt: job.target.attempt,
                    text: Some(text),
                })
                .await;
            tokio::time::sleep(left.min(Duration::from_secs(1))).await;
        }
    }
    false
}

async fn send(client: &reqwest::Client, spec: &RequestSpec) -> Result<Reply, String> {
    let method = reqwest::Method::from_bytes(spec.method.as_bytes())
        .map_err(|_| format!("`{}` is not an HTTP method", spec.method))?;
    let mut req = client.request(method, &spec.url).timeout(spec.timeout);
    for (k, v) in &spec.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    if let Some(b) = &spec.body {
        req = req.body(b.clone());
    }
    let started = Instant::now();
    let mut resp = req.send().await.map_err(crate::tls::describe)?;
    let latency = started.elapsed();
    let status = resp.status();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    let mut truncated = false;
    let read = tokio::time::timeout(spec.timeout, async {
        while let Some(chunk) = resp.chunk().await.map_err(crate::tls::describe)? {
            if body.len() + chunk.len() > MAX_BODY {
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok::<_, String>(())
    })
    .await;
    match read {
        Ok(r) => r?,
        Err(_) => return Err(format!("body not complete after {:?}", spec.timeout)),
    }
    Ok(Reply {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_string(),
        latency,
        headers,
        body,
        truncated,
    })
}

/// What does not hold, one line each; empty when the reply passes.
fn check(spec: &RequestSpec, reply: &Reply) -> Vec<String> {
    let mut problems = Vec::new();
    let status_ok = if spec.expect_status.is_empty() {
        (200..300).contains(&reply.status)
    } else {
        spec.expect_status.iter().any(|p| p.matches(reply.status))
    };
    if !status_ok {
        let want = if spec.expect_status.is_empty() {
            "2xx".to_string()
        } else {
            spec.expect_status
                .iter()
                .map(|p| match p {
                    crate::exec::request::StatusPattern::Exact(s) => s.to_string(),
                    crate::exec::request::StatusPattern::Class(c) => format!("{c}xx"),
                })
                .collect::<Vec<_>>()
                .join(" or ")
        };
        problems.push(format!("status {} (expected {want})", reply.status));
    }
    if !spec.expect_json.is_empty() {
        match serde_json::from_slice::<serde_json::Value>(&reply.body) {
            Ok(json) => {
                for c in &spec.expect_json {
                    let (ok, found) = c.holds(&json);
                    if !ok {
                        problems.push(format!("{} {} {} (found {found})", c.path, c.op, c.value));
                    }
                }
            }
            Err(_) => problems.push("the body is not JSON".into()),
        }
    }
    problems
}

/// Headers, then the body (JSON pretty-printed), cut to what a person reads.
async fn show(reply: &Reply, out: &mut StepOutput) {
    for (k, v) in &reply.headers {
        out.line(&format!("  {k}: {v}"), false).await;
    }
    if reply.body.is_empty() {
        return;
    }
    out.line("", false).await;
    let text = match serde_json::from_slice::<serde_json::Value>(&reply.body) {
        Ok(json) => serde_json::to_string_pretty(&json).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(&reply.body).into_owned(),
    };
    let total = text.lines().count();
    for l in text.lines().take(MAX_BODY_LINES) {
        out.line(l, false).await;
    }
    if total > MAX_BODY_LINES {
        out.line(&format!("… {} more lines", total - MAX_BODY_LINES), false)
            .await;
    }
    if reply.truncated {
        out.line(&format!("… body cut at {} KiB", MAX_BODY / 1024), false)
            .await;
    }
}
