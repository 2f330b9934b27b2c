//! Masking secrets: a secret input's value is written as `••••` in the journal, exports and
//! output files; so is the password of any `scheme://user:password@host` URL.

use std::io::{self, Write};
use std::time::{Duration, Instant};

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

/// `postgres://user:pw@host/db` → `postgres://user:••••@host/db`; also the key/value
/// conninfo form and URL query parameters: `host=h password=pw` → `host=h password=••••`,
/// `password='a b'` → `password=••••`, `…?password=pw&x=1` → `…?password=••••&x=1`.
pub fn mask_url_passwords(text: &str) -> String {
    mask_keyword_passwords(&mask_userinfo_passwords(text))
}

/// The value of every `password=` (any case) that starts a word or follows `?`, `&` or `;`:
/// a single-quoted value (with `\'` escapes) up to its closing quote, else up to whitespace
/// or `&`.
fn mask_keyword_passwords(text: &str) -> String {
    const KEY: &str = "password=";
    let lower = text.to_ascii_lowercase();
    if !lower.contains(KEY) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find(KEY) {
        let i = search + found;
        let starts = text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "?&;\"'".contains(c));
        let value = i + KEY.len();
        if !starts {
            search = value;
            continue;
        }
        let bytes = text.as_bytes();
        let end = if bytes.get(value) == Some(&b'\'') {
            let mut j = value + 1;
            loop {
                match bytes.get(j) {
                    None => break j,
                    Some(b'\\') => j += 2,
                    Some(b'\'') => break j + 1,
                    Some(_) => j += 1,
                }
            }
            .min(text.len())
        } else {
            text[value..]
                .find(|c: char| c.is_whitespace() || "&\"'".contains(c))
                .map_or(text.len(), |k| value + k)
        };
        if end > value {
            out.push_str(&text[pos..value]);
            out.push_str(MASK);
            pos = end;
        }
        search = end.max(value);
    }
    out.push_str(&text[pos..]);
    out
}

fn mask_userinfo_passwords(text: &str) -> String {
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
/// masked — no real secret sits in such a line). A partial line (a prompt, a `\r` progress bar)
/// is let out by [`MaskingWriter::release_held`] once it has waited, all but a tail that could
/// still become a secret.
pub struct MaskingWriter<W: Write> {
    inner: W,
    masker: Masker,
    pending: Vec<u8>,
    /// Since when the oldest byte of `pending` has waited.
    held_since: Option<Instant>,
}

const MAX_PENDING: usize = 64 * 1024;

impl<W: Write> MaskingWriter<W> {
    /// Wraps `inner`; `masker` is a snapshot of the run's secrets.
    pub fn new(inner: W, masker: Masker) -> Self {
        MaskingWriter {
            inner,
            masker,
            pending: Vec::new(),
            held_since: None,
        }
    }

    /// Writes the held partial line once it has waited `after`, but for the longest tail that
    /// could be the start of a secret (or of a URL whose password is not complete yet), and
    /// never a secret cut in two nor half a character. Whether anything was written.
    pub fn release_held(&mut self, after: Duration) -> io::Result<bool> {
        if self.held_since.is_none_or(|t| t.elapsed() < after) {
            return Ok(false);
        }
        let cut = safe_cut(&self.pending, &self.masker.secrets);
        if cut > 0 {
            self.emit(cut)?;
        }
        self.held_since = (!self.pending.is_empty()).then(Instant::now);
        Ok(cut > 0)
    }

    /// Whether a partial line waits for its newline (or for [`Self::release_held`]).
    pub fn holding(&self) -> bool {
        !self.pending.is_empty()
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
        let was_empty = self.pending.is_empty();
        self.pending.extend_from_slice(buf);
        let mut emitted = false;
        if let Some(nl) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.emit(nl + 1)?;
            emitted = true;
        }
        if self.pending.len() > MAX_PENDING {
            let n = self.pending.len();
            self.emit(n)?;
            emitted = true;
        }
        if self.pending.is_empty() {
            self.held_since = None;
        } else if emitted || was_empty {
            self.held_since = Some(Instant::now());
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Where held bytes may be cut: before the longest tail that is the start of a secret or of
/// a `scheme://user:password@` whose password may go on, moved back out of any whole secret
/// it would split and to a character boundary.
fn safe_cut(pending: &[u8], secrets: &[String]) -> usize {
    let mut keep = url_tail(pending);
    for s in secrets {
        let s = s.as_bytes();
        let longest = (1..s.len().min(pending.len() + 1))
            .rev()
            .find(|&k| pending.ends_with(&s[..k]));
        keep = keep.max(longest.unwrap_or(0));
    }
    let mut cut = pending.len() - keep;
    // A secret the cut would split stays whole on the held side.
    while let Some(start) = secrets.iter().find_map(|s| {
        let s = s.as_bytes();
        (cut.saturating_sub(s.len() - 1)..cut)
            .find(|&i| pending[i..].starts_with(s) && i + s.len() > cut)
    }) {
        cut = start;
    }
    match std::str::from_utf8(&pending[..cut]) {
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        _ => cut,
    }
}

/// How many bytes at the end of `pending` could be part of a URL whose password
/// [`mask_url_passwords`] must see whole: the last word when it holds `://`, else a trailing
/// scheme (`postgres`, `postgres:`, `postgres:/`) that `://` may still follow.
fn url_tail(pending: &[u8]) -> usize {
    let word_start = pending
        .iter()
        .rposition(u8::is_ascii_whitespace)
        .map_or(0, |i| i + 1);
    let word = &pending[word_start..];
    if word.windows(3).any(|w| w == b"://") {
        return word.len();
    }
    // `password=` (or the start of it) may still be followed by its value; a quoted value
    // may hold spaces: keep from the keyword on.
    let lower = pending.to_ascii_lowercase();
    if let Some(k) = lower.windows(9).rposition(|w| w == b"password=") {
        let value = &pending[k + 9..];
        let open_quote = value.first() == Some(&b'\'') && !value[1..].contains(&b'\'');
        if k >= word_start || open_quote {
            return pending.len() - k;
        }
    }
    if let Some(p) = (1..9).rev().find(|&n| lower.ends_with(&b"password="[..n])) {
        return p;
    }
    let body = word
        .strip_suffix(b":/")
        .or_else(|| word.strip_suffix(b":"))
        .unwrap_or(word);
    let scheme = body
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || b"+.-".contains(b))
        .count();
    let starts_alpha = body
        .get(body.len() - scheme)
        .is_some_and(u8::is_ascii_alphabetic);
    if scheme > 0 && starts_alpha {
        word.len() - (body.len() - scheme)
    } else {
        0
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
    fn conninfo_and_query_passwords_are_masked() {
        assert_eq!(
            mask_url_passwords("host=db user=app password=s3cr3t dbname=prod"),
            "host=db user=app password=•••• dbname=prod"
        );
        assert_eq!(
            mask_url_passwords("host=db PASSWORD='a b\\'c' dbname=prod"),
            "host=db PASSWORD=•••• dbname=prod"
        );
        assert_eq!(
            mask_url_passwords("postgres://db/prod?user=a&password=s3cr3t&sslmode=require"),
            "postgres://db/prod?user=a&password=••••&sslmode=require"
        );
        assert_eq!(mask_url_passwords("mypassword=x"), "mypassword=x");
        let mut w = MaskingWriter::new(Vec::new(), Masker::default());
        w.write_all(b"dsn host=db passw").unwrap();
        w.release_held(Duration::ZERO).unwrap();
        w.write_all(b"ord=hunter22 ok").unwrap();
        w.release_held(Duration::ZERO).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "dsn host=db password=•••• ok");
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

    fn held(secret: &str, chunks: &[&[u8]]) -> (MaskingWriter<Vec<u8>>, String) {
        let mut m = Masker::default();
        m.add(secret);
        let mut w = MaskingWriter::new(Vec::new(), m);
        for c in chunks {
            w.write_all(c).unwrap();
        }
        w.release_held(Duration::ZERO).unwrap();
        let out = String::from_utf8_lossy(w.get_ref()).into_owned();
        (w, out)
    }

    #[test]
    fn a_prompt_or_progress_bar_is_let_out_once_it_has_waited() {
        let mut m = Masker::default();
        m.add("CANARY-123");
        let mut w = MaskingWriter::new(Vec::new(), m);
        w.write_all(b"Continue? [y/N] ").unwrap();
        assert!(!w.release_held(Duration::from_secs(60)).unwrap(), "not yet");
        assert!(w.get_ref().is_empty());
        std::thread::sleep(Duration::from_millis(30));
        assert!(w.release_held(Duration::from_millis(20)).unwrap());
        assert_eq!(w.get_ref(), b"Continue? [y/N] ");
        let (_, out) = held("CANARY-123", &[b"\r 10%\r 20%"]);
        assert_eq!(out, "\r 10%\r 20%");
    }

    #[test]
    fn what_could_become_a_secret_is_held_back() {
        let (mut w, out) = held("CANARY-123", &[b"token 50% CANA"]);
        assert_eq!(out, "token 50% ");
        w.write_all(b"RY-123 done\n").unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "token 50% •••• done\n");
        // A whole secret at the end is masked, never cut in two by a tail that looks like one.
        // (`12#` ends the text and starts the secret: cut there, the secret would leak half.)
        let (w, out) = held("12#12#", &[b"xx 12#12#"]);
        assert_eq!(out, "xx ");
        assert_eq!(String::from_utf8(w.finish().unwrap()).unwrap(), "xx ••••");
    }

    #[test]
    fn a_url_whose_password_may_go_on_is_held_back() {
        let (mut w, out) = held("CANARY-123", &[b"connecting postgres://app:s3c"]);
        assert_eq!(out, "connecting ");
        w.write_all(b"r3t@db/x\n").unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "connecting postgres://app:••••@db/x\n");
        let (_, out) = held("CANARY-123", &[b"url=postgres:"]);
        assert_eq!(out, "url=");
    }

    #[test]
    fn half_a_character_is_held_back() {
        let e = "é".as_bytes();
        let (mut w, out) = held("CANARY-123", &[b"caf", &e[..1]]);
        assert_eq!(out, "caf");
        w.write_all(&e[1..]).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "café");
    }
}
