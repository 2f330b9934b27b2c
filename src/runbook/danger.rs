//! The one list of what makes a step dangerous enough to ask for confirmation before it runs.
//!
//! Rules match sequences of lowercased words in each shell statement (see [`words`]), so that
//! `psql -c "DROP TABLE t"` and `kubectl -n prod delete pod x` are both found.

use crate::runbook::inputs::strip_shell_comments;
use crate::runbook::words::{
    Starts, find_word_start, lines_with, statements, word_starts_with_any, words, words_iter,
};

/// Objects whose `DROP` loses data or breaks clients.
const DROPPABLE: &[&str] = &[
    "table",
    "database",
    "schema",
    "index",
    "column",
    "view",
    "materialized",
    "function",
    "type",
    "role",
    "user",
    "owned",
    "extension",
    "trigger",
    "sequence",
    "constraint",
    "publication",
    "subscription",
];

/// Words that start a rule in [`command_danger`] (up to `db`), a migration in
/// [`is_migration`] (from `db` to `alembic`) or a statement that may change every row (the
/// last two): a line without one at a word start is harmless.
const HINTS: &[&[u8]] = &[
    b"drop",
    b"truncate",
    b"rm",
    b"kubectl",
    b"helm",
    b"terraform",
    b"push",
    b"reset",
    b"docker",
    b"podman",
    b"dd",
    b"s3",
    b"gsutil",
    b"--force",
    b"mkfs",
    b"db",
    b"migrat",
    b"index",
    b"alter",
    b"alembic",
    b"delete",
    b"update",
];
const _: () = assert!(
    HINTS[15][0] == b'd' && HINTS[15][1] == b'b' && HINTS[20][0] == b'd',
    "`db` is shared at 15, the writes start at 20"
);
const HINT_STARTS: Starts = Starts::new(HINTS);
const RULE_STARTS: Starts = Starts::new(HINTS.split_at(16).0);
const MIGRATION_HINTS: Starts = Starts::new(HINTS.split_at(20).0.split_at(15).1);
const WRITES: Starts = Starts::new(HINTS.split_at(20).1);

/// Whether a line may hold a word that [`may_be_dangerous`] looks for, checked on its bytes
/// so that most lines skip the word split.
fn may_start_a_rule(line: &str) -> bool {
    word_starts_with_any(line, &RULE_STARTS)
}

/// The offset of a `…:migrate` task in `text`, in any case.
fn migrate_task(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    memchr::memchr_iter(b':', b).find(|&i| {
        b.get(i + 1..i + 8)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"migrate"))
    })
}

/// Whether a statement holds a word that starts some rule below; most do not, and are
/// skipped without collecting their words.
fn may_be_dangerous(statement: &str) -> bool {
    words_iter(statement).any(|x| {
        matches!(
            x,
            "drop"
                | "truncate"
                | "dropdb"
                | "rm"
                | "kubectl"
                | "helm"
                | "terraform"
                | "push"
                | "reset"
                | "docker"
                | "podman"
                | "dd"
                | "s3"
                | "gsutil"
                | "db"
        ) || x.starts_with("--force")
            || x.starts_with("mkfs")
    })
}

/// Why running `code` needs confirmation, or `None`. `shell` says whether `#` starts a comment
/// (else `--` does); `in_production` whether the step's phase is about production, which makes
/// any migration in it dangerous even when the command line does not name its target.
pub fn danger_reason(code: &str, shell: bool, in_production: bool) -> Option<String> {
    if shell {
        danger_in(&strip_shell_comments(code), in_production)
    } else {
        danger_in(&strip_sql_comments(code), in_production)
    }
}

/// [`danger_reason`] of code whose comments are already blanked, so that a shell block is
/// stripped once for both these rules and its inputs. Only the lines that hold a rule's first
/// word are lowercased and split into words.
pub fn danger_in(text: &str, in_production: bool) -> Option<String> {
    let mut migration_line = None;
    // Lines before the next hint word or `…:migrate` task need no closer look. `delete` and
    // `update` are hints too, so the lines read are all that can tell whether one is there.
    let mut writes = false;
    let mut hints = |from| find_word_start(text, from, &HINT_STARTS);
    let mut tasks = |from: usize| Some(from + migrate_task(text.get(from..)?)?);
    for line in lines_with(text, [&mut hints, &mut tasks]) {
        let line = line.to_ascii_lowercase();
        writes = writes || word_starts_with_any(&line, &WRITES);
        let candidates = if may_start_a_rule(&line) {
            statements(&line)
        } else {
            statements("")
        };
        for statement in candidates {
            if !may_be_dangerous(statement) {
                continue;
            }
            if let Some(why) = command_danger(&words(statement)) {
                return Some(format!("{why} (`{}`)", shorten(statement)));
            }
        }
        if migration_line.is_none()
            && has_migration_hint(&line)
            && is_migration(&words(&line))
            && (in_production || names_production(&line))
        {
            migration_line = Some(line);
        }
    }
    // Only statements with a `delete` or `update` word can change every row; they may span
    // lines, so the whole text is read, and only when such a word is in it.
    let may_write = |s: &str| word_starts_with_any(s, &WRITES);
    if writes {
        let lower = text.to_ascii_lowercase();
        if let Some(stmt) = lower
            .split(';')
            .find(|s| may_write(s) && changes_every_row(&words(s)))
        {
            return Some(format!("changes every row: no WHERE (`{}`)", shorten(stmt)));
        }
    }
    migration_line.map(|line| format!("changes a production database (`{}`)", shorten(&line)))
}

/// Whether a line may hold a word that [`is_migration`] looks for: `db`, `migrat…`, `index`,
/// `alter` or `alembic` at a word start, or a `…:migrate` task.
fn has_migration_hint(line: &str) -> bool {
    word_starts_with_any(line, &MIGRATION_HINTS) || migrate_task(line).is_some()
}

/// Schema changes and migration tools, dangerous when they target production.
fn is_migration(w: &[&str]) -> bool {
    has_seq(w, &["db", "push"])
        || has_seq(w, &["db", "execute"])
        || has_seq(w, &["migration", "up"])
        || has_seq(w, &["alembic", "upgrade"])
        || has_seq(w, &["create", "index"])
        || has_seq(w, &["drop", "index"])
        || has_seq(w, &["alter", "table"])
        || w.iter().any(|x| *x == "migrate" || x.ends_with(":migrate"))
}

/// The rule a single statement breaks, if any.
fn command_danger(w: &[&str]) -> Option<&'static str> {
    let has = |x: &str| w.contains(&x);
    let after = |cmd: &str, sub: &[&str]| {
        w.iter()
            .position(|x| *x == cmd)
            .is_some_and(|i| w[i + 1..].iter().any(|x| sub.contains(x)))
    };
    if w.windows(2)
        .any(|p| p[0] == "drop" && DROPPABLE.contains(&p[1]))
    {
        return Some("drops a database object");
    }
    if has("truncate") {
        return Some("truncates a table");
    }
    if has("dropdb") {
        return Some("drops a database");
    }
    if let Some(i) = w.iter().position(|x| *x == "rm") {
        let recursive = w[i + 1..]
            .iter()
            .take_while(|x| x.starts_with('-'))
            .any(|f| {
                *f == "--recursive"
                    || (!f.starts_with("--") && (f.contains('r') || f.contains('R')))
            });
        if recursive {
            return Some("removes files recursively");
        }
    }
    if after("kubectl", &["delete", "drain"]) {
        return Some("deletes or drains Kubernetes resources");
    }
    if has("kubectl") && has("scale") && (has("--replicas=0") || has_seq(w, &["--replicas", "0"])) {
        return Some("scales a workload to zero");
    }
    if has_seq(w, &["helm", "uninstall"]) || has_seq(w, &["helm", "delete"]) {
        return Some("uninstalls a Helm release");
    }
    if has_seq(w, &["terraform", "destroy"])
        || (has_seq(w, &["terraform", "apply"]) && has("-destroy"))
    {
        return Some("destroys infrastructure");
    }
    if w.iter().any(|x| x.starts_with("--force")) || has_seq(w, &["push", "-f"]) {
        return Some("forces past a safety check");
    }
    if has_seq(w, &["reset", "--hard"]) {
        return Some("discards git history");
    }
    if (has("docker") || has("podman"))
        && (has("system") || has("volume") || has("image"))
        && has("prune")
    {
        return Some("prunes container data");
    }
    if w.iter().any(|x| x.starts_with("mkfs"))
        || (has("dd") && w.iter().any(|x| x.starts_with("if=")))
    {
        return Some("overwrites a disk");
    }
    if (has_seq(w, &["s3", "rm"]) || has_seq(w, &["s3", "rb"])) && has("--recursive")
        || has_seq(w, &["gsutil", "rm"]) && has("-r")
    {
        return Some("deletes buckets or objects recursively");
    }
    if has_seq(w, &["db", "reset"]) && !has("--local") {
        return Some("resets a database");
    }
    None
}

/// `DELETE FROM t` or `UPDATE t SET …` with no `WHERE`.
fn changes_every_row(w: &[&str]) -> bool {
    let delete = has_seq(w, &["delete", "from"]);
    let update = w.windows(3).any(|p| p[0] == "update" && p[2] == "set");
    (delete || update) && !w.contains(&"where")
}

fn has_seq(w: &[&str], seq: &[&str]) -> bool {
    w.windows(seq.len()).any(|p| p == seq)
}

/// Whether a title or target names production (`prod`, `PRODUCTION_DB_URL`, `live`).
pub fn names_production(text: &str) -> bool {
    // Runs of ASCII letters and digits, on bytes: every byte of another character separates.
    text.as_bytes()
        .split(|b| !b.is_ascii_alphanumeric())
        .any(|t| {
            [&b"prod"[..], b"production", b"prd", b"live"]
                .iter()
                .any(|p| t.eq_ignore_ascii_case(p))
        })
}

fn shorten(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn strip_sql_comments(code: &str) -> String {
    code.lines()
        .map(|l| l.find("--").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::{danger_reason, names_production};

    #[test]
    fn destructive_commands() {
        for code in [
            "psql -c 'DROP TABLE users'",
            "TRUNCATE audit_log;",
            "rm -rf /var/lib/app",
            "rm -fr build",
            "sudo rm -r /srv/old",
            "kubectl -n prod delete pod api-0",
            "terraform destroy -auto-approve",
            "git push --force origin main",
            "DELETE FROM sessions;",
            "update users set admin = true;",
            "supabase db push --db-url $PRODUCTION_DB_URL",
            "supabase db reset --env preview",
            "helm uninstall api",
            "kubectl scale deploy/api --replicas=0",
            "echo ok && git reset --hard origin/main",
            "docker system prune -af",
            "echo start\nKUBECTL -n prod \\\n  DELETE deploy api\n",
            "rails db:migrate RAILS_ENV=production",
        ] {
            assert!(danger_reason(code, true, false).is_some(), "{code}");
        }
        // A `delete` after another hint word on its line, and one on a continued line.
        for code in [
            "kubectl get pods; psql -c \"DELETE FROM sessions\"",
            "echo ok\npsql -c \\\n  \"delete from sessions\"\n",
        ] {
            let why = danger_reason(code, true, false).unwrap_or_default();
            assert!(why.starts_with("changes every row"), "{code}: {why}");
        }
    }

    #[test]
    fn harmless_commands() {
        for code in [
            "echo done",
            "DELETE FROM sessions WHERE expires < now();",
            "kubectl apply -f deploy.yaml",
            "# rm -rf / would be bad",
            "supabase db push --project-ref staging",
            "rm build.log",
            "select * from pg_stat_progress_create_index",
            "supabase db reset --local --yes",
            "npm run test:smoke -- --env production",
            "echo 'Dropping is not done here'",
        ] {
            assert_eq!(danger_reason(code, true, false), None, "{code}");
        }
        assert_eq!(
            danger_reason("-- DROP TABLE x\nselect 1", false, false),
            None
        );
    }

    #[test]
    fn migrations_are_dangerous_in_production() {
        assert!(danger_reason("supabase db push", true, true).is_some());
        assert!(danger_reason("supabase db push", true, false).is_none());
        let psql = "psql $SUPABASE_PROD_URL -c \"CREATE INDEX CONCURRENTLY i ON t(c);\"";
        let why = danger_reason(psql, true, false).expect("dangerous");
        assert!(why.starts_with("changes a production database"), "{why}");
        assert!(danger_reason("create index i on t(c)", false, false).is_none());
    }

    #[test]
    fn production_names() {
        assert!(names_production("$SUPABASE_PROD_URL") && names_production("Deploy (Production)"));
        assert!(!names_production("Product owners") && !names_production("deliver"));
    }
}
