//! Environments activated by hand: a transcript that runs `conda activate rever` and then shows
//! its commands at a `(rever) $ ` prompt says that those commands need the environment. Each
//! shell step starts a fresh `bash -c`, where an activation typed in an earlier step (or in the
//! captain's own terminal) is gone, so a block whose prompt names an environment the runbook
//! activates runs with that activation first.
//!
//! An activation also holds for the rest of the section it is typed in: a bare command there
//! ("Rerun `rever --force <VERSION>`", a block without a prompt) is typed in the same terminal,
//! so it runs with the activation too, up to the section's end or a `deactivate`. A block the
//! author shows at a plain `$ ` prompt says it is another shell, and is left as written.

/// An environment a line of code activates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    /// The environment's name as its prompt shows it: `rever`, `.venv`.
    pub name: String,
    /// The activating statement as written: `conda activate rever`.
    pub said: String,
    /// The line that activates it in a non-interactive `bash` and stops the step when it
    /// cannot (conda's `activate` is a shell function that needs its hook there).
    pub run: String,
}

/// The activation in a line of code, if any.
pub fn activation(line: &str) -> Option<Activation> {
    let words: Vec<&str> = line.split_whitespace().collect();
    // `$ conda activate rever`, `(base) $ conda activate rever`: the prompt is no word of it.
    let start = words
        .iter()
        .position(|w| ["conda", "source", "."].contains(w))?;
    match &words[start..] {
        ["conda", "activate", name, ..] if !name.starts_with('-') => {
            let name = name.trim_end_matches(';');
            Some(Activation {
                name: name.to_string(),
                said: format!("conda activate {name}"),
                run: format!("eval \"$(conda shell.bash hook)\" && conda activate {name} || exit"),
            })
        }
        ["source" | ".", path, ..] => {
            let path = path.trim_end_matches(';');
            let folder = path.strip_suffix("/bin/activate")?;
            let name = folder.rsplit('/').next().filter(|n| !n.is_empty())?;
            Some(Activation {
                name: name.to_string(),
                said: format!("{} {path}", words[start]),
                run: format!("source {path} || exit"),
            })
        }
        _ => None,
    }
}

/// Whether a line leaves an environment: `conda deactivate`, `deactivate`.
pub fn deactivates(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.windows(2).any(|w| w == ["conda", "deactivate"])
        || words
            .iter()
            .any(|w| w.trim_end_matches(';') == "deactivate")
            && !words.contains(&"activate")
}

/// Where a runbook activates and leaves environments, by source line (1-based), so that a
/// step knows which activation its terminal still holds.
#[derive(Debug, Default)]
pub struct Held {
    /// Each activation's line, in source order.
    pub activated: Vec<(usize, Activation)>,
    /// Each line that leaves an environment.
    pub left: Vec<usize>,
}

impl Held {
    /// Reads the activations and deactivations of a runbook's text.
    pub fn of(src: &str) -> Held {
        let mut held = Held::default();
        for (i, line) in src.lines().enumerate() {
            if let Some(found) = activation(line) {
                held.activated.push((i + 1, found));
            } else if deactivates(line) {
                held.left.push(i + 1);
            }
        }
        held
    }

    /// The activation a step at `line` still runs under: the last one before it that no
    /// `deactivate` followed, whose section (`open_since(activation line)`) is still open.
    pub fn at(&self, line: usize, open_since: impl Fn(usize) -> bool) -> Option<&Activation> {
        let (at, found) = self.activated.iter().rev().find(|(at, _)| *at < line)?;
        let left = self.left.iter().any(|l| at < l && *l < line);
        (!left && open_since(*at)).then_some(found)
    }
}

/// Whether a line is an activation this module put before a block's commands: a title is
/// the author's first command, not it.
pub fn is_activation_run(line: &str) -> bool {
    line.starts_with("eval \"$(conda shell.bash hook)\" && conda activate ")
        || line.starts_with("source ") && line.ends_with("/bin/activate || exit")
}

/// The environment a transcript's prompt names: `(rever) $ git fetch` → `rever`. A root-style
/// `(postgres)# ` prompt is another user's shell, not an environment.
pub fn prompt_env(code: &str) -> Option<&str> {
    code.lines().map(str::trim_start).find_map(|t| {
        let (name, rest) = t.strip_prefix('(')?.split_once(')')?;
        let named = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        (named && (rest.starts_with(" $ ") || rest == " $" || rest.starts_with("$ ")))
            .then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activations_and_prompts() {
        let a = activation("$ conda activate rever").unwrap();
        assert_eq!(
            (a.name.as_str(), a.said.as_str()),
            ("rever", "conda activate rever")
        );
        assert!(a.run.contains("conda shell.bash hook") && a.run.ends_with("|| exit"));
        let a = activation("source .venv/bin/activate").unwrap();
        assert_eq!(
            (a.name.as_str(), a.run.as_str()),
            (".venv", "source .venv/bin/activate || exit")
        );
        assert!(is_activation_run(&a.run));
        // A block titled by its first line is titled by the author's command.
        let code = format!("{}\nrever --activities authors\n", a.run);
        assert_eq!(
            crate::runbook::title::code_title(&code, crate::runbook::command::CodeLang::Shell),
            "rever --activities authors"
        );
        assert!(activation("conda create -n rever").is_none());
        assert!(activation("echo conda").is_none());
        assert_eq!(prompt_env("(rever) $ git fetch"), Some("rever"));
        assert_eq!(prompt_env("(postgres)# initdb"), None);
        assert_eq!(prompt_env("$ ls (x)"), None);
        assert!(deactivates("(rever) $ conda deactivate") && deactivates("deactivate"));
        assert!(!deactivates("conda activate rever"));
        let held = Held::of("# A\n$ conda activate rever\nrun\nconda deactivate\nrun\n");
        assert_eq!(held.at(3, |_| true).map(|a| a.name.as_str()), Some("rever"));
        assert!(held.at(5, |_| true).is_none() && held.at(3, |_| false).is_none());
        assert!(held.at(2, |_| true).is_none());
    }
}
