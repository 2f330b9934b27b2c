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

/// A request as a loopback test server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A real HTTP/1.1 server on 127.0.0.1 with an ephemeral port; `reply` answers each request
/// with (status, body, delay before answering). Every request is recorded.
pub struct HttpServer {
    pub addr: std::net::SocketAddr,
    pub seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
}

impl HttpServer {
    pub async fn start<F>(reply: F) -> HttpServer
    where
        F: Fn(&Seen, usize) -> (u16, String, Duration) + Send + Sync + 'static,
    {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let reply = std::sync::Arc::new(reply);
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let reply = reply.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let mut r = BufReader::new(sock);
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or("").to_string();
                    let path = parts.next().unwrap_or("").to_string();
                    let mut headers = Vec::new();
                    let mut len = 0usize;
                    loop {
                        let mut h = String::new();
                        if r.read_line(&mut h).await.unwrap_or(0) == 0 || h.trim().is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.trim_end().split_once(':') {
                            if k.eq_ignore_ascii_case("content-length") {
                                len = v.trim().parse().unwrap_or(0);
                            }
                            headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
                        }
                    }
                    let mut body = vec![0u8; len];
                    let _ = r.read_exact(&mut body).await;
                    let req = Seen {
                        method,
                        path,
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    };
                    let n = {
                        let mut l = log.lock().expect("lock");
                        l.push(req.clone());
                        l.len()
                    };
                    let (status, body, delay) = reply(&req, n);
                    tokio::time::sleep(delay).await;
                    let resp = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = r.get_mut().write_all(resp.as_bytes()).await;
                });
            }
        });
        HttpServer { addr, seen }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}
