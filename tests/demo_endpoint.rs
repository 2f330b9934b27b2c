//! The demo's loopback endpoint through the real binary: it answers like an HTTP server, records
//! webhooks, and stops when the process that owns it exits.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn request(addr: &str, text: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(text.as_bytes()).expect("writes");
    let mut reply = String::new();
    s.read_to_string(&mut reply).expect("reads");
    reply
}

#[test]
fn serves_health_and_hooks_then_stops_with_its_owner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hooks = dir.path().join("hooks.log");
    let mut owner = Command::new("sleep").arg("60").spawn().expect("sleep");
    let mut endpoint = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .args(["demo-endpoint", "--port", "0", "--owner"])
        .arg(owner.id().to_string())
        .arg("--hooks")
        .arg(&hooks)
        .stdout(Stdio::piped())
        .spawn()
        .expect("endpoint starts");
    let mut url = String::new();
    BufReader::new(endpoint.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("prints its URL");
    let addr = url.trim().trim_start_matches("http://").to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{url}");

    let health = request(
        &addr,
        "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    );
    assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
    assert!(
        health.contains("{\"status\":\"ok\",\"uptime_s\":"),
        "{health}"
    );
    let body = "{\"text\":\"deployed\"}";
    let hook = request(
        &addr,
        &format!(
            "POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(hook.starts_with("HTTP/1.1 200 OK"), "{hook}");
    assert_eq!(
        std::fs::read_to_string(&hooks).expect("hooks"),
        format!("{body}\n")
    );
    let missing = request(
        &addr,
        "GET /nope HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    );
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");

    // The owner goes; the endpoint follows within a few checks.
    owner.kill().expect("kill owner");
    owner.wait().expect("reap owner");
    let start = Instant::now();
    loop {
        if let Some(status) = endpoint.try_wait().expect("try_wait") {
            assert!(status.success(), "{status:?}");
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = endpoint.kill();
            panic!("the endpoint outlived its owner");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
