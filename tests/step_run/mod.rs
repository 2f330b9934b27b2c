//! Drives one step's events to its end, as the cockpit's loop would, for the exec tests.

use std::time::{Duration, Instant};

use flightdeck::exec::shell::{ExecEvent, Outcome, Running};
use tokio::sync::mpsc;

/// What a step printed and reported, and how long it took to finish.
pub struct Run {
    pub out: String,
    pub progress: Vec<String>,
    pub outcome: Outcome,
    pub took: Duration,
}

/// Collects events until `Finished`; `cancel_after` presses `c` once. Fails after 60 s.
pub async fn finish(
    mut rx: mpsc::Receiver<ExecEvent>,
    handle: Running,
    cancel_after: Option<Duration>,
) -> Run {
    let started = Instant::now();
    let (mut out, mut progress) = (String::new(), Vec::new());
    let mut cancelled = false;
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "step never finished"
        );
        match tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
            Ok(Some(ExecEvent::Output { chunk, .. })) => {
                out.push_str(&String::from_utf8_lossy(&chunk))
            }
            Ok(Some(ExecEvent::Progress { text: Some(t), .. })) => progress.push(t),
            Ok(Some(ExecEvent::Finished { outcome, .. })) => {
                return Run {
                    out,
                    progress,
                    outcome,
                    took: started.elapsed(),
                };
            }
            Ok(Some(_)) | Err(_) => {}
            Ok(None) => panic!("channel closed before Finished"),
        }
        if let Some(after) = cancel_after
            && !cancelled
            && started.elapsed() >= after
        {
            handle.cancel();
            cancelled = true;
        }
    }
}
