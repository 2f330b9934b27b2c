//! Whether text reads as shell commands, judged by its shape rather than by a list of tools:
//! unlabelled fences, indented code, bullets of inline code and `\`-continued paragraphs are
//! all read through here. No list can keep up with the tools runbooks call, so a line is a
//! command when it is built like one (a program-like first word, then flags, paths, variables,
//! pipes), and is not when it is built like output or data (JSON, `key: value`, tables, log
//! lines, stack traces, sentences).

use crate::runbook::words::statements;

/// Programs that make a line a command with nothing else to show for it (`git status`,
/// `make`): a booster for lines without flags or paths, never a gate.
const KNOWN: &[&str] = &[
    "apt",
    "apt-get",
    "aws",
    "az",
    "bash",
    "brew",
    "bundle",
    "cargo",
    "cat",
    "cd",
    "chmod",
    "chown",
    "conda",
    "cp",
    "createdb",
    "curl",
    "date",
    "dig",
    "docker",
    "doctl",
    "dotnet",
    "dropdb",
    "echo",
    "eksctl",
    "env",
    "etcdctl",
    "export",
    "fly",
    "flyctl",
    "gcloud",
    "gh",
    "git",
    "go",
    "gradle",
    "grep",
    "gsutil",
    "helm",
    "heroku",
    "jq",
    "kafka-topics",
    "kill",
    "kubectl",
    "kustomize",
    "ln",
    "ls",
    "make",
    "mkdir",
    "mv",
    "mvn",
    "mysql",
    "mysqldump",
    "netlify",
    "nginx",
    "node",
    "npm",
    "npx",
    "oc",
    "openssl",
    "pg_dump",
    "pg_dumpall",
    "pg_restore",
    "pg_upgrade",
    "pg_upgradecluster",
    "pg_createcluster",
    "pg_dropcluster",
    "pg_lsclusters",
    "ping",
    "pip",
    "pip3",
    "pm2",
    "pnpm",
    "podman",
    "poetry",
    "psql",
    "python",
    "python3",
    "rails",
    "rake",
    "redis-cli",
    "rm",
    "rsync",
    "scp",
    "sed",
    "service",
    "sh",
    "sleep",
    "source",
    "ssh",
    "sudo",
    "supabase",
    "systemctl",
    "tail",
    "tar",
    "terraform",
    "touch",
    "uv",
    "vault",
    "vercel",
    "wget",
    "wrangler",
    "yarn",
];

/// Words that begin an English sentence or phrase far more often than a command line.
const STOP_WORDS: &[&str] = &[
    "a", "all", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "if",
    "in", "is", "it", "its", "of", "on", "or", "so", "that", "the", "then", "this", "to", "was",
    "we", "when", "will", "with", "you", "your",
];

/// Programs that wait for a person at a terminal: a block that calls one without arguments
/// (or opens an editor, or switches user) is walked by hand, not run.
const INTERACTIVE: &[&str] = &[
    "vi",
    "vim",
    "nvim",
    "nano",
    "emacs",
    "pico",
    "ed",
    "visudo",
    "crontab -e",
];

/// What a block of code holds, by the shape of its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Commands to run (possibly behind prompts, see [`prompt_split`]).
    Commands,
    /// Only comments, or nothing.
    Comments,
    /// Output, logs, tables, data or prose: reference, never run.
    Output,
}

/// How an unlabelled block (bare fence, indented code, prompt-less `console`) reads: judged by
/// its first meaningful line, or by its prompts when it has any.
pub fn block_shape(code: &str) -> Shape {
    if has_prompts(code, true) {
        return if prompt_split(code, true).0.trim().is_empty() {
            Shape::Output
        } else {
            Shape::Commands
        };
    }
    match first_meaningful(code) {
        None => Shape::Comments,
        Some(line) if is_code_command(line) => Shape::Commands,
        Some(_) => Shape::Output,
    }
}

/// Whether a block labelled as shell (`bash`, `sh`, …) nonetheless holds only output or data:
/// the label says shell, so only a first line that is plainly not a command demotes it.
pub fn labelled_shell_is_output(code: &str) -> bool {
    if has_prompts(code, false) {
        return prompt_split(code, false).0.trim().is_empty();
    }
    first_meaningful(code).is_some_and(looks_like_output)
}

/// The first line that is not blank, a comment or a shebang.
fn first_meaningful(code: &str) -> Option<&str> {
    code.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
}

/// Whether one line is built like a shell command. Strict enough for prose contexts
/// (a bullet's inline code, a paragraph, text after `# `): a sentence, a file name alone,
/// `key: value` or a log line is not a command, and an unknown program needs a flag, path,
/// variable or shell operator to show for it.
pub fn is_command_line(line: &str) -> bool {
    command_shape(line, false)
}

/// [`is_command_line`] for a line of code the author set apart (a fence or indented block):
/// there a program-like word with plain arguments (`rever 23.9.0`) is a command too.
pub fn is_code_command(line: &str) -> bool {
    command_shape(line, true)
}

fn command_shape(line: &str, in_code: bool) -> bool {
    let line = line.trim();
    if line.is_empty() || looks_like_output(line) {
        return false;
    }
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let i = program_index(&tokens);
    let Some(program) = tokens.get(i) else {
        // Only assignments: `NEWVER=1.2` sets a variable later steps read.
        return i > 0;
    };
    let args = &tokens[i + 1..];
    // An absolute path alone is a file name in output (`/var/lib/x/core.1`), not a command.
    if is_path_to_run(program)
        && (!program.starts_with('/') || !args.is_empty() || program.contains("/bin/"))
    {
        return true;
    }
    if !is_program_word(program) || STOP_WORDS.contains(program) {
        return false;
    }
    // "make sure you have enough quota …" wrapped onto its own line: the verb, not the
    // build tool.
    if !in_code
        && *program == "make"
        && args
            .first()
            .is_some_and(|a| matches!(*a, "sure" | "certain"))
    {
        return false;
    }
    if KNOWN.contains(program) || i > 0 {
        return true;
    }
    if in_code && !args.iter().take(3).any(|a| STOP_WORDS.contains(a)) {
        return true;
    }
    let shell_syntax = ["|", "&&", "||", ";", ">", ">>", "2>&1", "<"];
    args.iter().any(|a| {
        a.starts_with('-')
            || a.contains('/')
            || a.contains('$')
            || a.contains("://")
            || shell_syntax.contains(a)
    }) && !args.iter().any(|a| STOP_WORDS.contains(a))
}

/// Where the program is among a line's words: `sudo -u postgres`, `env`, `nohup` and
/// `NAME=value` prefixes do not decide; the program does.
pub(super) fn program_index(tokens: &[&str]) -> usize {
    let mut i = 0;
    while let Some(t) = tokens.get(i) {
        if matches!(*t, "sudo" | "env" | "time" | "nohup" | "exec") {
            i += 1;
            while tokens.get(i).is_some_and(|t| t.starts_with('-')) {
                // `sudo -u postgres`: the flag's argument goes too.
                if matches!(tokens.get(i), Some(&"-u") | Some(&"-g")) {
                    i += 1;
                }
                i += 1;
            }
        } else if is_assignment(t) {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// `NAME=value` with a shell variable name (not `server-id=1` or `key = value`).
fn is_assignment(token: &str) -> bool {
    let Some((name, _)) = token.split_once('=') else {
        return false;
    };
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

/// `./deploy.sh`, `~/bin/x`, `../x`, `bin/migrate`, `/usr/lib/postgresql/12/bin/pg_upgrade`.
fn is_path_to_run(token: &str) -> bool {
    (token.starts_with("./") || token.starts_with("../") || token.starts_with("~/"))
        && token.len() > 2
        || token.starts_with('/') && token.len() > 1 && token.matches('/').count() >= 2
        || token.starts_with("bin/")
}

/// A program name: lowercase first, then letters, digits and `._+-` (`pg_dump`, `gds-cli`,
/// `kafka-topics.sh`), and not a bare file name with a data extension.
fn is_program_word(token: &str) -> bool {
    let b = token.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_lowercase) {
        return false;
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._+-".contains(c))
    {
        return false;
    }
    let data = [
        ".json", ".yaml", ".yml", ".md", ".txt", ".toml", ".conf", ".log", ".xml",
    ];
    !data.iter().any(|ext| token.ends_with(ext))
}

/// Lines that are output, data or prose, whatever tool printed them.
pub fn looks_like_output(line: &str) -> bool {
    let line = line.trim();
    let first = line.split_whitespace().next().unwrap_or("");
    let b = line.as_bytes();
    let Some(&c0) = b.first() else {
        return false;
    };
    // JSON, tables, XML, numbers and timestamps at the start of log lines.
    if matches!(c0, b'{' | b'[' | b'|' | b'+' | b'<' | b'=' | b'*')
        || c0.is_ascii_digit()
        || line.starts_with("..")
        || line == "."
    {
        return !line.starts_with("[ ") && !line.starts_with("[[");
    }
    // `key: value` (YAML, labels, `Error: …`), `key = value` (config).
    if first.ends_with(':') || line.contains(" = ") && !line.contains("==") {
        return true;
    }
    if line.starts_with("at ") && line.contains('(')
        || line.starts_with("Traceback")
        || line.starts_with("File \"")
        || line.starts_with("Caused by")
        || line.starts_with("goroutine ")
        || line.starts_with("panic:")
    {
        return true;
    }
    // Column headers (`NAME   READY   STATUS`), and sentences or labels starting in capitals.
    c0.is_ascii_uppercase() && !is_assignment(first)
}

/// Prompt forms a terminal transcript uses before a command: `$ `, `user@host:~$ `,
/// `host:# `, `[root@db tmp]# `, `(venv) $ `, `~/dir$ `. `# ` counts only where no other
/// prompt is used and what follows reads as a command (else it is a comment).
fn strip_prompt(line: &str, hash_prompts: bool) -> Option<&str> {
    let t = line.trim_start();
    if t == "$" || t == "#" {
        return Some("");
    }
    if let Some(rest) = t.strip_prefix("$ ") {
        // `$ ~/upgrade$ ll`: a copied prompt after the author's own.
        let copied =
            rest.starts_with('~') || rest.split(' ').next().is_some_and(|w| w.contains('@'));
        return Some(
            copied
                .then(|| strip_prompt(rest, false))
                .flatten()
                .unwrap_or(rest),
        );
    }
    if hash_prompts && let Some(rest) = t.strip_prefix("# ") {
        // `# su postgres` … `# exit`: switching user and back are commands too.
        let switch = rest == "exit" || rest.starts_with("su ");
        return (switch || is_command_line(rest)).then_some(rest);
    }
    // `(venv) $ cmd`, `(postgres)# cmd`.
    if t.starts_with('(')
        && let Some(close) = t.find(')')
        && !t[1..close].contains(' ')
    {
        let rest = t[close + 1..].trim_start();
        return strip_sign(rest);
    }
    // `[root@db tmp]# cmd`.
    if t.starts_with('[')
        && let Some(close) = t.find(']')
        && t[1..close].contains('@')
    {
        return strip_sign(&t[close + 1..]);
    }
    // `user@host:~/x$ cmd`, `server1:# cmd`, `~/dir$ cmd`: one token ending in `$` or `#`.
    let (head, rest) = t.split_once(' ')?;
    let sign = head.ends_with('$') || head.ends_with('#');
    let shaped = head.contains('@') || head.contains(':') || head.starts_with('~');
    (sign && shaped && head.len() > 1 && !head.contains("://")).then_some(rest)
}

fn strip_sign(rest: &str) -> Option<&str> {
    rest.strip_prefix("$ ")
        .or_else(|| rest.strip_prefix("# "))
        .or_else(|| (rest == "$" || rest == "#").then_some(""))
}

/// Whether any line of `code` begins with a shell prompt; `# ` counts only where `hash` says a
/// label does not make it a comment (never in a `bash` fence).
pub fn has_prompts(code: &str, hash: bool) -> bool {
    let hash = hash && root_transcript(code);
    code.lines().any(|l| strip_prompt(l, hash).is_some())
}

/// Whether `# ` may be a prompt: no other prompt in the block ends in `$`. A transcript that
/// switches user (`# su postgres`, then `(postgres)# initdb …`) keeps its `# ` lines; one with
/// `$ ` prompts has comments there.
fn root_transcript(code: &str) -> bool {
    !code.lines().any(|l| {
        strip_prompt(l, false).is_some_and(|rest| {
            let t = l.trim_start();
            t[..t.len() - rest.len()].trim_end().ends_with('$')
        })
    })
}

/// Splits a transcript into its commands (prompt lines, with `\` continuations) and the
/// output shown between them; `hash` as for [`has_prompts`].
pub fn prompt_split(code: &str, hash: bool) -> (String, Option<String>) {
    let hash = hash && root_transcript(code);
    let mut commands: Vec<&str> = Vec::new();
    let mut output: Vec<&str> = Vec::new();
    let mut continuing = false;
    for line in code.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let t = line.trim_start();
        if continuing {
            commands.push(t.strip_prefix("> ").unwrap_or(t));
            continuing = t.ends_with('\\');
        } else if let Some(cmd) = strip_prompt(line, hash) {
            if !cmd.trim().is_empty() {
                commands.push(cmd);
            }
            continuing = cmd.ends_with('\\');
        } else if !t.is_empty() {
            output.push(line);
        }
    }
    let mut text = commands.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    (text, (!output.is_empty()).then(|| output.join("\n")))
}

/// Prompts of interactive shells that are not the system shell: lines typed there are walked
/// by hand (`mysql> FLUSH TABLES WITH READ LOCK;`).
const REPL_PROMPTS: &[&str] = &[
    "mysql>",
    "mariadb>",
    "postgres=#",
    "postgres=>",
    "psql>",
    "redis>",
    "sqlite>",
    ">>>",
    "irb(main)",
    "mongo>",
    "kafka>",
    "cqlsh>",
    "SQL>",
];

/// Whether a block is typed at an interactive prompt other than the shell's.
pub fn at_a_repl_prompt(code: &str) -> bool {
    code.lines().map(str::trim_start).any(|l| {
        REPL_PROMPTS.iter().any(|p| l.starts_with(p))
            || l.split_once("> ")
                .is_some_and(|(head, _)| head.contains(":6379") || head.ends_with("=#"))
    })
}

/// Whether a transcript's prompt names another user's root-style shell (`(postgres)# initdb`,
/// as written after a `su postgres`, in this block or an earlier one): those lines run as that
/// user, which a step cannot do. A virtualenv prompt (`(venv) $ `, `(venv) # `) is no user.
pub fn in_another_users_shell(code: &str) -> bool {
    code.lines().map(str::trim_start).any(|t| {
        t.strip_prefix('(')
            .and_then(|rest| rest.split_once(')'))
            .is_some_and(|(user, rest)| {
                !user.is_empty()
                    && user
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                    && rest.starts_with("# ")
            })
    })
}

/// The machine a prompt names: `server2:$ cmd` → `server2`, `[root@db1 tmp]# cmd` → `db1`,
/// `deploy@web-01:~$ cmd` → `web-01`. `None` for prompts that name no host (`$ `, `~/x$ `).
pub fn prompt_host(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let head = if let Some(rest) = t.strip_prefix('[') {
        // `[root@db1 tmp]# `: the bracket is followed by the sign, never by `(` (a link).
        let (inside, after) = rest.split_once(']')?;
        if !(after.starts_with("# ") || after.starts_with("$ ")) {
            return None;
        }
        inside.split_whitespace().next()?
    } else {
        let (head, _) = t.split_once(' ')?;
        head.strip_suffix(['$', '#'])?
    };
    let host = head.split_once('@').map_or(head, |(_, h)| h);
    let host = host.split(':').next()?;
    let named = !host.is_empty()
        && host.len() < 64
        && host != "localhost"
        && host.starts_with(|c: char| c.is_ascii_alphabetic())
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    // `server1:# ` and `user@host` name a machine; a bare word before `$` is a directory.
    (named && (head.contains(':') || head.contains('@'))).then_some(host)
}

/// Whether a block is a request typed into a cluster's console (OpenSearch / Kibana Dev
/// Tools: `GET "/_cat/nodes?v"`, `PUT _cluster/settings`), not a shell command nor its output.
pub fn is_console_request(code: &str) -> bool {
    let Some(first) = code.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return false;
    };
    let mut words = first.split_whitespace();
    let method = words.next().unwrap_or("");
    let path = words.next().unwrap_or("").trim_start_matches('"');
    matches!(method, "GET" | "PUT" | "POST" | "DELETE" | "HEAD" | "PATCH")
        && (path.starts_with('/') || path.starts_with('_'))
}

/// Whether commands follow or watch without end (`tail -f`, `watch`, `kubectl port-forward`,
/// `… logs -f`, `pm2 monit`, also after `&&`): the step runs until the captain stops it with `c`.
pub fn never_ends(commands: &str) -> bool {
    commands
        .lines()
        .any(|line| !backgrounded(line) && statements(line).any(statement_never_ends))
}

/// The index (among `commands.lines()`) of a line that opens a tunnel the lines after it use
/// (`kubectl port-forward pod/api 6060`, then `curl localhost:6060`): it never ends, so they
/// would never run in the same step. Only a whole line in the foreground counts.
pub fn tunnel_line(commands: &str) -> Option<usize> {
    commands.lines().position(|line| {
        let whole = line.matches('\'').count() % 2 == 0
            && line.matches('"').count() % 2 == 0
            && !line.trim_end().ends_with('\\');
        whole
            && !backgrounded(line)
            && statements(line).any(|s| s.split_whitespace().any(|w| w == "port-forward"))
    })
}

/// The index (among `commands.lines()`) of a comment that says the lines above it are
/// repeated (`# repeat for each commit that you want to include`), after at least one
/// command, and what they repeat for ("each commit that you want to include").
pub fn repeat_line(commands: &str) -> Option<(usize, String)> {
    let mut commanded = false;
    for (i, line) in commands.lines().enumerate() {
        let t = line.trim();
        let Some(comment) = t.strip_prefix('#') else {
            commanded |= !t.is_empty();
            continue;
        };
        let lower = comment.trim().to_ascii_lowercase();
        let said = [
            "repeat this for ",
            "repeat for ",
            "repeat these for ",
            "do this for ",
        ]
        .iter()
        .find_map(|p| lower.strip_prefix(p));
        let each = said
            .filter(|e| e.starts_with("each ") || e.starts_with("every "))
            .map(|e| e.trim_end_matches(['.', ':']).to_string());
        if commanded && let Some(each) = each {
            return Some((i, each));
        }
    }
    None
}

/// A block whose comment says to get a value (`# get the last commit id`) over a command that
/// prints it, and whose later line uses it as a placeholder (`git cherry-pick -x <commit-id>`):
/// the value is known only once that command ran, so the block stops after it. Returns the
/// index (among `commands.lines()`) of the printing command's last line, the comment (its
/// title), and whether the comment over the line that uses the value names it in the plural
/// (`# cherry-pick the commits …`: once for each).
pub fn printed_then_used(commands: &str) -> Option<PrintedThenUsed> {
    /// Verbs of a comment that says the command under it shows a value.
    const GETS: &[&str] = &["get", "find", "list", "show", "print", "look up"];
    fn comment(l: &str) -> Option<&str> {
        l.trim().strip_prefix('#').map(str::trim)
    }
    let lines: Vec<&str> = commands.lines().collect();
    let is_command = |l: &str| !l.trim().is_empty() && comment(l).is_none();
    // The words of a comment, singular: "the commits ids" → the, commit, id.
    let words = |c: &str| -> Vec<String> {
        c.to_ascii_lowercase()
            .split(|ch: char| !ch.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                w.strip_suffix('s')
                    .filter(|_| w.len() >= 3)
                    .unwrap_or(w)
                    .to_string()
            })
            .collect()
    };
    /// What a line of the head starts with when it sets up the shell the rest runs in
    /// (`cd`, `set -e`, `source`, `export`): the rest cannot run apart from it.
    const CONTEXT: &[&str] = &[
        "cd ", "pushd ", "set -", "set +", "source ", ". ", "export ", "shopt ", "umask ", "alias ",
    ];
    /// Where a line opens or closes a compound command the split must not cut.
    fn depth_change(l: &str) -> i32 {
        let t = l.trim();
        let w = t.split_whitespace().next().unwrap_or("");
        let opens = ["for", "while", "until", "if", "case", "select"].contains(&w)
            && !["done", "fi", "esac"].iter().any(|e| t.ends_with(e))
            || t.ends_with('{')
            || t.ends_with('(');
        let closes = ["done", "fi", "esac", "done;", "fi;"].contains(&w)
            || t.starts_with('}')
            || t.starts_with(')');
        i32::from(opens) - i32::from(closes)
    }
    /// A line whose command goes on on the next line.
    fn continues(l: &str) -> bool {
        let t = l.trim_end();
        ["\\", "&&", "||", "|"].iter().any(|e| t.ends_with(e))
    }
    // One pass: the printing command most recently named by a comment at the top level, and
    // the first later top-level line that uses a placeholder its comment named.
    let mut depth = 0i32;
    let mut context = false;
    // (comment's text, its words, the printing command's last line)
    let mut pending: Option<(&str, Vec<String>, usize)> = None;
    let mut c = 0;
    while c < lines.len() {
        let line = lines[c];
        let top = depth == 0;
        if is_command(line) {
            context |= top && CONTEXT.iter().any(|p| line.trim_start().starts_with(p));
            depth += depth_change(line);
        }
        let Some(said) = comment(line) else {
            // (The use may sit in a loop: the split is after the printing command.)
            if is_command(line)
                && line.contains('<')
                && let Some((said, said_words, end)) = &pending
                && let Some(found) = used_here(lines.as_slice(), *end, c, said, said_words)
            {
                return (!context).then_some(found);
            }
            c += 1;
            continue;
        };
        c += 1;
        let lower = said.to_ascii_lowercase();
        if !top || !GETS.iter().any(|g| lower.starts_with(&format!("{g} "))) {
            continue;
        }
        // The command under the comment: no placeholder of its own, continuations kept.
        let Some(k) = lines[c..].iter().position(|l| is_command(l)).map(|k| c + k) else {
            break;
        };
        if lines[k].contains('<') || depth_change(lines[k]) != 0 {
            continue;
        }
        let mut end = k;
        while continues(lines[end]) && end + 1 < lines.len() {
            end += 1;
        }
        context |= CONTEXT.iter().any(|p| lines[k].trim_start().starts_with(p));
        depth += lines[k..=end].iter().map(|l| depth_change(l)).sum::<i32>();
        pending = Some((said, words(said), end));
        c = end + 1;
    }
    None
}

/// The split [`printed_then_used`] makes when line `u`, after the printing command that ends
/// at `end` under comment `said`, uses a placeholder whose every word the comment said.
fn used_here(
    lines: &[&str],
    end: usize,
    u: usize,
    said: &str,
    said_words: &[String],
) -> Option<PrintedThenUsed> {
    fn comment(l: &str) -> Option<&str> {
        l.trim().strip_prefix('#').map(str::trim)
    }
    let used = lines[u];
    let (name, _) = used
        .split('<')
        .skip(1)
        .filter_map(|p| p.split_once('>'))
        .find(|(n, _)| {
            let parts: Vec<&str> = n.split(['-', '_']).filter(|w| !w.is_empty()).collect();
            !parts.is_empty()
                && parts.len() <= 3
                && parts
                    .iter()
                    .all(|p| said_words.iter().any(|w| w.eq_ignore_ascii_case(p)))
        })?;
    // The comment right over the line that uses it: "the commits" is once for each.
    let noun = name
        .split(['-', '_'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    let plural = format!("the {noun}s");
    let each = lines[end + 1..u]
        .iter()
        .rev()
        .find_map(|l| comment(l))
        .filter(|over| over.to_ascii_lowercase().contains(&plural))
        .map(|_| (format!("each {noun}"), name.to_string()));
    Some(PrintedThenUsed {
        at: end,
        title: said.trim_end_matches(['.', ':']).to_string(),
        each,
    })
}

/// What [`printed_then_used`] found in a block.
pub struct PrintedThenUsed {
    /// The index of the printing command's last line: the block stops after it.
    pub at: usize,
    /// The comment over the printing command, which titles that part.
    pub title: String,
    /// When the later part uses the value once for each of several ("the commits"): what it
    /// repeats for ("each commit") and the input asked anew each time.
    pub each: Option<(String, String)>,
}

/// `# only continue below if git status reports a clean state` in a block: a gate the author
/// put between its lines. Returns the index (among `commands.lines()`) of the command the gate
/// reads (the first after the comment), after which the block stops for the captain's check,
/// and the check's words ("Continue only if git status reports a clean state"). `None` when
/// no command follows that command.
pub fn gate_line(commands: &str) -> Option<(usize, String)> {
    const GATES: &[&str] = &[
        "only continue below if ",
        "only continue if ",
        "continue only if ",
        "only proceed if ",
        "proceed only if ",
        "do not continue unless ",
        "don't continue unless ",
    ];
    let lines: Vec<&str> = commands.lines().collect();
    let (at, condition) = lines.iter().enumerate().find_map(|(i, l)| {
        let c = l.trim().strip_prefix('#')?.trim();
        let lower = c.to_ascii_lowercase();
        GATES.iter().find_map(|g| {
            let rest = lower.strip_prefix(g)?;
            let unless = g.ends_with("unless ");
            let said = c[c.len() - rest.len()..].trim_end_matches('.');
            Some((
                i,
                if unless {
                    format!("Continue only once {said}")
                } else {
                    format!("Continue only if {said}")
                },
            ))
        })
    })?;
    let is_command = |l: &&str| !l.trim().is_empty() && !l.trim_start().starts_with('#');
    let mut read = at + 1 + lines[at + 1..].iter().position(is_command)?;
    // The command ends where its `\\` continuations end.
    while lines[read].trim_end().ends_with('\\') && read + 1 < lines.len() {
        read += 1;
    }
    lines[read + 1..]
        .iter()
        .any(is_command)
        .then_some((read, condition))
}

/// The index (among `commands.lines()`) of the last line typed here when a block's comments
/// split it between two machines: `# Local` over commands, then `# Remote` over the ones
/// typed on the other machine.
pub fn remote_part(commands: &str) -> Option<usize> {
    let place = |line: &str| {
        let c = line.trim().strip_prefix('#')?;
        let c = c.trim().trim_end_matches(':').to_ascii_lowercase();
        let local = [
            "local",
            "locally",
            "on your machine",
            "on your laptop",
            "on local",
        ];
        let remote = [
            "remote",
            "on remote",
            "on the remote",
            "remotely",
            "on the server",
            "on the target",
            "on the target server",
            "on the remote server",
            "on the new server",
        ];
        if local.contains(&c.as_str()) {
            Some(false)
        } else if remote.contains(&c.as_str()) {
            Some(true)
        } else {
            None
        }
    };
    let mut local_seen = false;
    let mut commanded = false;
    for (i, line) in commands.lines().enumerate() {
        match place(line) {
            Some(false) => local_seen = true,
            Some(true) if local_seen && commanded && i > 0 => return Some(i - 1),
            _ => {
                commanded |= local_seen && !line.trim().is_empty() && !line.trim().starts_with('#')
            }
        }
    }
    None
}

/// `… &`: sent to the background, the script goes on.
fn backgrounded(line: &str) -> bool {
    let t = line.trim_end();
    t.ends_with('&') && !t.ends_with("&&")
}

/// Package-script words for work that finishes, whatever build it is for: `yarn deploy-dev`,
/// `npm run build:dev`, `pnpm run migrate:dev` end; `npm run dev` serves.
const FINISHES: &[&str] = &[
    "build", "deploy", "migrate", "test", "lint", "release", "publish", "seed", "compile",
];

fn statement_never_ends(statement: &str) -> bool {
    let words: Vec<&str> = statement.split_whitespace().collect();
    let p = program_index(&words);
    let program = words.get(p).copied().unwrap_or("");
    let rest = &words[(p + 1).min(words.len())..];
    let follows = rest
        .iter()
        .any(|w| matches!(*w, "-f" | "-F" | "--follow" | "-fn"));
    // `pnpm run clean-and-develop`, `npm run dev`, `yarn watch`: a package script that serves
    // or rebuilds on change runs until stopped.
    let script = match rest {
        ["run" | "run-script", name, ..] => Some(*name),
        [name, ..] if program == "yarn" || program == "pnpm" || program == "bun" => Some(*name),
        _ => None,
    };
    let serves = ["npm", "pnpm", "yarn", "bun"].contains(&program)
        && script.is_some_and(|name| {
            name.rsplit([':', '-'])
                .next()
                .is_some_and(|last| ["dev", "develop", "serve", "watch"].contains(&last))
                && !name.split([':', '-']).any(|part| FINISHES.contains(&part))
        });
    matches!(program, "watch")
        || serves
        || program == "tail" && follows
        || rest.contains(&"port-forward")
        || rest.contains(&"logs") && (follows || program == "pm2")
        || program == "pm2" && rest.first() == Some(&"monit")
        || program == "journalctl" && follows
}

/// A transcript of `git diff` with the diff it printed ("make sure to update `version.go`",
/// then `$ git diff version.go` and its hunks): the author shows the edit to make, which is
/// done by hand; running the `git diff` alone would only print an empty diff.
pub fn shows_an_edit(commands: &str, output: Option<&str>) -> bool {
    let mut lines = commands
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .peekable();
    let only_diffs = lines.peek().is_some() && lines.all(|l| l.starts_with("git diff"));
    only_diffs
        && output.is_some_and(|o| {
            o.lines().any(|l| l.starts_with("@@ ")) && o.lines().any(|l| l.starts_with("+++ "))
        })
}

/// What [`needs_a_person`] says of a block that opens a database shell and leaves it open:
/// the `sql` blocks after it are typed there.
pub const DATABASE_SHELL: &str = "opens an interactive database shell";

/// What [`needs_a_person`] says of a block whose last command opens an interactive shell on
/// this machine and leaves it open (`gds aws prod-admin --shell`, `aws-vault exec prod`,
/// `nix-shell`, `bash -l`): the commands after it need what that shell holds (credentials, an
/// environment), so the blocks after it are typed there.
pub const SUBSHELL: &str = "opens an interactive shell, which the steps after it are typed in";

/// Whether a command line opens an interactive shell and waits in it: a `--shell` flag at its
/// end, a credential or environment wrapper given no command to run, or a bare shell.
fn opens_a_subshell(words: &[&str]) -> bool {
    let p = program_index(words);
    let Some(&program) = words.get(p) else {
        return false;
    };
    let program = program.rsplit('/').next().unwrap_or(program);
    let args = &words[p + 1..];
    // `gds aws prod-admin --shell` (a flag with no value after it: not `useradd --shell
    // /bin/bash x`).
    if args.last() == Some(&"--shell") {
        return true;
    }
    // Wrappers that run the command after their own words, or a shell when there is none:
    // (program, subcommand, how many words they take before the command).
    const WRAPPERS: &[(&str, &str, usize)] = &[
        ("aws-vault", "exec", 1),
        ("poetry", "shell", 0),
        ("pipenv", "shell", 0),
        ("nix-shell", "", 0),
        ("nix", "develop", 0),
        // 2i2c's `deployer use-cluster-credentials CLUSTER`: a shell holding that cluster's
        // credentials, never a command.
        ("deployer", "use-cluster-credentials", 1),
    ];
    let words_only: Vec<&str> = args
        .iter()
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect();
    let runs = |w: &&str| matches!(*w, "--" | "-c" | "--command" | "--run");
    for &(tool, sub, takes) in WRAPPERS {
        if program != tool {
            continue;
        }
        let rest: &[&str] = if sub.is_empty() {
            &words_only
        } else if words_only.first() == Some(&sub) {
            &words_only[1..]
        } else {
            return false;
        };
        // (`nix-shell default.nix` names the environment; `aws-vault exec prod -- aws s3 ls`
        // and `nix-shell --run make` run a command.)
        let named = if sub.is_empty() && tool == "nix-shell" {
            1
        } else {
            takes
        };
        return !args.iter().any(runs) && rest.len() <= named;
    }
    // A bare shell, maybe a login one: `bash`, `bash -l`, `exec zsh --login`.
    ["bash", "zsh", "sh", "fish"].contains(&program)
        && args.iter().all(|a| matches!(*a, "-l" | "-i" | "--login"))
}

/// Why a block cannot run unattended, if it opens something that waits for a person: an
/// editor, a switch of user, a database or Redis shell fed by the lines after it, a program
/// that asks a question on the terminal ([`super::asks`]).
pub fn needs_a_person(commands: &str) -> Option<&'static str> {
    if at_a_repl_prompt(commands) {
        return Some("is typed at an interactive database or language prompt");
    }
    let lines: Vec<&str> = commands
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for (i, line) in lines.iter().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let p = program_index(&words);
        let Some(&program) = words.get(p) else {
            continue;
        };
        if INTERACTIVE.contains(&program) || INTERACTIVE.contains(&line.trim()) {
            return Some("opens an editor");
        }
        // `ll`, `la`: aliases only an interactive shell defines; `bash -c` knows no such
        // command, so the block is a listing to read.
        if matches!(program, "ll" | "la") {
            return Some("lists files with an alias only an interactive shell defines");
        }
        if program == "su" || *line == "sudo su" || *line == "sudo -i" || *line == "sudo -s" {
            return Some("switches user in an interactive shell");
        }
        let shell = ["psql", "mysql", "redis-cli", "sqlite3", "mongo", "mongosh"];
        let runs_a_command = words[p + 1..].iter().any(|w| {
            matches!(
                *w,
                "-c" | "-e" | "-f" | "--command" | "--execute" | "<" | "<<"
            ) || w.starts_with("--command=")
                || w.starts_with("<<")
        });
        // Fed by the lines after it, or left open for the next blocks to be typed in.
        let fed = lines.get(i + 1).is_some_and(|next| !is_command_line(next));
        // (`redis-cli flushall` runs its words; `psql appdb` opens a session on one.)
        let left_open = i + 1 == lines.len() && ["psql", "mysql"].contains(&program);
        if shell.contains(&program) && !runs_a_command && left_open {
            return Some(DATABASE_SHELL);
        }
        if shell.contains(&program) && !runs_a_command && fed {
            return Some("opens an interactive database shell fed by the lines after it");
        }
        // `kubectl exec -it pod -- bash`: a shell in a container, waiting for its user.
        // Also behind a wrapper: `gds aws prod -- kubectl exec -it jumpbox -- bash`.
        let exec = words
            .iter()
            .any(|w| ["kubectl", "oc", "docker", "podman"].contains(w))
            && words[p + 1..].contains(&"exec")
            && words[p + 1..]
                .iter()
                .any(|w| ["-it", "-ti", "--tty", "-t"].contains(w));
        let shell_last = words
            .last()
            .is_some_and(|w| ["bash", "sh", "zsh", "ash", "/bin/bash", "/bin/sh"].contains(w));
        if exec && shell_last {
            return Some("opens a shell in a container");
        }
        // The block's last statement, whole (not the last word of a `\`-continued line):
        // a bare shell only when it is the block's one line, not after commands that made it
        // (`chsh -s /bin/zsh`) and not `exec bash -l` reloading a profile.
        let continued = i > 0 && lines[i - 1].ends_with('\\');
        let bare_shell =
            ["bash", "zsh", "sh", "fish"].contains(&program.rsplit('/').next().unwrap_or(program));
        let reloads = bare_shell && (lines.len() > 1 || words.first() == Some(&"exec"));
        if i + 1 == lines.len() && !continued && !reloads && opens_a_subshell(&words) {
            return Some(SUBSHELL);
        }
    }
    super::asks::asks_on_a_terminal(commands)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_by_shape_whatever_the_tool() {
        for line in [
            "gds-cli aws govuk-production-admin -- aws rds describe-db-instances",
            "kafka-reassign-partitions.sh --zookeeper zk:2181 --execute",
            "./deploy.sh prod",
            "/usr/lib/postgresql/12/bin/pg_upgrade --check",
            "NEWVER=3.5.0",
            "FOO=1 make deploy",
            "sudo -u postgres psql",
            "git status",
            "mytool sync --all",
            "rever 23.9.0",
        ] {
            assert!(is_code_command(line), "{line}");
            assert!(is_command_line(line) || line == "rever 23.9.0", "{line}");
        }
        for line in [
            "{\"partitions\": []}",
            "NAME   READY   STATUS",
            "Error: connection refused",
            "2026-11-21 04:12:07 INFO started",
            "server-id = 1",
            "check state of all services",
            "config.yaml",
            "origin",
            "The database is now upgraded.",
            "at com.example.Main(Main.java:12)",
            "+----+-------+",
            "Current version: v2.13.0",
        ] {
            assert!(!is_command_line(line), "{line}");
        }
        assert!(!is_code_command("check state of all services"));
    }

    #[test]
    fn blocks_by_their_first_line_or_prompts() {
        assert_eq!(block_shape("kubectl get pods -n prod\n"), Shape::Commands);
        assert_eq!(block_shape("# only a note\n"), Shape::Comments);
        assert_eq!(block_shape("NAME READY\napi-0 1/1\n"), Shape::Output);
        assert_eq!(block_shape("{\"a\": 1}\n"), Shape::Output);
        assert_eq!(block_shape("$ ls -l\ntotal 0\n"), Shape::Commands);
        assert_eq!(block_shape("$\n"), Shape::Output);
        assert!(labelled_shell_is_output("{\n  \"acknowledged\": true\n}\n"));
        assert!(!labelled_shell_is_output("mytool go\n"));
    }

    #[test]
    fn prompt_forms() {
        let (c, out) = prompt_split(
            "server1:# mysql -e 'show slave status'\nSlave_IO_Running: Yes\n[root@db tmp]# ls\n(rever) $ rever 23.9.0\nuser@host:~/x$ make \\\n> all\n",
            true,
        );
        assert_eq!(
            c,
            "mysql -e 'show slave status'\nls\nrever 23.9.0\nmake \\\nall\n"
        );
        assert_eq!(out.as_deref(), Some("Slave_IO_Running: Yes"));
        // `# ` is a prompt only without other prompts and before a command.
        let (c, _) = prompt_split(
            "# Parameterize the environment\n# kubectl -n rook get pods\n",
            true,
        );
        assert_eq!(c, "kubectl -n rook get pods\n");
        let (c, out) = prompt_split("$ make release\n# make sure the notes are ready\n", true);
        assert_eq!(c, "make release\n");
        assert_eq!(out.as_deref(), Some("# make sure the notes are ready"));
    }

    #[test]
    fn a_gate_comment_stops_a_block_after_the_command_it_reads() {
        let code = "# only continue below if git status reports a clean state\ngit status\n\n# generate\ndeployer generate\n";
        assert_eq!(
            gate_line(code),
            Some((
                1,
                "Continue only if git status reports a clean state".into()
            ))
        );
        assert_eq!(
            gate_line("# continue only if it is green\nmake check\n"),
            None
        );
        assert_eq!(gate_line("git status\n# generate\nmake\n"), None);
        assert_eq!(
            gate_line("# only continue if all pods run\nkubectl get pods \\\n  -n prod\nmake\n")
                .map(|(at, _)| at),
            Some(2)
        );
    }

    #[test]
    fn what_waits_for_a_person() {
        assert!(needs_a_person("nano /etc/postgresql/12/main/postgresql.conf\n").is_some());
        assert!(needs_a_person("sudo su\napt update\n").is_some());
        assert!(needs_a_person("sudo -u postgres psql\nSELECT 1;\n\\q\n").is_some());
        assert!(needs_a_person("psql -c 'select 1'\n").is_none());
        assert!(needs_a_person("redis-cli flushall\n").is_none());
        // A session left open for the blocks after it; a shell in a container.
        assert_eq!(
            needs_a_person("psql --host db.internal appdb\n"),
            Some(DATABASE_SHELL)
        );
        assert!(needs_a_person("gds aws prod -- kubectl exec -it box -- bash\n").is_some());
        assert!(needs_a_person("kubectl exec box -- ls /data\n").is_none());
        // Fed and closed in the same block: nothing is left open for the blocks after it.
        assert_ne!(
            needs_a_person("psql -h db appdb\nSELECT 1;\n\\q\n"),
            Some(DATABASE_SHELL)
        );
        assert!(needs_a_person("kubectl get pods\n").is_none());
        // A shell left open on this machine, with what it holds: the blocks after it are typed
        // there.
        for open in [
            "gds aws govuk-prod-admin --shell\n",
            "aws-vault exec prod\n",
            "aws-vault exec --duration=1h prod\n",
            "nix-shell\n",
            "poetry shell\n",
            "bash -l\n",
        ] {
            assert_eq!(needs_a_person(open), Some(SUBSHELL), "{open}");
        }
        for runs in [
            "aws-vault exec prod -- aws s3 ls\n",
            "nix-shell --run make\n",
            "useradd --shell /bin/bash deploy\n",
            "bash deploy.sh\n",
            "gds aws govuk-prod-admin --shell\nexit\n",
        ] {
            assert_ne!(needs_a_person(runs), Some(SUBSHELL), "{runs}");
        }
        assert!(needs_a_person("cd /var/lib/backups\nll\n").is_some());
        assert!(needs_a_person("ls -l /var/lib/backups\n").is_none());
        assert!(needs_a_person("mysql> FLUSH TABLES WITH READ LOCK;\n").is_some());
        assert!(never_ends("sudo tail -f /var/log/syslog\n"));
        assert!(never_ends("kubectl -n x port-forward svc/db 5432\n"));
        assert!(never_ends("pm2 logs\n") && never_ends("watch kubectl get pods\n"));
        assert!(!never_ends("tail -n 50 app.log\nkubectl logs api-0\n"));
        assert!(never_ends(
            "systemctl status pg && tail -f /var/log/pg.log\n"
        ));
        assert!(never_ends("pnpm reload && pm2 logs\n") && never_ends("pm2 monit\n"));
        assert!(never_ends("pnpm run clean-and-develop\n") && never_ends("npm run dev\n"));
        assert!(never_ends("yarn watch\n") && never_ends("npm run docs:serve\n"));
        assert!(!never_ends("pnpm run build\n") && !never_ends("npm run develop-docs-build\n"));
        assert_eq!(
            tunnel_line("cd x\nkubectl port-forward pod/a 6060\ncurl localhost:6060\n"),
            Some(1)
        );
        assert_eq!(tunnel_line("watch -n 5 '\nkubectl port-forward x'\n"), None);
        assert!(!never_ends(
            "kubectl port-forward svc/db 5432 &\npsql -h localhost\n"
        ));
    }
}
