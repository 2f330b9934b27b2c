//! The on-screen part of a step's output: the last lines only, however much is printed.
//!
//! Output is kept as raw bytes (the last `cap` complete lines) and decoded only when a line is
//! drawn or searched: a flood costs a newline count and a copy per chunk, not an allocation and
//! a UTF-8 decode per line.

use std::collections::VecDeque;

/// Longest line kept for the screen; the output file has the rest.
const MAX_LINE_CHARS: usize = 2_000;
/// Bytes kept of one line: with `cap` lines this bounds the buffer (twice, before compaction).
const MAX_LINE_BYTES: usize = 2_048;

/// One screen line of output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub stderr: bool,
}

/// The last `cap` complete lines as bytes, plus a partial line per stream.
#[derive(Debug, Clone)]
pub struct OutputRing {
    /// Complete lines, each ending in `\n`, from `data[head..]`.
    data: Vec<u8>,
    head: usize,
    /// Line start offsets (into `data`) and whether the line came from stderr.
    starts: VecDeque<(usize, bool)>,
    cap: usize,
    /// Lines ever completed, the dropped ones included: line numbers stay true.
    total: u64,
    bytes: u64,
    partial: [Vec<u8>; 2],
}

impl OutputRing {
    pub fn new(cap: usize) -> Self {
        Self {
            data: Vec::new(),
            head: 0,
            starts: VecDeque::new(),
            cap: cap.max(1),
            total: 0,
            bytes: 0,
            partial: [Vec::new(), Vec::new()],
        }
    }

    /// Adds a chunk of raw output from one stream.
    pub fn push_chunk(&mut self, chunk: &[u8], stderr: bool) {
        self.bytes += chunk.len() as u64;
        let stream = usize::from(stderr);
        let newlines = memchr::memchr_iter(b'\n', chunk).count();
        if newlines == 0 {
            extend_capped(&mut self.partial[stream], chunk);
            return;
        }
        // Whole lines that would be dropped at once are only counted.
        let skip = newlines.saturating_sub(self.cap);
        let mut rest = chunk;
        if skip > 0 {
            let cut = memchr::memchr_iter(b'\n', chunk)
                .nth(skip - 1)
                .map_or(0, |i| i + 1);
            rest = &chunk[cut..];
            self.partial[stream].clear();
            self.total += skip as u64;
        }
        while let Some(pos) = memchr::memchr(b'\n', rest) {
            let (line, tail) = rest.split_at(pos + 1);
            let start = self.data.len();
            if self.partial[stream].is_empty() {
                self.data.extend_from_slice(cap_line(line));
            } else {
                let mut joined = std::mem::take(&mut self.partial[stream]);
                extend_capped(&mut joined, &line[..line.len() - 1]);
                joined.push(b'\n');
                self.data.extend_from_slice(&joined);
            }
            self.starts.push_back((start, stderr));
            self.total += 1;
            rest = tail;
        }
        extend_capped(&mut self.partial[stream], rest);
        self.trim();
    }

    /// Drops lines beyond `cap` and compacts the buffer once its dead prefix is large.
    fn trim(&mut self) {
        while self.starts.len() > self.cap {
            self.starts.pop_front();
        }
        self.head = self.starts.front().map_or(self.data.len(), |(s, _)| *s);
        if self.head > 64 * 1024 && self.head * 2 > self.data.len() {
            self.data.drain(..self.head);
            let shift = self.head;
            self.starts.iter_mut().for_each(|(s, _)| *s -= shift);
            self.head = 0;
        }
    }

    /// Flushes partial lines when the process has ended.
    pub fn finish(&mut self) {
        for stream in 0..2 {
            if !self.partial[stream].is_empty() {
                let mut line = std::mem::take(&mut self.partial[stream]);
                line.push(b'\n');
                self.starts.push_back((self.data.len(), stream == 1));
                self.data.extend_from_slice(&line);
                self.total += 1;
            }
        }
        self.trim();
    }

    /// Number of lines kept (at most `cap`).
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The kept line `i` (0 = oldest kept), decoded for the screen.
    pub fn line(&self, i: usize) -> Option<Line> {
        let (start, stderr) = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).map_or(self.data.len(), |(s, _)| *s);
        let bytes = self.data.get(start..end)?;
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        Some(Line {
            text: clean_line(bytes),
            stderr,
        })
    }

    /// Lines `range` of the kept ones, decoded.
    pub fn lines(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = Line> + '_ {
        range.filter_map(|i| self.line(i))
    }

    /// Index of the last kept line whose text contains `needle`.
    pub fn rfind(&self, needle: &str) -> Option<usize> {
        (0..self.len())
            .rev()
            .find(|&i| self.line(i).is_some_and(|l| l.text.contains(needle)))
    }

    /// Number of lines ever completed (the first kept line is number `total - len + 1`).
    pub fn total_lines(&self) -> u64 {
        self.total
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The last `n` lines' text, for the journal's `step_finished`.
    pub fn last_lines(&self, n: usize) -> Vec<String> {
        let start = self.len().saturating_sub(n);
        self.lines(start..self.len()).map(|l| l.text).collect()
    }
}

/// Appends at most what keeps a partial line within the screen limit.
fn extend_capped(buf: &mut Vec<u8>, bytes: &[u8]) {
    let room = MAX_LINE_BYTES.saturating_sub(buf.len());
    buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

/// A complete line (with its `\n`) cut to the screen limit.
fn cap_line(line: &[u8]) -> &[u8] {
    if line.len() <= MAX_LINE_BYTES {
        line
    } else {
        &line[..MAX_LINE_BYTES]
    }
}

/// Screen-safe text: lossy UTF-8, ANSI escape sequences removed, carriage-return progress bars
/// reduced to their last state, tabs expanded, other control characters dropped.
pub fn clean_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.rsplit('\r').find(|s| !s.is_empty()).unwrap_or("");
    let mut out = String::with_capacity(text.len().min(MAX_LINE_CHARS));
    let mut chars = text.chars().peekable();
    let mut count = 0;
    while let Some(c) = chars.next() {
        if count >= MAX_LINE_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\u{1b}' => match chars.peek() {
                // CSI: ESC [ params final-byte; OSC: ESC ] … BEL or ESC \.
                Some('[') => {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\u{1b}' && chars.peek() == Some(&'\\')) {
                            break;
                        }
                    }
                }
                _ => {
                    chars.next();
                }
            },
            '\t' => {
                let spaces = 4 - count % 4;
                out.extend(std::iter::repeat_n(' ', spaces));
                count += spaces;
            }
            c if c.is_control() => {}
            c => {
                out.push(c);
                count += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(r: &OutputRing) -> Vec<(String, bool)> {
        r.lines(0..r.len()).map(|l| (l.text, l.stderr)).collect()
    }

    #[test]
    fn keeps_only_the_last_lines_and_counts_all() {
        let mut r = OutputRing::new(3);
        r.push_chunk(b"a\nb\nc\nd\ne", false);
        r.push_chunk(b"f\n", false);
        let got: Vec<_> = texts(&r).into_iter().map(|(t, _)| t).collect();
        assert_eq!(got, ["c", "d", "ef"]);
        assert_eq!(r.total_lines(), 5);
        r.push_chunk(b"tail", true);
        r.finish();
        assert_eq!(r.last_lines(2), ["ef", "tail"]);
        assert!(r.line(r.len() - 1).is_some_and(|l| l.stderr));
    }

    #[test]
    fn lines_split_across_chunks_and_streams() {
        let mut r = OutputRing::new(10);
        r.push_chunk(b"hel", false);
        r.push_chunk(b"oops\n", true);
        r.push_chunk(b"lo\n", false);
        assert_eq!(
            texts(&r),
            [("oops".to_string(), true), ("hello".to_string(), false)]
        );
        assert_eq!(r.rfind("ell"), Some(1));
        assert_eq!(r.rfind("nope"), None);
    }

    #[test]
    fn a_flood_keeps_memory_bounded() {
        let mut r = OutputRing::new(100);
        let chunk: Vec<u8> = (0..10_000)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        for _ in 0..100 {
            r.push_chunk(&chunk, false);
        }
        assert_eq!(r.len(), 100);
        assert_eq!(r.total_lines(), 1_000_000);
        assert_eq!(r.line(99).map(|l| l.text), Some("9999".to_string()));
        assert!(r.data.len() < 200_000, "buffer compacts: {}", r.data.len());
        // Many small chunks too.
        let mut r = OutputRing::new(5);
        for i in 0..100_000 {
            r.push_chunk(format!("line {i}\n").as_bytes(), false);
        }
        assert_eq!(r.last_lines(1), ["line 99999"]);
        assert!(r.data.len() < 200_000, "{}", r.data.len());
    }

    #[test]
    fn escapes_and_progress_bars_are_cleaned() {
        assert_eq!(clean_line(b"\x1b[31mred\x1b[0m ok"), "red ok");
        assert_eq!(clean_line(b"10%\r50%\r100%"), "100%");
        assert_eq!(clean_line(b"a\tb"), "a   b");
        assert_eq!(clean_line(b"\x1b]0;title\x07x\x00y"), "xy");
        assert_eq!(clean_line(b"\xff\xfe"), "\u{fffd}\u{fffd}");
    }
}
