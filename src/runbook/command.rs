//! Which fences run, and what in them is the command: `console` prompts, `$ ` lines, bare fences.

use crate::runbook::model::StepKind;
use crate::runbook::words::lines;

/// The languages flightdeck runs; every other fence is reference text.
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

/// First words that make a bare (language-less) fence read as commands.
const COMMAND_WORDS: &[&str] = &[
    "echo",
    "cd",
    "ls",
    "cat",
    "cp",
    "mv",
    "mkdir",
    "curl",
    "wget",
    "kubectl",
    "helm",
    "psql",
    "pg_dump",
    "pg_restore",
    "git",
    "npm",
    "pnpm",
    "yarn",
    "npx",
    "node",
    "python",
    "python3",
    "pip",
    "docker",
    "podman",
    "supabase",
    "vercel",
    "terraform",
    "aws",
    "gcloud",
    "az",
    "ssh",
    "scp",
    "rsync",
    "systemctl",
    "journalctl",
    "make",
    "cargo",
    "go",
    "export",
    "sudo",
    "sleep",
    "date",
    "grep",
    "tail",
    "watch",
    "jq",
    "redis-cli",
    "mysql",
    "flyctl",
    "fly",
    "heroku",
    "ansible-playbook",
    "bash",
    "sh",
    "source",
    "set",
    "gh",
    "netlify",
    "wrangler",
    "deno",
    "bun",
    "uv",
    "poetry",
    "dotnet",
    "java",
    "mvn",
    "gradle",
    "openssl",
    "dig",
    "nslookup",
    "ping",
    "tar",
    "unzip",
    "chmod",
    "chown",
    "rm",
    "touch",
    "env",
    "printf",
    "test",
    "for",
    "if",
    "while",
];

impl CodeLang {
    /// The language of a fence from its info word; bare fences count when they read as commands.
    pub fn from_info(lang: &str, code: &str) -> Option<Self> {
        match lang {
            "bash" | "sh" | "shell" | "zsh" | "ksh" | "shell-script" => Some(Self::Shell),
            "console" | "shell-session" | "sh-session" | "shellsession" | "terminal" => {
                Some(Self::Console)
            }
            "sql" | "psql" | "postgresql" | "postgres" | "pgsql" | "plpgsql" => Some(Self::Sql),
            "http" => Some(Self::Http),
            "watch" => Some(Self::Watch),
            "notify" => Some(Self::Notify),
            "" if looks_like_commands(code) => Some(Self::Shell),
            _ => None,
        }
    }

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

/// A bare fence runs when its first meaningful line starts with a prompt or a known command.
fn looks_like_commands(code: &str) -> bool {
    let Some(first) = code
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    if first.starts_with("$ ") || first.starts_with("./") {
        return true;
    }
    let word = first.split_whitespace().next().unwrap_or("");
    // `NAME=value cmd` prefixes and `sudo` do not decide; the first real word does.
    let word = if word.contains('=') && !word.starts_with('=') {
        "export"
    } else {
        word
    };
    COMMAND_WORDS.contains(&word)
}

/// The runnable part of a block and, for transcripts, the output that was shown with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitCode {
    pub commands: String,
    pub expected_output: Option<String>,
}

/// Separates commands from transcript output. In `console` blocks `$ ` and `# ` lines are
/// prompts; in shell blocks `$ ` lines are, when there are any (`#` stays a comment there).
pub fn split_code(code: &str, lang: CodeLang) -> SplitCode {
    let prompts: &[&str] = match lang {
        CodeLang::Console => &["$ ", "# "],
        CodeLang::Shell
            if lines(code).any(|l| l.trim_start().starts_with("$ ") || l.trim() == "$") =>
        {
            &["$ "]
        }
        _ => {
            return SplitCode {
                commands: code.to_string(),
                expected_output: None,
            };
        }
    };
    let mut commands = Vec::new();
    let mut output = Vec::new();
    let mut continuing = false;
    for line in lines(code) {
        let t = line.trim_start();
        if continuing {
            commands.push(t.strip_prefix("> ").unwrap_or(t));
            continuing = t.ends_with('\\');
        } else if let Some(cmd) = prompts.iter().find_map(|p| t.strip_prefix(p)) {
            commands.push(cmd);
            continuing = cmd.ends_with('\\');
        } else if t == "$" || t == "#" {
            continue;
        } else {
            output.push(line);
        }
    }
    let mut commands = commands.join("\n");
    if !commands.is_empty() {
        commands.push('\n');
    }
    let expected_output = (!output.is_empty()).then(|| output.join("\n"));
    SplitCode {
        commands,
        expected_output,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_prompts_are_commands() {
        let s = split_code(
            "$ kubectl get pods \\\n>   -n prod\nNAME READY\napi-0 1/1\n# whoami\nroot\n",
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
    fn bare_fences() {
        assert_eq!(
            CodeLang::from_info("", "kubectl get pods\n"),
            Some(CodeLang::Shell)
        );
        assert_eq!(
            CodeLang::from_info("", "$ echo hi\nhi\n"),
            Some(CodeLang::Shell)
        );
        assert_eq!(
            CodeLang::from_info("", "./deploy.sh prod\n"),
            Some(CodeLang::Shell)
        );
        assert_eq!(
            CodeLang::from_info("", "FOO=1 make deploy\n"),
            Some(CodeLang::Shell)
        );
        assert_eq!(CodeLang::from_info("", "Dashboard: all green\n"), None);
        assert_eq!(CodeLang::from_info("", "{\"a\": 1}\n"), None);
        assert_eq!(CodeLang::from_info("", "cat: dog\n"), None);
        assert_eq!(CodeLang::from_info("", ""), None);
        assert_eq!(CodeLang::from_info("yaml", "kubectl: x"), None);
        assert_eq!(CodeLang::from_info("python", "print(1)"), None);
    }
}
