//! A small block tree built from pulldown-cmark's event stream: headings, paragraphs, code,
//! lists with their items, and everything else as opaque reference ranges.
//!
//! Only what the runbook walker needs is kept; byte ranges point back into the source so that
//! line numbers and reference text come from the file as written.

use std::borrow::Cow;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// Lists nested deeper than this are kept as reference text: no runbook needs them, and it
/// bounds recursion on hostile input.
const MAX_LIST_DEPTH: usize = 32;

/// Text is borrowed from the source where the source holds it as is (nearly always: a heading,
/// a one-line paragraph, a fence outside lists), and owned only where it had to be assembled.
#[derive(Debug)]
pub enum Block<'a> {
    Heading {
        level: u8,
        text: Cow<'a, str>,
        range: Range<usize>,
    },
    /// `task` is the task-list marker a loose list item puts inside its first paragraph;
    /// `spans` its inline code in order, and `linked` how many bytes of `text` are link text
    /// (a paragraph that is only a link is navigation, not an instruction).
    Paragraph {
        text: Cow<'a, str>,
        task: Option<bool>,
        spans: Spans<'a>,
        range: Range<usize>,
    },
    Code {
        fenced: bool,
        info: Cow<'a, str>,
        code: Cow<'a, str>,
        range: Range<usize>,
    },
    List {
        ordered: bool,
        /// The number a numbered list starts at: above 1, it continues a procedure that a
        /// block at the margin interrupted.
        start: u64,
        items: Vec<Item<'a>>,
    },
    FrontMatter {
        yaml: String,
        range: Range<usize>,
    },
    /// Tables, quotes, HTML, rules: shown, never run.
    Other {
        range: Range<usize>,
    },
}

/// What a paragraph's inline markup says beyond its text.
#[derive(Debug, Default)]
pub struct Spans<'a> {
    /// Inline code (`` `kubectl get pods` ``), in order.
    pub code: Vec<Cow<'a, str>>,
    /// Bytes of the text that sit inside links.
    pub linked: usize,
}

#[derive(Debug)]
pub struct Item<'a> {
    /// `Some(checked)` for a GFM task-list item.
    pub task: Option<bool>,
    pub blocks: Vec<Block<'a>>,
    pub range: Range<usize>,
}

type Events<'a> =
    std::iter::Peekable<pulldown_cmark::OffsetIter<'a, pulldown_cmark::DefaultBrokenLinkCallback>>;

/// Blocks and items under construction, innermost last. Each list item's blocks and each
/// list's items are gathered here and then moved out into a vector of exactly their number:
/// most items hold a single block, and a vector grown by pushing would reserve four.
#[derive(Default)]
struct Stacks<'a> {
    blocks: Vec<Block<'a>>,
    items: Vec<Item<'a>>,
}

/// Parses `src` into top-level blocks (CommonMark + GFM tables, task lists, YAML front matter).
pub fn parse_blocks(src: &str) -> Vec<Block<'_>> {
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    let mut events = Parser::new_ext(src, opts).into_offset_iter().peekable();
    let mut stacks = Stacks::default();
    collect_blocks(&mut events, &mut stacks, None, 0);
    stacks.blocks
}

/// Parses the Markdown at `range` of `src` (a MyST tab's body, say), its byte ranges pointing
/// into `src` like those of the whole document.
/// Markdown indented as a whole (a tab set inside a list item) is read without its common
/// indentation, which would otherwise make it an indented code block.
pub fn parse_blocks_at(src: &str, range: Range<usize>) -> Vec<Block<'_>> {
    let Some(text) = src.get(range.clone()) else {
        return Vec::new();
    };
    let indent = common_indent(text);
    if indent == 0 {
        let mut blocks = parse_blocks(text);
        remap(&mut blocks, &|at| at + range.start);
        return blocks;
    }
    // Each line loses `indent` leading spaces (fewer on a shorter blank line); `starts` maps
    // the start of each dedented line to where its text starts in `src`.
    let mut dedented = String::with_capacity(text.len());
    let mut starts: Vec<(usize, usize)> = Vec::new();
    let mut at = range.start;
    for line in text.split_inclusive('\n') {
        let cut = line.bytes().take(indent).take_while(|b| *b == b' ').count();
        starts.push((dedented.len(), at + cut));
        dedented.push_str(&line[cut..]);
        at += line.len();
    }
    let mut blocks = parse_blocks(&dedented);
    remap(&mut blocks, &|off| {
        let k = starts.partition_point(|(d, _)| *d <= off).saturating_sub(1);
        starts
            .get(k)
            .map_or(range.start + off, |(d, s)| s + (off - d))
    });
    blocks.into_iter().map(Block::into_owned).collect()
}

/// The spaces every non-blank line of `text` starts with.
fn common_indent(text: &str) -> usize {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.bytes().take_while(|b| *b == b' ').count())
        .min()
        .unwrap_or(0)
}

fn remap(blocks: &mut [Block<'_>], to: &dyn Fn(usize) -> usize) {
    let moved = |r: &mut Range<usize>| *r = to(r.start)..to(r.end);
    for block in blocks {
        match block {
            Block::Heading { range, .. }
            | Block::Paragraph { range, .. }
            | Block::Code { range, .. }
            | Block::FrontMatter { range, .. }
            | Block::Other { range } => moved(range),
            Block::List { items, .. } => {
                for item in items {
                    moved(&mut item.range);
                    remap(&mut item.blocks, to);
                }
            }
        }
    }
}

impl Block<'_> {
    /// The block with every text its own: for blocks parsed from text made for the purpose.
    fn into_owned(self) -> Block<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        match self {
            Block::Heading { level, text, range } => Block::Heading {
                level,
                text: own(text),
                range,
            },
            Block::Paragraph {
                text,
                task,
                spans,
                range,
            } => Block::Paragraph {
                text: own(text),
                task,
                spans: Spans {
                    code: spans.code.into_iter().map(own).collect(),
                    linked: spans.linked,
                },
                range,
            },
            Block::Code {
                fenced,
                info,
                code,
                range,
            } => Block::Code {
                fenced,
                info: own(info),
                code: own(code),
                range,
            },
            Block::List {
                ordered,
                start,
                items,
            } => Block::List {
                ordered,
                start,
                items: items
                    .into_iter()
                    .map(|i| Item {
                        task: i.task,
                        blocks: i.blocks.into_iter().map(Block::into_owned).collect(),
                        range: i.range,
                    })
                    .collect(),
            },
            Block::FrontMatter { yaml, range } => Block::FrontMatter { yaml, range },
            Block::Other { range } => Block::Other { range },
        }
    }
}

/// Reads blocks until the end tag `until` (or the end of input), pushing them on the stack.
fn collect_blocks<'a>(
    events: &mut Events<'a>,
    stacks: &mut Stacks<'a>,
    until: Option<TagEnd>,
    depth: usize,
) {
    // Inline content directly inside a tight list item, gathered into a synthetic paragraph.
    let mut loose: Option<(Cow<'a, str>, Spans<'a>, Range<usize>)> = None;
    let empty = |range: &Range<usize>| (Cow::Borrowed(""), Spans::default(), range.clone());
    while let Some((event, range)) = events.next() {
        match event {
            Event::End(end) if Some(end) == until => break,
            Event::Start(tag) if is_inline(&tag) => {
                let link = matches!(tag, Tag::Link { .. });
                let inline = inline_text(events, tag.to_end(), 0);
                let entry = loose.get_or_insert_with(|| empty(&range));
                if link {
                    entry.1.linked += inline.text.len();
                } else {
                    entry.1.linked += inline.spans.linked;
                }
                entry.1.code.extend(inline.spans.code);
                append(&mut entry.0, inline.text, 0);
                entry.2.end = range.end;
            }
            Event::Start(tag) => {
                if let Some((text, spans, r)) = loose.take() {
                    stacks.blocks.push(Block::Paragraph {
                        text: tidy(text),
                        task: None,
                        spans,
                        range: r,
                    });
                }
                let block = start_block(events, stacks, tag, range, depth);
                stacks.blocks.push(block);
            }
            Event::Code(t) => {
                let entry = loose.get_or_insert_with(|| empty(&range));
                let t: Cow<'a, str> = t.into();
                entry.1.code.push(t.clone());
                append(&mut entry.0, t, 0);
                entry.2.end = range.end;
            }
            Event::Text(t)
            | Event::InlineHtml(t)
            | Event::InlineMath(t)
            | Event::DisplayMath(t) => {
                let entry = loose.get_or_insert_with(|| empty(&range));
                append(&mut entry.0, t.into(), 0);
                entry.2.end = range.end;
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(entry) = loose.as_mut() {
                    append(&mut entry.0, Cow::Borrowed(" "), 0);
                }
            }
            Event::Rule | Event::Html(_) => stacks.blocks.push(Block::Other { range }),
            Event::TaskListMarker(_) | Event::FootnoteReference(_) | Event::End(_) => {}
        }
    }
    if let Some((text, spans, r)) = loose.take() {
        stacks.blocks.push(Block::Paragraph {
            text: tidy(text),
            task: None,
            spans,
            range: r,
        });
    }
}

fn start_block<'a>(
    events: &mut Events<'a>,
    stacks: &mut Stacks<'a>,
    tag: Tag<'a>,
    range: Range<usize>,
    depth: usize,
) -> Block<'a> {
    match tag {
        Tag::Heading { level, .. } => {
            let text = inline_text(events, TagEnd::Heading(level), range.len()).text;
            Block::Heading {
                level: level as u8,
                text,
                range,
            }
        }
        Tag::Paragraph => {
            let InlineText { text, task, spans } =
                inline_text(events, TagEnd::Paragraph, range.len());
            Block::Paragraph {
                text,
                task,
                spans,
                range,
            }
        }
        Tag::CodeBlock(kind) => {
            let (fenced, info) = match kind {
                CodeBlockKind::Fenced(info) => (true, info.into()),
                CodeBlockKind::Indented => (false, Cow::Borrowed("")),
            };
            // One piece outside lists (borrowed); a piece per line inside them, whose
            // indentation is not part of the code. The block's source is an upper bound of
            // its text: one allocation when pieces are joined.
            let mut code = Cow::Borrowed("");
            for (e, _) in events.by_ref() {
                match e {
                    Event::Text(t) => append(&mut code, t.into(), range.len()),
                    Event::End(TagEnd::CodeBlock) => break,
                    _ => {}
                }
            }
            Block::Code {
                fenced,
                info,
                code,
                range,
            }
        }
        Tag::MetadataBlock(kind) => {
            let mut yaml = String::new();
            for (e, _) in events.by_ref() {
                match e {
                    Event::Text(t) => yaml.push_str(&t),
                    Event::End(TagEnd::MetadataBlock(k)) if k == kind => break,
                    _ => {}
                }
            }
            Block::FrontMatter { yaml, range }
        }
        Tag::List(first) if depth < MAX_LIST_DEPTH => {
            let _ = range;
            let first_item = stacks.items.len();
            while let Some((e, r)) = events.next() {
                match e {
                    Event::Start(Tag::Item) => {
                        let task = match events.peek() {
                            Some((Event::TaskListMarker(c), _)) => Some(*c),
                            _ => None,
                        };
                        let first_block = stacks.blocks.len();
                        collect_blocks(events, stacks, Some(TagEnd::Item), depth + 1);
                        let blocks: Vec<Block> = stacks.blocks.drain(first_block..).collect();
                        let task = task.or(match blocks.first() {
                            Some(Block::Paragraph { task, .. }) => *task,
                            _ => None,
                        });
                        stacks.items.push(Item {
                            task,
                            blocks,
                            range: r,
                        });
                    }
                    Event::End(TagEnd::List(_)) => break,
                    _ => {}
                }
            }
            Block::List {
                ordered: first.is_some(),
                start: first.unwrap_or(1),
                items: stacks.items.drain(first_item..).collect(),
            }
        }
        other => {
            skip_to_end(events, &other);
            Block::Other { range }
        }
    }
}

fn is_inline(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

/// Appends `more` to `text`, keeping it borrowed while it is the only piece; once pieces are
/// joined, the string holds at least `capacity` bytes.
fn append<'a>(text: &mut Cow<'a, str>, more: Cow<'a, str>, capacity: usize) {
    if text.is_empty() {
        *text = more;
        return;
    }
    if let Cow::Borrowed(first) = *text {
        let mut owned = String::with_capacity(capacity.max(first.len() + more.len()));
        owned.push_str(first);
        *text = Cow::Owned(owned);
    }
    text.to_mut().push_str(&more);
}

/// Consumes events up to the end of `tag`, counting nesting, without recursion.
fn skip_to_end(events: &mut Events<'_>, tag: &Tag<'_>) {
    let end = tag.to_end();
    let mut depth = 0usize;
    for (e, _) in events.by_ref() {
        match e {
            Event::Start(t) if t.to_end() == end => depth += 1,
            Event::End(t) if t == end => {
                if depth == 0 {
                    return;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
}

/// Inline content read as plain text, with what its markup said.
struct InlineText<'a> {
    text: Cow<'a, str>,
    task: Option<bool>,
    spans: Spans<'a>,
}

/// The plain text of inline content up to `end` (markup dropped, breaks as spaces), the
/// task-list marker met on the way, if any, and its code spans and link text. `capacity` is
/// the block's source length, which its text rarely exceeds, for when pieces must be joined.
fn inline_text<'a>(events: &mut Events<'a>, end: TagEnd, capacity: usize) -> InlineText<'a> {
    let mut text = Cow::Borrowed("");
    let mut task = None;
    let mut spans = Spans::default();
    // Text length where the open link started, if inside one.
    let mut link_from: Option<usize> = None;
    for (e, _) in events.by_ref() {
        match e {
            Event::TaskListMarker(c) if text.is_empty() => task = Some(c),
            Event::End(t) if t == end => break,
            Event::Start(Tag::Link { .. }) => link_from = Some(text.len()),
            Event::End(TagEnd::Link) => {
                if let Some(from) = link_from.take() {
                    spans.linked += text.len().saturating_sub(from);
                }
            }
            Event::Code(t) => {
                let t: Cow<'a, str> = t.into();
                spans.code.push(t.clone());
                append(&mut text, t, capacity)
            }
            Event::InlineHtml(t) if is_markup_tag(&t) => {}
            Event::Text(t) | Event::InlineHtml(t) | Event::InlineMath(t) => {
                append(&mut text, t.into(), capacity)
            }
            Event::SoftBreak | Event::HardBreak => append(&mut text, Cow::Borrowed(" "), capacity),
            _ => {}
        }
    }
    InlineText {
        text: tidy(text),
        task,
        spans,
    }
}

/// Inline HTML that only formats (`<tt>`, `</b>`, `<br/>`): dropped from plain text, while
/// `<project-ref>`-style placeholders, which parse as inline HTML too, are kept.
fn is_markup_tag(html: &str) -> bool {
    let name = html
        .trim_start_matches('<')
        .trim_start_matches('/')
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        name.as_str(),
        "tt" | "b"
            | "i"
            | "u"
            | "em"
            | "strong"
            | "code"
            | "kbd"
            | "br"
            | "span"
            | "sup"
            | "sub"
            | "small"
            | "mark"
            | "a"
            | "img"
            | "abbr"
            | "del"
            | "ins"
            | "s"
            | "var"
            | "samp"
    )
}

/// Collapses runs of whitespace into one space. Nearly all text is tidy already (soft breaks
/// arrive as single spaces) and is then kept without copying.
fn tidy(text: Cow<'_, str>) -> Cow<'_, str> {
    if is_tidy(&text) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

/// Whether `tidy` would leave `text` unchanged: ASCII, single spaces between words, none at
/// either end. Non-ASCII text takes the full path, which knows Unicode whitespace. The checks
/// run over every byte without early exits, so that they compile to vector code.
fn is_tidy(text: &str) -> bool {
    let b = text.as_bytes();
    let odd = b.iter().fold(false, |acc, &c| {
        acc | (c >= 0x80) | (c.wrapping_sub(0x09) < 5)
    });
    let double = b
        .iter()
        .zip(b.iter().skip(1))
        .fold(false, |acc, (&x, &y)| acc | ((x == b' ') & (y == b' ')));
    !odd && !double && b.first() != Some(&b' ') && b.last() != Some(&b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_borrowed_unless_it_had_to_be_joined() {
        let src = "# Deploy\n\nRun it:\n\n```bash\necho a\necho b\n```\n\n- Item *with* emphasis\n\n  ```sh\n  ls\n  pwd\n  ```\n";
        let blocks = parse_blocks(src);
        let borrowed = |c: &Cow<'_, str>| matches!(c, Cow::Borrowed(_));
        let [
            Block::Heading { text: h, .. },
            Block::Paragraph { text: p, .. },
            Block::Code { info, code, .. },
            Block::List { items, .. },
        ] = &blocks[..]
        else {
            panic!("unexpected blocks: {blocks:?}");
        };
        assert_eq!((h.as_ref(), p.as_ref()), ("Deploy", "Run it:"));
        assert!(borrowed(h) && borrowed(p) && borrowed(info));
        assert_eq!(code, "echo a\necho b\n");
        assert!(
            borrowed(code),
            "a fence outside lists is one piece of the source"
        );
        let [Block::Paragraph { text, .. }, Block::Code { code, .. }] = &items[0].blocks[..] else {
            panic!("unexpected item: {:?}", items[0]);
        };
        assert_eq!(text, "Item with emphasis");
        assert!(!borrowed(text));
        // Inside a list, each line comes without the item's indentation.
        assert_eq!(code, "ls\npwd\n");
    }
}
