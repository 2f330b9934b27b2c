//! The on-screen part of a step's output: the last lines only, however much is printed.

use std::collections::VecDeque;

/// Longest line kept for the screen; the output file has the rest.
const MAX_LINE_CHARS: usize = 2_000;

/// One screen line of output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub stderr: bool,
}

/// A bounded buffer of the last `cap` complete lines plus a partial line per stream.
#[derive(Debug, Clone)]
pub struct OutputRing {
    lines: VecDeque<Line>,
    cap: usize,
    /// Lines ever pushed, the dropped ones included: line numbers stay true.
    total: u64,
    bytes: u64,
    partial: [Vec<u8>; 2],
}

impl OutputRing {
    pub fn new(cap: usize) -> Self {
        Self {
            lines: VecDeque::with_capacity(cap.min(1024)),
            cap: cap.max(1),
            total: 0,
            bytes: 0,
            partial: [Vec::new(), Vec::new()],
        }
    }

    /// Adds a chunk of raw output. Only the lines that can still be on screen are decoded, so a
    /// flood costs a line count, not an allocation per line.
    pub fn push_chunk(&mut self, chunk: &[u8], stderr: bool) {
        self.bytes += chunk.len() as u64;
        let stream = usize::from(stderr);
        let newlines = chunk.iter().filter(|&&b| b == b'\n').count();
        if newlines == 0 {
            self.extend_partial(stream, chunk);
            return;
        }
        // Skip whole lines that would be dropped anyway.
        let skip = newlines.saturating_sub(self.cap);
        let mut rest = chunk;
        let mut index = 0;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let (line, tail) = rest.split_at(pos);
            rest = &tail[1..];
            if index < skip {
                if index == 0 {
                    self.partial[stream].clear();
                }
                self.total += 1;
            } else {
                self.extend_partial(stream, line);
                let bytes = std::mem::take(&mut self.partial[stream]);
                self.push_line(clean_line(&bytes), stderr);
            }
            index += 1;
        }
        self.extend_partial(stream, rest);
    }

    /// Flushes partial lines when the process has ended.
    pub fn finish(&mut self) {
        for stream in 0..2 {
            if !self.partial[stream].is_empty() {
                let bytes = std::mem::take(&mut self.partial[stream]);
                self.push_line(clean_line(&bytes), stream == 1);
            }
        }
    }

    fn extend_partial(&mut self, stream: usize, bytes: &[u8]) {
        let room = (MAX_LINE_CHARS * 4).saturating_sub(self.partial[stream].len());
        self.partial[stream].extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn push_line(&mut self, text: String, stderr: bool) {
        if self.lines.len() == self.cap {
            self.lines.pop_front();
        }
        self.lines.push_back(Line { text, stderr });
        self.total += 1;
    }

    /// Lines on screen, oldest first.
    pub fn lines(&self) -> &VecDeque<Line> {
        &self.lines
    }

    /// Number of lines ever printed (the first kept line is number `total - len + 1`).
    pub fn total_lines(&self) -> u64 {
        self.total
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The last `n` lines' text, for the journal's `step_finished`.
    pub fn last_lines(&self, n: usize) -> Vec<String> {
        let skip = self.lines.len().saturating_sub(n);
        self.lines
            .iter()
            .skip(skip)
            .map(|l| l.text.clone())
            .collect()
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
            '\u{1b}' => {
                // CSI: ESC [ params final-byte; OSC: ESC ] … BEL or ESC \.
                match chars.peek() {
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
                }
            }
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

    #[test]
    fn keeps_only_the_last_lines_and_counts_all() {
        let mut r = OutputRing::new(3);
        r.push_chunk(b"a\nb\nc\nd\ne", false);
        r.push_chunk(b"f\n", false);
        let texts: Vec<_> = r.lines().iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["c", "d", "ef"]);
        assert_eq!(r.total_lines(), 5);
        r.push_chunk(b"tail", true);
        r.finish();
        assert_eq!(r.last_lines(2), ["ef", "tail"]);
        assert!(r.lines().back().is_some_and(|l| l.stderr));
    }

    #[test]
    fn lines_split_across_chunks_and_streams() {
        let mut r = OutputRing::new(10);
        r.push_chunk(b"hel", false);
        r.push_chunk(b"oops\n", true);
        r.push_chunk(b"lo\n", false);
        let got: Vec<_> = r
            .lines()
            .iter()
            .map(|l| (l.text.as_str(), l.stderr))
            .collect();
        assert_eq!(got, [("oops", true), ("hello", false)]);
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
        assert_eq!(r.lines().len(), 100);
        assert_eq!(r.total_lines(), 1_000_000);
        assert_eq!(r.lines().back().map(|l| l.text.as_str()), Some("9999"));
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
