//! `command:` metrics: `sh -c` in its own process group, stdout read as a number, killed
//! (group and all) when it outlives its timeout.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use crate::monitor::sample::{parse_number, short};

/// Most of a command's output that is read; a metric is one number, not a log.
const MAX_OUTPUT: u64 = 64 * 1024;

/// Runs `command` once and reads its value; an exit other than 0 is an error with its stderr.
pub async fn sample(command: &str, timeout: Duration) -> Result<f64, String> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start sh: {e}"))?;
    let pid = child.id();
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err("no pipes to the command".into());
    };
    let run = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let (mut so, mut se) = (stdout.take(MAX_OUTPUT), stderr.take(MAX_OUTPUT));
        let (r1, r2, status) = tokio::join!(
            so.read_to_end(&mut out),
            se.read_to_end(&mut err),
            child.wait()
        );
        r1.and(r2).map_err(|e| format!("reading output: {e}"))?;
        let status = status.map_err(|e| format!("waiting for the command: {e}"))?;
        Ok::<_, String>((status, out, err))
    };
    let (status, out, err) = match tokio::time::timeout(timeout, run).await {
        Ok(r) => r?,
        Err(_) => {
            kill_group(pid);
            return Err(format!("timed out after {}", human(timeout)));
        }
    };
    if !status.success() {
        let why = String::from_utf8_lossy(&err);
        let first = why.lines().map(str::trim).find(|l| !l.is_empty());
        let code = status
            .code()
            .map_or_else(|| "a signal".to_string(), |c| format!("exit {c}"));
        return Err(match first {
            Some(l) => format!("{code}: {}", short(l, 60)),
            None => code,
        });
    }
    parse_number(&String::from_utf8_lossy(&out))
}

/// Ends the command and whatever it started (it leads its own process group).
fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// `2 s`, `500 ms`.
pub fn human(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", d.as_secs())
    }
}
