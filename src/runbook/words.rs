//! Shell text as words: logical lines, statements and words with quotes trimmed. Danger and
//! input detection match word sequences on these instead of compiling regexes, which would
//! cost more than the whole parse on every `flightdeck plan`. The input scan finds the few
//! lines it must read by a byte scan of statement starts ([`statement_firsts`], [`lines_with`]);
//! the danger rules read every statement.

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

/// The bytes [`statements`] splits at.
const SEPARATOR: ByteSet = byte_set(b";&|()`");

/// Splits a line into simple statements at `;`, `&&`, `||`, `|`, `&`, `(`, `)`, `` ` `` and `$(`.
/// The separators are ASCII, so the split works on bytes without decoding characters.
pub fn statements(line: &str) -> impl Iterator<Item = &str> {
    let mut rest = line;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = rest
                .bytes()
                .position(|b| SEPARATOR[usize::from(b)])
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

/// The first word, with its offset, of every statement that [`statements`] would find in the
/// logical lines of `text` from `from` on (a line start), and of every continued physical line
/// too: rules about a statement's first word read only the lines these lead to. A word ends at
/// an ASCII blank or a separator; one that begins with a non-ASCII byte may begin with
/// whitespace that `str::trim` would remove.
pub fn statement_firsts(text: &str, from: usize) -> impl Iterator<Item = (usize, &[u8])> + '_ {
    let b = text.as_bytes();
    // What `str::trim` removes of ASCII: `\t`, `\n`, vertical tab, form feed, `\r`, space.
    let blank = |c: u8| matches!(c, b'\t'..=b'\r' | b' ');
    let mut i = from;
    std::iter::from_fn(move || {
        loop {
            i += b.get(i..)?.iter().position(|&c| !blank(c))?;
            let start = i;
            let rest = b.get(start..)?;
            let word = rest
                .iter()
                .position(|&c| blank(c) || SEPARATOR[usize::from(c)])
                .map_or(rest, |n| &rest[..n]);
            // On to the next statement: after the next separator or newline.
            let rest = &rest[word.len()..];
            i = start
                + word.len()
                + rest
                    .iter()
                    .position(|&c| c == b'\n' || SEPARATOR[usize::from(c)])
                    .map_or(rest.len(), |k| k + 1);
            if !word.is_empty() {
                return Some((start, word));
            }
        }
    })
}

/// Words of a statement with surrounding quotes and punctuation trimmed.
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

/// Lowercase words that a byte scan looks for (the input scan: builtins that assign), indexed
/// by their first two bytes (either case), so that it compares only the few words that could
/// begin where it is.
pub struct Starts {
    words: &'static [&'static [u8]],
    /// Bit `k` of entry `b`: `words[k]` begins with byte `b` (at most 32 words).
    by_first: [u32; 256],
    /// Bit `k` of entry `b`: `words[k]` has `b` second, or is one byte long.
    by_second: [u32; 256],
}

impl Starts {
    /// The table of `words` (lowercase, non-empty, at most 32), built at compile time.
    pub const fn new(words: &'static [&'static [u8]]) -> Self {
        assert!(words.len() <= 32);
        let mut by_first = [0u32; 256];
        let mut by_second = [0u32; 256];
        let mut k = 0;
        while k < words.len() {
            let w = words[k];
            by_first[w[0] as usize] |= 1 << k;
            by_first[w[0].to_ascii_uppercase() as usize] |= 1 << k;
            let mut b = 0;
            while b < 256 {
                if w.len() == 1 || (b as u8).eq_ignore_ascii_case(&w[1]) {
                    by_second[b] |= 1 << k;
                }
                b += 1;
            }
            k += 1;
        }
        Self {
            words,
            by_first,
            by_second,
        }
    }

    /// Whether one of the words begins `b` (ASCII case ignored).
    pub fn starts(&self, b: &[u8]) -> bool {
        let (Some(&c), second) = (b.first(), b.get(1)) else {
            return false;
        };
        let mut m = self.by_first[usize::from(c)];
        // A one-byte text can only be a one-byte word: the table has those in every entry.
        m &= second.map_or(u32::MAX, |&d| self.by_second[usize::from(d)]);
        while m != 0 {
            let w = self.words[m.trailing_zeros() as usize];
            if b.get(..w.len()).is_some_and(|s| s.eq_ignore_ascii_case(w)) {
                return true;
            }
            m &= m - 1;
        }
        false
    }
}

/// The bytes of the logical line (see [`logical_lines`]) that holds byte `at`, with its final
/// newline: rules that look at few lines find them by a byte scan of the whole text, then read
/// only those lines.
pub fn logical_line_around(text: &str, at: usize) -> std::ops::Range<usize> {
    let b = text.as_bytes();
    let at = at.min(b.len());
    let continues = |from: usize, to: usize| {
        text.get(from..to)
            .is_some_and(|l| l.trim_end().ends_with('\\'))
    };
    let here = memchr::memrchr(b'\n', &b[..at]).map_or(0, |i| i + 1);
    let mut start = here;
    while start > 0 {
        let prev = memchr::memrchr(b'\n', &b[..start - 1]).map_or(0, |i| i + 1);
        if !continues(prev, start - 1) {
            break;
        }
        start = prev;
    }
    let mut line = here;
    while let Some(i) = memchr::memchr(b'\n', &b[line..]) {
        if !continues(line, line + i) {
            return start..line + i + 1;
        }
        line += i + 1;
    }
    start..b.len()
}

/// A forward search whose last match is kept until passed: when lines are found by several
/// searches, each reads the text once, whatever the others find.
struct Ahead<'f> {
    find: &'f mut dyn FnMut(usize) -> Option<usize>,
    /// The match for the last `from`, and whether there was a search yet.
    next: Option<usize>,
    searched: bool,
}

impl Ahead<'_> {
    /// The first match at or after `from`, which never decreases between calls.
    fn at_or_after(&mut self, from: usize) -> Option<usize> {
        if !self.searched || self.next.is_some_and(|n| n < from) {
            self.next = (self.find)(from);
            self.searched = true;
        }
        self.next
    }
}

/// The logical lines of `text` that hold a match of some search, each once and in order.
/// `find(from)` gives a search's first match at or after `from`; each search runs again only
/// once its last match is passed, so the text is read once per search however they interleave.
pub fn lines_with<'a, 'f, const N: usize>(
    text: &'a str,
    finds: [&'f mut dyn FnMut(usize) -> Option<usize>; N],
) -> impl Iterator<Item = Cow<'a, str>> + use<'a, 'f, N> {
    let mut searches = finds.map(|find| Ahead {
        find,
        next: None,
        searched: false,
    });
    let mut from = 0;
    std::iter::from_fn(move || {
        if from >= text.len() {
            return None;
        }
        let hit = searches
            .iter_mut()
            .filter_map(|s| s.at_or_after(from))
            .min()?;
        let range = logical_line_around(text, hit);
        from = range.end.max(from + 1);
        logical_lines(text.get(range).unwrap_or("")).next()
    })
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
        assert!(words_iter("psql -c \"DROP TABLE t;\"").eq(["psql", "-c", "DROP", "TABLE", "t"]));
        assert!(is_ident("DEPLOY_ID") && !is_ident("1X") && !is_ident(""));
        assert_eq!(ident_len("ABC-d"), 3);
        assert_eq!(ident_len("9"), 0);
    }

    #[test]
    fn lines_found_by_a_byte_scan_are_the_logical_lines() {
        let text = "echo a\r\nkubectl \\\n  -n x \\\n  DELETE pod\r\nls\nrm x\n";
        let around = |at| &text[logical_line_around(text, at)];
        // A hit on any physical line of a continued line gives the whole logical line.
        let whole = "kubectl \\\n  -n x \\\n  DELETE pod\r\n";
        for word in ["kubectl", "-n x", "DELETE"] {
            assert_eq!(around(text.find(word).unwrap()), whole, "{word}");
        }
        assert_eq!(around(0), "echo a\r\n");
        assert_eq!(around(text.len()), "");
        // Lines whose statements begin with one of the words, found by a byte scan.
        let hits = |text: &'static str| {
            const WORDS: Starts = Starts::new(&[b"kubectl", b"rm"]);
            let mut find = |from| {
                statement_firsts(text, from).find_map(|(at, word)| WORDS.starts(word).then_some(at))
            };
            lines_with(text, [&mut find]).collect::<Vec<_>>()
        };
        assert_eq!(hits(text), ["kubectl    -n x    DELETE pod", "rm x"]);
        assert!(hits("echo harm; ls -d\n").is_empty());
        assert_eq!(
            hits("ls; RM at the end, no newline"),
            ["ls; RM at the end, no newline"]
        );
    }

    #[test]
    fn each_search_runs_again_only_once_passed() {
        // Every line holds an `x`; one `end` comes last. The `end` search must not start over
        // from each `x` line, which would read the text once per line.
        let text = format!("{}end\n", "x\n".repeat(100));
        let (mut x_calls, mut end_calls) = (0, 0);
        let mut xs = |from: usize| {
            x_calls += 1;
            Some(from + text.get(from..)?.find('x')?)
        };
        let mut ends = |from: usize| {
            end_calls += 1;
            Some(from + text.get(from..)?.find("end")?)
        };
        let lines = lines_with(&text, [&mut xs, &mut ends]).count();
        assert_eq!(lines, 101);
        assert_eq!(end_calls, 1);
        assert_eq!(x_calls, 101);
    }
}
