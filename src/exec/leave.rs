//! Leaving a step running when the cockpit quits: its pipes are handed to detached
//! `flightdeck relay-output` processes that keep appending its output (secrets masked) to the
//! step's output file until the step ends. The journal records the step as interrupted; the
//! file stays complete for whoever looks next.

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;

use crate::journal::secrets::{Masker, MaskingWriter};

/// Starts one detached relay per pipe, appending to `output`. The secrets to mask travel in a
/// private (0600) file the relay reads and deletes at once, never in its environment.
pub fn hand_over(pipes: Vec<OwnedFd>, output: &Path, masker: &Masker) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find flightdeck itself: {e}"))?;
    let secrets = serde_json::to_string(masker.secrets()).unwrap_or_else(|_| "[]".into());
    for pipe in pipes {
        let secrets_file = secrets_file(&secrets)
            .map_err(|e| format!("cannot hand the secrets to the relay: {e}"))?;
        std::process::Command::new(&exe)
            .arg("relay-output")
            .arg("--file")
            .arg(output)
            .arg("--secrets")
            .arg(&secrets_file)
            .stdin(Stdio::from(pipe))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own group: the terminal's hangup and Ctrl-C do not reach it.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start the output relay: {e}"))?;
    }
    Ok(())
}

fn secrets_file(json: &str) -> std::io::Result<std::path::PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path =
        crate::exec::capture::private_dir()?.join(format!("relay-{}-{nanos}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    f.write_all(json.as_bytes())?;
    Ok(path)
}

/// The relay itself: stdin to the end of `file`, masked, until the writer closes the pipe.
/// It runs in a process group of its own, so a terminal hangup does not reach it.
pub fn relay(file: &Path, secrets: Option<&Path>) -> std::io::Result<()> {
    let mut masker = Masker::default();
    if let Some(path) = secrets {
        let json = std::fs::read_to_string(path).unwrap_or_default();
        let _ = std::fs::remove_file(path);
        for s in serde_json::from_str::<Vec<String>>(&json).unwrap_or_default() {
            masker.add(&s);
        }
    }
    let f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(file)?;
    let mut out = MaskingWriter::new(std::io::BufWriter::new(f), masker);
    let mut stdin = std::io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.write_all(&buf[..n])?;
                out.flush()?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    out.finish()?.flush()
}
