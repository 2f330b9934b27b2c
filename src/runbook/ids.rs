//! Stable step ids: explicit `id=` wins, else the slug of the phase path and the step title.
//!
//! A derived id depends only on the step's own phase path and title (plus a counter among steps
//! that would otherwise share it), so editing another phase never renames a step and a resumed
//! run finds its steps again.

use std::collections::HashSet;

use crate::runbook::diagnostic::Diagnostic;
use crate::runbook::model::Phase;

/// Longest slug segment kept from a title.
const MAX_SEGMENT: usize = 32;

/// Fills in `Step::id` for every step; duplicate explicit ids are reported as errors.
pub fn assign_ids(phases: &mut [Phase], diagnostics: &mut Vec<Diagnostic>) {
    let mut used: HashSet<String> = HashSet::new();
    let mut first_line: Vec<(String, usize)> = Vec::new();
    for phase in phases.iter() {
        for step in &phase.steps {
            if let Some(id) = &step.attrs.id {
                if let Some((_, line)) = first_line.iter().find(|(i, _)| i == id) {
                    diagnostics.push(Diagnostic::error(
                        step.line,
                        1,
                        format!("duplicate step id `{id}` (first used at line {line}); ids must be unique"),
                    ));
                } else {
                    first_line.push((id.clone(), step.line));
                }
                used.insert(id.clone());
            }
        }
    }
    let paths: Vec<String> = (0..phases.len()).map(|i| phase_path(phases, i)).collect();
    for (i, phase) in phases.iter_mut().enumerate() {
        for step in &mut phase.steps {
            step.id = match &step.attrs.id {
                Some(id) => id.clone(),
                None => {
                    // A context prefix ("Group › Step") becomes path segments of its own, so
                    // that truncation never drops the part that tells siblings apart.
                    let own: Vec<String> =
                        step.title.split(" › ").map(|t| slug(t, "step")).collect();
                    let base = format!("{}.{}", paths[i], own.join("."));
                    let mut id = base.clone();
                    let mut n = 2;
                    while used.contains(&id) {
                        id = format!("{base}-{n}");
                        n += 1;
                    }
                    used.insert(id.clone());
                    id
                }
            };
        }
    }
}

fn phase_path(phases: &[Phase], mut i: usize) -> String {
    let mut parts = vec![slug(&phases[i].title, "phase")];
    let mut guard = 0;
    while let Some(p) = phases[i].parent {
        guard += 1;
        if guard > 8 {
            break;
        }
        parts.push(slug(&phases[p].title, "phase"));
        i = p;
    }
    parts.reverse();
    parts.join(".")
}

/// Lowercase ASCII words joined by `-`, cut at a word boundary; `fallback` when nothing is left.
pub fn slug(text: &str, fallback: &str) -> String {
    let mut s = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.is_empty() && !s.ends_with('-') {
            s.push('-');
        }
    }
    let mut s = s.trim_end_matches('-').to_string();
    if s.len() > MAX_SEGMENT {
        let cut = &s[..MAX_SEGMENT];
        s = cut
            .rfind('-')
            .filter(|&i| i >= MAX_SEGMENT / 2)
            .map_or(cut, |i| &cut[..i])
            .to_string();
    }
    if s.is_empty() {
        fallback.to_string()
    } else {
        s
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
