//! The case a list is for, shown on its steps. "If something goes wrong, and we rebuild the
//! artifacts, you'll need to:" over a list makes every item optional; a bare "(optional)" on
//! each leaves the captain asking when. The condition travels with the items, as the lead of a
//! nested list does ("If something goes wrong, and we rebuild the artifacts › Invalidate …").

/// Words that open the main clause after a condition: "…, you'll need to", "…, we then".
const MAIN_SUBJECTS: &[&str] = &["you", "you'll", "you’ll", "we", "we'll", "we’ll", "then"];

/// The condition a lead paragraph opens with ("If something goes wrong, and we rebuild stable
/// artifacts"), without the main clause that follows it; `None` for a lead with no "If …".
pub(crate) fn case_of(lead: &str) -> Option<String> {
    let first = crate::runbook::title::sentences(lead.trim())
        .into_iter()
        .next()?;
    let first = first.split_whitespace().collect::<Vec<_>>().join(" ");
    if !first.to_ascii_lowercase().starts_with("if ") {
        return None;
    }
    // The last ", " before a subject that starts the main clause ends the condition.
    let mut end = None;
    for (at, _) in first.match_indices(", ") {
        let next = first[at + 2..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if MAIN_SUBJECTS.contains(&next.as_str()) {
            end = Some(at);
        }
    }
    let case = match end {
        Some(at) => &first[..at],
        None => first.trim_end_matches([':', '.', ' ']),
    };
    // A condition too long for a title prefix is left to the step's detail.
    (case.split_whitespace().count() <= 16).then(|| case.to_string())
}

#[cfg(test)]
mod tests {
    use super::case_of;

    #[test]
    fn the_condition_without_its_main_clause() {
        assert_eq!(
            case_of("If something goes wrong, and we rebuild it, you'll need to clean up.")
                .as_deref(),
            Some("If something goes wrong, and we rebuild it")
        );
        assert_eq!(
            case_of("If the disk is full:").as_deref(),
            Some("If the disk is full")
        );
        assert_eq!(case_of("Then run these:"), None);
    }
}
