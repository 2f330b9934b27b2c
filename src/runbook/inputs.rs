//! The inputs a step needs: `<placeholder>`, `$VAR` / `${VAR}` not set by the step, `{{ VAR }}`.

use std::sync::LazyLock;

use regex::Regex;

/// How a step's text is read for variable references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Shell: quotes and comments matter, `$VAR` set by the script itself is not an input.
    Shell,
    /// SQL: `$1` is a parameter and `$$` a quote, so only `${VAR}` counts.
    Sql,
    /// Request and template text (`http`, `notify`): every `$VAR` counts.
    Text,
}

/// Variables every shell has; a script that reads them does not need them from the captain.
const SHELL_BUILTINS: &[&str] = &[
    "HOME",
    "PATH",
    "USER",
    "LOGNAME",
    "PWD",
    "OLDPWD",
    "SHELL",
    "HOSTNAME",
    "UID",
    "EUID",
    "PPID",
    "RANDOM",
    "SECONDS",
    "LINENO",
    "IFS",
    "TERM",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "BASH_SOURCE",
    "BASHPID",
    "BASH_VERSION",
    "OPTARG",
    "OPTIND",
    "REPLY",
    "PIPESTATUS",
    "FUNCNAME",
    "EPOCHSECONDS",
    "EDITOR",
    "PAGER",
    "CI",
];

/// Template names flightdeck fills in itself (`{{run.id}}`, `{{operator}}`, …).
const TEMPLATE_BUILTINS: &[&str] = &["operator", "progress", "phase"];

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([A-Za-z][A-Za-z0-9_.-]*)>").expect("static regex"));
static MUSTACHE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}").expect("static regex")
});
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)(?:^|[;&|(`]|\$\(|\b(?:export|local|declare|readonly|typeset)(?:\s+-\w+)*)\s*([A-Za-z_][A-Za-z0-9_]*)\+?=",
    )
    .expect("static regex")
});
static READ_OR_FOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)\b(?:for|select)\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b|\bread\b((?:\s+-[A-Za-z]*[adinNptu]\s+\S+|\s+-[A-Za-z]+)*)((?:\s+[A-Za-z_][A-Za-z0-9_]*)+)")
        .expect("static regex")
});

/// Whether a name reads like a credential: masked unless front matter says otherwise.
pub fn name_looks_secret(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    up == "DATABASE_URL"
        || [
            "KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "WEBHOOK", "DSN",
        ]
        .iter()
        .any(|w| up.contains(w))
}

/// The inputs `code` refers to, in order of first appearance, without duplicates.
pub fn code_inputs(code: &str, dialect: Dialect) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    let scanned = match dialect {
        Dialect::Shell => strip_shell_comments(code),
        _ => code.to_string(),
    };
    for c in PLACEHOLDER.captures_iter(&scanned) {
        let m = c.get(0).expect("group 0");
        let before = scanned[..m.start()].chars().next_back();
        if before != Some('<') {
            found.push((m.start(), c[1].to_string()));
        }
    }
    for c in MUSTACHE.captures_iter(&scanned) {
        let name = &c[1];
        if !name.contains('.') && !TEMPLATE_BUILTINS.contains(&name) {
            found.push((c.get(0).expect("group 0").start(), name.to_string()));
        }
    }
    found.extend(env_refs(code, &scanned, dialect));
    found.sort_by_key(|(o, _)| *o);
    dedup(found.into_iter().map(|(_, n)| n))
}

/// The `$VAR` / `${VAR}` inputs of `code` alone: what must come from the environment.
pub fn env_inputs(code: &str, dialect: Dialect) -> Vec<String> {
    let scanned = match dialect {
        Dialect::Shell => strip_shell_comments(code),
        _ => code.to_string(),
    };
    dedup(
        env_refs(code, &scanned, dialect)
            .into_iter()
            .map(|(_, n)| n),
    )
}

/// References in `scanned` (comments blanked) that the script does not set itself.
fn env_refs(code: &str, scanned: &str, dialect: Dialect) -> Vec<(usize, String)> {
    let assigned = if dialect == Dialect::Shell {
        assigned_vars(code)
    } else {
        Vec::new()
    };
    dollar_refs(scanned, dialect)
        .into_iter()
        .filter(|(_, name)| !assigned.contains(name) && !SHELL_BUILTINS.contains(&name.as_str()))
        .collect()
}

fn dedup(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// Variables a shell script sets itself (`X=…`, `export X=…`, `read X`, `for X in`).
pub fn assigned_vars(code: &str) -> Vec<String> {
    let code = strip_shell_comments(code);
    let mut names: Vec<String> = Vec::new();
    let mut push = |n: &str| {
        if !names.iter().any(|x| x == n) {
            names.push(n.to_string());
        }
    };
    for c in ASSIGNMENT.captures_iter(&code) {
        push(&c[1]);
    }
    for c in READ_OR_FOR.captures_iter(&code) {
        if let Some(n) = c.get(1) {
            push(n.as_str());
        }
        if let Some(list) = c.get(3) {
            list.as_str().split_whitespace().for_each(&mut push);
        }
    }
    names
}

/// `$NAME` and `${NAME}` references outside single quotes, with their byte offsets; `${X:-d}`
/// has a default and is not an input.
fn dollar_refs(code: &str, dialect: Dialect) -> Vec<(usize, String)> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut in_single = false;
    let mut in_double = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\\' if dialect == Dialect::Shell && !in_single => i += 1,
            b'\'' if dialect == Dialect::Shell && !in_double => in_single = !in_single,
            b'"' if dialect == Dialect::Shell && !in_single => in_double = !in_double,
            b'$' if !in_single => {
                if bytes.get(i + 1) == Some(&b'{') {
                    let rest = &code[i + 2..];
                    let len = ident_len(rest);
                    let after = rest.as_bytes().get(len).copied();
                    if len > 0 && after == Some(b'}') {
                        out.push((i, rest[..len].to_string()));
                    }
                } else if dialect != Dialect::Sql {
                    let rest = &code[i + 1..];
                    let len = ident_len(rest);
                    if len > 0 {
                        out.push((i, rest[..len].to_string()));
                        i += len;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn ident_len(s: &str) -> usize {
    let mut len = 0;
    for (i, c) in s.char_indices() {
        let ok = c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit());
        if !ok {
            break;
        }
        len = i + c.len_utf8();
    }
    len
}

/// Blanks out `# comments` (outside quotes) so that words in them are not read as references.
/// Offsets are kept: comment bytes become spaces.
pub fn strip_shell_comments(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    for line in code.split_inclusive('\n') {
        let mut in_single = false;
        let mut in_double = false;
        let mut prev: Option<char> = None;
        let mut cut = None;
        for (i, c) in line.char_indices() {
            match c {
                '\'' if !in_double => in_single = !in_single,
                '"' if !in_single && prev != Some('\\') => in_double = !in_double,
                '#' if !in_single && !in_double && prev.is_none_or(char::is_whitespace) => {
                    cut = Some(i);
                    break;
                }
                _ => {}
            }
            prev = Some(c);
        }
        match cut {
            Some(i) => {
                out.push_str(&line[..i]);
                // One space per byte keeps offsets valid for the unstripped text.
                out.extend(
                    line[i..]
                        .bytes()
                        .map(|b| if b == b'\n' { '\n' } else { ' ' }),
                );
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_vars_in_order() {
        let code = "supabase link --project-ref <project-ref>\npsql $DB_URL -c \"select ${LIMIT}\" # uses $NOT_ME\n";
        assert_eq!(
            code_inputs(code, Dialect::Shell),
            ["project-ref", "DB_URL", "LIMIT"]
        );
    }

    #[test]
    fn vars_set_by_the_step_are_not_inputs() {
        let code = "DEPLOY_ID=$(vercel ls | awk 'NR==2{print $1}')\necho \"Deploying: $DEPLOY_ID\"\nexport X=1; echo $X $ALIAS\nfor f in a b; do echo $f; done\nread -r ANSWER; echo $ANSWER";
        assert_eq!(code_inputs(code, Dialect::Shell), ["ALIAS"]);
    }

    #[test]
    fn single_quotes_defaults_and_builtins() {
        let code = "awk '{print $NF}' && echo ${OPT:-x} $HOME \"'$Q'\" '{\"v\": \"'$DEPLOY_ID'\"}'";
        assert_eq!(code_inputs(code, Dialect::Shell), ["Q", "DEPLOY_ID"]);
    }

    #[test]
    fn heredoc_and_mustache() {
        assert_eq!(
            code_inputs("cat <<EOF\nx\nEOF\n", Dialect::Shell),
            Vec::<String>::new()
        );
        assert_eq!(
            code_inputs(
                "text: {{ RELEASE }} by {{operator}} in {{run.id}}",
                Dialect::Text
            ),
            ["RELEASE"]
        );
    }

    #[test]
    fn sql_dialect_ignores_positional_and_dollar_quotes() {
        let code = "create function f() returns int as $$ select $1 $$ language sql; select ${SCHEMA}.t from <tbl>";
        assert_eq!(code_inputs(code, Dialect::Sql), ["SCHEMA", "tbl"]);
    }

    #[test]
    fn secret_names() {
        for n in [
            "SLACK_WEBHOOK",
            "api_key",
            "GITHUB_TOKEN",
            "DB_PASSWORD",
            "SENTRY_DSN",
            "DATABASE_URL",
            "service-key",
        ] {
            assert!(name_looks_secret(n), "{n}");
        }
        for n in ["DEPLOY_ID", "project-ref", "SUPABASE_PROD_URL", "ALIAS"] {
            assert!(!name_looks_secret(n), "{n}");
        }
    }

    #[test]
    fn comment_stripping_keeps_offsets() {
        let code = "echo a # ünïcode $X\necho '#not' \"#nor\" b#c\n";
        let s = strip_shell_comments(code);
        assert_eq!(s.len(), code.len());
        assert!(!s.contains("$X"));
        assert!(s.contains("'#not'") && s.contains("b#c"));
    }
}
