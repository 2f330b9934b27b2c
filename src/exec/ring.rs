//! The on-screen part of a step's output: the last lines only, however much is printed.
//!
//! Output is kept as raw bytes (the last `cap` complete lines) and decoded only when a line is
//! drawn or searched. A chunk costs a newline count, a search back from its end for the lines
//! kept and one copy of them; lines are found again only when drawn. A flood of millions of
//! lines is never walked line by line.

use std::collections::VecDeque;

/// Longest line kept for the screen; the output file has the rest.
const MAX_LINE_CHARS: usize = 2_000;
/// Bytes kept of one line (its newline aside): with `cap` lines this bounds the buffer.
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
    /// Complete lines in `data[head..]`.
    kept: usize,
    /// Where each run of lines from one stream starts in `data`, and whether it is stderr.
    runs: VecDeque<(usize, bool)>,
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
            kept: 0,
            runs: VecDeque::new(),
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
        let Some(last_nl) = memchr::memrchr(b'\n', chunk) else {
            extend_capped(&mut self.partial[stream], chunk);
            return;
        };
        let newlines = memchr::memchr_iter(b'\n', chunk).count();
        self.total += newlines as u64;
        // The first line completes the partial one, unless it is among the lines dropped.
        let first_nl = memchr::memchr(b'\n', chunk).unwrap_or(last_nl);
        let mut lines_from = first_nl + 1;
        let mut kept_new = newlines - 1;
        if newlines > self.cap {
            // Found from the end: the kept lines are few, the skipped ones may be millions.
            lines_from = after_nth_newline_from_end(chunk, self.cap);
            kept_new = self.cap;
            self.partial[stream].clear();
            self.drop_all();
        } else {
            self.end_partial(stream, &chunk[..first_nl]);
        }
        let body = &chunk[lines_from..=last_nl];
        if lines_fit(body) {
            self.append(body, kept_new, stderr);
        } else {
            // Some line may be too long: each is cut to what the screen keeps.
            let mut rest = body;
            while let Some(pos) = memchr::memchr(b'\n', rest) {
                let (line, tail) = rest.split_at(pos + 1);
                if line.len() <= MAX_LINE_BYTES {
                    self.append(line, 1, stderr);
                } else {
                    let mut cut = line[..MAX_LINE_BYTES].to_vec();
                    cut.push(b'\n');
                    self.append(&cut, 1, stderr);
                }
                rest = tail;
            }
        }
        extend_capped(&mut self.partial[stream], &chunk[last_nl + 1..]);
        self.trim();
    }

    /// Appends `lines` complete lines from one stream.
    fn append(&mut self, bytes: &[u8], lines: usize, stderr: bool) {
        if lines == 0 {
            return;
        }
        if self.runs.back().is_none_or(|&(_, s)| s != stderr) {
            self.runs.push_back((self.data.len(), stderr));
        }
        self.data.extend_from_slice(bytes);
        self.kept += lines;
    }

    /// Completes the partial line of `stream` with `rest` (the bytes before its newline).
    fn end_partial(&mut self, stream: usize, rest: &[u8]) {
        let mut line = std::mem::take(&mut self.partial[stream]);
        extend_capped(&mut line, rest);
        line.push(b'\n');
        self.append(&line, 1, stream == 1);
    }

    fn drop_all(&mut self) {
        self.data.clear();
        self.head = 0;
        self.kept = 0;
        self.runs.clear();
    }

    /// Drops lines beyond `cap` and compacts the buffer once its dead prefix is large. Every
    /// kept line is at most [`MAX_LINE_BYTES`] and its newline, so this bounds the bytes too.
    fn trim(&mut self) {
        if self.kept > self.cap {
            let excess = self.kept - self.cap;
            let cut = memchr::memchr_iter(b'\n', &self.data[self.head..])
                .nth(excess - 1)
                .map_or(self.data.len(), |i| self.head + i + 1);
            self.head = cut;
            self.kept = self.cap;
        }
        // Runs that end before the first kept line are gone.
        while self.runs.len() > 1 && self.runs[1].0 <= self.head {
            self.runs.pop_front();
        }
        if self.head > 64 * 1024 && self.head * 2 > self.data.len() {
            self.data.drain(..self.head);
            let shift = self.head;
            self.runs
                .iter_mut()
                .for_each(|(s, _)| *s = s.saturating_sub(shift));
            self.head = 0;
        }
    }

    /// Flushes partial lines when the process has ended.
    pub fn finish(&mut self) {
        for stream in 0..2 {
            if !self.partial[stream].is_empty() {
                self.end_partial(stream, &[]);
                self.total += 1;
            }
        }
        self.trim();
    }

    /// Number of lines kept (at most `cap`).
    pub fn len(&self) -> usize {
        self.kept
    }

    pub fn is_empty(&self) -> bool {
        self.kept == 0
    }

    /// Byte offset in `data` of kept line `i` (0 = oldest kept). Line `i` starts after the
    /// newline that ends line `i - 1`: counted from the end, newline number `kept - i`.
    fn start_of(&self, i: usize) -> Option<usize> {
        (i < self.kept)
            .then(|| self.head + after_nth_newline_from_end(&self.data[self.head..], self.kept - i))
    }

    /// The line starting at `start` and whether it came from stderr.
    fn line_at(&self, start: usize) -> Option<(Line, usize)> {
        let rest = self.data.get(start..)?;
        let len = memchr::memchr(b'\n', rest)?;
        let run = self.runs.partition_point(|&(s, _)| s <= start);
        let stderr = run > 0 && self.runs[run - 1].1;
        Some((
            Line {
                text: clean_line(&rest[..len]),
                stderr,
            },
            start + len + 1,
        ))
    }

    /// The kept line `i` (0 = oldest kept), decoded for the screen.
    pub fn line(&self, i: usize) -> Option<Line> {
        self.line_at(self.start_of(i)?).map(|(l, _)| l)
    }

    /// Lines `range` of the kept ones, decoded.
    pub fn lines(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = Line> + '_ {
        let count = range.end.min(self.kept).saturating_sub(range.start);
        let mut at = self.start_of(range.start);
        (0..count).map_while(move |_| {
            let (line, next) = self.line_at(at?)?;
            at = Some(next);
            Some(line)
        })
    }

    /// Index of the last kept line whose text contains `needle`.
    pub fn rfind(&self, needle: &str) -> Option<usize> {
        let kept = &self.data[self.head..];
        let mut end = kept.len().checked_sub(1)?;
        for i in (0..self.kept).rev() {
            let start = memchr::memrchr(b'\n', &kept[..end]).map_or(0, |p| p + 1);
            if self
                .line_at(self.head + start)
                .is_some_and(|(l, _)| l.text.contains(needle))
            {
                return Some(i);
            }
            end = start.checked_sub(1)?;
        }
        None
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

/// Whether no line of `body` (whole lines) can be longer than [`MAX_LINE_BYTES`]: a longer
/// line would cover some aligned 1 KiB block without a newline. A handful of `memchr` calls
/// for a flood's chunk, where checking each line would be thousands.
fn lines_fit(body: &[u8]) -> bool {
    const _: () = assert!(2 * 1024 <= MAX_LINE_BYTES + 1);
    body.chunks(1024)
        .all(|b| memchr::memchr(b'\n', b).is_some())
}

/// The offset just after newline number `n` counted from the end (the last is number 0), or
/// 0 when there are not that many. Whole blocks are counted with SIMD and skipped; only the
/// block holding that newline is walked, so short lines cost little per line.
fn after_nth_newline_from_end(bytes: &[u8], n: usize) -> usize {
    const BLOCK: usize = 1024;
    let mut left = n;
    let mut end = bytes.len();
    while end > 0 {
        let start = end.saturating_sub(BLOCK);
        let block = &bytes[start..end];
        let here = memchr::memchr_iter(b'\n', block).count();
        if here > left {
            return memchr::memrchr_iter(b'\n', block)
                .nth(left)
                .map_or(0, |i| start + i + 1);
        }
        left -= here;
        end = start;
    }
    0
}

/// Appends at most what keeps a partial line within the screen limit.
fn extend_capped(buf: &mut Vec<u8>, bytes: &[u8]) {
    let room = MAX_LINE_BYTES.saturating_sub(buf.len());
    buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
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
    use proptest::strategy::Strategy as _;

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

    /// What the ring must show: every completed line in order, the last `cap` of them.
    fn model(chunks: &[(Vec<u8>, bool)], cap: usize) -> (Vec<(String, bool)>, u64) {
        let mut partial = [Vec::new(), Vec::new()];
        let mut lines = Vec::new();
        for (chunk, stderr) in chunks {
            for &b in chunk {
                let p = &mut partial[usize::from(*stderr)];
                if b == b'\n' {
                    // The screen keeps 2 KiB of a line and shows 2 000 characters of that.
                    let kept = &p[..p.len().min(MAX_LINE_BYTES)];
                    let mut text = String::from_utf8_lossy(kept).into_owned();
                    if text.len() > MAX_LINE_CHARS {
                        text.truncate(MAX_LINE_CHARS);
                        text.push('…');
                    }
                    lines.push((text, *stderr));
                    p.clear();
                } else {
                    p.push(b);
                }
            }
        }
        let total = lines.len() as u64;
        let skip = lines.len().saturating_sub(cap);
        (lines.split_off(skip), total)
    }

    proptest::proptest! {
        #[test]
        fn matches_a_line_by_line_model(
            chunks in proptest::collection::vec(
                (proptest::collection::vec(proptest::sample::select(b"ab\n".to_vec()), 0..40),
                 proptest::bool::ANY),
                0..30),
            cap in 1usize..12,
            offset in 0usize..14,
        ) {
            let mut r = OutputRing::new(cap);
            for (c, e) in &chunks {
                r.push_chunk(c, *e);
            }
            let (want, total) = model(&chunks, cap);
            proptest::prop_assert_eq!(texts(&r), want.clone());
            proptest::prop_assert_eq!(r.total_lines(), total);
            // Any line and any window give the same lines as the whole.
            for (i, w) in want.iter().enumerate() {
                proptest::prop_assert_eq!(r.line(i).map(|l| (l.text, l.stderr)), Some(w.clone()));
            }
            let from = offset.min(want.len());
            let window: Vec<_> = r.lines(from..want.len() + 3).map(|l| (l.text, l.stderr)).collect();
            proptest::prop_assert_eq!(&window[..], &want[from..]);
            let found = want.iter().rposition(|(t, _)| t.contains("ab"));
            proptest::prop_assert_eq!(r.rfind("ab"), found);
        }
    }

    /// Chunks of lines `a…a` whose lengths straddle the 2 KiB cut, with or without an end.
    fn long_line_chunks() -> impl proptest::strategy::Strategy<Value = Vec<(Vec<u8>, bool)>> {
        let line = (0usize..3000, proptest::bool::ANY).prop_map(|(n, end)| {
            let mut l = vec![b'a'; n];
            if end {
                l.push(b'\n');
            }
            l
        });
        let chunk = (proptest::collection::vec(line, 0..6), proptest::bool::ANY)
            .prop_map(|(ls, e)| (ls.concat(), e));
        proptest::collection::vec(chunk, 0..12)
    }

    proptest::proptest! {
        #[test]
        fn long_lines_are_cut_and_none_lost(chunks in long_line_chunks(), cap in 1usize..6) {
            let mut r = OutputRing::new(cap);
            for (c, e) in &chunks {
                r.push_chunk(c, *e);
            }
            let (want, total) = model(&chunks, cap);
            proptest::prop_assert_eq!(texts(&r), want);
            proptest::prop_assert_eq!(r.total_lines(), total);
            proptest::prop_assert!(r.data.len() - r.head <= cap * (MAX_LINE_BYTES + 1));
        }
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
