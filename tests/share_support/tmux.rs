//! The real binary in tmux, for the share tests (captain, follower and next captain each in a
//! tmux server of their own): a session of 160×45, the screen as text, keys, and a bounded
//! wait for a whole expected screen.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// One tmux server (its own socket) holding one session, `fd`; killed when dropped.
pub struct Tmux {
    socket: String,
    /// A text no screen may ever show (a canary secret): every screen waited on is checked.
    never: Option<&'static str>,
}

impl Tmux {
    /// A server named after the test process, `role` and a counter, so tests running at once
    /// never share one.
    pub fn new(role: &str) -> Tmux {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        Tmux {
            socket: format!("fd-share-{role}-{}-{n}", std::process::id()),
            never: None,
        }
    }

    /// Every screen [`Tmux::wait_for`] reads must not hold `text`.
    pub fn never_showing(mut self, text: &'static str) -> Tmux {
        self.never = Some(text);
        self
    }

    pub fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Starts the session; a server still shutting down from the last one can refuse the
    /// first tries.
    pub fn start(&self, line: &str) {
        let mut last = String::new();
        for _ in 0..10 {
            let out = self.cmd(&[
                "new-session",
                "-d",
                "-s",
                "fd",
                "-x",
                "160",
                "-y",
                "45",
                line,
            ]);
            if out.status.success() {
                return;
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            std::thread::sleep(Duration::from_millis(300));
        }
        panic!("tmux new-session: {last}");
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-J", "-t", "fd"]).stdout)
            .into_owned()
    }

    /// Waits (bounded) until every text is on the screen at once.
    pub fn wait_for(&self, texts: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if let Some(secret) = self.never {
                assert!(
                    !screen.contains(secret),
                    "the secret is on the screen:\n{screen}"
                );
            }
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{texts:?} did not all appear; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "fd", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Types `text` literally (a run id, a name).
    pub fn type_text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "fd", "-l", text]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}
