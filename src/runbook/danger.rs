//! The one list of what makes a step dangerous enough to ask for confirmation before it runs.
//!
//! [`RULES`] is that list, as data: each rule is the reason the captain reads ("drops a
//! PostgreSQL cluster") and a pattern over the words of one shell statement. A shell block is
//! read as logical lines, split into statements at `;`, `&&`, `|`, … (see `words.rs`), and each
//! statement into words with their quotes trimmed, so that `psql -c "DROP TABLE t"` and
//! `kubectl -n prod delete pod x` are both found. A `sql` block is split at `;` only (its
//! statements span lines) and goes through the same rules. The first rule a statement breaks
//! is the step's reason; a statement that is a rehearsal (`--dry-run`, `--dryrun`) breaks none.
//!
//! # Patterns
//!
//! A pattern is words separated by spaces; each matches one word of the statement, and they
//! must come in this order, next to each other:
//!
//! - `...` between two words lets any number of words (none too) come between them:
//!   `kubectl ... delete` matches `kubectl -n prod delete pod x`.
//! - `a|b|c` is any one of these words: `helm ... uninstall|delete`.
//! - `*` in a word stands for any text, once: `--force*`, `*=0`, `delete-*`, `of=*`.
//! - `-[rR]` is a cluster of short options holding one of these letters: `-rf`, `-fR`, `-r`.
//! - A word that begins with `-` is an option and matches in its exact case (`-D` is not `-d`,
//!   `-c` is not `-C`); other words ignore ASCII case (`DROP` is `drop`) and also match the last
//!   part of a path (`/usr/lib/postgresql/16/bin/pg_upgrade` is `pg_upgrade`).
//! - The first word may come anywhere in the statement (after `sudo`, `env X=1`, options…).
//!
//! An option written with its value, `--replicas=0` or `-target=x`, is read as two words
//! (`--replicas 0`), so that a pattern says either form once. A rule may also name words that
//! make the statement harmless after all (`unless`): `db reset` unless `--local`.
//!
//! Besides the rules, two checks read more than one statement: `DELETE` or `UPDATE` without
//! `WHERE` (over the whole text split at `;`, so that a statement may span lines), and
//! migrations (`MIGRATIONS`), dangerous when the phase or the line names production.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::runbook::inputs::strip_shell_comments;
use crate::runbook::words::{logical_lines, statements, words_iter};

/// A destructive command: what the captain is told, and the words that give it away.
pub struct Rule {
    /// Why the step asks for confirmation, shown to the captain.
    pub why: &'static str,
    /// The words of a statement that make it this command (see the module doc).
    pub pattern: &'static str,
    /// A pattern that, when the statement matches it too, makes it harmless; empty for none.
    pub unless: &'static str,
}

const fn rule(why: &'static str, pattern: &'static str) -> Rule {
    Rule {
        why,
        pattern,
        unless: "",
    }
}

impl Rule {
    const fn unless(self, unless: &'static str) -> Rule {
        Rule { unless, ..self }
    }
}

/// Every destructive command flightdeck knows, the specific before the general: the first rule
/// a statement breaks gives its reason. Each reason is said by one rule only, and the tests
/// hold an example for each.
pub const RULES: &[Rule] = &[
    // SQL, in `sql` blocks and inside `psql -c "…"`, `mysql -e "…"` and heredocs alike.
    rule(
        "drops a column or constraint from a table",
        "alter table ... drop",
    )
    .unless("drop not|default|identity|expression"),
    rule(
        "drops a database object",
        "drop table|database|schema|index|column|view|materialized|function|procedure|type|domain|role|user|owned|extension|trigger|sequence|constraint|publication|subscription|tablespace|policy|foreign",
    ),
    // Not the shell's `truncate -s 0 file`.
    rule("truncates a table", "truncate").unless("truncate -[rs]|--size|--reference"),
    // `RESET MASTER`, or `RESET BINARY LOGS AND GTIDS` since MySQL 8.4; not `git reset master`.
    rule(
        "deletes every binary log (RESET MASTER)",
        "reset master|binary",
    )
    .unless("git"),
    rule(
        "discards a replica's relay logs and position (RESET REPLICA)",
        "reset slave|replica",
    )
    .unless("git"),
    // PostgreSQL's tools.
    rule("drops a PostgreSQL database or role", "dropdb|dropuser"),
    rule("drops a PostgreSQL cluster and its data", "pg_dropcluster"),
    rule(
        "restores over a database, dropping its objects first (--clean)",
        "pg_restore ... --clean|-c",
    ),
    // A `--clean` dump exists to be restored over a database: `pg_dump --clean … | psql …`.
    rule(
        "writes a dump that drops objects when it is restored (--clean)",
        "pg_dump|pg_dumpall ... --clean|-c",
    ),
    rule(
        "resets PostgreSQL's write-ahead log, which can lose data",
        "pg_resetwal|pg_resetxlog",
    )
    .unless("-n"),
    rule(
        "upgrades by hard links: the old cluster cannot be started again",
        "pg_upgrade ... --link|-k|--swap",
    )
    .unless("--check|-c"),
    // MySQL's tools (its SQL is above).
    rule("drops a MySQL database", "mysqladmin ... drop"),
    // Redis, from `redis-cli` or its prompt.
    rule(
        "deletes every key in Redis (FLUSHALL, FLUSHDB)",
        "flushall|flushdb",
    ),
    rule("stops Redis without saving its data", "shutdown nosave"),
    // Kafka's scripts, with or without `.sh`.
    rule(
        "deletes Kafka topics",
        "kafka-topics|kafka-topics.sh ... --delete",
    ),
    rule(
        "resets or deletes Kafka consumer group offsets",
        "kafka-consumer-groups|kafka-consumer-groups.sh ... --execute|--delete|--delete-offsets",
    ),
    rule(
        "deletes Kafka records",
        "kafka-delete-records|kafka-delete-records.sh",
    ),
    // Kubernetes, OpenShift and Helm.
    rule(
        "scales a Kubernetes workload to zero",
        "kubectl|oc ... scale ... --replicas 0",
    ),
    rule(
        "deletes and recreates Kubernetes resources (replace --force)",
        "kubectl|oc ... replace ... --force",
    ),
    rule(
        "deletes Kubernetes resources missing from the applied files (--prune)",
        "kubectl|oc ... apply ... --prune",
    ),
    rule(
        "deletes or drains Kubernetes resources",
        "kubectl|oc ... delete|drain",
    ),
    rule(
        "uninstalls a Helm release",
        "helm ... uninstall|delete|del|un",
    )
    .unless("helm ... plugin"),
    rule(
        "deletes an EKS cluster or node group (eksctl)",
        "eksctl ... delete",
    ),
    // Terraform, OpenTofu and Terragrunt. A plan changes nothing.
    rule(
        "destroys infrastructure",
        "terraform|tofu|terragrunt ... destroy|-destroy",
    )
    .unless("plan"),
    rule(
        "removes or overwrites Terraform state",
        "terraform|tofu|terragrunt ... state rm|push",
    ),
    rule(
        "unlocks Terraform state another run may hold",
        "terraform|tofu|terragrunt ... force-unlock",
    ),
    rule(
        "destroys and recreates a resource (taint, -replace)",
        "terraform|tofu|terragrunt ... taint|-replace",
    )
    .unless("plan"),
    rule(
        "deletes a Terraform workspace",
        "terraform|tofu|terragrunt ... workspace delete",
    ),
    // AWS: the specific commands first, then any `delete-…` or `terminate-…`.
    rule(
        "deletes S3 objects recursively",
        "aws ... s3 rm ... --recursive",
    ),
    rule("removes an S3 bucket", "aws ... s3 rb"),
    rule(
        "deletes S3 objects missing from the sync source",
        "aws ... s3 sync ... --delete",
    ),
    rule(
        "deletes an RDS database",
        "aws ... rds delete-db-instance|delete-db-cluster|delete-global-cluster",
    ),
    rule(
        "terminates EC2 instances",
        "aws ... ec2 terminate-instances",
    ),
    rule(
        "deletes an EKS cluster or node group",
        "aws ... eks delete-cluster|delete-nodegroup|delete-fargate-profile",
    ),
    rule(
        "scales an ECS service to zero",
        "aws ... ecs ... --desired-count 0",
    ),
    rule(
        "scales an auto scaling group to zero",
        "aws ... autoscaling ... --desired-capacity|--max-size 0",
    ),
    rule(
        "deletes an AWS resource",
        "aws ... delete-*|terminate-*|batch-delete-*|purge-*",
    ),
    // Google Cloud.
    rule(
        "deletes Cloud Storage objects recursively",
        "gsutil|gcloud ... rm ... -[rR]|--recursive",
    ),
    rule("removes a Cloud Storage bucket", "gsutil ... rb"),
    rule(
        "deletes Cloud Storage objects missing from the sync source",
        "gsutil|gcloud ... rsync ... -[d]|--delete-unmatched-destination-objects",
    ),
    rule(
        "restores a backup over a Cloud SQL instance",
        "gcloud ... sql ... restore|restore-backup",
    ),
    rule(
        "resizes a Google Cloud cluster or instance group to zero",
        "gcloud ... resize ... --num-nodes|--size 0",
    ),
    rule("deletes a Google Cloud resource", "gcloud ... delete"),
    // Azure.
    rule(
        "deletes an Azure resource group and all it holds",
        "az ... group delete",
    ),
    rule(
        "scales an Azure cluster or scale set to zero",
        "az ... scale ... --node-count|--new-capacity 0",
    ),
    rule(
        "deletes an Azure resource",
        "az ... delete|delete-batch|purge",
    ),
    // DigitalOcean.
    rule("deletes a DigitalOcean resource", "doctl ... delete|rm"),
    // Heroku.
    rule("destroys a Heroku app", "heroku ... apps:destroy|destroy"),
    rule("resets a Heroku Postgres database", "heroku ... pg:reset"),
    rule(
        "overwrites a Heroku Postgres database (pg:copy, pg:backups:restore)",
        "heroku ... pg:copy|pg:backups:restore",
    ),
    rule(
        "destroys a Heroku add-on and its data",
        "heroku ... addons:destroy|addons:remove",
    ),
    rule(
        "scales Heroku dynos to zero",
        "heroku ... ps:scale|scale ... *=0",
    ),
    // Fly.io.
    rule(
        "scales Fly.io machines to zero",
        "fly|flyctl ... scale count ... 0|*=0",
    ),
    rule(
        "destroys a Fly.io app, machine or volume",
        "fly|flyctl ... destroy",
    ),
    // Vercel.
    rule(
        "removes Vercel deployments, projects or settings",
        "vercel ... rm|remove",
    ),
    // Docker, Podman and Compose.
    rule(
        "scales a container service to zero",
        "docker|podman|docker-compose|podman-compose ... scale|--scale ... *=0",
    ),
    rule(
        "deletes container volumes",
        "docker|podman ... volume rm|remove|prune",
    ),
    rule(
        "removes containers with their volumes",
        "docker|podman|docker-compose|podman-compose ... rm|down ... -[v]|--volumes",
    ),
    rule(
        "prunes container data",
        "docker|podman ... system|image|container prune",
    ),
    // Git: what rewrites or deletes what others share, and local work lost for good.
    rule(
        "force-pushes, rewriting a remote branch",
        "git ... push ... --force*|-[f]|+*",
    ),
    rule(
        "deletes remote branches or tags",
        "git ... push ... --delete|-[d]|--mirror|--prune|:*",
    ),
    rule(
        "discards uncommitted work (reset --hard)",
        "git ... reset ... --hard",
    ),
    rule(
        "deletes untracked files (git clean)",
        "git ... clean ... -[f]|--force",
    )
    .unless("-[n]"),
    rule(
        "deletes an unmerged branch (branch -D)",
        "git ... branch ... -[D]",
    ),
    rule(
        "deletes a GitHub repository, release or asset",
        "gh ... delete|delete-asset",
    ),
    // Package registries: a version unpublished or yanked cannot be published again.
    rule("unpublishes an npm package", "npm|yarn|pnpm ... unpublish"),
    rule(
        "publishes a package version, which can never be published again",
        "npm|yarn|pnpm|cargo|poetry|gem ... publish|push",
    )
    .unless("gem ... push ... --help"),
    rule("yanks a published gem", "gem ... yank"),
    // Application frameworks' database tasks.
    rule(
        "drops or reloads a Rails database",
        "rails|rake ... db:drop|db:reset|db:purge|db:schema:load|db:truncate_all",
    ),
    rule(
        "resets a database and reapplies its migrations (prisma migrate reset)",
        "prisma ... migrate reset",
    ),
    rule(
        "deletes every row in the database (Django flush)",
        "manage.py|django-admin ... flush",
    ),
    // `supabase db reset` and the like: only a local database may be reset without asking.
    rule("resets a database", "db reset").unless("--local"),
    // Stores of secrets, cluster state and storage.
    rule(
        "deletes Vault secrets or disables a mount",
        "vault ... delete|destroy|disable",
    ),
    rule("deletes etcd keys", "etcdctl ... del"),
    rule(
        "deletes Ceph pools, OSDs or file systems",
        "ceph ... osd|pool|fs ... delete|rm|purge|destroy",
    ),
    rule("sends an HTTP DELETE request", "curl ... delete|-XDELETE"),
    rule("deletes systemd journal files", "journalctl ... --vacuum-*"),
    rule("removes the whole crontab", "crontab ... -[r]"),
    // Files and disks.
    rule("deletes the files find finds (-delete)", "find ... -delete"),
    rule(
        "deletes files missing from the rsync source",
        "rsync ... --delete*|--del|--remove-source-files",
    ),
    rule(
        "overwrites files so that they cannot be recovered (shred)",
        "shred",
    ),
    rule(
        "wipes a disk's signatures (wipefs)",
        "wipefs ... -[a]|--all",
    ),
    rule(
        "makes a file system, erasing the disk",
        "mkfs|mkfs.ext4|mkfs.ext3|mkfs.ext2|mkfs.xfs|mkfs.btrfs|mkfs.vfat|mkfs.fat|mke2fs",
    ),
    rule("writes raw blocks over a disk or file (dd)", "dd ... of=*"),
    rule("removes files recursively", "rm ... -[rR]|--recursive").unless("git rm"),
    // Last: any command told to skip its own safety checks.
    rule(
        "forces past a safety check",
        "--force*|--accept-data-loss|--yes-i-really-mean-it|--yes-i-really-really-mean-it",
    )
    // Where `--force` only redoes work: rever's activities, a reinstall, a rebuild.
    .unless("rever|--force-reinstall|--force-rm|--force-recreate"),
];

/// Statements that change a schema or run migrations: dangerous when they target production.
const MIGRATIONS: &[&str] = &[
    "db push",
    "db execute",
    "migration up",
    "alembic upgrade",
    "create index",
    "drop index",
    "alter table",
    "migrate|*:migrate",
];

/// A statement that only shows what it would do breaks no rule: `--dry-run` or `--dryrun`, but
/// not `--dry-run=none`.
const REHEARSAL: (&str, &str) = ("--dry-run|--dryrun", "--dry-run none|false");

/// Why running `code` needs confirmation, or `None`. `shell` says whether `#` starts a comment
/// (else `--` does, and the code is SQL); `in_production` whether the step's phase is about
/// production, which makes any migration in it dangerous even when the command line does not
/// name its target.
pub fn danger_reason(code: &str, shell: bool, in_production: bool) -> Option<String> {
    if shell {
        danger_in(&strip_shell_comments(code), in_production)
    } else {
        sql_danger(&strip_sql_comments(code), in_production)
    }
}

/// [`danger_reason`] of shell code whose comments are already blanked, so that a shell block
/// is stripped once for both these rules and its inputs.
pub fn danger_in(text: &str, in_production: bool) -> Option<String> {
    let mut reading = Reading::default();
    for line in logical_lines(text) {
        for statement in statements(&line) {
            if let Some(why) = reading.statement(statement, &line, in_production) {
                return Some(why);
            }
        }
    }
    reading.end(text)
}

/// [`danger_reason`] of SQL whose comments are already blanked: statements end at `;`, so
/// `ALTER TABLE t` and `DROP COLUMN c` on two lines are one statement.
fn sql_danger(text: &str, in_production: bool) -> Option<String> {
    let mut reading = Reading::default();
    for statement in text.split(';') {
        if let Some(why) = reading.statement(statement, statement, in_production) {
            return Some(why);
        }
    }
    reading.end(text)
}

/// What the statements of a block read so far hold, short of a broken rule.
#[derive(Default)]
struct Reading {
    /// The first line that runs a migration against production.
    migration: Option<String>,
    /// Whether some statement has a `delete` or `update` word.
    writes: bool,
}

impl Reading {
    /// The reason `statement` breaks a rule, if it does; else notes what it holds for
    /// [`Reading::end`]. `line` holds the statement and may name production.
    fn statement(&mut self, statement: &str, line: &str, in_production: bool) -> Option<String> {
        let words = rule_words(statement);
        let found = PATTERNS.matching(&words);
        let rules = found & RULE_BITS;
        if rules != 0 && found & REHEARSAL_BIT == 0 {
            let rule = &RULES[rules.trailing_zeros() as usize];
            return Some(format!("{} (`{}`)", rule.why, shorten(statement)));
        }
        self.writes = self.writes
            || words
                .iter()
                .any(|w| w.eq_ignore_ascii_case("delete") || w.eq_ignore_ascii_case("update"));
        if self.migration.is_none()
            && found & MIGRATION_BITS != 0
            && (in_production || names_production(line))
        {
            self.migration = Some(shorten(line));
        }
        None
    }

    /// The reasons that come after every rule: a statement that changes every row, else a
    /// migration. Such a statement may span lines (`psql -c "DELETE …` then `WHERE …"`), so
    /// the whole `text` is split at `;` only, when some statement had a word it needs.
    fn end(self, text: &str) -> Option<String> {
        if self.writes
            && let Some(stmt) = text.split(';').find(|s| changes_every_row(&rule_words(s)))
        {
            return Some(format!("changes every row: no WHERE (`{}`)", shorten(stmt)));
        }
        self.migration
            .map(|line| format!("changes a production database (`{line}`)"))
    }
}

/// `DELETE FROM t` or `UPDATE t SET …` with no `WHERE`.
fn changes_every_row(words: &[&str]) -> bool {
    let [delete, update, where_] = &*EVERY_ROW;
    (delete.matches(words) || update.matches(words)) && !where_.matches(words)
}

static EVERY_ROW: LazyLock<[Pattern; 3]> = LazyLock::new(|| {
    [
        Pattern::new("delete from"),
        Pattern::new("update * set"),
        Pattern::new("where"),
    ]
});

/// Every statement pattern, read once into one set so that one look at a statement's words
/// finds all it holds: the rules in order (bit `i` for `RULES[i]`), then the migrations, then
/// the rehearsal.
static PATTERNS: LazyLock<PatternSet> = LazyLock::new(|| {
    let rules = RULES.iter().map(|r| (r.pattern, r.unless));
    let migrations = MIGRATIONS.iter().map(|p| (*p, ""));
    PatternSet::new(rules.chain(migrations).chain([REHEARSAL]))
});
const RULE_BITS: u128 = (1 << RULES.len()) - 1;
const MIGRATION_BITS: u128 = ((1 << MIGRATIONS.len()) - 1) << RULES.len();
const REHEARSAL_BIT: u128 = 1 << (RULES.len() + MIGRATIONS.len());

/// Patterns (each with its `unless`) read once, and the words each may begin with: a statement
/// is tried only against the patterns whose first word it holds (most statements hold none)
/// and against those that begin with a glob or a cluster (`--force*`).
struct PatternSet {
    patterns: Vec<PatternPair>,
    /// For each word a pattern may begin with (plain or option), the patterns that may: bit
    /// `i` stands for pattern `i`. Looked up in lowercase, so that `DROP` finds `drop`; an
    /// option found so, `-D` for `-d`, is only a candidate, which its pattern then rejects.
    first_words: HashMap<String, u128>,
    /// The patterns that may begin with a glob or a cluster.
    always: u128,
}

impl PatternSet {
    /// The set of `(pattern, unless)` pairs, at most 128; an empty `unless` is none.
    fn new(pairs: impl IntoIterator<Item = (&'static str, &'static str)>) -> Self {
        let patterns: Vec<_> = pairs
            .into_iter()
            .map(|(pattern, unless)| PatternPair {
                pattern: Pattern::new(pattern),
                unless: (!unless.is_empty()).then(|| Pattern::new(unless)),
            })
            .collect();
        assert!(patterns.len() <= 128, "a pattern set holds at most 128");
        let mut first_words = HashMap::new();
        let mut always = 0;
        for (i, pair) in patterns.iter().enumerate() {
            let first = pair.pattern.runs.first().and_then(|run| run.first());
            let plain: Option<Vec<&'static str>> = first.and_then(|alternatives| {
                alternatives
                    .iter()
                    .map(|a| match a {
                        Word::Plain(p) | Word::Option(p) => Some(*p),
                        Word::Glob { .. } | Word::Cluster(_) => None,
                    })
                    .collect()
            });
            match plain {
                Some(words) => {
                    for word in words {
                        *first_words.entry(word.to_ascii_lowercase()).or_insert(0) |= 1 << i;
                    }
                }
                None => always |= 1 << i,
            }
        }
        Self {
            patterns,
            first_words,
            always,
        }
    }

    /// The patterns that the words match and whose `unless` they do not, as bits.
    fn matching(&self, words: &[&str]) -> u128 {
        let mut candidates = self.always;
        for word in words {
            candidates |= self.beginning_with(word);
        }
        let mut found = 0;
        while candidates != 0 {
            let i = candidates.trailing_zeros() as usize;
            if self.patterns[i].matches(words) {
                found |= 1 << i;
            }
            candidates &= candidates - 1;
        }
        found
    }

    /// The patterns whose first word `word` may match, as bits.
    fn beginning_with(&self, word: &str) -> u128 {
        let word = last_path_part(word);
        let found = if word.bytes().any(|b| b.is_ascii_uppercase()) {
            self.first_words.get(word.to_ascii_lowercase().as_str())
        } else {
            self.first_words.get(word)
        };
        found.copied().unwrap_or(0)
    }
}

/// A pattern and the one that, when it matches too, clears it.
struct PatternPair {
    pattern: Pattern,
    unless: Option<Pattern>,
}

impl PatternPair {
    fn matches(&self, words: &[&str]) -> bool {
        self.pattern.matches(words) && !self.unless.as_ref().is_some_and(|u| u.matches(words))
    }
}

/// A pattern (see the module doc) as runs of words that must be next to each other, the runs
/// in order with anything between them; each word is a list of alternatives.
struct Pattern {
    runs: Vec<Vec<Vec<Word>>>,
}

impl Pattern {
    fn new(text: &'static str) -> Self {
        let mut runs = vec![Vec::new()];
        for token in text.split_whitespace() {
            if token == "..." {
                runs.push(Vec::new());
            } else if let Some(run) = runs.last_mut() {
                run.push(token.split('|').map(Word::new).collect());
            }
        }
        runs.retain(|run| !run.is_empty());
        Self { runs }
    }

    /// Whether the words hold each run in turn. Each run is taken where it first fits: a run
    /// found later would only leave fewer words to the runs after it.
    fn matches(&self, words: &[&str]) -> bool {
        let mut rest = words;
        for run in &self.runs {
            let fits = |at: &[&str]| {
                run.iter()
                    .zip(at)
                    .all(|(alternatives, w)| alternatives.iter().any(|a| a.matches(w)))
            };
            match rest.windows(run.len()).position(fits) {
                Some(i) => rest = &rest[i + run.len()..],
                None => return false,
            }
        }
        true
    }
}

/// One alternative of a pattern word.
#[derive(Debug)]
enum Word {
    /// `drop`: this word in any case, or a path that ends with it.
    Plain(&'static str),
    /// `-D`, `--delete`: an option, in exactly this case.
    Option(&'static str),
    /// `--force*`, `*=0`: any text in place of the `*`; the case is kept for an option.
    Glob {
        prefix: &'static str,
        suffix: &'static str,
        option: bool,
    },
    /// `-[rR]`: a cluster of short options (`-rf`) that holds one of these letters.
    Cluster(&'static str),
}

impl Word {
    fn new(text: &'static str) -> Self {
        if let Some(letters) = text.strip_prefix("-[").and_then(|t| t.strip_suffix(']')) {
            Word::Cluster(letters)
        } else if let Some((prefix, suffix)) = text.split_once('*') {
            Word::Glob {
                prefix,
                suffix,
                option: text.starts_with('-'),
            }
        } else if text.starts_with('-') {
            Word::Option(text)
        } else {
            Word::Plain(text)
        }
    }

    fn matches(&self, word: &str) -> bool {
        match *self {
            Word::Plain(p) => last_path_part(word).eq_ignore_ascii_case(p),
            Word::Option(p) => word == p,
            Word::Glob {
                prefix,
                suffix,
                option,
            } => {
                let same = |a: &[u8], b: &str| {
                    if option {
                        a == b.as_bytes()
                    } else {
                        a.eq_ignore_ascii_case(b.as_bytes())
                    }
                };
                let w = word.as_bytes();
                w.len() >= prefix.len() + suffix.len()
                    && same(&w[..prefix.len()], prefix)
                    && same(&w[w.len() - suffix.len()..], suffix)
            }
            Word::Cluster(letters) => word.strip_prefix('-').is_some_and(|flags| {
                !flags.is_empty()
                    && flags.bytes().all(|b| b.is_ascii_alphanumeric())
                    && flags.chars().any(|c| letters.contains(c))
            }),
        }
    }
}

/// What follows the last `/` of a word, or the whole word: a command called by its path.
fn last_path_part(word: &str) -> &str {
    match word.bytes().rposition(|b| b == b'/') {
        Some(i) => word.get(i + 1..).unwrap_or(""),
        None => word,
    }
}

/// The words of a statement as the rules read them: quotes and punctuation trimmed (see
/// [`words_iter`]), and an option's value split off (`--replicas=0` is `--replicas 0`).
fn rule_words(statement: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(16);
    for word in words_iter(statement) {
        match word.split_once('=') {
            Some((option, value)) if option.starts_with('-') => {
                out.push(option);
                let value = value.trim_matches(['"', '\'']);
                if !value.is_empty() {
                    out.push(value);
                }
            }
            _ => out.push(word),
        }
    }
    out
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
    use super::{PATTERNS, RULES, Word, danger_reason, names_production, rule_words};
    use crate::runbook::words::{logical_lines, statements};

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
            "rever --activities authors --force 24.1.0",
            "pip install --force-reinstall shop",
            "docker compose up -d --force-recreate",
            "npm publish --dry-run",
            "yarn run build",
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

    /// At least one example per rule, with the reason it must give: removing or breaking a
    /// rule (or moving a general one before it) fails its example.
    const EXAMPLES: &[(&str, &str)] = &[
        (
            "drops a column or constraint from a table",
            "ALTER TABLE users DROP email",
        ),
        ("drops a database object", "psql -c 'DROP TABLE users'"),
        ("drops a database object", "DROP DATABASE shop;"),
        (
            "drops a database object",
            "mysql -e \"drop schema if exists old\"",
        ),
        ("truncates a table", "TRUNCATE audit_log;"),
        (
            "deletes every binary log (RESET MASTER)",
            "mysql -e 'RESET MASTER'",
        ),
        (
            "discards a replica's relay logs and position (RESET REPLICA)",
            "RESET SLAVE ALL;",
        ),
        (
            "drops a PostgreSQL database or role",
            "sudo -u postgres dropdb shop",
        ),
        (
            "drops a PostgreSQL cluster and its data",
            "sudo pg_dropcluster --stop 12 main",
        ),
        (
            "restores over a database, dropping its objects first (--clean)",
            "pg_restore --clean --if-exists -d shop shop.dump",
        ),
        (
            "restores over a database, dropping its objects first (--clean)",
            "pg_restore -c -d shop shop.dump",
        ),
        (
            "writes a dump that drops objects when it is restored (--clean)",
            "pg_dump --clean $STAGING_URL | psql $TARGET_URL",
        ),
        (
            "resets PostgreSQL's write-ahead log, which can lose data",
            "pg_resetwal -f /var/lib/postgresql/16/main",
        ),
        (
            "upgrades by hard links: the old cluster cannot be started again",
            "/usr/lib/postgresql/16/bin/pg_upgrade --link -b old/bin -B new/bin",
        ),
        ("drops a MySQL database", "mysqladmin -u root -p drop shop"),
        (
            "deletes every key in Redis (FLUSHALL, FLUSHDB)",
            "redis-cli -n 2 FLUSHDB",
        ),
        (
            "deletes every key in Redis (FLUSHALL, FLUSHDB)",
            "redis-cli flushall",
        ),
        (
            "stops Redis without saving its data",
            "redis-cli SHUTDOWN NOSAVE",
        ),
        (
            "deletes Kafka topics",
            "bin/kafka-topics.sh --bootstrap-server b:9092 --delete --topic events",
        ),
        (
            "resets or deletes Kafka consumer group offsets",
            "kafka-consumer-groups --bootstrap-server b:9092 --group g --reset-offsets --to-earliest --all-topics --execute",
        ),
        (
            "deletes Kafka records",
            "kafka-delete-records --bootstrap-server b:9092 --offset-json-file offsets.json",
        ),
        (
            "scales a Kubernetes workload to zero",
            "kubectl scale deploy/api --replicas=0",
        ),
        (
            "scales a Kubernetes workload to zero",
            "oc -n shop scale --replicas 0 dc/web",
        ),
        (
            "deletes and recreates Kubernetes resources (replace --force)",
            "kubectl replace --force -f job.yaml",
        ),
        (
            "deletes Kubernetes resources missing from the applied files (--prune)",
            "kubectl apply --prune -l app=shop -f k8s/",
        ),
        (
            "deletes or drains Kubernetes resources",
            "kubectl -n prod delete pod api-0",
        ),
        (
            "deletes or drains Kubernetes resources",
            "oc adm drain node-1 --ignore-daemonsets",
        ),
        ("uninstalls a Helm release", "helm -n shop uninstall api"),
        (
            "deletes an EKS cluster or node group (eksctl)",
            "eksctl delete nodegroup --cluster c --name ng-1 --drain=false",
        ),
        ("destroys infrastructure", "terraform destroy -auto-approve"),
        (
            "destroys infrastructure",
            "tofu -chdir=envs/prod apply -destroy",
        ),
        (
            "removes or overwrites Terraform state",
            "terraform state rm module.db",
        ),
        (
            "removes or overwrites Terraform state",
            "terraform state push -force old.tfstate",
        ),
        (
            "unlocks Terraform state another run may hold",
            "terraform force-unlock 1234-abcd",
        ),
        (
            "destroys and recreates a resource (taint, -replace)",
            "terraform taint 'random_string.password'",
        ),
        (
            "destroys and recreates a resource (taint, -replace)",
            "terraform apply -replace=aws_instance.web",
        ),
        (
            "deletes a Terraform workspace",
            "terraform workspace delete staging",
        ),
        (
            "deletes S3 objects recursively",
            "aws s3 rm s3://shop-assets/ --recursive",
        ),
        ("removes an S3 bucket", "aws s3 rb s3://shop-assets --force"),
        (
            "deletes S3 objects missing from the sync source",
            "aws s3 sync ./build s3://shop-web --delete",
        ),
        (
            "deletes an RDS database",
            "aws rds delete-db-instance --db-instance-identifier shop --skip-final-snapshot",
        ),
        (
            "terminates EC2 instances",
            "aws ec2 terminate-instances --instance-ids i-0abc",
        ),
        (
            "deletes an EKS cluster or node group",
            "aws eks delete-nodegroup --cluster-name c --nodegroup-name ng",
        ),
        (
            "scales an ECS service to zero",
            "aws ecs update-service --cluster c --service api --desired-count 0",
        ),
        (
            "scales an auto scaling group to zero",
            "aws autoscaling update-auto-scaling-group --auto-scaling-group-name g --min-size 0 --max-size 0",
        ),
        (
            "deletes an AWS resource",
            "aws cloudformation delete-stack --stack-name shop",
        ),
        (
            "deletes an AWS resource",
            "aws sqs purge-queue --queue-url $QUEUE",
        ),
        (
            "deletes Cloud Storage objects recursively",
            "gsutil -m rm -r gs://shop-assets/**",
        ),
        (
            "deletes Cloud Storage objects recursively",
            "gcloud storage rm --recursive gs://shop-assets",
        ),
        (
            "removes a Cloud Storage bucket",
            "gsutil rb gs://shop-assets",
        ),
        (
            "deletes Cloud Storage objects missing from the sync source",
            "gsutil -m rsync -r -d ./build gs://shop-web",
        ),
        (
            "restores a backup over a Cloud SQL instance",
            "gcloud sql backups restore 123 --restore-instance=shop",
        ),
        (
            "resizes a Google Cloud cluster or instance group to zero",
            "gcloud container clusters resize c --node-pool p --num-nodes=0",
        ),
        (
            "deletes a Google Cloud resource",
            "gcloud compute disks delete recovery-1 --zone z",
        ),
        (
            "deletes a Google Cloud resource",
            "gcloud sql instances delete shop",
        ),
        (
            "deletes an Azure resource group and all it holds",
            "az group delete --name shop-rg --yes",
        ),
        (
            "scales an Azure cluster or scale set to zero",
            "az aks nodepool scale -g rg --cluster-name c -n np --node-count 0",
        ),
        (
            "deletes an Azure resource",
            "az keyvault purge --name shop-kv",
        ),
        (
            "deletes an Azure resource",
            "az storage blob delete-batch --source logs",
        ),
        (
            "deletes a DigitalOcean resource",
            "doctl compute droplet delete web-1 --force",
        ),
        (
            "destroys a Heroku app",
            "heroku apps:destroy --app shop --confirm shop",
        ),
        (
            "resets a Heroku Postgres database",
            "heroku pg:reset DATABASE_URL -a shop",
        ),
        (
            "overwrites a Heroku Postgres database (pg:copy, pg:backups:restore)",
            "heroku pg:backups:restore b101 DATABASE_URL -a shop",
        ),
        (
            "destroys a Heroku add-on and its data",
            "heroku addons:destroy heroku-redis -a shop",
        ),
        (
            "scales Heroku dynos to zero",
            "heroku ps:scale web=0 -a shop",
        ),
        (
            "scales Fly.io machines to zero",
            "fly scale count 0 -a shop",
        ),
        (
            "destroys a Fly.io app, machine or volume",
            "flyctl volumes destroy vol_123",
        ),
        (
            "removes Vercel deployments, projects or settings",
            "vercel rm shop-web --yes",
        ),
        (
            "scales a container service to zero",
            "docker service scale shop_api=0",
        ),
        (
            "scales a container service to zero",
            "docker compose up -d --scale worker=0",
        ),
        ("deletes container volumes", "docker volume rm shop_pgdata"),
        (
            "removes containers with their volumes",
            "docker compose down -v",
        ),
        (
            "removes containers with their volumes",
            "docker rm -fv shop-db",
        ),
        ("prunes container data", "docker system prune -af"),
        (
            "force-pushes, rewriting a remote branch",
            "git push --force-with-lease origin main",
        ),
        (
            "force-pushes, rewriting a remote branch",
            "git push -f upstream stable",
        ),
        (
            "force-pushes, rewriting a remote branch",
            "git push origin +release",
        ),
        (
            "deletes remote branches or tags",
            "git push origin --delete 1.2.3-proposal",
        ),
        (
            "deletes remote branches or tags",
            "git push origin :refs/tags/v1.2.3",
        ),
        (
            "discards uncommitted work (reset --hard)",
            "echo ok && git reset --hard origin/main",
        ),
        ("deletes untracked files (git clean)", "git clean -fdx"),
        (
            "deletes an unmerged branch (branch -D)",
            "git branch -D release-1.2",
        ),
        (
            "deletes a GitHub repository, release or asset",
            "gh release delete v1.2.3 --yes",
        ),
        ("unpublishes an npm package", "npm unpublish shop@1.2.3"),
        (
            "publishes a package version, which can never be published again",
            "npm publish --access public",
        ),
        (
            "publishes a package version, which can never be published again",
            "cargo publish -p shop-core",
        ),
        ("yanks a published gem", "gem yank shop -v 1.2.3"),
        (
            "drops or reloads a Rails database",
            "RAILS_ENV=staging bin/rails db:reset",
        ),
        (
            "resets a database and reapplies its migrations (prisma migrate reset)",
            "npx prisma migrate reset --force",
        ),
        (
            "deletes every row in the database (Django flush)",
            "python manage.py flush --no-input",
        ),
        ("resets a database", "supabase db reset --linked"),
        (
            "deletes Vault secrets or disables a mount",
            "vault kv metadata delete secret/shop",
        ),
        (
            "deletes Vault secrets or disables a mount",
            "vault secrets disable kv-old",
        ),
        (
            "deletes etcd keys",
            "ETCDCTL_API=3 etcdctl del --prefix /registry/old",
        ),
        (
            "deletes Ceph pools, OSDs or file systems",
            "ceph osd pool delete p p --yes-i-really-really-mean-it",
        ),
        (
            "sends an HTTP DELETE request",
            "curl -X DELETE http://localhost:9200/logs-2024",
        ),
        (
            "sends an HTTP DELETE request",
            "curl -s -XDELETE localhost:9200/old",
        ),
        (
            "deletes systemd journal files",
            "journalctl --vacuum-time=2d",
        ),
        ("removes the whole crontab", "crontab -u deploy -r"),
        (
            "deletes the files find finds (-delete)",
            "find /var/backups -mtime +7 -delete",
        ),
        (
            "deletes files missing from the rsync source",
            "rsync -av --delete build/ web:/srv/www/",
        ),
        (
            "overwrites files so that they cannot be recovered (shred)",
            "shred -u secrets.env",
        ),
        ("wipes a disk's signatures (wipefs)", "wipefs -a /dev/sdb"),
        (
            "makes a file system, erasing the disk",
            "mkfs.ext4 /dev/sdb1",
        ),
        (
            "writes raw blocks over a disk or file (dd)",
            "dd if=image.img of=/dev/sdb bs=4M",
        ),
        ("removes files recursively", "rm -rf /var/lib/app"),
        ("removes files recursively", "sudo rm -R /srv/old"),
        (
            "forces past a safety check",
            "npx prisma db push --accept-data-loss",
        ),
        (
            "forces past a safety check",
            "helm upgrade api ./chart --force",
        ),
    ];

    #[test]
    fn every_rule_has_an_example_that_gives_its_reason() {
        for rule in RULES {
            assert!(
                EXAMPLES.iter().any(|(why, _)| *why == rule.why),
                "no example for rule {:?} ({})",
                rule.why,
                rule.pattern
            );
            let same = RULES.iter().filter(|r| r.why == rule.why).count();
            assert_eq!(same, 1, "reason {:?} is said by {same} rules", rule.why);
        }
        let wrong: Vec<String> = EXAMPLES
            .iter()
            .filter_map(|(why, code)| {
                let got = danger_reason(code, true, false).unwrap_or_default();
                let right = got.starts_with(&format!("{why} (`"));
                (!right).then(|| format!("{code:?}\n  wants: {why}\n  gives: {got}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn sql_blocks_go_through_the_same_rules() {
        for (code, why) in [
            (
                "ALTER TABLE users\n  DROP COLUMN email;",
                "drops a column or constraint",
            ),
            ("select 1;\nDROP\n  TABLE old;", "drops a database object"),
            ("TRUNCATE TABLE audit_log;", "truncates a table"),
            ("-- keep\nRESET MASTER;", "deletes every binary log"),
        ] {
            let got = danger_reason(code, false, false).unwrap_or_default();
            assert!(got.starts_with(why), "{code:?}: {got}");
        }
    }

    /// Everyday commands, many of them the harmless form of a rule's tool.
    const NEAR_MISSES: &[&str] = &[
        "kubectl get pods -n prod",
        "kubectl rollout status deploy/api --timeout=5m",
        "kubectl scale deploy/api --replicas=3",
        "kubectl delete pod api-0 --dry-run=client",
        "git push origin main",
        "git push origin v1.2.3",
        "git tag -a v1.2.3 -m 'Release v1.2.3' && git push origin v1.2.3",
        "git branch -d release-1.2",
        "git clean -n -d",
        "git reset HEAD~1",
        "git reset master",
        "git rm -r --cached build",
        "helm upgrade --install api ./chart",
        "helm plugin uninstall diff",
        "helm rollback api 3",
        "terraform plan -destroy",
        "terraform plan -out=tfplan && terraform apply tfplan",
        "terraform state list",
        "systemctl restart nginx",
        "sudo systemctl stop postgresql@15-main",
        "rm build.log",
        "rm -f /tmp/lock",
        "docker compose down",
        "docker rm -f shop-web",
        "docker volume ls",
        "aws s3 rm s3://shop-assets/one.txt",
        "aws s3 sync ./build s3://shop-web",
        "aws s3 rm s3://b --recursive --dryrun",
        "aws rds describe-db-instances",
        "aws ecs update-service --cluster c --service api --desired-count 3",
        "gcloud compute disks create recovery-1 --source-snapshot s",
        "az vm list-ip-addresses --output table",
        "heroku ps:scale web=2 -a shop",
        "heroku pg:backups:capture -a shop",
        "fly scale count 3",
        "pg_restore -C -d postgres shop.dump",
        "pg_dump -Fc -f shop.dump $DATABASE_URL",
        "pg_upgrade --check --link -b old/bin -B new/bin",
        "pg_resetwal -n /var/lib/postgresql/16/main",
        "redis-cli info replication",
        "kafka-topics --bootstrap-server b:9092 --list",
        "kafka-consumer-groups --bootstrap-server b:9092 --group g --reset-offsets --to-earliest --all-topics",
        "truncate -s 0 /var/log/app.log",
        "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
        "ALTER TABLE users ALTER COLUMN email DROP DEFAULT;",
        "vercel deploy --prod",
        "vercel rollback https://shop-abc.vercel.app",
        "curl -f https://shop.example/api/health",
        "rsync -av build/ web:/srv/www/",
        "crontab -l",
        "find . -name '*.log'",
        "dd if=/dev/sda bs=512 count=1 | hexdump -C",
        "journalctl -u api --since today",
        "vault kv get secret/shop",
        "etcdctl endpoint health",
    ];

    #[test]
    fn near_misses_stay_clean() {
        for code in NEAR_MISSES {
            assert_eq!(danger_reason(code, true, false), None, "{code}");
        }
    }

    /// The first-word index only skips patterns that cannot match: with it or without, every
    /// example and near miss, also in capitals and called by a path, matches the same patterns.
    #[test]
    fn the_index_skips_only_patterns_that_cannot_match() {
        let every_pattern = |words: &[&str]| {
            let matching = PATTERNS.patterns.iter().enumerate();
            matching
                .filter(|(_, pair)| pair.matches(words))
                .fold(0u128, |bits, (i, _)| bits | 1 << i)
        };
        let codes = EXAMPLES
            .iter()
            .map(|(_, code)| *code)
            .chain(NEAR_MISSES.iter().copied());
        for code in codes {
            for variant in [
                code.to_string(),
                code.to_ascii_uppercase(),
                format!("/usr/local/bin/{code}"),
            ] {
                for line in logical_lines(&variant) {
                    for statement in statements(&line) {
                        let words = rule_words(statement);
                        let found = PATTERNS.matching(&words);
                        assert_eq!(found, every_pattern(&words), "{statement}");
                    }
                }
            }
        }
    }

    /// `echo "DROP TABLE t" | psql` runs what it echoes, so echoed text is read like any other.
    #[test]
    fn echoed_commands_count() {
        assert!(danger_reason("echo 'DROP TABLE t;' | psql $DB", true, false).is_some());
    }

    #[test]
    fn patterns_are_well_formed() {
        for rule in RULES {
            for pattern in [rule.pattern, rule.unless] {
                for token in pattern.split_whitespace().filter(|t| *t != "...") {
                    for alt in token.split('|') {
                        assert!(!alt.is_empty(), "{pattern}: empty alternative");
                        assert!(
                            alt.matches('*').count() <= 1,
                            "{pattern}: {alt} has two `*`"
                        );
                        if let Word::Plain(p) = Word::new(alt) {
                            assert_eq!(
                                p,
                                p.to_ascii_lowercase(),
                                "{pattern}: write words in lowercase"
                            );
                        }
                        if alt.contains('[') {
                            assert!(
                                matches!(Word::new(alt), Word::Cluster(_)),
                                "{pattern}: {alt}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn production_names() {
        assert!(names_production("$SUPABASE_PROD_URL") && names_production("Deploy (Production)"));
        assert!(!names_production("Product owners") && !names_production("deliver"));
    }
}
