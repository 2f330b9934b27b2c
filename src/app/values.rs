//! Which values a finished step hands to the steps after it: the variables it set that some
//! step of the runbook reads (or front matter declares), its `capture=NAME` line, and the
//! folder it ended in (`cd /srv/shop`), which the shell steps after it start in.

use crate::app::state::App;
use crate::exec::shell::Outcome;

/// The run value holding the folder the last shell step ended in: later shell steps start
/// there, as they would in the captain's own terminal.
pub const WORKDIR: &str = "FLIGHTDECK_WORKDIR";

/// The folder a shell step starts in: where the last step that changed folder ended, while that
/// folder exists, else `base` (`--workdir`, or the runbook's folder).
pub fn workdir_for(app: &App, base: &std::path::Path) -> std::path::PathBuf {
    app.values
        .get(WORKDIR)
        .map(std::path::PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| base.to_path_buf())
}

/// The folder `dir` is the `sub` folder of (`/w/rust/src/tools/cargo` less `src/tools/cargo`
/// is `/w/rust`), or `None` when `dir` does not end in `sub`.
fn above_subfolder(dir: &str, sub: &str) -> Option<String> {
    let mut path = std::path::PathBuf::from(dir);
    let parts: Vec<&str> = sub.split('/').filter(|p| !p.is_empty()).collect();
    for part in parts.iter().rev() {
        if path.file_name().and_then(|n| n.to_str()) != Some(*part) {
            return None;
        }
        path.pop();
    }
    Some(path.to_string_lossy().into_owned())
}

/// (name, value) pairs to record as run inputs with the step as their source; empty unless
/// the step succeeded. Values equal to what the run already holds are left out.
pub fn handed_on(app: &App, step_id: &str, outcome: &Outcome) -> Vec<(String, String)> {
    if !outcome.succeeded() {
        return Vec::new();
    }
    let Some(step) = app.runbook.step(step_id) else {
        return Vec::new();
    };
    let read_later = |name: &str| {
        app.runbook
            .steps()
            .any(|(_, s)| s.id != step.id && s.inputs.iter().any(|n| n == name))
            || app.runbook.vars.iter().any(|v| v.name == name)
    };
    let mut out: Vec<(String, String)> = outcome
        .vars
        .iter()
        .filter(|(name, _)| read_later(name))
        .cloned()
        .collect();
    if let Some((_, dir)) = outcome
        .vars
        .iter()
        .find(|(n, _)| n == crate::exec::capture::CWD)
    {
        // `cd rust` … `cd src/tools/cargo`: the run goes on in `rust`.
        let dir = match &step.subtask_folder {
            Some(sub) => above_subfolder(dir, sub).unwrap_or_else(|| dir.clone()),
            None => dir.clone(),
        };
        out.push((WORKDIR.to_string(), dir));
    }
    if let (Some(name), Some(line)) = (&step.attrs.capture, &outcome.last_stdout_line) {
        out.retain(|(n, _)| n != name);
        out.push((name.clone(), line.clone()));
    }
    out.retain(|(n, v)| app.values.get(n) != Some(v));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_goes_on_above_a_blocks_sub_folder() {
        assert_eq!(
            above_subfolder("/w/rust/src/tools/cargo", "src/tools/cargo").as_deref(),
            Some("/w/rust")
        );
        // The block ended elsewhere (its own `cd` failed, say): where it ended.
        assert_eq!(above_subfolder("/w/rust", "src/tools/cargo"), None);
    }
}
