//! Light syntax tint for shell and SQL in the detail pane: comments dim, strings, `$VARS` and
//! `<placeholders>` coloured, the command word or SQL keywords bold. A line-local lexer: enough
//! to read a block at a glance, never a parser.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::runbook::StepKind;
use crate::ui::theme::Theme;

const SQL_KEYWORDS: &[&str] = &[
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "insert",
    "into",
    "values",
    "update",
    "set",
    "delete",
    "create",
    "index",
    "concurrently",
    "on",
    "table",
    "alter",
    "drop",
    "add",
    "column",
    "begin",
    "commit",
    "rollback",
    "order",
    "by",
    "group",
    "limit",
    "join",
    "left",
    "inner",
    "as",
    "in",
    "is",
    "null",
    "vacuum",
    "analyze",
    "with",
    "returning",
    "if",
    "exists",
    "grant",
    "revoke",
    "truncate",
    "interval",
    "count",
];

/// One code line as tinted spans, indented by two spaces.
pub fn code_line(theme: &Theme, line: &str, kind: StepKind) -> Line<'static> {
    let mut spans = vec![Span::raw("  ")];
    let trimmed = line.trim_start();
    let comment_mark = if kind == StepKind::Sql { "--" } else { "#" };
    if trimmed.starts_with(comment_mark) {
        spans.push(Span::styled(line.to_string(), theme.dim));
        return Line::from(spans);
    }
    let string = theme.acknowledged;
    let var = theme.accent.remove_modifier(Modifier::BOLD);
    let bold = theme.text.add_modifier(Modifier::BOLD);
    let mut first_word = kind != StepKind::Sql;
    let mut rest = line;
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        let len = match c {
            '\'' | '"' => rest[1..].find(c).map_or(rest.len(), |i| i + 2),
            '$' => {
                1 + rest[1..]
                    .find(|ch: char| {
                        !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '{' || ch == '}')
                    })
                    .unwrap_or(rest.len() - 1)
            }
            '<' => rest
                .find('>')
                .filter(|&i| {
                    i > 1
                        && rest[1..i]
                            .chars()
                            .all(|ch| ch.is_ascii_alphanumeric() || "_.-".contains(ch))
                })
                .map_or(1, |i| i + 1),
            '#' if kind != StepKind::Sql
                && spans.last().is_some_and(|s| s.content.ends_with(' ')) =>
            {
                rest.len()
            }
            '-' if kind == StepKind::Sql && rest.starts_with("--") => rest.len(),
            c if c.is_whitespace() => rest
                .find(|ch: char| !ch.is_whitespace())
                .unwrap_or(rest.len()),
            _ => rest
                .find(|ch: char| ch.is_whitespace() || "'\"$<".contains(ch))
                .unwrap_or(rest.len())
                .max(c.len_utf8()),
        };
        let len = len.min(rest.len());
        let len = (1..=len)
            .rev()
            .find(|&l| rest.is_char_boundary(l))
            .unwrap_or(rest.len());
        let piece = &rest[..len];
        let style: Style = match c {
            '\'' | '"' => string,
            '$' if len > 1 => var,
            '<' if len > 1 => var,
            '#' | '-' if piece.starts_with('#') || piece.starts_with("--") => theme.dim,
            c if c.is_whitespace() => theme.text,
            _ if first_word => {
                first_word = false;
                bold
            }
            _ if kind == StepKind::Sql
                && SQL_KEYWORDS.contains(&piece.to_ascii_lowercase().as_str()) =>
            {
                bold
            }
            _ => theme.text,
        };
        if !c.is_whitespace() && piece.ends_with(['|', ';', '&']) {
            first_word = kind != StepKind::Sql;
        }
        spans.push(Span::styled(piece.to_string(), style));
        rest = &rest[len..];
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styled(line: &str, kind: StepKind) -> Vec<(String, Style)> {
        let t = Theme::default();
        code_line(&t, line, kind)
            .spans
            .into_iter()
            .map(|s| (s.content.to_string(), s.style))
            .collect()
    }

    #[test]
    fn shell_pieces_are_told_apart_and_text_is_kept() {
        let line = "psql $DB_URL -c \"select 1\" <ref> # note";
        let spans = styled(line, StepKind::Shell);
        let text: String = spans.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(text, format!("  {line}"));
        let t = Theme::default();
        let style_of = |piece: &str| spans.iter().find(|(s, _)| s == piece).map(|(_, st)| *st);
        assert_eq!(
            style_of("psql").map(|s| s.add_modifier),
            Some(Modifier::BOLD)
        );
        assert_eq!(style_of("$DB_URL").and_then(|s| s.fg), t.accent.fg);
        assert_eq!(style_of("\"select 1\""), Some(t.acknowledged));
        assert_eq!(style_of("<ref>").and_then(|s| s.fg), t.accent.fg);
        assert_eq!(style_of("# note"), Some(t.dim));
    }

    #[test]
    fn sql_keywords_and_odd_input_never_panic() {
        let spans = styled("SELECT count(*) FROM t WHERE x = 'a' -- c", StepKind::Sql);
        assert!(
            spans
                .iter()
                .any(|(s, st)| s == "SELECT" && st.add_modifier.contains(Modifier::BOLD))
        );
        for odd in [
            "'unclosed",
            "\"",
            "$",
            "<",
            "<<EOF>",
            "é$ü<ß>",
            "# only",
            "",
        ] {
            let _ = styled(odd, StepKind::Shell);
            let _ = styled(odd, StepKind::Sql);
        }
    }
}
