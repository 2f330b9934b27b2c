//! `http:` metrics: a GET whose latency (ms) is the value, or a number picked from its JSON
//! body with a dotted path (`status.db.latency`); a status other than `expect` is an error.

use std::time::{Duration, Instant};

use crate::monitor::sample::short;

/// One shared client for every HTTP and Prometheus metric: connections are reused.
pub fn client() -> reqwest::Client {
    crate::tls::install_provider();
    let builder = reqwest::Client::builder()
        .user_agent(concat!("flightdeck/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(4);
    let builder = match crate::tls::verifying() {
        Ok(tls) => builder.use_preconfigured_tls(tls),
        Err(_) => builder,
    };
    builder.build().unwrap_or_else(|_| reqwest::Client::new())
}

/// GETs `url` once within `timeout`.
pub async fn sample(
    client: &reqwest::Client,
    url: &str,
    expect: u16,
    json: Option<&str>,
    timeout: Duration,
) -> Result<f64, String> {
    let started = Instant::now();
    let (status, body) = get(client, url, timeout).await?;
    let ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    if status != expect {
        return Err(format!("HTTP {status} (expected {expect})"));
    }
    match json {
        None => Ok(ms),
        Some(path) => {
            let value: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| format!("body is not JSON: {}", short(&e.to_string(), 60)))?;
            pick(&value, path)
        }
    }
}

/// GETs `url` within `timeout` and reads the whole body: status and body, or why not.
pub async fn get(
    client: &reqwest::Client,
    url: impl reqwest::IntoUrl,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), String> {
    let response = client
        .get(url)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| describe(&e, timeout))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| describe(&e, timeout))?;
    Ok((status, body.into()))
}

/// The number at a dotted path (`a.b.0.c`) of a JSON value; numeric strings count.
pub fn pick(value: &serde_json::Value, path: &str) -> Result<f64, String> {
    let mut at = value;
    for key in path.split('.').filter(|k| !k.is_empty()) {
        let next = match at {
            serde_json::Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            other => other.get(key),
        };
        at = next.ok_or_else(|| format!("no `{path}` in the JSON body"))?;
    }
    let n = match at {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        serde_json::Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    };
    n.filter(|v| v.is_finite())
        .ok_or_else(|| format!("`{path}` is not a number"))
}

/// reqwest's errors, as a row has room for.
pub fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!(
            "timed out after {}",
            crate::monitor::source_command::human(timeout)
        );
    }
    if e.is_connect() {
        let mut source = std::error::Error::source(e);
        let mut last = None;
        while let Some(s) = source {
            last = Some(s.to_string());
            source = s.source();
        }
        return format!(
            "cannot connect: {}",
            short(&last.unwrap_or_else(|| e.to_string()), 60)
        );
    }
    short(&e.to_string(), 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths() {
        let v = serde_json::json!({"status": {"db": {"latency": 12.5}, "up": "3"}, "list": [1, {"x": 2}]});
        assert_eq!(pick(&v, "status.db.latency"), Ok(12.5));
        assert_eq!(pick(&v, "status.up"), Ok(3.0));
        assert_eq!(pick(&v, "list.1.x"), Ok(2.0));
        assert!(
            pick(&v, "status.nope")
                .unwrap_err()
                .contains("no `status.nope`")
        );
        assert!(pick(&v, "status").unwrap_err().contains("not a number"));
    }
}
