//! Result sets as text tables for the log pane and the output file, psql-style.

/// Widest a column gets before its values are cut with `…`.
const MAX_WIDTH: usize = 60;

/// Renders `header` and `rows` as aligned lines: header, rule, rows. Newlines inside values
/// are shown as `↵` so one row stays one line; NULL is shown as `NULL`.
pub fn render(header: &[String], rows: &[Vec<Option<String>>]) -> Vec<String> {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.as_deref().map_or_else(|| "NULL".to_string(), clean))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in &cells {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(c)).min(MAX_WIDTH);
            }
        }
    }
    for w in &mut widths {
        *w = (*w).min(MAX_WIDTH);
    }
    let line = |values: &[String]| -> String {
        let parts: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| pad(v, *w))
            .collect();
        parts.join(" | ").trim_end().to_string()
    };
    let mut out = Vec::with_capacity(cells.len() + 2);
    out.push(line(header));
    out.push(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-"),
    );
    out.extend(cells.iter().map(|r| line(r)));
    out
}

fn clean(v: &str) -> String {
    v.replace("\r\n", "↵")
        .replace(['\n', '\r'], "↵")
        .replace('\t', " ")
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// `v` cut to `w` characters (with `…`) or padded with spaces to `w`.
fn pad(v: &str, w: usize) -> String {
    let n = width(v);
    if n > w {
        let mut s: String = v.chars().take(w.saturating_sub(1)).collect();
        s.push('…');
        s
    } else {
        format!("{v}{}", " ".repeat(w - n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns_and_shows_null_and_newlines() {
        let out = render(
            &["id".into(), "name".into()],
            &[
                vec![Some("1".into()), Some("alpha".into())],
                vec![Some("22".into()), None],
                vec![Some("3".into()), Some("two\nlines".into())],
            ],
        );
        assert_eq!(
            out,
            vec![
                "id | name",
                "---+----------",
                "1  | alpha",
                "22 | NULL",
                "3  | two↵lines",
            ]
        );
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(100);
        let out = render(&["v".into()], &[vec![Some(long)]]);
        assert_eq!(out[2].chars().count(), MAX_WIDTH);
        assert!(out[2].ends_with('…'));
    }
}
