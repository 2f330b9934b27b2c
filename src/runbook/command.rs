//! What a code block is by its label, and what in it is the command: fences labelled with a
//! language flightdeck runs, fences left unlabelled (judged by shape in [`crate::runbook::shape`]),
//! and everything else, which is reference.

use crate::runbook::model::StepKind;
use crate::runbook::shape::{has_prompts, prompt_split};

/// The languages flightdeck runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeLang {
    Shell,
    /// A terminal transcript: prompt lines are commands, the rest is expected output.
    Console,
    Sql,
    Http,
    Watch,
    Notify,
}

/// What a block's label (a fence's language word; none for indented code) says it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// A language flightdeck runs.
    Runs(CodeLang),
    /// No language, or one that only turns highlighting off (`no-highlight`, `none`,
    /// `plain`): its shape decides.
    Unlabelled,
    /// Any other language (`yaml`, `json`, `text`, `python`, …): reference text.
    Other,
}

impl Label {
    /// The label of a fence's lowercased language word.
    pub fn of(lang: &str) -> Self {
        match lang {
            "bash" | "sh" | "shell" | "zsh" | "ksh" | "shell-script" | "shellscript" => {
                Self::Runs(CodeLang::Shell)
            }
            "console" | "shell-session" | "sh-session" | "shellsession" | "terminal" => {
                Self::Runs(CodeLang::Console)
            }
            "sql" | "psql" | "postgresql" | "postgres" | "pgsql" | "plpgsql" => {
                Self::Runs(CodeLang::Sql)
            }
            "http" => Self::Runs(CodeLang::Http),
            "watch" => Self::Runs(CodeLang::Watch),
            "notify" => Self::Runs(CodeLang::Notify),
            "" | "no-highlight" | "nohighlight" | "none" | "plain" | "noformat" => Self::Unlabelled,
            _ => Self::Other,
        }
    }
}

impl CodeLang {
    pub fn kind(self) -> StepKind {
        match self {
            Self::Shell | Self::Console => StepKind::Shell,
            Self::Sql => StepKind::Sql,
            Self::Http => StepKind::Http,
            Self::Watch => StepKind::Watch,
            Self::Notify => StepKind::Notify,
        }
    }

    pub fn is_shell(self) -> bool {
        matches!(self, Self::Shell | Self::Console)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Shell => "shell",
            Self::Console => "console",
            Self::Sql => "sql",
            Self::Http => "http",
            Self::Watch => "watch",
            Self::Notify => "notify",
        }
    }
}

/// The runnable part of a block and, for transcripts, the output that was shown with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitCode {
    pub commands: String,
    pub expected_output: Option<String>,
}

/// Separates commands from transcript output. In `console` blocks and shell blocks with
/// prompts (`$ `, `user@host:~$ `, `(venv) $ ` …) the prompt lines run and the rest is what
/// the author saw; other blocks run whole.
pub fn split_code(code: &str, lang: CodeLang) -> SplitCode {
    let console = lang == CodeLang::Console;
    if console || lang == CodeLang::Shell && has_prompts(code, false) {
        let (commands, expected_output) = prompt_split(code, console);
        return SplitCode {
            commands,
            expected_output,
        };
    }
    SplitCode {
        commands: code.to_string(),
        expected_output: None,
    }
}

/// The delimiter of the here-document a command line opens (`cat <<'EOF' > f` → `EOF`);
/// not a here-string (`<<<`) nor a shift (`$((1<<4))`).
pub fn heredoc_word(line: &str) -> Option<String> {
    let mut from = 0;
    while let Some(at) = line[from..].find("<<").map(|a| a + from) {
        from = at + 2;
        if line[..at].ends_with('<') || line[at + 2..].starts_with('<') {
            from = at + 3;
            continue;
        }
        let word: String = line[at + 2..]
            .trim_start_matches(['-', '~', ' ', '\'', '"'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // (A delimiter is a word; `1<<4` shifts a number.)
        if word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Some(word);
        }
    }
    None
}

/// Here-documents that feed no command (`<<COMMENT` on a line of its own, through
/// `COMMENT`): bash reads and drops them, so authors use them to show what the command above
/// printed. `None` when the code has none; else the code without them and their text, which
/// is output to show, not code to run.
pub fn bare_heredocs(code: &str) -> Option<(String, String)> {
    if !code.contains("<<") {
        return None;
    }
    let mut kept = String::with_capacity(code.len());
    let mut shown = String::new();
    let mut open: Option<String> = None;
    // A here-document that feeds a command (`cat > x.sh <<'SCRIPT'`, or `<<EOF` under a line
    // continued with `\`): kept as written, whatever it holds.
    let mut feeding: Option<String> = None;
    let mut continued = false;
    for line in code.split_inclusive('\n') {
        let t = line.trim();
        if let Some(end) = &feeding {
            if t == end {
                feeding = None;
            }
            kept.push_str(line);
            continue;
        }
        if let Some(end) = &open {
            if t == end {
                open = None;
            } else {
                shown.push_str(line);
            }
            continue;
        }
        let word = heredoc_word(t);
        // (Only `<<WORD` and its quotes on the line: anything after it is a command.)
        let whole = word.as_ref().is_some_and(|w| {
            t.strip_prefix("<<")
                .is_some_and(|r| r.trim_matches(['-', ' ', '\'', '"']) == w)
        });
        match word {
            Some(w) if whole && !continued => {
                open = Some(w);
                continue;
            }
            Some(w) => feeding = Some(w),
            None => {}
        }
        continued = t.ends_with('\\');
        kept.push_str(line);
    }
    // An unclosed one is no shown output: leave the block as written.
    if open.is_some() || shown.is_empty() {
        return None;
    }
    // (Blank lines the dropped parts leave in a row, kept once.)
    let mut code = String::with_capacity(kept.len());
    let mut blank = false;
    for line in kept.split_inclusive('\n') {
        let empty = line.trim().is_empty();
        if !(empty && blank) {
            code.push_str(line);
        }
        blank = empty;
    }
    let code = format!("{}\n", code.trim_end());
    Some((code, shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_words() {
        assert_eq!(heredoc_word("cat <<'EOF' > f").as_deref(), Some("EOF"));
        assert_eq!(heredoc_word("echo $((1<<4))"), None);
        assert_eq!(heredoc_word("grep x <<< \"$v\""), None);
    }

    #[test]
    fn console_prompts_are_commands() {
        let s = split_code(
            "$ kubectl get pods \\\n>   -n prod\nNAME READY\napi-0 1/1\n$ whoami\nroot\n",
            CodeLang::Console,
        );
        assert_eq!(s.commands, "kubectl get pods \\\n  -n prod\nwhoami\n");
        assert_eq!(
            s.expected_output.as_deref(),
            Some("NAME READY\napi-0 1/1\nroot")
        );
    }

    #[test]
    fn shell_blocks_with_dollar_prompts() {
        let s = split_code("# list\n$ ls -l\ntotal 0\n", CodeLang::Shell);
        assert_eq!(s.commands, "ls -l\n");
        assert_eq!(s.expected_output.as_deref(), Some("# list\ntotal 0"));
        let s = split_code("# comment\nls $HOME\n", CodeLang::Shell);
        assert_eq!(s.commands, "# comment\nls $HOME\n");
        assert_eq!(s.expected_output, None);
    }

    #[test]
    fn console_without_prompts_is_only_output() {
        let s = split_code("NAME READY\n", CodeLang::Console);
        assert_eq!(s.commands, "");
        assert!(s.expected_output.is_some());
    }

    #[test]
    fn labels() {
        assert_eq!(Label::of("bash"), Label::Runs(CodeLang::Shell));
        assert_eq!(Label::of(""), Label::Unlabelled);
        assert_eq!(Label::of("no-highlight"), Label::Unlabelled);
        assert_eq!(Label::of("yaml"), Label::Other);
        assert_eq!(Label::of("text"), Label::Other);
    }
}
