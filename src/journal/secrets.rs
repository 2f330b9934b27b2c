//! Masking secrets: a secret input's value is written as `••••` in the journal, exports and
//! output files; so is the password of any `scheme://user:password@host` URL.

use std::io::{self, Write};

/// What a secret is written as, everywhere.
pub const MASK: &str = "••••";

/// Values shorter than this are not masked by literal search: masking `1` or `ab` in all text
/// would garble output without protecting anything.
const MIN_SECRET_LEN: usize = 4;

/// The secret values a run knows of, and masking of text against them.
///
/// Secret values never reach the journal, so after a resume the cockpit re-adds them (it has to
/// ask for them again anyway) with [`Masker::add`].
#[derive(Debug, Clone, Default)]
pub struct Masker {
    secrets: Vec<String>,
}

impl Masker {
    /// Starts masking `value` (and its URL-encoded form) from now on.
    pub fn add(&mut self, value: &str) {
        for v in [value.to_string(), url_encoded(value)] {
            if v.chars().count() >= MIN_SECRET_LEN && !self.secrets.contains(&v) {
                self.secrets.push(v);
            }
        }
        // Longest first, so that a secret containing another is masked whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` with every known secret and every URL password replaced by [`MASK`].
    pub fn mask(&self, text: &str) -> String {
        let mut out = mask_url_passwords(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }

    /// Whether no literal secret is known (URL passwords are masked regardless).
    /// The values masked, longest first (handed to a relay that outlives the cockpit).
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

/// `postgres://user:pw@host/db` → `postgres://user:••••@host/db`.
pub fn mask_url_passwords(text: &str) -> String {
    if !text.contains("://") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        // The scheme must be `[A-Za-z][A-Za-z0-9+.-]*` right before `://`.
        let scheme_ok = rest[..i]
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
            .next()
            .is_some_and(|s| s.starts_with(|c: char| c.is_ascii_alphabetic()));
        let after = i + 3;
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        if !scheme_ok {
            continue;
        }
        // userinfo = user ':' password '@', none of them crossing `/?#` or whitespace.
        let end = rest
            .find(|c: char| c.is_whitespace() || "/?#".contains(c))
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
            && colon + 1 < at
        {
            out.push_str(&authority[..=colon]);
            out.push_str(MASK);
            rest = &rest[at..];
        }
    }
    out.push_str(rest);
    out
}

/// `value` with everything but RFC 3986 unreserved characters percent-encoded: how a secret
/// looks inside a URL, and how a value is put into one so it cannot change it.
pub fn url_encoded(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A writer that masks secrets line by line before the bytes reach `inner` (a step's output file).
///
/// Lines are held until their newline so that a secret split across two reads is still seen; a
/// line longer than 64 KiB is masked and written in pieces (a secret straddling that cut is not
/// masked — no real secret sits in such a line).
pub struct MaskingWriter<W: Write> {
    inner: W,
    masker: Masker,
    pending: Vec<u8>,
}

const MAX_PENDING: usize = 64 * 1024;

impl<W: Write> MaskingWriter<W> {
    /// Wraps `inner`; `masker` is a snapshot of the run's secrets.
    pub fn new(inner: W, masker: Masker) -> Self {
        MaskingWriter {
            inner,
            masker,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, upto: usize) -> io::Result<()> {
        let chunk: Vec<u8> = self.pending.drain(..upto).collect();
        let text = String::from_utf8_lossy(&chunk);
        self.inner.write_all(self.masker.mask(&text).as_bytes())
    }

    /// The inner writer (what has reached it so far).
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Writes what is still held (a last line without newline) and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        let n = self.pending.len();
        self.emit(n)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for MaskingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(nl) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.emit(nl + 1)?;
        }
        if self.pending.len() > MAX_PENDING {
            let n = self.pending.len();
            self.emit(n)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_masked() {
        assert_eq!(
            mask_url_passwords("psql postgres://app:s3cr3t@db.internal:5432/prod -c x"),
            "psql postgres://app:••••@db.internal:5432/prod -c x"
        );
        assert_eq!(
            mask_url_passwords("see https://example.com/a:b@c"),
            "see https://example.com/a:b@c"
        );
    }

    #[test]
    fn literal_secrets_masked_whole_and_encoded() {
        let mut m = Masker::default();
        m.add("hunter2!");
        m.add("ab");
        assert_eq!(
            m.mask("pw=hunter2! enc=hunter2%21 ab"),
            "pw=•••• enc=•••• ab"
        );
    }

    #[test]
    fn writer_masks_across_chunks() {
        let mut m = Masker::default();
        m.add("CANARY-123");
        let mut w = MaskingWriter::new(Vec::new(), m);
        w.write_all(b"token CANA").unwrap();
        w.write_all(b"RY-123 ok\nlast CANARY-123").unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "token •••• ok\nlast ••••");
    }
}
