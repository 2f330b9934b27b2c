//! Real services for tests: found, or skipped with a message locally, or a failure in CI
//! (`FLIGHTDECK_REQUIRE_SERVICES=1`, set by `.ci/run`).

#![allow(dead_code)]

use std::time::Duration;

/// Whether CI demands every service.
pub fn required() -> bool {
    std::env::var_os("FLIGHTDECK_REQUIRE_SERVICES").is_some_and(|v| v != "0")
}

/// Call when a service is missing: panics in CI, else prints why the test is skipped.
pub fn missing(what: &str) {
    assert!(!required(), "{what} is required in CI");
    eprintln!("skipped: {what}");
}

/// The local PostgreSQL (`FLIGHTDECK_TEST_PG` overrides), when it answers.
pub async fn postgres() -> Option<String> {
    let url = std::env::var("FLIGHTDECK_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".into());
    match flightdeck::db::connect(&url, Duration::from_secs(5)).await {
        Ok(_) => Some(url),
        Err(e) => {
            missing(&format!("PostgreSQL at {url} ({e})"));
            None
        }
    }
}
