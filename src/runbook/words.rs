//! Shell text as words: logical lines, statements and words with quotes trimmed. Danger and
//! input detection match word sequences on these instead of compiling regexes, which would
//! cost more than the whole parse on every `flightdeck plan`.

use std::borrow::Cow;

/// Logical lines: physical lines joined where one ends with a `\` continuation (borrowed
/// unless joined, so the common case allocates nothing per line).
pub fn logical_lines(text: &str) -> Vec<Cow<'_, str>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        match line.trim_end().strip_suffix('\\') {
            Some(head) => {
                cur.push_str(head);
                cur.push(' ');
            }
            None if cur.is_empty() => out.push(Cow::Borrowed(line)),
            None => {
                cur.push_str(line);
                out.push(Cow::Owned(std::mem::take(&mut cur)));
            }
        }
    }
    if !cur.is_empty() {
        out.push(Cow::Owned(cur));
    }
    out
}

/// Splits a line into simple statements at `;`, `&&`, `||`, `|`, `&`, `(`, `)`, `` ` `` and `$(`.
pub fn statements(line: &str) -> impl Iterator<Item = &str> {
    line.split([';', '&', '|', '(', ')', '`'])
        .map(|s| s.trim_end_matches('$').trim())
        .filter(|s| !s.is_empty())
}

/// Words of a statement with surrounding quotes and punctuation trimmed.
pub fn words(statement: &str) -> Vec<&str> {
    words_iter(statement).collect()
}

/// [`words`] without collecting, for checks that usually stop early.
pub fn words_iter(statement: &str) -> impl Iterator<Item = &str> {
    statement
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, '"' | '\'' | '`' | '(' | ')' | ',' | ';')))
        .filter(|w| !w.is_empty())
}

/// Whether `s` is a shell identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Length in bytes of the identifier at the start of `s` (0 when there is none).
pub fn ident_len(s: &str) -> usize {
    s.char_indices()
        .take_while(|&(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_statements_words() {
        assert_eq!(logical_lines("a \\\n  b\nc\n"), ["a    b", "c"]);
        let st: Vec<_> = statements("X=$(ls | wc -l) && echo \"$X\"; y").collect();
        assert_eq!(st, ["X=", "ls", "wc -l", "echo \"$X\"", "y"]);
        assert_eq!(
            words("psql -c \"DROP TABLE t;\""),
            ["psql", "-c", "DROP", "TABLE", "t"]
        );
        assert!(is_ident("DEPLOY_ID") && !is_ident("1X") && !is_ident(""));
        assert_eq!(ident_len("ABC-d"), 3);
        assert_eq!(ident_len("9"), 0);
    }
}
