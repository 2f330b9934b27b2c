//! The demo runbook's own HTTP service, so that its HTTP check and notification work on a bare
//! machine: `GET /healthz` answers `{"status":"ok"}`, `POST /hook` accepts a webhook and
//! appends its body to a file. Served by axum on a tokio runtime, on loopback only; it stops when
//! the cockpit that started it exits (`--owner`), and after `seconds` in any case.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use nix::unistd::Pid;
use tokio::io::AsyncWriteExt as _;

/// Largest webhook body accepted.
const LIMIT: usize = 64 * 1024;

/// How often the owner's liveness is checked: a demo helper outliving its cockpit by a second
/// does no harm, and a process has no portable exit notification for a non-parent.
const OWNER_CHECK: Duration = Duration::from_secs(1);

/// Serves on `127.0.0.1:port` (0: any free port) until `owner` exits or `seconds` have passed;
/// prints the base URL on stdout once listening. `hooks` receives each posted body on a line.
pub fn serve(port: u16, seconds: u64, hooks: PathBuf, owner: Option<i32>) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("http://{}", listener.local_addr()?);
        let started = Instant::now();
        let app = Router::new()
            .route(
                "/healthz",
                get(move || async move {
                    json(
                        StatusCode::OK,
                        format!(
                            "{{\"status\":\"ok\",\"uptime_s\":{}}}",
                            started.elapsed().as_secs()
                        ),
                    )
                }),
            )
            .route(
                "/hook",
                post(move |body: Bytes| record(hooks.clone(), body))
                    .layer(DefaultBodyLimit::max(LIMIT)),
            )
            .fallback(|| async { json(StatusCode::NOT_FOUND, "{\"error\":\"not found\"}".into()) });
        axum::serve(listener, app)
            .with_graceful_shutdown(until(Duration::from_secs(seconds), owner))
            .await
    })
}

fn json(status: StatusCode, body: String) -> impl IntoResponse {
    (status, [(header::CONTENT_TYPE, "application/json")], body)
}

/// Appends a webhook body to the hooks file, one line per post.
async fn record(hooks: PathBuf, body: Bytes) -> impl IntoResponse {
    let written = async {
        let mut f = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&hooks)
            .await?;
        f.write_all(&[&body[..], b"\n"].concat()).await?;
        // tokio's file hands the bytes to a blocking task: only `flush` waits until they are
        // written, so the reply never arrives before the line is in the file.
        f.flush().await
    };
    match written.await {
        Ok(()) => json(StatusCode::OK, "{\"ok\":true}".into()),
        Err(e) => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({ "error": e.to_string() }).to_string(),
        ),
    }
}

/// Resolves when `limit` has passed or the `owner` process is gone.
async fn until(limit: Duration, owner: Option<i32>) {
    let owner_gone = async {
        let Some(pid) = owner else {
            return std::future::pending().await;
        };
        let mut every = tokio::time::interval(OWNER_CHECK);
        loop {
            every.tick().await;
            if nix::sys::signal::kill(Pid::from_raw(pid), None).is_err() {
                return;
            }
        }
    };
    tokio::select! {
        () = tokio::time::sleep(limit) => {}
        () = owner_gone => {}
    }
}
