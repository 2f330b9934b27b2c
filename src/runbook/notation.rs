//! Version notations: release runbooks write the version they cut as a pattern (`x.y.z`,
//! `vX.Y.Z`, `YY.MM.MICRO`, `x.y.z+1` for the next one) or as a made-up example they declare
//! ("Examples will use the fictional release version 11.22.33"). Run as written, a tag named
//! `x.y.z` would be pushed; each notation is an input instead, asked for once.

/// The words a notation is made of, each a part of a version or a date.
const PARTS: &[&str] = &[
    "x", "y", "z", "yy", "yyyy", "mm", "dd", "major", "minor", "patch", "micro",
];

/// Where a version notation stands in `code`: each as a `(notation, placeholder text)` pair,
/// in order of first appearance, the longest first where one holds another (`x.y.z+1` before
/// `x.y.z`). `x.y.z` in any case is `<VERSION>`, `x.y.z+1` is `<NEXT_VERSION>`, others are
/// named after themselves (`YY.MM.MICRO` → `<YY_MM_MICRO>`). A leading `v` stays as written
/// (`vX.Y.Z` → `v<VERSION>`). One that only ever stands as the value of a variable that holds
/// the release before (`PREVIOUS_RELEASE=vX.Y.Z`) is `<PREVIOUS_VERSION>`.
pub fn notations(code: &str) -> Vec<(String, String)> {
    /// Variables that hold the release before the one cut (`PREVIOUS_RELEASE`).
    const PREVIOUS: &[&str] = &["PREVIOUS_", "PREV_", "LAST_", "OLD_"];
    let mut found: Vec<(String, String)> = Vec::new();
    // Per notation found: whether every place it stands is the value of such a variable.
    let mut before_only: Vec<bool> = Vec::new();
    let bytes = code.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !word(bytes[i]) || i > 0 && word(bytes[i - 1]) {
            i += 1;
            continue;
        }
        let end = i + bytes[i..].iter().take_while(|&&b| word(b)).count();
        let token = code[i..end].trim_end_matches('.');
        let bare = token.strip_prefix('v').unwrap_or(token);
        if is_notation(bare) {
            let next = code[i + token.len()..].starts_with("+1");
            let name = if next {
                "NEXT_VERSION".to_string()
            } else if bare.eq_ignore_ascii_case("x.y.z") {
                "VERSION".to_string()
            } else {
                bare.replace('.', "_")
            };
            let v = &token[..token.len() - bare.len()];
            let text = if next {
                format!("{token}+1")
            } else {
                token.to_string()
            };
            // `PREVIOUS_RELEASE=vX.Y.Z`: the release before, not the one cut.
            let assigned = code[..i].trim_end_matches(['"', '\'']);
            let previous = !next
                && assigned.strip_suffix('=').is_some_and(|before| {
                    let var = before
                        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    PREVIOUS.iter().any(|p| var.starts_with(p))
                });
            match found.iter().position(|(t, _)| *t == text) {
                Some(k) => before_only[k] &= previous,
                None => {
                    found.push((text, format!("{v}<{name}>")));
                    before_only.push(previous);
                }
            }
        }
        i = end;
    }
    for ((text, with), previous) in found.iter_mut().zip(&before_only) {
        if *previous {
            let bare = text.strip_prefix('v').unwrap_or(text);
            let v = &text[..text.len() - bare.len()];
            *with = format!("{v}<PREVIOUS_VERSION>");
        }
    }
    // `x.y.z+1` is replaced before the `x.y.z` it starts with.
    found.sort_by_key(|(t, _)| std::cmp::Reverse(t.ends_with("+1")));
    found
}

/// `X.Y.Z`, `x.y.z`, `X.Y.0`, `YY.MM.MICRO`, `YY.MM.x`, `X.Y`: two or more parts, the first a
/// notation word, the last possibly `0` or `x`. Numbered forms (`1.7.x`, `11.x`) are left
/// alone: branches are really named like that.
fn is_notation(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    let part = |p: &str| PARTS.iter().any(|w| w.eq_ignore_ascii_case(p));
    let last = parts.len().saturating_sub(1);
    parts.len() >= 2
        && parts.len() <= 4
        && parts
            .iter()
            .enumerate()
            .all(|(k, p)| part(p) || k == last && k > 0 && (*p == "0" || *p == "x"))
        // Both cases mixed in one word (`Yy`) is a word, not a notation.
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                || p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// The made-up version a runbook says its examples use ("Examples will use the fictional
/// release version 11.22.33."): that version, in the code, is the release being cut.
pub fn declared_example(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let versioned = lower.contains("version");
    // The version the cue names, not an earlier one ("Tested with 2.4.1. Examples will use
    // the fictional release version 11.22.33.").
    let cue = [
        ("fictional", versioned),
        ("examples will use", versioned),
        ("example of releasing", true),
    ]
    .iter()
    .filter(|(_, holds)| *holds)
    .filter_map(|(c, _)| lower.find(c))
    .min();
    let cue = match cue {
        Some(cue) => cue,
        None => return upgrade_example(text, &lower),
    };
    crate::runbook::prose::tokens(&text[cue..]).find(|w| numeric_parts(w).is_some())
}

/// Whether a paragraph declares the version the guide's examples upgrade to ("The examples
/// given in this guide upgrade … to …"), which holds for the whole guide, unlike a
/// release's fictional version said under each release.
pub fn upgrades_the_guide(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    !["fictional", "examples will use", "example of releasing"]
        .iter()
        .any(|c| lower.contains(c))
        && upgrade_example(text, &lower).is_some()
}

/// "The examples given in this guide upgrade a live cluster running `v1.12.10` to the version
/// `v1.13.1`.": the version an upgrade guide's examples go *to* is the one the reader replaces
/// with their own target (the version they come from only shows in sample output).
fn upgrade_example<'t>(text: &'t str, lower: &str) -> Option<&'t str> {
    let cue = lower.find("the examples")?;
    let rest = &lower[cue..];
    // (One sentence: the cue's own, not a later one that names some other version.)
    let end = rest.find(". ").map_or(rest.len(), |e| e + 1);
    let sentence = &rest[..end];
    if !["upgrade", "update"].iter().any(|v| sentence.contains(v)) {
        return None;
    }
    // The version right after a " to " ("to the version `v1.13.1`"), not after the " to " of
    // "how to upgrade", nor one the sentence names for something else ("captured on 2.0.1").
    sentence.match_indices(" to ").find_map(|(at, _)| {
        let to = cue + at + 4;
        crate::runbook::prose::tokens(text.get(to..cue + end)?)
            .filter(|w| !w.is_empty())
            .take(3)
            .find(|w| numeric_parts(w).is_some_and(|p| p.len() == 3))
    })
}

/// The parts of `19.09`, `4.5.0` or `v4.5.0`: two or three, all digits.
fn numeric_parts(word: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = word.strip_prefix('v').unwrap_or(word).split('.').collect();
    ((2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())))
    .then_some(parts)
}

/// Versions in `code` shaped like the declared example `version` (the same number of parts,
/// each as wide) are the example's neighbours: the one below is `PREVIOUS_VERSION`, the one
/// above `NEXT_VERSION`. Only when each side has exactly one, and never a version the
/// declaring sentence names for something else ("Tested with 2.4.1.").
pub fn neighbour_versions(code: &str, version: &str, said: &str) -> Vec<(String, &'static str)> {
    let Some(own) = numeric_parts(version) else {
        return Vec::new();
    };
    let width: Vec<usize> = own.iter().map(|p| p.len()).collect();
    let mut others: Vec<&str> = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .flat_map(|w| w.split(".."))
        .map(|w| w.trim_matches('.'))
        .map(|w| w.strip_prefix('v').unwrap_or(w))
        .filter(|w| *w != version && !said.contains(w))
        .filter(|w| {
            numeric_parts(w).is_some_and(|p| p.iter().map(|x| x.len()).eq(width.iter().copied()))
        })
        .collect();
    others.sort_unstable();
    others.dedup();
    let key = |v: &str| -> Vec<u32> { v.split('.').filter_map(|p| p.parse().ok()).collect() };
    let (below, above): (Vec<&str>, Vec<&str>) = others.iter().partition(|o| key(o) < key(version));
    let mut out = Vec::new();
    if let [one] = below.as_slice() {
        out.push((one.to_string(), "PREVIOUS_VERSION"));
    }
    if let [one] = above.as_slice() {
        out.push((one.to_string(), "NEXT_VERSION"));
    }
    out
}

/// The one concrete release version in a block the prose offers as an example ("Check out
/// the desired release by specifying its tag. For example:", then `git checkout v4.5.0`): the
/// reader is meant to type their own. `None` when the block holds no version or several, which
/// would be a range or a pair the prose must name.
pub fn example_version(code: &str) -> Option<&str> {
    let mut found = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| is_release_version(w));
    let first = found.next()?;
    let bare = first.trim_start_matches('v');
    found
        .all(|w| w.trim_start_matches('v') == bare)
        .then_some(bare)
}

/// `4.5.0` or `v4.5.0`: three numeric parts, as releases are tagged. Two parts (`3.12`) are
/// as often a tool's version as a release's, four an address.
fn is_release_version(word: &str) -> bool {
    let parts: Vec<&str> = word.strip_prefix('v').unwrap_or(word).split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(code: &str) -> Vec<(String, String)> {
        notations(code)
    }

    #[test]
    fn letter_notations_are_inputs_and_numbered_branches_are_not() {
        assert_eq!(
            pairs("tbump x.y.z-beta.1 && tbump --no-tag x.y.z+1-0.dev && git tag vX.Y.Z"),
            [
                ("x.y.z+1".to_string(), "<NEXT_VERSION>".to_string()),
                ("x.y.z".to_string(), "<VERSION>".to_string()),
                ("vX.Y.Z".to_string(), "v<VERSION>".to_string()),
            ]
        );
        assert_eq!(
            pairs("git push upstream changelog-YY.MM.MICRO release-X.Y.0"),
            [
                ("YY.MM.MICRO".to_string(), "<YY_MM_MICRO>".to_string()),
                ("X.Y.0".to_string(), "<X_Y_0>".to_string()),
            ]
        );
        for plain in [
            "git checkout 11.x",
            "RELEASE_TAG=v1.7.x-rc.1",
            "cp a.py b.py",
            "ls x.yz",
            "echo Yy.Mm",
            "kubectl get -o jsonpath={.x.y}",
        ] {
            assert!(pairs(plain).is_empty(), "{plain}");
        }
    }

    #[test]
    fn an_example_block_holds_one_version_or_none() {
        assert_eq!(
            example_version("cd /opt/netbox && sudo git checkout v4.5.0"),
            Some("4.5.0")
        );
        assert_eq!(
            example_version("git checkout v4.5.0 && echo 4.5.0"),
            Some("4.5.0")
        );
        for none in [
            "git diff v4.4.10..v4.5.0",
            "PYTHON=/usr/bin/python3.12 ./upgrade.sh",
            "ping 10.0.0.1",
            "ls -la",
        ] {
            assert_eq!(example_version(none), None, "{none}");
        }
    }

    #[test]
    fn a_declared_example_version_is_found() {
        assert_eq!(
            declared_example("Examples will use the fictional release version 11.22.33."),
            Some("11.22.33")
        );
        assert_eq!(
            declared_example("We released version 1.2.3 last week."),
            None
        );
        assert_eq!(
            declared_example("Tested with 2.4.1. Examples will use the fictional version 9.8.7."),
            Some("9.8.7")
        );
        assert_eq!(
            declared_example(
                "The examples given here upgrade a cluster running `v2.3.9` to the version `v2.4.1`."
            ),
            Some("v2.4.1")
        );
        assert_eq!(
            declared_example("The examples given here upgrade a cluster. Use 2.4.1 to test."),
            None
        );
        assert_eq!(
            declared_example(
                "The examples in this guide show how to upgrade a cluster from 3.4.1 to 3.5.0."
            ),
            Some("3.5.0")
        );
        assert_eq!(
            declared_example(
                "The examples assume you upgrade to the newest release; the output was \
                 captured on 2.0.1."
            ),
            None
        );
        assert_eq!(
            declared_example("Going through an example of releasing NixOS 19.09:"),
            Some("19.09")
        );
        assert_eq!(
            neighbour_versions(
                "git log release-19.03..release-19.09\necho 20.03 > .version\npip install a==1.2",
                "19.09",
                "an example of releasing 19.09"
            ),
            [
                ("19.03".to_string(), "PREVIOUS_VERSION"),
                ("20.03".to_string(), "NEXT_VERSION")
            ]
        );
        // Two candidates on one side: none is guessed.
        assert_eq!(
            neighbour_versions("git log 18.09 19.03 20.03", "19.09", ""),
            [("20.03".to_string(), "NEXT_VERSION")]
        );
    }
}
