//! The NUL padding after the last line of `journal.jsonl`.
//!
//! While a writer has a run open, the file is preallocated in chunks of zero bytes (see
//! [`super::appender`]) so that an append overwrites space that already exists instead of growing
//! the file. A clean close trims the padding away; a crash leaves it. A line never contains a
//! NUL byte (JSON escapes control characters as `\u0000`), so the journal's text ends at the
//! first NUL, and everything a reader needs is before it.

/// How long the journal's text is: up to the first NUL byte, or all of `bytes`.
///
/// Readers that follow a journal while it is written must stop here.
pub fn text_len(bytes: &[u8]) -> usize {
    memchr::memchr(0, bytes).unwrap_or(bytes.len())
}

/// The journal's text: `bytes` up to the first NUL.
pub fn text(bytes: &[u8]) -> &[u8] {
    &bytes[..text_len(bytes)]
}

/// What follows the journal's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// Nothing, or only NUL padding.
    Padding,
    /// Bytes of at most one line after the padding, ending at byte `end`: a line whose write
    /// reached the disk only in part (a power loss before its `sync_data`). Torn like a line
    /// without its newline, and repaired the same way.
    Fragment { end: usize },
    /// More than one line after a NUL: no crash leaves that (only the write in flight can be
    /// missing), so the file was changed.
    Damaged,
}

/// Classifies what follows the first `text_len` bytes (see [`text_len`]).
pub fn tail(bytes: &[u8], text_len: usize) -> Tail {
    let after = bytes.get(text_len..).unwrap_or_default();
    let Some(last) = after.iter().rposition(|&b| b != 0) else {
        return Tail::Padding;
    };
    let data = &after[..=last];
    match memchr::memchr_iter(b'\n', data).count() {
        0 => {}
        1 if data.ends_with(b"\n") => {}
        _ => return Tail::Damaged,
    }
    Tail::Fragment {
        end: text_len + last + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_ends_at_the_first_nul() {
        assert_eq!(text(b"a\nb\n\0\0\0"), b"a\nb\n");
        assert_eq!(text(b"a\nb\n"), b"a\nb\n");
        assert_eq!(text(b"a\nb\0\0"), b"a\nb");
    }

    #[test]
    fn tails() {
        let t = |b: &[u8]| tail(b, text_len(b));
        assert_eq!(t(b"a\n"), Tail::Padding);
        assert_eq!(t(b"a\n\0\0\0"), Tail::Padding);
        assert_eq!(t(b"a\nb\0\0"), Tail::Padding);
        assert_eq!(t(b"a\n\0\0bc\0d\n\0"), Tail::Fragment { end: 9 });
        assert_eq!(t(b"a\n\0\0bc"), Tail::Fragment { end: 6 });
        assert_eq!(t(b"a\n\0\0b\nc\n"), Tail::Damaged);
        assert_eq!(t(b"a\0b\nc\n"), Tail::Damaged);
    }
}
