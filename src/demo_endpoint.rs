//! The demo runbook's own HTTP service, so that its HTTP check and notification work on a bare
//! machine: `GET /healthz` answers `{"status":"ok"}`, `POST /hook` accepts a webhook and
//! appends its body to a file. Loopback only, exits by itself after `seconds`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Largest request head or body read.
const LIMIT: usize = 64 * 1024;

/// Serves until `seconds` have passed; `hooks` receives each posted body on a line.
pub fn serve(port: u16, seconds: u64, hooks: PathBuf) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    while Instant::now() < until {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = answer(stream, started, &hooks);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn answer(stream: TcpStream, started: Instant, hooks: &PathBuf) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut reader = BufReader::new(stream.try_clone()?.take(LIMIT as u64 * 2));
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0).min(LIMIT);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let mut words = request.split_whitespace();
    let (status, reply) = match (words.next(), words.next()) {
        (Some("GET"), Some("/healthz")) => (
            "200 OK",
            format!(
                "{{\"status\":\"ok\",\"uptime_s\":{}}}",
                started.elapsed().as_secs()
            ),
        ),
        (Some("POST"), Some("/hook")) => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(hooks)?;
            f.write_all(&body)?;
            f.write_all(b"\n")?;
            ("200 OK", "{\"ok\":true}".to_string())
        }
        _ => ("404 Not Found", "{\"error\":\"not found\"}".to_string()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
        reply.len()
    )
}
