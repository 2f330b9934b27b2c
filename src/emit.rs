//! Standard output for the printing commands: a reader that closes the pipe early
//! (`flightdeck plan FILE | head`) ends the command quietly, as with any Unix tool.

use std::io::Write as _;
use std::process::ExitCode;

/// Writes `text` to stdout. A closed pipe is success: the reader has what it wanted.
pub fn emit(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flightdeck: cannot write to standard output: {e}");
            ExitCode::from(2)
        }
    }
}
