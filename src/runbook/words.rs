//! Shell text as words: logical lines, statements and words with quotes trimmed. Danger and
//! input detection match word sequences on these instead of compiling regexes, which would
//! cost more than the whole parse on every `flightdeck plan`. Byte-level scans (lines, word
//! starts) come first so that most lines are never split into words at all.

use std::borrow::Cow;

/// Logical lines: physical lines joined where one ends with a `\` continuation (borrowed
/// unless joined, so the common case allocates nothing per line).
pub fn logical_lines(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    let mut lines = lines(text);
    std::iter::from_fn(move || {
        let mut cur = String::new();
        for line in lines.by_ref() {
            match line.trim_end().strip_suffix('\\') {
                Some(head) => {
                    cur.push_str(head);
                    cur.push(' ');
                }
                None if cur.is_empty() => return Some(Cow::Borrowed(line)),
                None => {
                    cur.push_str(line);
                    return Some(Cow::Owned(cur));
                }
            }
        }
        (!cur.is_empty()).then_some(Cow::Owned(cur))
    })
}

/// The lines of `text` exactly as [`str::lines`] gives them, each end found with `memchr`
/// (faster on the short lines of code blocks).
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => {
                let line = rest.get(..i).unwrap_or("");
                (
                    line.strip_suffix('\r').unwrap_or(line),
                    rest.get(i + 1..).unwrap_or(""),
                )
            }
            None => (rest, ""),
        };
        rest = next;
        Some(line)
    })
}

/// Splits a line into simple statements at `;`, `&&`, `||`, `|`, `&`, `(`, `)`, `` ` `` and `$(`.
/// The separators are ASCII, so the split works on bytes without decoding characters.
pub fn statements(line: &str) -> impl Iterator<Item = &str> {
    let mut rest = line;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = rest
                .bytes()
                .position(|b| matches!(b, b';' | b'&' | b'|' | b'(' | b')' | b'`'))
                .unwrap_or(rest.len());
            let piece = rest.get(..end).unwrap_or("");
            rest = rest.get(end + 1..).unwrap_or("");
            let piece = piece.trim_end_matches('$').trim();
            if !piece.is_empty() {
                return Some(piece);
            }
        }
        None
    })
}

/// Words of a statement with surrounding quotes and punctuation trimmed.
pub fn words(statement: &str) -> Vec<&str> {
    words_iter(statement).collect()
}

/// [`words`] without collecting, for checks that usually stop early.
pub fn words_iter(statement: &str) -> impl Iterator<Item = &str> {
    statement
        .split_whitespace()
        .map(trim_punct)
        .filter(|w| !w.is_empty())
}

/// Trims quotes, backticks, parentheses, commas and semicolons from both ends of a word. They
/// are all ASCII, so bytes are compared and the cut always falls on a character boundary.
fn trim_punct(w: &str) -> &str {
    let punct = |b: &u8| matches!(b, b'"' | b'\'' | b'`' | b'(' | b')' | b',' | b';');
    let bytes = w.as_bytes();
    let start = bytes.iter().position(|b| !punct(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !punct(b))
        .map_or(start, |i| i + 1);
    w.get(start..end).unwrap_or("")
}

/// A set of bytes as a lookup table, for scans that test every byte of a line.
pub type ByteSet = [bool; 256];

/// The [`ByteSet`] of the given bytes.
pub const fn byte_set(bytes: &[u8]) -> ByteSet {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// Bytes a word may follow: whitespace, any non-ASCII byte (Unicode spaces), the statement
/// separators and the quotes and brackets that [`words_iter`] trims.
const WORD_BOUNDARY: ByteSet = {
    let mut set = byte_set(b"\t\n\x0b\x0c\r \"'`(),;&|");
    let mut b = 0x80;
    while b < 256 {
        set[b] = true;
        b += 1;
    }
    set
};

/// Whether some word of `line` (a statement's or a trimmed word's start) begins with one of
/// `starts`, whose first bytes are `first`: a necessary condition for a word rule, cheap
/// enough to run on every line before splitting it into statements and words.
pub fn word_starts_with_any(line: &str, first: &ByteSet, starts: &[&[u8]]) -> bool {
    let b = line.as_bytes();
    // `i` is always a word start: the line's start or the byte after a boundary.
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if first[usize::from(c)]
            && starts
                .iter()
                .any(|w| w.first() == Some(&c) && b[i..].starts_with(w))
        {
            return true;
        }
        match b[i..].iter().position(|&x| WORD_BOUNDARY[usize::from(x)]) {
            Some(k) => i += k + 1,
            None => return false,
        }
    }
    false
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
        let lines: Vec<_> = logical_lines("a \\\n  b\nc\n").collect();
        assert_eq!(lines, ["a    b", "c"]);
        for text in ["", "\n", "a", "a\n", "a\r\nb\r", "a\n\nb\r\n", "\r\n\r"] {
            assert!(super::lines(text).eq(text.lines()), "{text:?}");
        }
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
