//! Optional YAML front matter: what plain Markdown cannot say (vars, databases, metrics, logs …).
//!
//! Every section is optional. Unknown keys are kept aside and reported as warnings, so a runbook
//! written for a newer flightdeck still opens in an older one; front matter written for a site
//! generator (Jekyll, Hugo, MkDocs …) never refuses a runbook (see [`read_leading`]).

use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::runbook::diagnostic::Diagnostic;

/// Unknown keys found while reading a section, for warnings.
pub type Unknown = IndexMap<String, IgnoredAny>;

/// The typed front matter of a runbook.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FrontMatter {
    /// The runbook title (else the first heading).
    pub title: Option<String>,
    /// The target environment (`production`); the word a captain types to confirm dangerous steps.
    pub environment: Option<String>,
    /// Inputs with prompts, defaults and secrecy, in the order they are asked for.
    pub vars: IndexMap<String, Option<VarSpec>>,
    /// Named PostgreSQL connection strings (values may reference inputs: `$PROD_DB_URL`).
    pub databases: IndexMap<String, String>,
    /// Prometheus base URL for `prometheus` metrics.
    pub prometheus: Option<String>,
    pub metrics: Vec<MetricSpec>,
    pub logs: Vec<LogSpec>,
    /// Role name → who holds it (`captain: Maksim`).
    pub roles: IndexMap<String, String>,
    /// The maintenance window: `"02:00-04:00 UTC"` or `{start, end, tz}`.
    pub window: Option<WindowSpec>,
    /// Conditions over metrics that call for the rollback phase (`"error_rate > 5"`).
    pub rollback_when: Vec<String>,
    /// Title of the rollback phase when it is not called "Rollback …".
    pub rollback_phase: Option<String>,
    pub notify: Option<NotifySpec>,
    /// Share the run through this PostgreSQL URL (may read an input: `$SHARE_DB`).
    pub share: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// How an input is asked for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VarSpec {
    pub prompt: Option<String>,
    pub default: Option<String>,
    /// Overrides the name-based guess (`*_TOKEN`, `*PASSWORD*` … are secret by default).
    pub secret: Option<bool>,
    pub description: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// A figure sampled for the monitoring pane; exactly one source key is expected.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MetricSpec {
    pub name: String,
    pub command: Option<String>,
    pub sql: Option<String>,
    pub db: Option<String>,
    pub prometheus: Option<String>,
    pub http: Option<String>,
    /// Expected HTTP status for `http` sources.
    pub expect: Option<u16>,
    /// Dotted path of a number in an `http` JSON body.
    pub json: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub unit: Option<String>,
    pub warn: Option<String>,
    pub crit: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// A log source shown as a tab in the log pane.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LogSpec {
    pub name: String,
    pub file: Option<String>,
    pub command: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// The maintenance window, in either spelling.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum WindowSpec {
    Text(String),
    Fields {
        start: String,
        end: String,
        tz: Option<String>,
    },
}

/// The events a `notify` hook may name in `on:`.
pub const NOTIFY_EVENTS: &[&str] = &[
    "run_started",
    "run_finished",
    "metric_breach",
    "rollback",
    "handoff",
];

/// Where and when to post notifications.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NotifySpec {
    pub webhook: Option<String>,
    pub on: Vec<String>,
    pub format: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// The top-level keys flightdeck reads. Front matter naming one of them (other than `title`,
/// which every site generator reads too) was written for flightdeck.
pub const FLIGHTDECK_KEYS: &[&str] = &[
    "title",
    "environment",
    "vars",
    "databases",
    "prometheus",
    "metrics",
    "logs",
    "roles",
    "window",
    "rollback_when",
    "rollback_phase",
    "notify",
    "share",
];

/// Keys that Jekyll (and Just the Docs), Hugo, MkDocs (Material), Docusaurus and the like read.
/// A runbook published through one of them keeps its front matter, and flightdeck ignores these
/// keys without a word (compared without regard to case: Hugo's keys are case-insensitive).
const FOREIGN_KEYS: &[&str] = &[
    // Jekyll, Just the Docs
    "layout",
    "permalink",
    "published",
    "date",
    "category",
    "categories",
    "tags",
    "excerpt",
    "excerpt_separator",
    "author",
    "authors",
    "lang",
    "sitemap",
    "redirect_from",
    "redirect_to",
    "render_with_liquid",
    "nav_order",
    "nav_exclude",
    "parent",
    "grand_parent",
    "has_children",
    "has_toc",
    "child_nav_order",
    "search_exclude",
    "canonical_url",
    // Hugo
    "aliases",
    "weight",
    "draft",
    "slug",
    "url",
    "type",
    "menu",
    "description",
    "keywords",
    "summary",
    "linktitle",
    "publishdate",
    "expirydate",
    "lastmod",
    "toc",
    "series",
    "images",
    "params",
    "cascade",
    "outputs",
    "markup",
    "headless",
    "translationkey",
    "build",
    "resources",
    // MkDocs (Material)
    "hide",
    "search",
    "template",
    "icon",
    "status",
    "subtitle",
    "social",
    "comments",
    // Docusaurus
    "id",
    "sidebar_label",
    "sidebar_position",
    "sidebar_class_name",
    "sidebar_custom_props",
    "displayed_sidebar",
    "hide_title",
    "hide_table_of_contents",
    "toc_min_heading_level",
    "toc_max_heading_level",
    "pagination_label",
    "pagination_next",
    "pagination_prev",
    "custom_edit_url",
    "image",
    "last_update",
    "unlisted",
];

/// What a `---` block at the very start of a runbook is.
#[derive(Debug)]
pub enum Leading {
    /// Front matter: what flightdeck could read of it (`None` when nothing) and the findings.
    FrontMatter(Option<Box<FrontMatter>>, Vec<Diagnostic>),
    /// Not a YAML mapping (a sentence, a list, only comments): the block is Markdown.
    Markdown,
}

/// Reads the body of a leading `---` block whose first line is 1-based `first_line` of the file.
///
/// Front matter written for another tool never refuses a runbook: its keys are ignored (the
/// well-known ones of site generators silently, others with one warning per top-level key), a
/// key given twice is a warning and the last one wins, a section of the wrong type is ignored
/// with a warning on its line, and YAML that does not parse is a warning unless a key of
/// flightdeck's own says the block was written for flightdeck (then it is an error: running
/// without its `environment` or `vars` would not be the run its author meant).
pub fn read_leading(yaml: &str, first_line: usize) -> Leading {
    let at = |line: usize| first_line + line.saturating_sub(1);
    let outline = match serde_saphyr::from_str_with_options::<Node>(yaml, options()) {
        Ok(Node::Map(entries)) => entries,
        Ok(_) => return Leading::Markdown,
        Err(e) => return unreadable(yaml, first_line, &e),
    };
    let mut found = Vec::new();
    let mut lines: Vec<String> = yaml.split('\n').map(str::to_string).collect();
    // The last of the same key wins: the earlier ones are blanked out before the typed read.
    let mut dups = Vec::new();
    duplicates(&outline, "", true, &mut dups);
    let mut gone: Vec<usize> = Vec::new();
    for d in &dups {
        found.push(Diagnostic::warning(
            at(d.later),
            1,
            format!(
                "front-matter key `{}` is given again (first at line {}); the last one is used",
                d.path,
                at(d.earlier.0)
            ),
        ));
        if d.until > d.earlier.0 {
            blank(&mut lines, d.earlier, d.until);
        }
        if d.top {
            gone.push(d.earlier.0);
        }
    }
    let Some(fm) = typed(&mut lines, &outline, &gone, at, &mut found) else {
        return Leading::FrontMatter(None, found);
    };
    unknown_keys(&fm, &outline, at, &mut found);
    Leading::FrontMatter(Some(Box::new(fm)), found)
}

/// [`read_leading`] for front matter that must be front matter: `Err` when it is not a
/// mapping or a finding is an error.
pub fn parse_front_matter(
    yaml: &str,
    first_line: usize,
) -> Result<(FrontMatter, Vec<Diagnostic>), Diagnostic> {
    match read_leading(yaml, first_line) {
        Leading::FrontMatter(Some(fm), found) if !found.iter().any(Diagnostic::is_error) => {
            Ok((*fm, found))
        }
        Leading::FrontMatter(_, found) => Err(found
            .into_iter()
            .find(Diagnostic::is_error)
            .unwrap_or_else(|| Diagnostic::error(first_line, 1, "front matter is not readable"))),
        Leading::Markdown => Err(Diagnostic::error(
            first_line,
            1,
            "front matter is not a YAML mapping of `key: value` lines",
        )),
    }
}

/// How front matter is read: the last of a key given twice wins (struct fields included), and
/// messages come without a source excerpt (the diagnostic names the line).
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
        with_snippet: false,
    }
}

/// YAML that does not parse: Markdown when it does not even start like `key: value`, an error
/// when a key of flightdeck's own shows it was meant for flightdeck, else a warning.
fn unreadable(yaml: &str, first_line: usize, e: &serde_saphyr::Error) -> Leading {
    let starts_like_a_mapping = yaml
        .lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .is_some_and(|l| top_level_key(l).is_some());
    if !starts_like_a_mapping {
        return Leading::Markdown;
    }
    let line = e.location().map_or(first_line, |l| {
        first_line + (l.line() as usize).saturating_sub(1)
    });
    let col = e.location().map_or(1, |l| l.column() as usize).max(1);
    let message = one_line(&e.to_string());
    let found = if names_flightdeck_section(yaml.lines()) {
        Diagnostic::error(line, col, format!("front matter does not parse: {message}"))
    } else {
        Diagnostic::warning(
            line,
            col,
            format!(
                "front matter does not parse: {message}; it is ignored (it names none of flightdeck's keys)"
            ),
        )
    };
    Leading::FrontMatter(None, vec![found])
}

/// Whether `lines` (of front matter) set a top-level key only flightdeck reads (`title` aside).
pub fn names_flightdeck_section<'a>(lines: impl IntoIterator<Item = &'a str>) -> bool {
    lines
        .into_iter()
        .filter_map(top_level_key)
        .any(|k| k != "title" && FLIGHTDECK_KEYS.contains(&k))
}

/// The key of a `key:` line written at the start of the line (quotes removed).
fn top_level_key(line: &str) -> Option<&str> {
    let (key, rest) = line.split_once(':')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let key = key.trim_end();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key);
    let ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    ok.then_some(key)
}

/// Reads the typed front matter from `lines`. A top-level section of a type flightdeck does not
/// read (a Hugo `vars:` list, `metrics: true`) is found by reading each section alone, warned
/// about on its line and left out. `gone` holds the lines of sections already blanked out.
fn typed(
    lines: &mut [String],
    outline: &[Entry],
    gone: &[usize],
    at: impl Fn(usize) -> usize,
    found: &mut Vec<Diagnostic>,
) -> Option<FrontMatter> {
    let read = |lines: &[String]| {
        serde_saphyr::from_str_with_options::<FrontMatter>(&lines.join("\n"), options())
    };
    let first_error = match read(lines) {
        Ok(fm) => return Some(fm),
        Err(e) => e,
    };
    let ignore_all = |found: &mut Vec<Diagnostic>, e: &serde_saphyr::Error| {
        found.push(Diagnostic::warning(
            at(1),
            1,
            format!("front matter is ignored: {}", one_line(&e.to_string())),
        ));
        None
    };
    // Each section's lines: from its key to the next top-level key.
    let sections: Vec<(&Entry, usize)> = outline
        .iter()
        .enumerate()
        .filter(|(_, e)| !gone.contains(&e.line))
        .map(|(i, e)| (e, outline.get(i + 1).map_or(lines.len() + 1, |n| n.line)))
        .collect();
    if sections.iter().any(|(e, until)| *until <= e.line) {
        // Several keys on one line (`{a: 1, b: 2}`): sections cannot be told apart.
        return ignore_all(found, &first_error);
    }
    let mut bad = Vec::new();
    for (i, (entry, until)) in sections.iter().enumerate() {
        let alone: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(n, l)| {
                if (entry.line..*until).contains(&(n + 1)) {
                    l.clone()
                } else {
                    String::new()
                }
            })
            .collect();
        if let Err(e) = read(&alone) {
            found.push(Diagnostic::warning(
                at(entry.line),
                1,
                wrong_type(&entry.key, &e),
            ));
            bad.push(i);
        }
    }
    for &i in &bad {
        let (entry, until) = sections[i];
        blank(lines, (entry.line, 1), until);
    }
    match read(lines) {
        Ok(fm) => Some(fm),
        Err(e) => ignore_all(found, &e),
    }
}

/// Clears `lines` from 1-based (line, column) to the end of line `until - 1`: the entry written
/// there is gone, every other line stays where it was.
fn blank(lines: &mut [String], (line, col): (usize, usize), until: usize) {
    for n in line..until {
        let Some(l) = lines.get_mut(n - 1) else {
            break;
        };
        if n == line {
            let keep = l
                .char_indices()
                .nth(col.saturating_sub(1))
                .map_or(l.len(), |(i, _)| i);
            l.truncate(keep);
        } else {
            l.clear();
        }
    }
}

/// Warnings for unknown keys: one per top-level key that neither flightdeck nor a site
/// generator reads, and one per section of flightdeck's holding keys it does not know.
fn unknown_keys(
    fm: &FrontMatter,
    outline: &[Entry],
    at: impl Fn(usize) -> usize,
    found: &mut Vec<Diagnostic>,
) {
    let mut warned: Vec<&str> = Vec::new();
    for entry in outline {
        let k = entry.key.as_str();
        let known =
            FLIGHTDECK_KEYS.contains(&k) || FOREIGN_KEYS.iter().any(|f| f.eq_ignore_ascii_case(k));
        if !known && !warned.contains(&k) && fm.unknown.contains_key(k) {
            warned.push(k);
            found.push(Diagnostic::warning(
                at(entry.line),
                1,
                format!("unknown front-matter key `{k}` is ignored"),
            ));
        }
    }
    let vars = fm.vars.values().flatten().flat_map(|v| v.unknown.keys());
    let metrics = fm.metrics.iter().flat_map(|m| m.unknown.keys());
    let logs = fm.logs.iter().flat_map(|l| l.unknown.keys());
    let notify = fm.notify.iter().flat_map(|n| n.unknown.keys());
    let sections: [(&str, &str, Vec<&String>); 4] = [
        ("vars", "vars.NAME.", vars.collect()),
        ("metrics", "metrics[].", metrics.collect()),
        ("logs", "logs[].", logs.collect()),
        ("notify", "notify.", notify.collect()),
    ];
    for (section, prefix, keys) in sections {
        let mut names: Vec<&str> = Vec::new();
        for k in keys {
            if !names.contains(&k.as_str()) {
                names.push(k);
            }
        }
        let Some(first) = names.first() else {
            continue;
        };
        let line = outline
            .iter()
            .filter(|e| e.key == section)
            .find_map(|e| e.value.first_line_of(first))
            .or_else(|| outline.iter().find(|e| e.key == section).map(|e| e.line))
            .unwrap_or(1);
        let listed: Vec<String> = names.iter().map(|n| format!("`{prefix}{n}`")).collect();
        let message = if names.len() == 1 {
            format!("unknown front-matter key {} is ignored", listed[0])
        } else {
            format!(
                "unknown front-matter keys {} are ignored",
                listed.join(", ")
            )
        };
        found.push(Diagnostic::warning(at(line), 1, message));
    }
}

/// A key written again in the same mapping: where the earlier one stands and ends, and the
/// line of the later one.
struct Dup {
    path: String,
    top: bool,
    earlier: (usize, usize),
    until: usize,
    later: usize,
}

/// Keys given more than once: at the top level, and anywhere inside flightdeck's own sections
/// (inside another tool's keys they do not matter, as flightdeck ignores those).
fn duplicates(entries: &[Entry], path: &str, top: bool, out: &mut Vec<Dup>) {
    for (j, later) in entries.iter().enumerate() {
        if let Some(i) = entries[..j].iter().rposition(|e| e.key == later.key) {
            let earlier = &entries[i];
            out.push(Dup {
                path: format!("{path}{}", later.key),
                top,
                earlier: (earlier.line, earlier.col),
                until: entries.get(i + 1).map_or(earlier.line, |n| n.line),
                later: later.line,
            });
        }
        if top && !FLIGHTDECK_KEYS.contains(&later.key.as_str()) {
            continue;
        }
        match &later.value {
            Node::Map(inner) => duplicates(inner, &format!("{path}{}.", later.key), false, out),
            Node::Seq(items) => {
                for item in items {
                    if let Node::Map(inner) = item {
                        duplicates(inner, &format!("{path}{}[].", later.key), false, out);
                    }
                }
            }
            Node::Scalar | Node::Null => {}
        }
    }
}

/// The outline of a YAML document: mappings with where each key is written, and nothing else.
#[derive(Debug)]
enum Node {
    Map(Vec<Entry>),
    Seq(Vec<Node>),
    Scalar,
    Null,
}

/// One `key: value` of a mapping; `line` and `col` are 1-based, within the YAML.
#[derive(Debug)]
struct Entry {
    key: String,
    line: usize,
    col: usize,
    value: Node,
}

impl Node {
    /// The line of the first key named `key` anywhere below this node.
    fn first_line_of(&self, key: &str) -> Option<usize> {
        match self {
            Node::Map(entries) => entries.iter().find_map(|e| {
                if e.key == key {
                    Some(e.line)
                } else {
                    e.value.first_line_of(key)
                }
            }),
            Node::Seq(items) => items.iter().find_map(|n| n.first_line_of(key)),
            Node::Scalar | Node::Null => None,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_i128<E>(self, _: i128) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_u128<E>(self, _: u128) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_str<E>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_bytes<E>(self, _: &[u8]) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element()? {
            items.push(n);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Key>>()? {
            let value = map.next_value()?;
            entries.push(Entry {
                key: key.value.0,
                line: key.referenced.line() as usize,
                col: key.referenced.column() as usize,
                value,
            });
        }
        Ok(Node::Map(entries))
    }
}

/// A mapping key as text (a number or boolean key as written; a complex key as nothing).
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping key")
            }

            fn visit_str<E>(self, s: &str) -> Result<Key, E> {
                Ok(Key(s.to_string()))
            }

            fn visit_bool<E>(self, b: bool) -> Result<Key, E> {
                Ok(Key(b.to_string()))
            }

            fn visit_i64<E>(self, n: i64) -> Result<Key, E> {
                Ok(Key(n.to_string()))
            }

            fn visit_u64<E>(self, n: u64) -> Result<Key, E> {
                Ok(Key(n.to_string()))
            }

            fn visit_f64<E>(self, n: f64) -> Result<Key, E> {
                Ok(Key(n.to_string()))
            }

            fn visit_unit<E>(self) -> Result<Key, E> {
                Ok(Key(String::new()))
            }

            fn visit_none<E>(self) -> Result<Key, E> {
                Ok(Key(String::new()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Key, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Key(String::new()))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Key, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Key(String::new()))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

/// The library's messages can span lines (with a source excerpt); keep the first meaningful one.
fn one_line(message: &str) -> String {
    let first = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid YAML");
    let first = first.strip_prefix("error:").unwrap_or(first).trim_start();
    // Its own relative `line N column M:` prefix is dropped: the diagnostic carries the file's.
    let without_location = first
        .strip_prefix("line ")
        .and_then(|r| r.split_once(": "))
        .filter(|(loc, _)| loc.contains("column"))
        .map_or(first, |(_, msg)| msg);
    // So is a relative ` at line N, column M` suffix.
    let without_location = without_location
        .rsplit_once(" at line ")
        .filter(|(_, loc)| loc.contains("column"))
        .map_or(without_location, |(msg, _)| msg);
    without_location.to_string()
}

/// Why a section cannot be read, in the words of someone who wrote it for another tool.
fn wrong_type(key: &str, e: &serde_saphyr::Error) -> String {
    let message = one_line(&e.to_string());
    let reads_as = if message.contains("expected mapping") {
        Some("a mapping of `name: value` lines")
    } else if message.contains("expected sequence") {
        Some("a list of `- ` items")
    } else {
        None
    };
    match reads_as {
        Some(what) => format!("front-matter `{key}` is ignored: flightdeck reads it as {what}"),
        None => format!("front-matter `{key}` is ignored: {message}"),
    }
}

impl FrontMatter {
    /// Whether front matter marks `name` secret; `None` when it does not say.
    pub fn var_secret(&self, name: &str) -> Option<bool> {
        self.vars
            .get(name)
            .and_then(|s| s.as_ref())
            .and_then(|s| s.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::diagnostic::Severity;

    #[test]
    fn typed_sections() {
        let yaml = "title: Go live\nenvironment: production\nvars:\n  PROJECT_REF:\n    prompt: Supabase project\n  API_KEY:\n    secret: false\n  PLAIN:\ndatabases:\n  main: postgres://postgres@127.0.0.1/test\nmetrics:\n  - name: answer\n    command: echo 42\n    crit: \"> 40\"\nwindow: 02:00-04:00 UTC\n";
        let (fm, warnings) = parse_front_matter(yaml, 2).expect("parses");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(fm.title.as_deref(), Some("Go live"));
        assert_eq!(
            fm.vars.keys().collect::<Vec<_>>(),
            ["PROJECT_REF", "API_KEY", "PLAIN"]
        );
        assert_eq!(fm.var_secret("API_KEY"), Some(false));
        assert_eq!(fm.metrics[0].crit.as_deref(), Some("> 40"));
        assert!(matches!(fm.window, Some(WindowSpec::Text(ref t)) if t == "02:00-04:00 UTC"));
    }

    #[test]
    fn unknown_keys_warn_with_their_line() {
        let yaml = "title: x\ncolour: blue\nmetrics:\n  - name: a\n    crti: \"> 1\"\n";
        let (_, warnings) = parse_front_matter(yaml, 2).expect("parses");
        let got: Vec<_> = warnings
            .iter()
            .map(|w| (w.line, w.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (3, "unknown front-matter key `colour` is ignored"),
                (6, "unknown front-matter key `metrics[].crti` is ignored"),
            ]
        );
    }

    #[test]
    fn bad_yaml_is_an_error_on_its_line() {
        let err = parse_front_matter("title: x\nvars: [unclosed\n", 2).expect_err("fails");
        assert!(err.is_error());
        assert!(err.line >= 3, "{err:?}");
        assert!(
            err.message.starts_with("front matter does not parse"),
            "{err:?}"
        );
        assert!(!err.message.contains('\n'));
    }

    fn read(yaml: &str) -> (Option<FrontMatter>, Vec<(usize, Severity, String)>) {
        match read_leading(yaml, 2) {
            Leading::FrontMatter(fm, found) => (
                fm.map(|f| *f),
                found
                    .into_iter()
                    .map(|d| (d.line, d.severity, d.message))
                    .collect(),
            ),
            Leading::Markdown => panic!("{yaml:?} read as Markdown"),
        }
    }

    #[test]
    fn sections_of_the_wrong_type_are_ignored_on_their_line() {
        let (fm, found) =
            read("title: T\nvars:\n  - a\n  - b\nmetrics: true\nenvironment: staging\n");
        let fm = fm.expect("the rest is read");
        assert_eq!(fm.title.as_deref(), Some("T"));
        assert_eq!(fm.environment.as_deref(), Some("staging"));
        assert!(fm.vars.is_empty() && fm.metrics.is_empty());
        let got: Vec<_> = found
            .iter()
            .map(|(l, s, m)| (*l, *s, m.split(':').next().unwrap_or("")))
            .collect();
        assert_eq!(
            got,
            [
                (3, Severity::Warning, "front-matter `vars` is ignored"),
                (6, Severity::Warning, "front-matter `metrics` is ignored"),
            ],
            "{found:?}"
        );
    }

    #[test]
    fn a_key_given_twice_warns_and_the_last_one_wins() {
        let (fm, found) = read(
            "title: First\nlayout: x\ntitle: Second\nvars:\n  A:\n    prompt: one\n    prompt: two\n",
        );
        let fm = fm.expect("reads");
        assert_eq!(fm.title.as_deref(), Some("Second"));
        assert_eq!(
            fm.vars["A"].as_ref().and_then(|v| v.prompt.as_deref()),
            Some("two")
        );
        let got: Vec<_> = found.iter().map(|(l, _, m)| (*l, m.as_str())).collect();
        assert_eq!(
            got,
            [
                (
                    4,
                    "front-matter key `title` is given again (first at line 2); the last one is used"
                ),
                (
                    8,
                    "front-matter key `vars.A.prompt` is given again (first at line 7); the last one is used"
                ),
            ]
        );
    }

    #[test]
    fn what_is_not_a_mapping_is_markdown() {
        for yaml in [
            "Just a sentence.\n",
            "- a\n- b\n",
            "# a comment\n",
            "Some prose, then: more\n- x: [\n",
        ] {
            assert!(
                matches!(read_leading(yaml, 2), Leading::Markdown),
                "{yaml:?}"
            );
        }
    }
}
