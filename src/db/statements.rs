//! Splitting a SQL block into statements the way the server's lexer sees them: semicolons
//! inside quotes, identifiers, comments or dollar-quoted bodies do not end a statement.

/// One statement of a block, with where it starts for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The text sent to the server, without the closing `;`.
    pub text: String,
    /// 1-based line within the block where the statement's first token is.
    pub line: usize,
    /// A psql meta-command (`\timing`, `\d t`): not SQL, reported and skipped.
    pub meta: bool,
}

/// Splits `sql` into statements; blank or comment-only pieces are dropped. Never fails: an
/// unterminated quote or comment runs to the end, and the server reports it.
pub fn split(sql: &str) -> Vec<Statement> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut has_code = false;
    let mut code_start = 0usize;
    // Inside `BEGIN ATOMIC … END` (SQL-standard function bodies) `;` does not end anything;
    // nested `BEGIN`/`CASE` … `END` are counted, as psql does.
    let mut atomic_depth = 0usize;
    let mut prev_word = String::new();
    let push = |code_from: usize, to: usize, out: &mut Vec<Statement>| {
        out.push(Statement {
            text: sql[code_from..to].trim().to_string(),
            line: line_of(sql, code_from),
            meta: false,
        });
    };
    while i < b.len() {
        let c = b[i];
        // A psql meta-command runs to the end of its line and ends any statement before it
        // (`select … \gexec`).
        if c == b'\\' {
            if has_code {
                push(code_start, i, &mut out);
                has_code = false;
            }
            let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
            out.push(Statement {
                text: sql[i..end].trim().to_string(),
                line: line_of(sql, i),
                meta: true,
            });
            i = end;
            continue;
        }
        let skip_to = match c {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n)
            }
            b'/' if b.get(i + 1) == Some(&b'*') => block_comment_end(b, i),
            _ => {
                if !c.is_ascii_whitespace() && c != b';' && !has_code {
                    has_code = true;
                    code_start = i;
                }
                match c {
                    b'\'' => {
                        let escapes =
                            i > 0 && matches!(b[i - 1], b'E' | b'e') && !word_byte_before(b, i - 1);
                        quoted_end(b, i, b'\'', escapes)
                    }
                    b'"' => quoted_end(b, i, b'"', false),
                    b'$' => dollar_end(sql, i).unwrap_or(i + 1),
                    b';' if atomic_depth > 0 => i + 1,
                    b';' => {
                        if has_code {
                            push(code_start, i, &mut out);
                        }
                        has_code = false;
                        i + 1
                    }
                    c if (c.is_ascii_alphabetic() || c == b'_') && !word_byte_before(b, i) => {
                        let end = i + b[i..]
                            .iter()
                            .position(|x| !(x.is_ascii_alphanumeric() || *x == b'_' || *x == b'$'))
                            .unwrap_or(b.len() - i);
                        let word = sql[i..end].to_ascii_lowercase();
                        match word.as_str() {
                            "atomic" if prev_word == "begin" => atomic_depth += 1,
                            "begin" | "case" if atomic_depth > 0 => atomic_depth += 1,
                            "end" if atomic_depth > 0 => atomic_depth -= 1,
                            _ => {}
                        }
                        prev_word = word;
                        end
                    }
                    _ => i + 1,
                }
            }
        };
        i = skip_to.max(i + 1);
    }
    if has_code {
        push(code_start, b.len(), &mut out);
    }
    out
}

/// Byte ranges of `sql` that are not code: string literals, quoted identifiers, comments and
/// dollar-quoted bodies. Text spliced in there would change what the server reads.
pub fn non_code_ranges(sql: &str) -> Vec<std::ops::Range<usize>> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < b.len() {
        let end = match b[i] {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                Some(memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n))
            }
            b'/' if b.get(i + 1) == Some(&b'*') => Some(block_comment_end(b, i)),
            b'\'' => {
                let escapes =
                    i > 0 && matches!(b[i - 1], b'E' | b'e') && !word_byte_before(b, i - 1);
                Some(quoted_end(b, i, b'\'', escapes))
            }
            b'"' => Some(quoted_end(b, i, b'"', false)),
            b'$' => dollar_end(sql, i),
            _ => None,
        };
        match end {
            Some(e) => {
                out.push(i..e);
                i = e.max(i + 1);
            }
            None => i += 1,
        }
    }
    out
}

fn line_of(sql: &str, at: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &sql.as_bytes()[..at]).count()
}

/// True when the byte before `at` continues an identifier (so `E` is part of a word, not the
/// escape-string prefix: `SOME'x'` is not an E-string).
fn word_byte_before(b: &[u8], at: usize) -> bool {
    at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_')
}

/// End (exclusive) of a quoted run starting at `at`; a doubled quote is an escaped quote, and
/// in E-strings a backslash escapes the next byte.
fn quoted_end(b: &[u8], at: usize, q: u8, backslash: bool) -> usize {
    let mut i = at + 1;
    while i < b.len() {
        if backslash && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    b.len()
}

/// End of a (nesting) `/* … */` comment starting at `at`.
fn block_comment_end(b: &[u8], at: usize) -> usize {
    let mut depth = 0usize;
    let mut i = at;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// End of a dollar-quoted body (`$$ … $$`, `$fn$ … $fn$`) starting at `at`, or None when the
/// `$` is not an opening tag (`$1` parameters, `a$b` identifiers).
fn dollar_end(sql: &str, at: usize) -> Option<usize> {
    let b = sql.as_bytes();
    if word_byte_before(b, at) {
        return None;
    }
    let mut j = at + 1;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] >= 0x80) {
        j += 1;
    }
    if j >= b.len() || b[j] != b'$' || b.get(at + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let tag = &sql[at..=j];
    let body = j + 1;
    Some(
        sql[body..]
            .find(tag)
            .map_or(b.len(), |n| body + n + tag.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        split(sql).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_comments_and_dollar_bodies() {
        let sql = "select 'a;b', \"x;y\" from t; -- c;d\n\
                   /* e; /* nested; */ f; */ select 2;\n\
                   create function f() returns int as $body$ begin; return 1; end $body$ language plpgsql;\n\
                   select $$;$$, E'it\\'s;' ;select $1";
        assert_eq!(
            texts(sql),
            vec![
                "select 'a;b', \"x;y\" from t",
                "select 2",
                "create function f() returns int as $body$ begin; return 1; end $body$ language plpgsql",
                "select $$;$$, E'it\\'s;'",
                "select $1",
            ]
        );
    }

    #[test]
    fn comment_only_pieces_vanish_and_lines_point_at_the_first_token() {
        let s = split("-- header\n\nselect 1;\n-- trailing;\n  select\n 2");
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].line, s[1].line), (3, 5));
        assert_eq!(s[1].text, "select\n 2");
    }

    #[test]
    fn non_code_ranges_cover_literals_comments_and_bodies() {
        let sql = "select '<a>', \"<b>\", <c> -- <d>\n/* <e> */ $x$ <f> $x$ from t where v = $1";
        let ranges = non_code_ranges(sql);
        let inside = |needle: &str| {
            let at = sql.find(needle).expect("present");
            ranges.iter().any(|r| r.contains(&at))
        };
        for n in ["<a>", "<b>", "<d>", "<e>", "<f>"] {
            assert!(inside(n), "{n} is not code");
        }
        assert!(!inside("<c>"));
        assert!(!inside("$1"));
    }

    #[test]
    fn psql_meta_commands_are_kept_apart() {
        let s = split("\\timing on\nselect 1;");
        assert!(s[0].meta && s[0].text == "\\timing on");
        assert_eq!(s[1].text, "select 1");
        assert!(!s[1].meta);
        let s = split("select format('select 1') \\gexec\nselect 2;");
        assert_eq!(s[0].text, "select format('select 1')");
        assert!(s[1].meta && s[1].text == "\\gexec");
        assert_eq!(s[2].text, "select 2");
    }

    #[test]
    fn begin_atomic_bodies_keep_their_semicolons() {
        let sql = "create function f() returns int language sql\nbegin atomic\n  select case when true then 1 end;\n  select 2;\nend;\nselect 3;";
        let t = texts(sql);
        assert_eq!(t.len(), 2, "{t:?}");
        assert!(t[0].ends_with("select 2;\nend"), "{t:?}");
        assert_eq!(t[1], "select 3");
        // An ordinary transaction block still splits.
        assert_eq!(texts("begin; update t set a = 1; commit;").len(), 3);
    }

    #[test]
    fn unterminated_quotes_run_to_the_end_without_panicking() {
        for sql in [
            "select 'abc",
            "select $x$ body",
            "/* open",
            "select \"a",
            "E'\\",
        ] {
            let _ = split(sql);
        }
        assert_eq!(texts("select 'a;").len(), 1);
    }
}
