//! Environments activated by hand: a transcript that runs `conda activate rever` and then shows
//! its commands at a `(rever) $ ` prompt says that those commands need the environment. Each
//! shell step starts a fresh `bash -c`, where an activation typed in an earlier step (or in the
//! captain's own terminal) is gone, so a block whose prompt names an environment the runbook
//! activates runs with that activation first.

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
    }
}
