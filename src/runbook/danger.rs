//! The one list of what makes a step dangerous enough to ask for confirmation before it runs.

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};

use crate::runbook::inputs::strip_shell_comments;

/// Patterns of destructive commands, each with the reason shown to the captain.
const PATTERNS: &[(&str, &str)] = &[
    (
        r"\bdrop\s+(table|database|schema|index|column|view|materialized\s+view|function|type|role|user|owned|extension|trigger|sequence|constraint|publication|subscription)\b",
        "drops a database object",
    ),
    (r"\btruncate\b", "truncates a table"),
    (r"\bdropdb\b", "drops a database"),
    (
        r"\brm\s+(-\w*r\w*f\w*|-\w*f\w*r\w*|-r\s+-f|-f\s+-r|--recursive\s+--force|--force\s+--recursive|-rf?\b)",
        "removes files recursively",
    ),
    (
        r"\bkubectl\b[^\n;&|]*\s(delete|drain)\b",
        "deletes or drains Kubernetes resources",
    ),
    (
        r"\bkubectl\b[^\n;&|]*\bscale\b[^\n;&|]*--replicas[= ]0\b",
        "scales a workload to zero",
    ),
    (
        r"\bhelm\s+(uninstall|delete)\b",
        "uninstalls a Helm release",
    ),
    (
        r"\bterraform\s+(destroy|apply\b[^\n]*-destroy)\b",
        "destroys infrastructure",
    ),
    (r"--force\b|\bpush\s+-f\b", "forces past a safety check"),
    (r"\bgit\s+reset\s+--hard\b", "discards git history"),
    (
        r"\b(docker|podman)\s+(system|volume|image)\s+prune\b",
        "prunes container data",
    ),
    (r"\bmkfs\b|\bdd\s+if=", "overwrites a disk"),
    (
        r"\baws\s+s3\s+(rm|rb)\b[^\n]*--recursive|\bgsutil\s+(-m\s+)?rm\s+-r",
        "deletes buckets or objects recursively",
    ),
];

static COMPILED: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .map(|(p, why)| {
            (
                RegexBuilder::new(p)
                    .case_insensitive(true)
                    .build()
                    .expect("static regex"),
                *why,
            )
        })
        .collect()
});

static STATEMENT_WITHOUT_WHERE: LazyLock<Regex> = LazyLock::new(|| {
    RegexBuilder::new(r"\b(delete\s+from|update\s+[\w.]+\s+set)\b[^;]*")
        .case_insensitive(true)
        .build()
        .expect("static regex")
});

static MIGRATION: LazyLock<Regex> = LazyLock::new(|| {
    RegexBuilder::new(r"\b(db\s+push|migrate(\s+deploy|\s+up)?|migration\s+up|db\s+execute|alembic\s+upgrade|(create|drop)\s+index|alter\s+table)\b[^\n]*")
        .case_insensitive(true)
        .build()
        .expect("static regex")
});

static PRODUCTION: LazyLock<Regex> = LazyLock::new(|| {
    RegexBuilder::new(r"(\b|_)(prod|production|prd|live)(\b|_)")
        .case_insensitive(true)
        .build()
        .expect("static regex")
});

static DB_RESET: LazyLock<Regex> = LazyLock::new(|| {
    RegexBuilder::new(r"\bdb\s+reset\b[^\n]*")
        .case_insensitive(true)
        .build()
        .expect("static regex")
});

/// Whether a title or target names production (`prod`, `PRODUCTION_DB_URL`, `live`).
pub fn names_production(text: &str) -> bool {
    PRODUCTION.is_match(text)
}

/// Why running `code` needs confirmation, or `None`. `shell` says whether `#` starts a comment;
/// `in_production` whether the step's phase is about production, which makes any migration in
/// it dangerous even when the command line does not name its target.
pub fn danger_reason(code: &str, shell: bool, in_production: bool) -> Option<String> {
    let text = if shell {
        strip_shell_comments(code)
    } else {
        strip_sql_comments(code)
    };
    for (re, why) in COMPILED.iter() {
        if let Some(m) = re.find(&text) {
            return Some(format!("{why} (`{}`)", m.as_str().trim()));
        }
    }
    for m in STATEMENT_WITHOUT_WHERE.find_iter(&text) {
        if !m.as_str().to_ascii_lowercase().contains("where") {
            let head: String = m
                .as_str()
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ");
            return Some(format!("changes every row: no WHERE (`{head}`)"));
        }
    }
    if let Some(m) = DB_RESET
        .find(&text)
        .filter(|m| !m.as_str().contains("--local"))
    {
        return Some(format!("resets a database (`{}`)", shorten(m.as_str())));
    }
    MIGRATION
        .find_iter(&text)
        .find(|m| in_production || names_production(line_around(&text, m.start())))
        .map(|m| format!("changes a production database (`{}`)", shorten(m.as_str())))
}

fn line_around(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
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
    use super::danger_reason;

    #[test]
    fn destructive_commands() {
        for code in [
            "psql -c 'DROP TABLE users'",
            "TRUNCATE audit_log;",
            "rm -rf /var/lib/app",
            "rm -fr build",
            "kubectl -n prod delete pod api-0",
            "terraform destroy -auto-approve",
            "git push --force origin main",
            "DELETE FROM sessions;",
            "update users set admin = true;",
            "supabase db push --db-url $PRODUCTION_DB_URL",
            "supabase db reset --env preview",
            "helm uninstall api",
            "kubectl scale deploy/api --replicas=0",
        ] {
            assert!(danger_reason(code, true, false).is_some(), "{code}");
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
        ] {
            assert_eq!(danger_reason(code, true, false), None, "{code}");
        }
        assert_eq!(
            danger_reason("-- DROP TABLE x\nselect 1", false, false),
            None
        );
        assert_eq!(
            danger_reason("supabase db reset --local --yes", true, false),
            None
        );
    }

    #[test]
    fn migrations_are_dangerous_in_production() {
        assert!(danger_reason("supabase db push", true, true).is_some());
        assert!(danger_reason("supabase db push", true, false).is_none());
        assert!(
            danger_reason(
                "psql $SUPABASE_PROD_URL -c \"CREATE INDEX CONCURRENTLY i ON t(c);\"",
                true,
                false
            )
            .is_some()
        );
        assert!(danger_reason("create index i on t(c)", false, false).is_none());
        assert!(danger_reason("npm run test:smoke -- --env production", true, false).is_none());
    }
}
