//! A configuration edit the prose asks for but the block after it does not make: "swap the
//! servers by setting the option `port=5232` in `/etc/…/postgresql.conf`, disable the old
//! server and start the new one", over a block that only runs `systemctl`. The edit is done by
//! hand, so it is a manual step of its own, before the block.

use crate::runbook::prose::imperative_of;
use crate::runbook::title::sentences;

/// Verbs that edit a setting, as an imperative or a gerund ("set" / "setting").
const EDIT_VERBS: &[&str] = &["set", "change", "edit", "modify", "update"];

/// Words that say the clause names a setting, not a whole file to replace.
const SETTING_WORDS: &[&str] = &["option", "setting", "parameter", "variable", "directive"];

/// How many edit verbs of one sentence are tried: a sentence asks for one or two edits.
const MAX_VERBS: usize = 4;

/// Extensions of configuration files.
const CONFIG_EXTENSIONS: &[&str] = &[
    "conf",
    "cnf",
    "cfg",
    "ini",
    "yaml",
    "yml",
    "toml",
    "json",
    "properties",
    "env",
];

/// The edit `lead` asks for in a configuration file that `code` does not name: its title
/// ("Set the option port=5232 in /etc/app/app.conf") and the prose up to the sentence that
/// asks for it.
pub fn edit_left_to_do(lead: &str, code: &str) -> Option<(String, String)> {
    let all = sentences(lead.trim());
    let mut code_lower: Option<String> = None;
    for (n, sentence) in all.iter().enumerate() {
        // Where each clause ends (the next comma or semicolon), found once per sentence; and
        // only the first few edit verbs of a sentence are tried, so a long one stays linear.
        let ends: Vec<usize> = sentence
            .match_indices([',', ';'])
            .map(|(i, _)| i)
            .chain([sentence.len()])
            .collect();
        let mut tried = 0;
        let mut at = 0;
        for word in sentence.split_inclusive(char::is_whitespace) {
            at += word.len();
            if tried >= MAX_VERBS {
                break;
            }
            let bare = word.trim().to_ascii_lowercase();
            let verb = if EDIT_VERBS.contains(&bare.as_str()) {
                EDIT_VERBS.iter().find(|v| **v == bare).copied()
            } else {
                imperative_of(&bare).filter(|v| EDIT_VERBS.contains(v))
            };
            let Some(verb) = verb else { continue };
            tried += 1;
            // The clause runs to the next comma or semicolon.
            let end = ends[ends.partition_point(|&e| e < at)];
            let clause = sentence
                .get(at..end.max(at))
                .unwrap_or("")
                .trim_end_matches(['.', ':', ' ']);
            let lower = clause.to_ascii_lowercase();
            let names_setting = clause.split_whitespace().any(|w| w.contains('='))
                || clause
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| SETTING_WORDS.contains(&w.to_ascii_lowercase().as_str()));
            let Some(file) = config_file(&lower) else {
                continue;
            };
            let code_lower = code_lower.get_or_insert_with(|| code.to_ascii_lowercase());
            if !names_setting || code_lower.contains(file) {
                continue;
            }
            let title = format!(
                "{} {}",
                crate::runbook::markdown::capitalized(verb),
                clause.trim()
            );
            // The detail: what the prose says up to the edit ("The first step is …").
            return Some((title, all[..=n].join(" ")));
        }
    }
    None
}

/// The name of the configuration file a clause names by its path ("… in
/// /etc/postgresql/[version]/main/postgresql.conf" → "postgresql.conf").
fn config_file(clause: &str) -> Option<&str> {
    let slash = clause.rfind('/')?;
    let name = clause[slash + 1..]
        .split(|c: char| c.is_whitespace() || c == '`' || c == ')' || c == '"' || c == '\'')
        .next()?
        .trim_end_matches(['.', ':']);
    let (_, ext) = name.rsplit_once('.')?;
    CONFIG_EXTENSIONS.contains(&ext).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_the_block_does_not_make_is_left_to_do() {
        let lead = "Swap the servers by setting the option port=5433 in /etc/pg/16/main/postgresql.conf, disable the old one and start the new one.";
        let (title, _) = edit_left_to_do(lead, "systemctl disable pg-old\n").unwrap();
        assert_eq!(
            title,
            "Set the option port=5433 in /etc/pg/16/main/postgresql.conf"
        );
        // The block makes the edit itself.
        assert!(
            edit_left_to_do(lead, "sed -i s/5432/5433/ /etc/pg/16/main/postgresql.conf").is_none()
        );
        // A whole file, not a setting in it.
        assert!(
            edit_left_to_do(
                "Update /etc/app/app.yaml, then restart:",
                "systemctl restart app"
            )
            .is_none()
        );
    }
}
