//! The application log: `tracing` events to `<home>/logs/flightdeck.log`, never the terminal
//! (the TUI owns it). `FLIGHTDECK_LOG=debug` raises the level. Only ids, states and errors
//! are logged, never input values, commands or output, so no secret can reach it.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts logging to a daily file under `<home>/logs/`; keep the guard alive until exit so the
/// last lines are flushed. Returns `None` (and logs nothing) when the folder cannot be made.
pub fn init(home: &Path) -> Option<WorkerGuard> {
    let dir = home.join("logs");
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::daily(&dir, "flightdeck.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter =
        EnvFilter::try_from_env("FLIGHTDECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
