//! The cockpit and the watch view draw full screen: without a terminal (cron, CI, stdin from
//! `/dev/null`) they refuse with one line before anything is created.

use std::io::IsTerminal;

/// Fails unless stdin and stdout are both a terminal; `command` names what was asked for.
pub fn require(source: &str, command: &str) -> anyhow::Result<()> {
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    anyhow::bail!(
        "{source}: `{command}` needs a terminal (stdin and stdout are not one); start it from an interactive shell, or use `flightdeck plan` to print the checklist"
    )
}
