//! Lines that count: `create disk-1 --from {SNAPSHOT1}`, `create disk-2 --from {SNAPSHOT2}`,
//! then `...`. The author wrote two of a series and let `...` stand for the rest, so the
//! block is one line that runs once for each value it counts: the counter is the input `N`,
//! and a counted placeholder (`{SNAPSHOT1}`, `{SNAPSHOT2}`) is one input (`{SNAPSHOT}`).

/// Text split into runs of ASCII digits and runs of anything else.
fn runs(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    for i in 1..=bytes.len() {
        if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit() {
            out.push(&line[start..i]);
            start = i;
        }
    }
    out
}

/// The one line a counted series of two or more lines stands for, and the inputs it counts
/// (`N` and the counted placeholders, in order). `None` unless every line is the first with
/// its counted numbers raised by the line's place (1, 2, 3 …), and all else the same.
pub fn counted(code: &str) -> Option<(String, Vec<String>)> {
    let lines: Vec<&str> = code.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() < 2 || lines.len() > 20 {
        return None;
    }
    let first = runs(lines[0]);
    let number = |r: &str| -> Option<u32> {
        // (`disk-01`: a zero-padded number keeps its width, which `{N}` would lose.)
        (r.len() <= 4
            && r.bytes().all(|b| b.is_ascii_digit())
            && !(r.len() > 1 && r.starts_with('0')))
        .then(|| r.parse().ok())
        .flatten()
    };
    let mut counted: Vec<usize> = Vec::new();
    for (k, line) in lines.iter().enumerate().skip(1) {
        let these = runs(line);
        if these.len() != first.len() {
            return None;
        }
        let mut differ = Vec::new();
        for (i, (a, b)) in first.iter().zip(&these).enumerate() {
            if a == b {
                continue;
            }
            let (Some(x), Some(y)) = (number(a), number(b)) else {
                return None;
            };
            if y != x + k as u32 {
                return None;
            }
            differ.push(i);
        }
        if differ.is_empty() || k > 1 && differ != counted {
            return None;
        }
        counted = differ;
    }
    let mut line = String::new();
    let mut names: Vec<String> = Vec::new();
    for (i, run) in first.iter().enumerate() {
        if !counted.contains(&i) {
            line.push_str(run);
            continue;
        }
        // `{SNAPSHOT1}`: the counted placeholder is one input.
        let before = first[..i].concat();
        let after = first.get(i + 1).copied().unwrap_or("");
        let name_start = before
            .rfind(['{', '<'])
            .filter(|&at| {
                before[at + 1..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            })
            .map(|at| before[at + 1..].to_string());
        match name_start {
            Some(name)
                if !name.is_empty() && (after.starts_with('}') || after.starts_with('>')) =>
            {
                // `{SNAPSHOT1}` → `{SNAPSHOT}`; `{snapshot-1}` → `{snapshot-n}` (a bare
                // lowercase word in braces would be no placeholder).
                let name = if name.ends_with(['-', '_']) {
                    let n = if name.bytes().any(|b| b.is_ascii_lowercase()) {
                        "n"
                    } else {
                        "N"
                    };
                    line.push_str(n);
                    format!("{name}{n}")
                } else {
                    name
                };
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            _ => {
                line.push_str("{N}");
                if !names.iter().any(|n| n == "N") {
                    names.insert(0, "N".to_string());
                }
            }
        }
    }
    Some((line, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_lines() {
        let (line, names) =
            counted("create disk-{USER}-1 --from {SNAP1}\ncreate disk-{USER}-2 --from {SNAP2}\n")
                .unwrap();
        assert_eq!(line, "create disk-{USER}-{N} --from {SNAP}");
        assert_eq!(names, ["N", "SNAP"]);
        let (line, _) = counted("mk {snap-1}\nmk {snap-2}\n").unwrap();
        assert_eq!(line, "mk {snap-n}");
        assert!(counted("echo 1\necho 3\n").is_none());
        assert!(counted("echo a\necho b\n").is_none());
        assert!(counted("echo 1\n").is_none());
        assert!(counted("mk disk-01\nmk disk-02\n").is_none());
    }
}

/// "Generate the weekly update with the following command for desired branches" over
/// `--branch <branch_name>`: the step runs once for each of the things its title counts, the
/// input that names one of them given anew each time. Returns what it repeats for ("each
/// desired branch") and that input.
pub fn for_each_named(title: &str, inputs: &[String]) -> Option<(String, String)> {
    // What may stand between "for" and the things: "for (each | every | all (the) | the)
    // (desired | wanted | supported | relevant) branches".
    const COUNTS: &[&str] = &["each", "every", "all", "the"];
    const WHICH: &[&str] = &["desired", "wanted", "supported", "relevant", "chosen"];
    let lower = title.to_ascii_lowercase();
    for (at, _) in lower.match_indices(" for ") {
        let mut words = lower[at + 5..].split_whitespace().peekable();
        let mut each = false;
        while let Some(w) = words.next_if(|w| COUNTS.contains(w)) {
            each |= *w == *"each" || *w == *"every";
        }
        let which = words.next_if(|w| WHICH.contains(w));
        let Some(noun) = words.next() else { continue };
        let noun = noun.trim_end_matches(|c: char| !c.is_ascii_alphabetic());
        let one = match noun.strip_suffix("es") {
            Some(stem) if stem.ends_with("ch") || stem.ends_with("sh") || stem.ends_with('x') => {
                stem
            }
            _ => noun.strip_suffix('s').unwrap_or(noun),
        };
        // "each"/"every" or the chosen ones ("for desired branches"): one run per thing. Not
        // "for the release", "for details", nor "for all users", "for the databases": those
        // are one run that covers them.
        let many = each || which.is_some() && one.len() < noun.len();
        if !many || one.len() < 3 || !one.chars().all(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        // The input named for exactly that thing (`branch`, `branch_name`), not one that only
        // starts with it (`node_pool` is no node).
        let named = inputs.iter().find(|i| {
            let key = crate::runbook::inputs::spelling_key(i);
            key == one || key.strip_suffix("name").map(|k| k.trim_end_matches('_')) == Some(one)
        })?;
        let which = which.map_or(String::new(), |w| format!("{w} "));
        return Some((format!("each {which}{one}"), named.clone()));
    }
    None
}

#[cfg(test)]
mod for_each_tests {
    use super::for_each_named;

    #[test]
    fn a_title_that_counts_things_repeats_for_each() {
        let inputs = ["branch_name".to_string(), "SINCE".to_string()];
        assert_eq!(
            for_each_named("Generate the update for desired branches", &inputs),
            Some(("each desired branch".to_string(), "branch_name".to_string()))
        );
        assert_eq!(for_each_named("Generate it for the branch", &inputs), None);
        assert_eq!(for_each_named("Wait for all pods", &inputs), None);
        assert_eq!(for_each_named("Update it for all branches", &inputs), None);
        let pool = ["NODE_POOL".to_string()];
        assert_eq!(for_each_named("Upgrade it for each node", &pool), None);
    }
}
