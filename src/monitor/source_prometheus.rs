//! `prometheus:` metrics: an instant query over the HTTP API. Exactly one series is expected;
//! otherwise the row says how many came back.

use std::time::Duration;

use crate::monitor::sample::short;
use crate::monitor::source_http::get;

/// Env var naming the Prometheus base URL when front matter does not.
pub const URL_ENV: &str = "FLIGHTDECK_PROMETHEUS_URL";

/// Runs `query` at `base` (`http://127.0.0.1:9090`) once.
pub async fn sample(
    client: &reqwest::Client,
    base: &str,
    query: &str,
    timeout: Duration,
) -> Result<f64, String> {
    let endpoint = format!("{}/api/v1/query", base.trim_end_matches('/'));
    let url = reqwest::Url::parse_with_params(&endpoint, &[("query", query)])
        .map_err(|e| format!("bad Prometheus URL `{base}`: {e}"))?;
    let (status, body) = get(client, url, timeout).await?;
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| format!("HTTP {status}: not a Prometheus API answer"))?;
    read_answer(&value)
}

/// The single value of an instant-query answer.
pub fn read_answer(v: &serde_json::Value) -> Result<f64, String> {
    if v.get("status").and_then(|s| s.as_str()) != Some("success") {
        let error = v
            .get("error")
            .and_then(|e| e.as_str())
            .unwrap_or("unknown error");
        return Err(format!("Prometheus: {}", short(error, 80)));
    }
    let data = v.get("data").ok_or("Prometheus answer has no data")?;
    let result = data
        .get("result")
        .ok_or("Prometheus answer has no result")?;
    let pair = match data.get("resultType").and_then(|t| t.as_str()) {
        Some("scalar") => result,
        Some("vector") => {
            let series = result.as_array().map_or(0, Vec::len);
            if series != 1 {
                return Err(format!("{series} series came back (expected exactly 1)"));
            }
            result
                .get(0)
                .and_then(|s| s.get("value"))
                .ok_or("series without a value")?
        }
        Some(other) => return Err(format!("a {other} came back (expected one series)")),
        None => return Err("Prometheus answer has no resultType".into()),
    };
    let text = pair
        .get(1)
        .and_then(|x| x.as_str())
        .ok_or("value is not [time, \"number\"]")?;
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err(format!("value `{text}` is not a finite number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        let one = serde_json::json!({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.0,"12.5"]}]}});
        assert_eq!(read_answer(&one), Ok(12.5));
        let two = serde_json::json!({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"1"]},{"value":[1,"2"]}]}});
        assert_eq!(
            read_answer(&two).unwrap_err(),
            "2 series came back (expected exactly 1)"
        );
        let none =
            serde_json::json!({"status":"success","data":{"resultType":"vector","result":[]}});
        assert!(read_answer(&none).unwrap_err().starts_with("0 series"));
        let scalar =
            serde_json::json!({"status":"success","data":{"resultType":"scalar","result":[1,"3"]}});
        assert_eq!(read_answer(&scalar), Ok(3.0));
        let err = serde_json::json!({"status":"error","error":"parse error"});
        assert!(read_answer(&err).unwrap_err().contains("parse error"));
        let nan = serde_json::json!({"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}});
        assert!(read_answer(&nan).is_err());
    }
}
