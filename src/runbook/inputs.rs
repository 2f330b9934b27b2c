//! The inputs a step needs: `<placeholder>` (`<token from the vault>` too), `$VAR` / `${VAR}`
//! not set by the step, `{{ VAR }}`.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::runbook::words::{
    ByteSet, Starts, byte_set, ident_len, is_ident, lines_with, statement_firsts, statements,
};

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
    // Set by flightdeck for every step.
    "FLIGHTDECK_EXE",
    "FLIGHTDECK_PID",
    "FLIGHTDECK_RUN_ID",
    "FLIGHTDECK_WORKDIR",
    "FLIGHTDECK_STEP_ID",
];

/// Template names flightdeck fills in itself (`{{run.id}}`, `{{operator}}`, …).
const TEMPLATE_BUILTINS: &[&str] = &["operator", "progress", "phase"];

/// Whether a name reads like a credential: masked unless front matter says otherwise.
pub fn name_looks_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let any = |set: &[&str]| words.iter().any(|w| set.contains(w));
    let last = words.last().copied().unwrap_or("");
    let before_last = words
        .len()
        .checked_sub(2)
        .and_then(|i| words.get(i))
        .copied();
    lower == "database_url"
        || lower.contains("password")
        || lower.contains("passwd")
        || any(&["secret", "secrets", "token", "tokens", "dsn", "passphrase", "credentials", "pass"])
        // `API_KEY`, `service-key`, `SLACK_WEBHOOK`, `SLACK_WEBHOOK_URL`; not `webhook_name`
        // or `AWS_ACCESS_KEY_ID`, which name the thing rather than hold it.
        || ["key", "keys", "apikey", "webhook"].contains(&last)
        || last == "url" && before_last == Some("webhook")
}

/// The inputs `code` refers to, in order of first appearance, without duplicates.
pub fn code_inputs(code: &str, dialect: Dialect) -> Vec<String> {
    code_vars(code, dialect).inputs
}

/// What a step's code reads from the run and what it sets for later steps.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CodeVars {
    /// Inputs in order of first appearance, without duplicates.
    pub inputs: Vec<String>,
    /// Shell variables the code assigns (`X=…`, `export X`, `read X`, `for X in`).
    pub sets: Vec<String>,
}

/// Reads inputs and assignments in one pass over the comment-stripped code.
pub fn code_vars(code: &str, dialect: Dialect) -> CodeVars {
    let scanned = match dialect {
        Dialect::Shell => strip_shell_comments(code),
        _ => Cow::Borrowed(code),
    };
    vars_in(&scanned, dialect)
}

/// [`code_vars`] of text already prepared for `dialect`: shell code with its comments blanked by
/// [`strip_shell_comments`] (shared with the danger rules), other code as written.
pub fn vars_in(scanned: &str, dialect: Dialect) -> CodeVars {
    let sets = if dialect == Dialect::Shell {
        assigned_in(scanned)
    } else {
        Vec::new()
    };
    let mut found: Vec<(usize, Cow<'_, str>)> = Vec::new();
    placeholders(scanned, &mut found);
    templates(scanned, &mut found);
    let from = found.len();
    dollar_refs(scanned, dialect, &mut found);
    let mut kept = from;
    for i in from..found.len() {
        let name = &*found[i].1;
        if !sets.iter().any(|s| s == name) && !SHELL_BUILTINS.contains(&name) {
            found.swap(kept, i);
            kept += 1;
        }
    }
    found.truncate(kept);
    // Each kind starts at its own byte (`<`, `{`, `$`), so offsets never tie.
    found.sort_unstable_by_key(|(o, _)| *o);
    let mut inputs: Vec<String> = Vec::new();
    for (_, name) in found {
        if !inputs.iter().any(|n| *n == name) {
            inputs.push(name.into_owned());
        }
    }
    CodeVars { inputs, sets }
}

/// `<name>` placeholders (not `<<EOF` heredocs) and `{NAME}` ones, with their byte offsets.
fn placeholders<'a>(text: &'a str, out: &mut Vec<(usize, Cow<'a, str>)>) {
    for at in memchr::memchr_iter(b'<', text.as_bytes()) {
        if let Some((name, _)) = placeholder_at(text, at) {
            out.push((at, name));
        }
    }
    for at in memchr::memchr_iter(b'{', text.as_bytes()) {
        if let Some((name, _)) = brace_placeholder_at(text, at) {
            out.push((at, Cow::Borrowed(name)));
        }
    }
}

/// How an input is spelled without its style: `pod-name`, `pod_name` and `POD_NAME` are one
/// value written three ways.
pub fn spelling_key(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The thing an input names, for inputs a runbook writes as the thing in one place and as its
/// name in another (`<environment>`, `<environmentname>`; `<cluster>`, `<cluster-name>`):
/// the spelling key without a trailing "name". Only for things known by their name (a
/// `<code>` is no `<codename>`), and never for a secret (a `<secret>` is no `<secret-name>`).
pub fn thing_key(name: &str) -> String {
    let key = spelling_key(name);
    if name_looks_secret(name) {
        return key;
    }
    match key.strip_suffix("name").map(|k| k.trim_end_matches('_')) {
        Some(thing) if NAMED_THINGS.contains(&thing) => thing.to_string(),
        _ => key,
    }
}

/// Things a runbook names by their name, so that `<cluster>` and `<cluster-name>` are one.
const NAMED_THINGS: &[&str] = &[
    "environment",
    "env",
    "cluster",
    "namespace",
    "project",
    "workspace",
    "bucket",
    "service",
    "app",
    "database",
];

/// `code` with each `<placeholder>` and `{placeholder}` whose name `respell` gives another
/// spelling written that way, or `None` when none changes.
pub fn respell_placeholders(
    code: &str,
    respell: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let mut out = String::with_capacity(code.len());
    let mut copied = 0;
    for (at, b) in code.bytes().enumerate() {
        if at < copied || b != b'<' && b != b'{' {
            continue;
        }
        let found = if b == b'<' {
            placeholder_at(code, at).map(|(n, len)| (n.into_owned(), len))
        } else {
            brace_placeholder_at(code, at).map(|(n, len)| (n.to_string(), len))
        };
        let Some((name, len)) = found else { continue };
        // Several-word placeholders are named by their words, not written with them.
        let Some(new) = respell(&name).filter(|_| code[at + 1..at + len - 1] == *name) else {
            continue;
        };
        out.push_str(&code[copied..at + 1]);
        out.push_str(&new);
        copied = at + len - 1;
    }
    (copied > 0).then(|| {
        out.push_str(&code[copied..]);
        out
    })
}

/// `code` where a line assigns a stand-in instead of a value (`SG_ID=<replace_with_output>`,
/// `export AWS_SECRET_ACCESS_KEY="..."`, or one placeholder given to several variables)
/// assigns the input of the variable's own name (`SG_ID=<SG_ID>`): three such lines are three
/// values, not one. A placeholder that names its value (`URL=<staging-url>`) stays. `None`
/// when no line changes.
pub fn name_stand_ins(code: &str) -> Option<String> {
    let lines: Vec<(&str, Option<StandIn>)> = code
        .split_inclusive('\n')
        .map(|l| (l, StandIn::of(l.trim_end_matches('\n'))))
        .collect();
    let shared = |stand_in: &str| {
        let mut names = lines
            .iter()
            .filter_map(|(_, a)| a.as_ref())
            .filter(|a| matches!(&a.value, Assigned::Placeholder(p) if p == stand_in))
            .map(|a| &a.name);
        names.next().is_some_and(|first| names.any(|n| n != first))
    };
    let mut changed = false;
    let mut out = String::with_capacity(code.len() + 16);
    for (i, (line, a)) in lines.iter().enumerate() {
        // `# Set $NEWVER to the version being installed` over `NEWVER=4.5.0`: an example value.
        // Only a comment that starts so and says whose value it is (a version, yours, the
        // desired one); `# Set KUBECONFIG to the admin config` sets a real value.
        let told = |name: &str| {
            let before = i.checked_sub(1).map_or("", |b| lines[b].0).trim_start();
            let lower = before
                .trim_start_matches('#')
                .trim_start()
                .to_ascii_lowercase();
            let name = name.to_ascii_lowercase();
            let sets = lower.starts_with(&format!("set ${name} to "))
                || lower.starts_with(&format!("set {name} to "));
            let example = ["version", "your ", "desired", "e.g."]
                .iter()
                .any(|w| lower.contains(w));
            // `# Export the tag of the release to be cut, e.g.:` over `export RELEASE_TAG=v1.0.1`.
            let offered = ["e.g.:", "e.g.", "for example:", "for instance:"]
                .iter()
                .any(|w| lower.trim_end().ends_with(w));
            before.starts_with('#') && (sets && example || offered)
        };
        let stand_in = a.as_ref().is_some_and(|a| match &a.value {
            Assigned::Elided => true,
            Assigned::Placeholder(p) => p.to_ascii_lowercase().starts_with("replace") || shared(p),
            Assigned::Literal => told(&a.name),
        });
        match a {
            Some(a) if stand_in => {
                changed = true;
                let export = if a.export { "export " } else { "" };
                let name = &a.name;
                out.push_str(&format!("{}{export}{name}=<{name}>", &line[..a.indent]));
                out.push_str(&line[line.trim_end_matches('\n').len()..]);
            }
            _ => out.push_str(line),
        }
    }
    changed.then_some(out)
}

/// A line that assigns a placeholder, `...` or a literal to a variable, as [`name_stand_ins`]
/// reads it.
struct StandIn {
    indent: usize,
    export: bool,
    name: String,
    value: Assigned,
}

/// What a [`StandIn`] line assigns.
enum Assigned {
    /// `<name>`: the placeholder's name.
    Placeholder(String),
    /// `...` or `…`.
    Elided,
    /// A plain literal the author wrote (`4.5.0`).
    Literal,
}

impl StandIn {
    fn of(line: &str) -> Option<Self> {
        let t = line.trim();
        let indent = line.len() - line.trim_start().len();
        let (export, rest) = match t.strip_prefix("export ") {
            Some(rest) => (true, rest.trim_start()),
            None => (false, t),
        };
        let (name, value) = rest.split_once('=')?;
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        let placeholder = placeholder_at(value, 0)
            .filter(|(_, len)| value.starts_with('<') && *len == value.len())
            .map(|(p, _)| p.into_owned());
        let value = match placeholder {
            Some(p) => Assigned::Placeholder(p),
            None if matches!(value, "..." | "…") => Assigned::Elided,
            // A plain literal (`4.5.0`), not a computed value (`$(…)`, `$X`, a pipeline).
            None if !value.is_empty()
                && !value.contains(['$', '`', ' ', '|', ';', '&', '(', '<', '>']) =>
            {
                Assigned::Literal
            }
            None => return None,
        };
        is_ident(name).then(|| StandIn {
            indent,
            export,
            name: name.to_string(),
            value,
        })
    }
}

/// `code` with the login a command spells out in words marked as placeholders: `scp
/// username@source-server-public-ip:/etc/ssl ./` stands for the reader's own user and host,
/// so it becomes `<username>@<source-server-public-ip>:…`. Only in the arguments of ssh, scp,
/// rsync, sftp and ssh-copy-id; a host is words joined by dashes (no dot, no digit) that name
/// what it is (`-ip`, `server`, `host`); the user only when it is a generic word (`username`,
/// `user`). `deploy@app-01` and `root@db.internal` are real. `None` when nothing changes.
pub fn spelled_out_logins(code: &str) -> Option<String> {
    const CONNECT: &[&str] = &["ssh", "scp", "rsync", "sftp", "ssh-copy-id"];
    // What only a description ends in (`…-public-ip`, `your-…`): `staging-server`,
    // `build-host` and `jump-box` are real aliases.
    const NAMES: &[&str] = &["ip", "hostname", "address", "addr", "domain", "fqdn"];
    const YOURS: &[&str] = &["your", "my", "the"];
    const GENERIC_USER: &[&str] = &[
        "username",
        "user",
        "your-username",
        "your_username",
        "youruser",
    ];
    let mut out = String::with_capacity(code.len() + 8);
    let mut changed = false;
    for line in code.split_inclusive('\n') {
        let connects = line
            .split_whitespace()
            .any(|w| CONNECT.contains(&w.rsplit('/').next().unwrap_or(w)));
        if !connects {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find('@') {
            let start = rest[..at]
                .char_indices()
                .rfind(|(_, c)| c.is_whitespace() || matches!(c, '"' | '\'' | '='))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let end = rest[at + 1..]
                .find(|c: char| !(c.is_ascii_lowercase() || matches!(c, '-' | '_')))
                .map_or(rest.len(), |i| at + 1 + i);
            let (user, host) = (&rest[start..at], &rest[at + 1..end]);
            let parts: Vec<&str> = host.split(['-', '_']).collect();
            // (A host goes on to a `:path`, a quote or the end: `backup-host.example.com`
            // is a real name.)
            let whole = rest[end..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || matches!(c, ':' | '"' | '\'' | '/'));
            let spelled = whole
                && parts.len() >= 2
                && parts.iter().all(|p| !p.is_empty())
                && (parts.iter().any(|p| NAMES.contains(p)) || YOURS.contains(&parts[0]));
            if !spelled {
                out.push_str(&rest[..=at]);
                rest = &rest[at + 1..];
                continue;
            }
            out.push_str(&rest[..start]);
            if GENERIC_USER.contains(&user) {
                out.push_str(&format!("<{user}>"));
            } else {
                out.push_str(user);
            }
            out.push_str(&format!("@<{host}>"));
            changed = true;
            rest = &rest[end..];
        }
        out.push_str(rest);
    }
    changed.then_some(out)
}

/// Every name `text` sets or reads as a variable (`NAME=`, `$NAME`, `${NAME}`), found in one
/// pass: a bare name the runbook uses so is a variable, not a value to ask for.
pub fn variable_names(text: &str) -> HashSet<String> {
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut names = HashSet::new();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'$' => {
                let start = i + 1 + usize::from(b.get(i + 1) == Some(&b'{'));
                let len = b
                    .get(start..)
                    .map_or(0, |r| r.iter().take_while(|c| ident(**c)).count());
                if len > 0 {
                    names.insert(text[start..start + len].to_string());
                }
            }
            b'=' => {
                let len = b[..i].iter().rev().take_while(|c| ident(**c)).count();
                if len > 0 {
                    names.insert(text[i - len..i].to_string());
                }
            }
            _ => {}
        }
    }
    names
}

/// `code` with bare names in capitals that stand for a value marked as placeholders:
/// `terraform workspace new WORKSPACE_NAME`, `az acr check-name --name ACR_NAME`,
/// `OVERRIDE_BRANCH=BRANCH_NAME make`. A name counts when it ends in a word that names a value
/// (`_NAME`, `_ID`, `_URL`, `_TAG`, …), stands as a whole argument or after `=`, and the
/// runbook never sets or reads it as a variable (`variables`, from [`variable_names`]). Not the
/// name an `export`, `unset`, `grep` or `gh secret set` takes, nor one in a comment. A name the
/// runbook writes elsewhere as a placeholder (`written`, from [`capital_placeholders`]: `<POD>`)
/// counts too, also before `:` (`kubectl cp POD:/path .`). A name the runbook ties to one of its
/// variables (`named`, from `named_after`: keyed by the name, or by `WORD.ext` for a file's name)
/// is that variable, `$VAR`. `None` when nothing changes.
pub fn bare_name_placeholders(
    code: &str,
    variables: &HashSet<String>,
    written: &HashSet<String>,
    named: &std::collections::HashMap<String, String>,
) -> Option<String> {
    const VALUE_WORDS: &[&str] = &[
        "NAME",
        "ID",
        "URL",
        "HOST",
        "IP",
        "PATH",
        "FILE",
        "TAG",
        "VERSION",
        "REGION",
        "PROJECT",
        "ZONE",
        "ACCOUNT",
        "NUMBER",
        "BRANCH",
        "NAMESPACE",
        "CLUSTER",
        "USERNAME",
        "EMAIL",
        "DOMAIN",
    ];
    const TAKES_NAMES: &[&str] = &[
        "export", "unset", "printenv", "readonly", "declare", "local", "env", "grep", "egrep",
        "set", "typeset",
    ];
    let is_name = |w: &str| {
        let mut parts = w.split('_');
        let first = parts.next().unwrap_or("");
        let rest: Vec<&str> = parts.collect();
        first.starts_with(|c: char| c.is_ascii_uppercase())
            && !rest.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && rest.last().is_some_and(|l| VALUE_WORDS.contains(l))
    };
    // After these words a name is a name: `gh secret set X_NAME`, `docker run -e AWS_REGION`.
    const NAME_FOLLOWS: &[&str] = &[
        "set",
        "get",
        "unset",
        "delete",
        "remove",
        "rm",
        "-e",
        "--env",
        "--build-arg",
        "--secret",
    ];
    // Words a written placeholder never stands for bare: SQL's own words (`DROP DATABASE app`),
    // which the danger rules read too.
    const SQL_WORDS: &[&str] = &[
        "SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "CREATE", "ALTER", "TABLE", "DATABASE",
        "INDEX", "SCHEMA", "USER", "ROLE", "GRANT", "REVOKE", "TRUNCATE", "FROM", "WHERE", "INTO",
        "VALUES", "OWNER",
    ];
    let mut out = String::with_capacity(code.len() + 8);
    let mut changed = false;
    // The word that ends the heredoc whose body the walk is in: its body is data, not arguments.
    let mut heredoc_end: Option<String> = None;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        // Capitals in a heredoc's body are the data's own (`name: PORT`).
        let in_heredoc = heredoc_end.is_some();
        if heredoc_end.as_deref() == Some(line.trim()) {
            heredoc_end = None;
        }
        if let Some(at) = line.find("<<").filter(|_| !in_heredoc) {
            let tag: String = line[at + 2..]
                .trim_start_matches(['-', '~'])
                .trim_start()
                .trim_matches(|c| c == '\'' || c == '"')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !tag.is_empty() {
                heredoc_end = Some(tag);
            }
        }
        if trimmed.starts_with('#') {
            out.push_str(line);
            continue;
        }
        let mut copied = 0;
        let mut at = 0;
        let bytes = line.as_bytes();
        while at < line.len() {
            let starts = bytes[at].is_ascii_uppercase()
                && (at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b'=' | b'/'));
            if !starts {
                at += 1;
                continue;
            }
            let end = line[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(line.len(), |n| at + n);
            let word = &line[at..end];
            // A whole word: it ends at a blank, a quote or the line's end (not `X=`, `X.tfvars`).
            let whole = line[end..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || matches!(c, '\'' | '"' | ';'));
            // After `=`: the value, not the name (`NAME=BRANCH_NAME`).
            // The statement it stands in (`… | grep APP_NAME`) and the word before it.
            let statement = line[..at].rfind(['|', ';', '&', '(']).map_or(0, |i| i + 1);
            let program = line[statement..].split_whitespace().next().unwrap_or("");
            let before = line[..at].split_whitespace().next_back().unwrap_or("");
            let a_name = TAKES_NAMES.contains(&program) || NAME_FOLLOWS.contains(&before);
            // `projects/CLUSTER.tfvars`: one value word in capitals as a file's name in a path.
            let in_path = at > 0 && bytes[at - 1] == b'/';
            let file_stem = in_path
                && VALUE_WORDS.contains(&word)
                && line[end..]
                    .strip_prefix('.')
                    .is_some_and(|ext| ext.starts_with(|c: char| c.is_ascii_lowercase()));
            let whole = whole && !in_path || file_stem;
            // `kubectl exec POD -c postgres` where the runbook writes `<POD>` elsewhere: the same
            // value, written bare (not the program a statement starts with).
            // Only in argument position: outside quotes (`psql -c "DROP DATABASE …"`) and
            // heredoc bodies, not a name `printenv` takes, not a column's title
            // (`custom-columns=POD:.metadata.name`) but `POD:/path` (`kubectl cp`).
            let quoted = line[..at].matches('"').count() % 2 == 1
                || line[..at].matches('\'').count() % 2 == 1;
            let next = line[end..].chars().next();
            let placeholder = written.contains(word)
                && !in_path
                && !in_heredoc
                && !quoted
                && !SQL_WORDS.contains(&word)
                && !TAKES_NAMES.contains(&before)
                && !line[statement..at].trim().is_empty()
                && (next.is_none_or(|c| c.is_whitespace() || matches!(c, '\'' | '"' | ';'))
                    || line[end..].starts_with(":/"));
            if (whole && (is_name(word) || file_stem) || placeholder)
                && !variables.contains(word)
                && !a_name
            {
                out.push_str(&line[copied..at]);
                let key = if file_stem {
                    let ext = line[end + 1..]
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .next()
                        .unwrap_or("");
                    format!("{word}.{ext}")
                } else {
                    word.to_string()
                };
                match named.get(&key) {
                    Some(var) => out.push_str(&format!("${var}")),
                    None => out.push_str(&format!("<{word}>")),
                }
                copied = end;
                changed = true;
            }
            at = end.max(at + 1);
        }
        out.push_str(&line[copied..]);
    }
    changed.then_some(out)
}

/// [`capital_placeholders`] of the fenced code blocks of a Markdown text only: a `<PORT>` named
/// in prose ("open the port `<PORT>`") does not make every bare `PORT` in commands a value.
pub fn capital_placeholders_in_code(src: &str) -> HashSet<String> {
    let mut code = String::new();
    let mut fence: Option<&str> = None;
    for line in src.lines() {
        let t = line.trim_start();
        let mark = ["```", "~~~"].into_iter().find(|m| t.starts_with(m));
        match (fence, mark) {
            (None, Some(m)) => fence = Some(m),
            (Some(f), Some(m)) if f == m && t.trim_end().trim_start_matches(m).is_empty() => {
                fence = None;
            }
            (Some(_), _) => {
                code.push_str(line);
                code.push('\n');
            }
            _ => {}
        }
    }
    capital_placeholders(&code)
}

/// The names in capitals the text writes as `<PLACEHOLDER>` (`<POD>`, `<CLUSTER_NAME>`; three
/// characters or more, so not `<N>`): the same word bare in code stands for that value.
pub fn capital_placeholders(text: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    for (at, _) in text.match_indices('<') {
        let Some((name, _)) = placeholder_at(text, at) else {
            continue;
        };
        let capital = name.len() >= 3
            && name.starts_with(|c: char| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if capital {
            names.insert(name.into_owned());
        }
    }
    names
}

/// The `{NAMESPACE}` placeholder that starts at byte `at` of `text` (which holds a `{`): many
/// runbooks write placeholders in single braces (`recovery-{USERNAME}-1`, `{cluster-name}`).
/// Returns the name and the length of its text. Not placeholders: `${VAR}`, `{{ template }}`,
/// `@{u}`, `%{http_code}`, `#{ruby}`, `$ENV{HOME}`, brace expansions (`{a,b}`, `{1..3}`), `{}`,
/// one plain lowercase word (`awk '{print}'`, `jq '{name}'`) and CamelCase (`jq '{InstanceId}'`):
/// a name is in capitals, or has a digit, `_` or `-` and no quote right before it
/// (`'{rollout_percentage}'` is a jsonb path).
pub fn brace_placeholder_at(text: &str, at: usize) -> Option<(&str, usize)> {
    let body = text.get(at + 1..)?;
    // `$ENV{HOME}` (Perl), `x{A}`: glued to a word, it is that language's syntax.
    let glued = text[..at]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    if glued || text[..at].ends_with(['$', '{', '@', '%', '#', '\\']) {
        return None;
    }
    let len = body
        .bytes()
        .take_while(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        .count();
    let name = &body[..len];
    let closed = body[len..].starts_with('}') && !body[len + 1..].starts_with('}');
    // A lowercase name right after a quote is data: a jsonb path (`'{rollout_percentage}'`);
    // a CamelCase one is jq's shorthand object (`{InstanceId}`).
    let camel = name.bytes().any(|b| b.is_ascii_lowercase());
    let capital = !camel && name.bytes().any(|b| b.is_ascii_uppercase());
    let quoted = text[..at].ends_with(['\'', '"']);
    let marked = capital
        || !quoted
            && name
                .bytes()
                .any(|b| b.is_ascii_digit() || b == b'_' || b == b'-');
    (closed
        && marked
        && len <= MAX_PLACEHOLDER_BYTES
        && name.starts_with(|c: char| c.is_ascii_alphabetic()))
    .then_some((name, len + 2))
}

/// Square-bracket placeholders written in shell code (`postgresql@[old version]-[cluster]`,
/// `/srv/[mountpoint]/pgsql`), each as its text with the brackets: what the author meant the
/// reader to fill in, read as `<old version>` would be. Shell's own brackets are not: tests
/// (`[ -f x ]`, `[[ … ]]`), globs and classes (`[0-9]*`, `[A-Za-z]`, `[[:space:]]`), array
/// indexes (`${a[i]}`, `arr[key]`), jq paths (`.[0]`, `.items[]`).
pub fn bracket_placeholders(code: &str) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    for at in memchr::memchr_iter(b'[', code.as_bytes()) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || "_$.[]{}\\".contains(c)) {
            continue;
        }
        let Some(len) = code[at + 1..].find(']') else {
            continue;
        };
        let body = &code[at + 1..at + 1 + len];
        let after = code[at + 2 + len..].chars().next();
        if after.is_some_and(|c| "*?+{[".contains(c) || c.is_alphanumeric()) {
            continue;
        }
        let words: Vec<&str> = body.split([' ', '-', '_']).collect();
        let shaped = body.len() >= 4
            && body.len() <= MAX_PLACEHOLDER_BYTES
            && body.starts_with(|c: char| c.is_ascii_alphabetic())
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b" -_".contains(&b))
            // `[A-Za-z]` is a class of ranges, not a name.
            && words.iter().all(|w| w.len() >= 2)
            && words.len() <= MAX_PLACEHOLDER_WORDS;
        let text = &code[at..at + 2 + len];
        if shaped && !found.contains(&text) {
            found.push(text);
        }
    }
    found
}

/// Most words a placeholder holds (`<token from the vault>` has four), and its longest text.
const MAX_PLACEHOLDER_WORDS: usize = 8;
const MAX_PLACEHOLDER_BYTES: usize = 80;

/// HTML elements written in Markdown and templates (`<br>`, `<details open>`, `<summary>`) that
/// are never placeholders. Words that may well be one (`<code>`, `<table>`, `<input>`,
/// `<title>`) are not here: as markup they come with their closing tag, which tells them apart.
const HTML_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "body",
    "br",
    "center",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "html",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "wbr",
];

/// How far after `<name>` its `</name>` is looked for: an element closes within a few lines.
const CLOSING_REACH: usize = 4096;

/// The `<placeholder>` that starts at byte `at` of `text` (which holds a `<`): the input it
/// names and the length of its text, shared by input detection and substitution.
///
/// `<project-ref>` names the input `project-ref`. A placeholder of several words separated by
/// single spaces, `<token from the vault>`, names `TOKEN_FROM_THE_VAULT`; it must stand apart
/// from the words around it, so `x<y and z>w` stays a comparison. Not placeholders: heredocs
/// (`<<EOF`), HTML (`<br>`, `<details open>`, `</div>`, `<a href=…>`, and `<name>` whose
/// `</name>` is in the text), and `a < b > c`.
pub fn placeholder_at(text: &str, at: usize) -> Option<(Cow<'_, str>, usize)> {
    let body = text.get(at + 1..)?;
    if text[..at].ends_with('<') {
        return None;
    }
    let word_len = |s: &str, dots: bool| {
        s.bytes()
            .take_while(|&b| {
                b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || dots && b == b'.'
            })
            .count()
    };
    if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let first = &body[..word_len(body, true)];
    if HTML_TAGS.iter().any(|t| t.eq_ignore_ascii_case(first)) {
        return None;
    }
    if body[first.len()..].starts_with('>') {
        // (Looked for within the next lines only: searching the whole rest of the text for
        // each `<X>` made a long line of them quadratic.)
        let after = text.get(at + first.len() + 2..).unwrap_or("");
        let mut reach = after.len().min(CLOSING_REACH);
        while !after.is_char_boundary(reach) {
            reach -= 1;
        }
        let after = &after[..reach];
        let closing = format!("</{first}>");
        let element = memchr::memmem::find(after.as_bytes(), closing.as_bytes()).is_some();
        return (!element).then_some((Cow::Borrowed(first), first.len() + 2));
    }
    // Several words: no dots (`sort <in.txt tmp> out` holds two redirections), and nothing
    // glued on either side (`x<y and z>w` compares).
    if first.contains('.') {
        return None;
    }
    let mut end = first.len();
    let mut words = 1;
    while body[end..].starts_with(' ') && words < MAX_PLACEHOLDER_WORDS {
        let n = word_len(&body[end + 1..], false);
        if n == 0 {
            break;
        }
        end += 1 + n;
        words += 1;
    }
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let fits = words > 1
        && end <= MAX_PLACEHOLDER_BYTES
        && body[end..].starts_with('>')
        && !glued(text[..at].chars().next_back())
        && !glued(body[end + 1..].chars().next());
    fits.then(|| {
        let name = body[..end]
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        (Cow::Owned(name), end + 2)
    })
}

/// `{{ NAME }}` template references that flightdeck does not fill itself.
fn templates<'a>(text: &'a str, out: &mut Vec<(usize, Cow<'a, str>)>) {
    let bytes = text.as_bytes();
    // `{{` pairs, left to right without overlapping (`{{{` holds one).
    let mut from = 0;
    for at in memchr::memchr_iter(b'{', bytes) {
        if at < from || bytes.get(at + 1) != Some(&b'{') {
            continue;
        }
        from = at + 2;
        let rest = &text[at + 2..];
        let inner = rest.split_once("}}").map_or("", |(inner, _)| inner).trim();
        let valid = !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if valid
            && !inner.contains('.')
            && !TEMPLATE_BUILTINS.contains(&inner)
            && ident_len(inner) > 0
        {
            out.push((at, Cow::Borrowed(inner)));
        }
    }
}

/// Variables a shell script sets itself (`X=…`, `export X=…`, `read X`, `for X in`).
pub fn assigned_vars(code: &str) -> Vec<String> {
    assigned_in(&strip_shell_comments(code))
}

/// [`assigned_vars`] of text whose comments are already blanked.
fn assigned_in(code: &str) -> Vec<String> {
    // Only a statement whose first word assigns or holds `=` is read (see `assigned_on`):
    // lines without one are never split.
    let mut assigning =
        |from| statement_firsts(code, from).find_map(|(at, word)| may_assign(word).then_some(at));
    assigned_on(lines_with(code, [&mut assigning]))
}

/// The variables the statements of `lines` assign, in order, without duplicates.
fn assigned_on<'a>(lines: impl Iterator<Item = Cow<'a, str>>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut push = |n: &str| {
        if is_ident(n) && !names.iter().any(|x| x == n) {
            names.push(n.to_string());
        }
    };
    for line in lines {
        for statement in statements(&line) {
            // Most statements are plain commands: no `=` and no assigning builtin.
            let first = statement.split_whitespace().next().unwrap_or("");
            let builtin = matches!(
                first,
                "export" | "local" | "declare" | "readonly" | "typeset" | "for" | "select" | "read"
            );
            if !builtin && !first.contains('=') {
                continue;
            }
            let words: Vec<&str> = statement.split_whitespace().collect();
            let mut i = 0;
            match words.first().copied() {
                Some("export" | "local" | "declare" | "readonly" | "typeset") => {
                    i = 1;
                    while words.get(i).is_some_and(|w| w.starts_with('-')) {
                        i += 1;
                    }
                }
                Some("for" | "select") if words.get(2) == Some(&"in") => push(words[1]),
                Some("read") => {
                    i = 1;
                    while let Some(w) = words.get(i).filter(|w| w.starts_with('-')) {
                        // Options that take an argument: -a -d -i -n -N -p -t -u.
                        let takes_arg = w.ends_with(['a', 'd', 'i', 'n', 'N', 'p', 't', 'u']);
                        i += if takes_arg { 2 } else { 1 };
                    }
                    words.iter().skip(i).for_each(|w| push(w));
                    continue;
                }
                _ => {}
            }
            // `NAME=value` words at the start of a statement (env prefixes included).
            for w in words.iter().skip(i) {
                match w.split_once('=') {
                    Some((name, _)) if is_ident(name.trim_end_matches('+')) => {
                        push(name.trim_end_matches('+'))
                    }
                    _ => break,
                }
            }
        }
    }
    names
}

/// Whether a statement whose first word is `word` may be one [`assigned_in`] reads: the word
/// begins like an assigning builtin (any case), holds `=`, or begins with a non-ASCII byte
/// (which may be whitespace `str::trim` removes).
fn may_assign(word: &[u8]) -> bool {
    word.first().is_some_and(|&c| c >= 0x80) || ASSIGNING.starts(word) || word.contains(&b'=')
}

/// Builtins that assign the words after them.
const ASSIGNING: Starts = Starts::new(&[
    b"export",
    b"local",
    b"declare",
    b"readonly",
    b"typeset",
    b"for",
    b"select",
    b"read",
]);

/// `$NAME` and `${NAME}` references outside single quotes, with their byte offsets; `${X:-d}`
/// has a default and is not an input.
///
/// In request and template text (`Dialect::Text`), `$RELEASE-TAG` is one name written with a
/// dash, as prose writes it, not `$RELEASE` followed by `-TAG` as in shell ([`dashed_name`]):
/// it is no reference. `$REGION-eu` and `$VERSION-rc1` still join a value and a word.
fn dollar_refs<'a>(code: &'a str, dialect: Dialect, out: &mut Vec<(usize, Cow<'a, str>)>) {
    let bytes = code.as_bytes();
    let mut in_single = false;
    let mut in_double = false;
    const MATTERS: ByteSet = byte_set(b"\\'\"$");
    let mut i = 0;
    while i < bytes.len() {
        // Most bytes matter to none of the arms below: skip them in a tight loop.
        match bytes[i..].iter().position(|&b| MATTERS[usize::from(b)]) {
            Some(n) => i += n,
            None => break,
        }
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
                        out.push((i, Cow::Borrowed(&rest[..len])));
                    }
                } else if dialect != Dialect::Sql {
                    let rest = &code[i + 1..];
                    let len = ident_len(rest);
                    let dashed =
                        dialect == Dialect::Text && dashed_name(&rest[..len], &rest[len..]);
                    if len > 0 && !dashed {
                        out.push((i, Cow::Borrowed(&rest[..len])));
                    }
                    if len > 0 {
                        i += len;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// Whether `$NAME` followed by `after` is the start of one upper-case name written with dashes,
/// `$RELEASE-TAG`, as prose and templates name a value: `NAME` and the word after the `-` are
/// both in capitals (the word starting with a letter). `$REGION-eu`, `$HOST-1` and
/// `$VERSION-rc1` are a value followed by text, as in shell.
pub fn dashed_name(name: &str, after: &str) -> bool {
    let caps = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    };
    let Some(rest) = after.strip_prefix('-') else {
        return false;
    };
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let word = &rest[..len];
    caps(name) && word.starts_with(|c: char| c.is_ascii_uppercase()) && caps(word)
}

/// Blanks out `# comments` (outside quotes) so that words in them are not read as references.
/// Offsets are kept: comment bytes become spaces. Code without comments is returned as is.
pub fn strip_shell_comments(code: &str) -> Cow<'_, str> {
    let bytes = code.as_bytes();
    let mut out: Option<String> = None;
    // Bytes of `code` already copied to `out`, and the first byte of the line after the last one
    // looked at: only lines holding a `#` are read character by character.
    let mut copied = 0;
    let mut next_line = 0;
    for hash in memchr::memchr_iter(b'#', bytes) {
        if hash < next_line {
            continue;
        }
        let start = memchr::memrchr(b'\n', &bytes[..hash]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[hash..]).map_or(bytes.len(), |i| hash + i);
        next_line = end + 1;
        if let Some(cut) = code.get(start..end).and_then(comment_start) {
            let out = out.get_or_insert_with(|| String::with_capacity(code.len()));
            out.push_str(code.get(copied..start + cut).unwrap_or(""));
            // One space per byte keeps offsets valid for the unstripped text.
            let mut blank = end - start - cut;
            while blank > 0 {
                let n = blank.min(SPACES.len());
                out.push_str(&SPACES[..n]);
                blank -= n;
            }
            copied = end;
        }
    }
    match out {
        None => Cow::Borrowed(code),
        Some(mut out) => {
            out.push_str(code.get(copied..).unwrap_or(""));
            Cow::Owned(out)
        }
    }
}

/// Spaces to blank comments with, a slice at a time.
const SPACES: &str = "                                                                ";

/// Byte offset of the `#` that starts a comment on `line` (outside quotes, at a word start).
fn comment_start(line: &str) -> Option<usize> {
    let mut in_single = false;
    let mut in_double = false;
    let mut prev: Option<char> = None;
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !in_double => in_single = !in_single,
            '"' if !in_single && prev != Some('\\') => in_double = !in_double,
            '#' if !in_single && !in_double && prev.is_none_or(char::is_whitespace) => {
                return Some(i);
            }
            _ => {}
        }
        prev = Some(c);
    }
    None
}

#[cfg(test)]
mod tests {

    #[test]
    fn bare_names_in_capitals_that_stand_for_a_value_are_placeholders() {
        let src = variable_names("export CLUSTER_NAME=x\n");
        let src = &src;
        let none = std::collections::HashMap::new();
        assert_eq!(
            bare_name_placeholders(
                "terraform workspace new WORKSPACE_NAME\n",
                src,
                &HashSet::new(),
                &none
            )
            .as_deref(),
            Some("terraform workspace new <WORKSPACE_NAME>\n")
        );
        assert_eq!(
            bare_name_placeholders(
                "bash -c 'OVERRIDE_BRANCH=BRANCH_NAME promote'\n",
                src,
                &HashSet::new(),
                &none
            )
            .as_deref(),
            Some("bash -c 'OVERRIDE_BRANCH=<BRANCH_NAME> promote'\n")
        );
        // A value word alone as a file's name in a path (session 13).
        assert_eq!(
            bare_name_placeholders(
                "terraform plan -var-file=projects/CLUSTER.tfvars\n",
                src,
                &HashSet::new(),
                &none
            )
            .as_deref(),
            Some("terraform plan -var-file=projects/<CLUSTER>.tfvars\n")
        );
        for kept in [
            "echo CLUSTER_NAME\n",
            "export RELEASE_NAME\n",
            "env | grep AWS_REGION\n",
            "# set WORKSPACE_NAME first\n",
            "cat docs/README.md\n",
            "kubectl get pods ERROR_CODE_X\n",
            "make RELEASE_TAG=v1\n",
            "kubectl get cm -o yaml | grep APP_NAME\n",
            "docker run -e AWS_REGION -e DATABASE_URL app\n",
            "gh secret set DOCKERHUB_USERNAME\n",
        ] {
            assert_eq!(
                bare_name_placeholders(kept, src, &HashSet::new(), &none),
                None,
                "{kept}"
            );
        }
    }

    #[test]
    fn logins_spelled_out_in_words_are_placeholders() {
        // A non-breaking space pasted from a web page is no boundary to cut at.
        assert_eq!(
            spelled_out_logins("scp -r user\u{a0}name@source-server-ip:/x ./\n").as_deref(),
            Some("scp -r user\u{a0}name@<source-server-ip>:/x ./\n")
        );
        assert_eq!(
            spelled_out_logins("scp -r username@source-server-public-ip:/etc/nginx/ssl ./\n")
                .as_deref(),
            Some("scp -r <username>@<source-server-public-ip>:/etc/nginx/ssl ./\n")
        );
        assert_eq!(
            spelled_out_logins("ssh deploy@your-server-ip 'uptime'\n").as_deref(),
            Some("ssh deploy@<your-server-ip> 'uptime'\n")
        );
        for real in [
            "ssh deploy@app-01\n",
            "ssh root@db.internal\n",
            "scp backup@backup-host.example.com:/x .\n",
            "git push git@github.com:org/repo.git\n",
            "echo user@source-server-ip\n",
            "ssh ops@bastion\n",
            "rsync -a dist/ deploy@staging-server:/srv/app/\n",
            "ssh build-host\n",
        ] {
            assert_eq!(spelled_out_logins(real), None, "{real}");
        }
    }
    use super::*;

    #[test]
    fn square_brackets_name_values_only_where_the_shell_has_none() {
        assert_eq!(
            bracket_placeholders(
                "systemctl stop postgresql@[old version]-[cluster]\ninitdb -D [mountpoint]/pgsql/[new version]"
            ),
            [
                "[old version]",
                "[cluster]",
                "[mountpoint]",
                "[new version]"
            ]
        );
        for shell in [
            "[ -f /etc/x ] && echo y",
            "[[ $a == b ]]",
            "ls [0-9]*",
            "grep '[A-Za-z]' f",
            "grep -E '^[[:space:]]' f",
            "echo ${arr[index]}",
            "jq '.items[] | .name'",
            "echo \"$map[key]\"",
            "ls [abc]",
        ] {
            assert!(bracket_placeholders(shell).is_empty(), "{shell}");
        }
    }

    #[test]
    fn statements_behind_any_whitespace_trim_removes_are_read() {
        // Vertical tab, form feed and no-break space lead a statement as a space would.
        for code in [
            ";\u{b}export X=1",
            "\u{c}read X",
            "echo; \u{a0}for X in a; do :; done",
        ] {
            assert_eq!(assigned_in(code), ["X"], "{code:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        #[test]
        fn the_statement_gate_skips_no_line_that_assigns(
            code in "(export|local|EXPORT|read|readonly|for|in|select|declare|X|Y_1|=|\\+=|-r|-p|\"|'|;|&|\\||\\(|\\)|`|\\$|\\\\\n|\n|\r|\t|\u{b}|\u{a0}| |a){0,40}",
        ) {
            // Every logical line read, without the gate: what the gate must not change.
            let all = assigned_on(crate::runbook::words::logical_lines(&code));
            proptest::prop_assert_eq!(assigned_in(&code), all);
        }
    }

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
        for n in [
            "SLACK_WEBHOOK_URL",
            "AWS_SECRET_ACCESS_KEY",
            "TOKEN_FROM_THE_VAULT",
            "YOUR_PASSWORD",
            "apiKey",
        ] {
            assert!(name_looks_secret(n), "{n}");
        }
        for n in [
            "DEPLOY_ID",
            "project-ref",
            "SUPABASE_PROD_URL",
            "ALIAS",
            "webhook_name",
            "webhook_type",
            "AWS_ACCESS_KEY_ID",
            "KEYSPACE",
            "MONKEY_COUNT",
        ] {
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
