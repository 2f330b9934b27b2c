//! Bare names in capitals that the runbook itself says stand for a value it already has. A
//! runbook that exports `CLUSTER_NAME` and names its files `projects/$CLUSTER_NAME.tfvars`
//! may later write `terraform plan -var-file=projects/CLUSTER.tfvars`, or say "give the
//! workspace the same name as the `.tfvars` filename" over `terraform workspace new
//! WORKSPACE_NAME`: both are that one value, not new ones for the captain to type again.

use std::collections::{HashMap, HashSet};

/// What ties a bare name to a variable, in the runbook's words: "the same name as".
const SAME_AS: &str = "same name as";

/// The variables the runbook names files of each extension after: `$VAR.ext` / `${VAR}.ext`
/// (`tfvars` → `CLUSTER_NAME`), in one pass over `src`.
fn stems_by_extension(src: &str) -> HashMap<String, HashSet<String>> {
    let b = src.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for (i, _) in src.match_indices('$') {
        let braced = b.get(i + 1) == Some(&b'{');
        let start = i + 1 + usize::from(braced);
        let len = b
            .get(start..)
            .map_or(0, |r| r.iter().take_while(|c| ident(**c)).count());
        let mut end = start + len;
        if len == 0 || braced && b.get(end) != Some(&b'}') {
            continue;
        }
        end += usize::from(braced);
        if b.get(end) != Some(&b'.') {
            continue;
        }
        let ext_len = b.get(end + 1..).map_or(0, |r| {
            r.iter().take_while(|c| c.is_ascii_alphanumeric()).count()
        });
        if ext_len > 0 {
            out.entry(src[end + 1..end + 1 + ext_len].to_ascii_lowercase())
                .or_default()
                .insert(src[start..start + len].to_string());
        }
    }
    out
}

/// The one variable files of extension `ext` are named after, if there is exactly one.
fn only_stem<'a>(stems: &'a HashMap<String, HashSet<String>>, ext: &str) -> Option<&'a String> {
    let vars = stems.get(&ext.to_ascii_lowercase())?;
    (vars.len() == 1).then(|| vars.iter().next()).flatten()
}

/// The bare names (keys) the runbook says are one of its variables (values), keyed two ways:
/// - `WORD.ext`: a value word as a file's name (`projects/CLUSTER.tfvars`) where every other
///   file of that extension is named after one variable that begins with that word
///   (`$CLUSTER_NAME.tfvars`);
/// - `NAME`: the one bare name (found by `bare_names`) in the code block right after a
///   sentence saying to give it "the same name as" a file (`` the `.tfvars` filename ``) whose
///   kind the runbook always names after one variable.
///
/// `bare_names` marks the bare names of a block as `<NAME>` ([`super::inputs`]'s rule).
pub fn named_after(
    src: &str,
    bare_names: impl Fn(&str) -> Option<String>,
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if !src.contains('$') {
        return out;
    }
    let stems = stems_by_extension(src);
    if stems.is_empty() {
        return out;
    }
    // `/WORD.ext` where WORD, in capitals, begins the one variable of that extension.
    let b = src.as_bytes();
    for (i, _) in src.match_indices('/') {
        let start = i + 1;
        let len = b.get(start..).map_or(0, |r| {
            r.iter().take_while(|c| c.is_ascii_uppercase()).count()
        });
        let end = start + len;
        if len == 0 || b.get(end) != Some(&b'.') {
            continue;
        }
        let ext_len = b.get(end + 1..).map_or(0, |r| {
            r.iter().take_while(|c| c.is_ascii_alphanumeric()).count()
        });
        let word = &src[start..end];
        let ext = &src[end + 1..end + 1 + ext_len];
        if let Some(var) = only_stem(&stems, ext)
            && var
                .strip_prefix(word)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
        {
            out.insert(format!("{word}.{ext}"), var.clone());
        }
    }
    // "… the same name as the `.tfvars` filename." over the block that names it.
    let lower = src.to_ascii_lowercase();
    for (at, _) in lower.match_indices(SAME_AS) {
        let rest = &src[at + SAME_AS.len()..];
        let paragraph = rest.split("\n\n").next().unwrap_or("");
        let sentence = paragraph.split(". ").next().unwrap_or(paragraph);
        let Some(code) = sentence.split('`').nth(1) else {
            continue;
        };
        let Some((stem, ext)) = code.rsplit_once('.') else {
            continue;
        };
        // A kind of file (`.tfvars`, `projects/<name>.tfvars`, `*.tfvars`), not one file the
        // sentence names (`charts/app/registry.yaml`): only a kind is named after a variable.
        let file_name = stem.rsplit('/').next().unwrap_or(stem);
        if !(file_name.is_empty() || file_name.contains(['$', '*', '<', '{'])) {
            continue;
        }
        let Some(var) = only_stem(&stems, ext) else {
            continue;
        };
        // The next fenced block after the sentence, if at most one line of prose is between
        // and no heading: a few lines looked at, not the rest of the document.
        let after = &rest[paragraph.len()..];
        let mut open = None;
        let mut prose = 0;
        let mut offset = 0;
        for line in after.split_inclusive('\n').take(6) {
            let t = line.trim();
            if t.starts_with("```") {
                open = Some(offset);
                break;
            }
            if t.starts_with('#') {
                break;
            }
            prose += usize::from(!t.is_empty());
            offset += line.len();
        }
        let Some(open) = open.filter(|_| prose <= 1) else {
            continue;
        };
        let body = after[open..].split_once('\n').map_or("", |(_, b)| b);
        let body = body.split("```").next().unwrap_or("");
        let Some(marked) = bare_names(body) else {
            continue;
        };
        let mut names: Vec<&str> = marked
            .split('<')
            .skip(1)
            .filter_map(|s| s.split_once('>').map(|(n, _)| n))
            .filter(|n| !body.contains(&format!("<{n}>")))
            .collect();
        names.sort_unstable();
        names.dedup();
        if let [name] = names[..] {
            out.insert(name.to_string(), var.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(body: &str) -> Option<String> {
        body.contains("NEW_NAME")
            .then(|| body.replace("NEW_NAME", "<NEW_NAME>"))
    }

    #[test]
    fn names_the_runbook_ties_to_a_variable() {
        let src = "Files go to `conf/$SITE_NAME.cfg`.\n\nLoad `conf/SITE.cfg`.\n\n\
                   Give it the same name as the `.cfg` file.\n\n```bash\ntool new NEW_NAME\n```\n";
        let named = named_after(src, marks);
        assert_eq!(named.get("SITE.cfg").map(String::as_str), Some("SITE_NAME"));
        assert_eq!(named.get("NEW_NAME").map(String::as_str), Some("SITE_NAME"));
        // Two variables name `.cfg` files: no one of them is meant.
        let two = format!("{src}\n`$OTHER.cfg`\n");
        assert!(named_after(&two, marks).is_empty());
        // A word that is not the start of the variable's name is another value.
        let other = "`a/$SITE_NAME.cfg` then `a/HOST.cfg`\n";
        assert!(named_after(other, marks).is_empty());
        assert!(named_after("no variables here", marks).is_empty());
    }
}
