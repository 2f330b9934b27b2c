//! A folder entered again. The cockpit carries the folder a step's `cd` leaves the run in to
//! the next step, as the author's terminal does; a later "make sure you are in the right
//! directory: `cd terraform/aws`" is written for a reader who may have wandered off, and a
//! relative `cd` typed again from inside that folder fails. So a step that does nothing but
//! enter a relative folder an earlier step already entered checks where it is first: it skips
//! the `cd`, saying so in its log, when the run is already there. (A block that goes on to
//! work there is left as written.)

use crate::runbook::model::{Phase, StepKind};

/// The relative folder a line enters when it is nothing but `cd PATH`: a plain path down
/// (no `..`, `~`, `$`, `-` or absolute path), without a trailing `/`.
fn plain_cd(line: &str) -> Option<&str> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let ["cd", path] = words.as_slice() else {
        return None;
    };
    let path = path.trim_end_matches('/');
    let plain = !path.is_empty()
        && !path.starts_with(['/', '~', '$', '-', '"', '\''])
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != ".." && c != "." && !c.contains(['*', ';', '&', '|']));
    plain.then_some(path)
}

/// The `cd` that skips itself when the run is already in `path`, and says so.
fn guarded(path: &str) -> String {
    format!("case \"$PWD\" in */{path}) echo \"already in {path}: no cd\" ;; *) cd {path} ;; esac")
}

/// Guards a shell step that is only `cd PATH` when an earlier shell step (in source order)
/// already entered that relative folder with a line of its own.
pub fn guard_reentered(phases: &mut [Phase]) {
    let order = crate::runbook::model::source_order(phases);
    let mut entered: Vec<String> = Vec::new();
    for (_, p, s) in order {
        let step = &mut phases[p].steps[s];
        if step.kind != StepKind::Shell {
            continue;
        }
        let Some(code) = step.code.as_deref() else {
            continue;
        };
        let mut lines = code
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        if let (Some(only), None) = (lines.next(), lines.next())
            && let Some(path) = plain_cd(only)
            && entered.iter().any(|e| e == path)
        {
            step.code = Some(guarded(path) + "\n");
            continue;
        }
        entered.extend(
            code.lines()
                .filter_map(|l| plain_cd(l.trim()))
                .map(str::to_string),
        );
    }
}

/// The path an operand means from inside `folder` when the author wrote it from the folder
/// above: `deploy/examples/monitoring/rbac.yaml` after `cd rook/deploy/examples` is
/// `monitoring/rbac.yaml`. Only when it starts with the last two or more parts of `folder`.
fn from_inside<'p>(folder: &str, path: &'p str) -> Option<&'p str> {
    let parts: Vec<&str> = folder.split('/').collect();
    (0..parts.len().saturating_sub(1)).find_map(|k| {
        let tail = parts[k..].join("/");
        path.strip_prefix(&tail)
            .and_then(|r| r.strip_prefix('/'))
            .filter(|r| !r.is_empty() && !r.starts_with('/'))
    })
}

/// Whether a word of a command line is a file it reads or writes: a path with a file's
/// extension (`deploy/examples/crds.yaml`), or the word after a flag that takes a file
/// (`-f deploy/examples/monitoring`). Not a package (`github.com/acme/tool/cmd/x@latest`), an
/// image (`acme/tool/builder:1.0`) or a flag.
fn is_file_operand(word: &str, previous: &str) -> bool {
    if word.starts_with('-') || word.contains(['@', ':', '=']) {
        return false;
    }
    let name = word.rsplit('/').next().unwrap_or(word);
    let extension = name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && ext.bytes().all(|b| b.is_ascii_alphabetic()) && !ext.is_empty()
    });
    // (The host part of a URL-like package name has a dot too: `github.com/…` is no file.)
    let host = word
        .split('/')
        .next()
        .is_some_and(|first| first.contains('.') && word.contains('/'));
    (extension && !host) || ["-f", "--filename", "-k", "--kustomize"].contains(&previous)
}

/// Rewrites, in the shell steps after a plain `cd PATH` (source order, the run still there),
/// operands written from the folder above it (`from_inside`): the run is inside `PATH`, where
/// the author's path does not exist. A later `cd` of another kind ends it.
pub fn paths_from_inside(phases: &mut [Phase]) {
    let order = crate::runbook::model::source_order(phases);
    let mut inside: Option<String> = None;
    // The option of a choice the `cd` was in (or the case of an optional step): a step
    // outside it may run without that `cd`.
    let mut entered_in: Option<(usize, String)> = None;
    for (_, p, s) in order {
        let step = &mut phases[p].steps[s];
        if step.kind != StepKind::Shell || step.subtask_folder.is_some() {
            continue;
        }
        // (A step for a case, optional, is an option of its own too.)
        let option = match &step.choice {
            Some(c) => Some((c.group, c.option.clone())),
            None if step.optional => Some((usize::MAX, step.title.clone())),
            None => None,
        };
        if entered_in.is_some() && entered_in != option {
            inside = None;
            entered_in = None;
        }
        let Some(code) = step.code.as_deref() else {
            continue;
        };
        let mut text = String::with_capacity(code.len());
        let mut changed = false;
        let mut rewritten: Vec<(String, String)> = Vec::new();
        for line in code.split_inclusive('\n') {
            let t = line.trim();
            if t.starts_with("cd ") || t == "cd" {
                inside = plain_cd(t).map(str::to_string);
                entered_in = inside.as_ref().and(option.clone());
                text.push_str(line);
                continue;
            }
            let Some(folder) = inside.as_deref() else {
                text.push_str(line);
                continue;
            };
            let mut out = String::with_capacity(line.len());
            let mut rest = line;
            let mut previous = "";
            while let Some(at) = rest.find(|c: char| !c.is_whitespace()) {
                out.push_str(&rest[..at]);
                let word_end = rest[at..]
                    .find(char::is_whitespace)
                    .map_or(rest.len(), |e| at + e);
                let word = &rest[at..word_end];
                let operand = is_file_operand(word, previous);
                previous = word;
                match from_inside(folder, word) {
                    Some(inner) if operand => {
                        out.push_str(inner);
                        changed = true;
                        rewritten.push((word.to_string(), inner.to_string()));
                    }
                    _ => out.push_str(word),
                }
                rest = &rest[word_end..];
            }
            out.push_str(rest);
            text.push_str(&out);
        }
        if changed {
            step.code = Some(text);
            // A title that shows the command shows it as it now runs.
            for (word, inner) in &rewritten {
                if step.title.contains(word.as_str()) {
                    step.title = step.title.replace(word.as_str(), inner);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_cds_only() {
        assert_eq!(plain_cd("cd terraform/aws/"), Some("terraform/aws"));
        assert_eq!(plain_cd("cd ../x"), None);
        assert_eq!(plain_cd("cd $DIR"), None);
        assert_eq!(plain_cd("cd /srv"), None);
        assert_eq!(plain_cd("cd x && make"), None);
        assert!(guarded("a/b").contains("*/a/b) echo \"already in a/b"));
        assert_eq!(
            from_inside(
                "rook/deploy/examples",
                "deploy/examples/monitoring/rbac.yaml"
            ),
            Some("monitoring/rbac.yaml")
        );
        assert!(is_file_operand("deploy/examples/crds.yaml", "apply"));
        assert!(!is_file_operand(
            "github.com/acme/tool/cmd/toolctl@latest",
            "install"
        ));
        assert!(!is_file_operand("acme/tool/builder:1.0", "-t"));
        // One part in common is no sign of the folder above.
        assert_eq!(from_inside("rook/examples", "examples/x.yaml"), None);
        assert_eq!(from_inside("rook/deploy/examples", "other/x.yaml"), None);
    }
}
