//! Stable step ids: explicit `id=` wins, else the slug of the phase path and the step title.
//!
//! A derived id depends only on the step's own phase path and title (plus a counter among steps
//! that would otherwise share it), so editing another phase never renames a step and a resumed
//! run finds its steps again.

use std::collections::{HashMap, HashSet};

use crate::runbook::diagnostic::Diagnostic;
use crate::runbook::model::Phase;

/// Longest slug segment kept from a title.
const MAX_SEGMENT: usize = 32;

/// Fills in `Step::id` for every step; duplicate explicit ids are reported as errors.
pub fn assign_ids(phases: &mut [Phase], diagnostics: &mut Vec<Diagnostic>) {
    // Sized for every step up front: growing would hash every id again.
    let steps = phases.iter().map(|p| p.steps.len()).sum();
    let mut used: HashSet<String> = HashSet::with_capacity(steps);
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    for step in phases.iter().flat_map(|p| &p.steps) {
        if let Some(id) = &step.attrs.id {
            match first_line.get(id.as_str()) {
                Some(line) => diagnostics.push(Diagnostic::error(
                    step.line,
                    1,
                    format!(
                        "duplicate step id `{id}` (first used at line {line}); ids must be unique"
                    ),
                )),
                None => {
                    first_line.insert(id, step.line);
                    used.insert(id.clone());
                }
            }
        }
    }
    // Parents come before their children, so each path extends an already built one.
    let mut paths: Vec<String> = Vec::with_capacity(phases.len());
    for (i, phase) in phases.iter().enumerate() {
        let mut path = match phase.parent.filter(|&p| p < i) {
            Some(p) => {
                let mut path = String::with_capacity(paths[p].len() + MAX_SEGMENT + 1);
                path.push_str(&paths[p]);
                path.push('.');
                path
            }
            None => String::new(),
        };
        slug_into(&mut path, &phase.title, "phase");
        paths.push(path);
    }
    // Next free counter per base id, so many equal titles stay linear.
    let mut next: HashMap<String, usize> = HashMap::new();
    for (i, phase) in phases.iter_mut().enumerate() {
        for step in &mut phase.steps {
            if let Some(id) = &step.attrs.id {
                step.id = id.clone();
                continue;
            }
            // A context prefix ("Group › Step") becomes path segments of its own, so that
            // truncation never drops the part that tells siblings apart.
            let mut base = String::with_capacity(paths[i].len() + MAX_SEGMENT + 1);
            base.push_str(&paths[i]);
            for part in step.title.split('›') {
                base.push('.');
                slug_into(&mut base, part, "step");
            }
            // Nearly every id is new: one hash lookup inserts it.
            if used.insert(base.clone()) {
                step.id = base;
                continue;
            }
            let n = match next.get_mut(&base) {
                Some(n) => n,
                None => next.entry(base.clone()).or_insert(2),
            };
            let mut id = String::with_capacity(base.len() + 4);
            loop {
                id.clear();
                id.push_str(&base);
                id.push('-');
                id.push_str(&n.to_string());
                *n += 1;
                if used.insert(id.clone()) {
                    break;
                }
            }
            step.id = id;
        }
    }
}

/// Lowercase ASCII words joined by `-`, cut at a word boundary; `fallback` when nothing is left.
pub fn slug(text: &str, fallback: &str) -> String {
    let mut s = String::new();
    slug_into(&mut s, text, fallback);
    s
}

/// Per byte: its lowercase when it is an ASCII letter or digit (kept in slugs), else 0.
const SLUG_BYTE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// [`slug`] appended to `out`, so that an id is built in one string.
fn slug_into(out: &mut String, text: &str, fallback: &str) {
    // Bytes, not chars: only ASCII letters and digits are kept, and every byte of another
    // character acts as the one separator the character would.
    let mut s = [0u8; MAX_SEGMENT + 1];
    let mut len = 0;
    for b in text.bytes() {
        let kept = SLUG_BYTE[usize::from(b)];
        if kept != 0 {
            s[len] = kept;
            len += 1;
        } else if len > 0 && s[len - 1] != b'-' {
            s[len] = b'-';
            len += 1;
        }
        if len > MAX_SEGMENT {
            break;
        }
    }
    if len > MAX_SEGMENT {
        // Cut at the last word boundary within the limit (the extra byte tells whether the
        // limit fell on one).
        len = match s[MAX_SEGMENT] {
            b'-' => MAX_SEGMENT,
            _ => s[..MAX_SEGMENT]
                .iter()
                .rposition(|&b| b == b'-')
                .filter(|&i| i >= MAX_SEGMENT / 2)
                .unwrap_or(MAX_SEGMENT),
        };
    }
    while len > 0 && s[len - 1] == b'-' {
        len -= 1;
    }
    // Only ASCII letters, digits and `-` were written.
    match std::str::from_utf8(&s[..len]) {
        Ok(slug) if !slug.is_empty() => out.push_str(slug),
        _ => out.push_str(fallback),
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs() {
        assert_eq!(
            slug("1) Supabase Project Link & Secrets", "p"),
            "1-supabase-project-link-secrets"
        );
        assert_eq!(slug("Login and link:", "s"), "login-and-link");
        assert_eq!(slug("🚀 ✅", "step"), "step");
        assert_eq!(
            slug(
                "Run migration: supabase db push --db-url $PRODUCTION_DB_URL",
                "s"
            ),
            "run-migration-supabase-db-push"
        );
    }
}
