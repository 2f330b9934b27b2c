//! Putting run inputs into a step's command without ever executing them.
//!
//! A `<placeholder>`, `{NAME}` or `{{ NAME }}` is replaced by a reference to an environment variable that
//! carries the value (`FD_IN_<name>`), quoted for where it stands: `"${FD_IN_x}"` outside quotes,
//! `${FD_IN_x}` inside double quotes, `'"${FD_IN_x}"'` inside single quotes. The shell expands a
//! variable once and never re-parses its value, so `;`, quotes, `$(…)`, backticks and newlines in
//! a value stay data wherever the placeholder sits. `$NAME` references get their value through
//! the environment the same way.

use std::borrow::Cow;

use crate::runbook::inputs::{brace_placeholder_at, dashed_name, placeholder_at};

/// Where the value of input `name` travels: `FD_IN_` and the name with non-alphanumerics as `_`.
pub fn env_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("FD_IN_{safe}")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// The command with every placeholder that `has_value` knows replaced by a quoted variable
/// reference, and the names replaced (in order, without duplicates). Unknown names stay as
/// written (the caller asks for them first).
pub fn substitute(code: &str, has_value: impl Fn(&str) -> bool) -> (String, Vec<String>) {
    let mut out = String::with_capacity(code.len() + 32);
    let mut used: Vec<String> = Vec::new();
    let mut quote = Quote::None;
    let mut rest = code;
    while let Some(c) = rest.chars().next() {
        let at = code.len() - rest.len();
        if let Some((name, len)) = reference_at(code, at).filter(|(n, _)| has_value(n)) {
            let var = env_name(&name);
            match quote {
                Quote::None => out.push_str(&format!("\"${{{var}}}\"")),
                Quote::Double => out.push_str(&format!("${{{var}}}")),
                Quote::Single => out.push_str(&format!("'\"${{{var}}}\"'")),
            }
            if !used.iter().any(|u| *u == name) {
                used.push(name.into_owned());
            }
            rest = &rest[len..];
            continue;
        }
        match (c, quote) {
            ('\\', Quote::None | Quote::Double) => {
                // An escaped character is copied as is and never changes the quoting.
                let n = rest.chars().take(2).map(char::len_utf8).sum::<usize>();
                out.push_str(&rest[..n]);
                rest = &rest[n..];
                continue;
            }
            ('\'', Quote::None) => quote = Quote::Single,
            ('\'', Quote::Single) => quote = Quote::None,
            ('"', Quote::None) => quote = Quote::Double,
            ('"', Quote::Double) => quote = Quote::None,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    (out, used)
}

/// The name and byte length of a `<placeholder>` or `{{ name }}` reference at byte `at` of
/// `text`. A placeholder is read as input detection reads it
/// ([`placeholder_at`]): `<token from the vault>` is `TOKEN_FROM_THE_VAULT`, and the whole
/// text as written is what gets replaced.
fn reference_at(text: &str, at: usize) -> Option<(Cow<'_, str>, usize)> {
    let s = &text[at..];
    if let Some(body) = s.strip_prefix("{{") {
        let end = body.find("}}")?;
        let name = body[..end].trim();
        return valid(name).then_some((Cow::Borrowed(name), end + 4));
    }
    if s.starts_with('{') {
        return brace_placeholder_at(text, at).map(|(name, len)| (Cow::Borrowed(name), len));
    }
    if !s.starts_with('<') {
        return None;
    }
    placeholder_at(text, at)
}

fn valid(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// Fills a step's non-shell text (SQL, a request, a message template): every `<name>`,
/// `{{ name }}`, `${NAME}` and, when `bare` is set, `$NAME` whose value `lookup` knows is replaced
/// by `quote(value)`. Nothing here is ever handed to a shell, so the value stays data as long as
/// `quote` keeps it so for the target language.
pub fn fill(
    text: &str,
    bare: bool,
    mut lookup: impl FnMut(&str) -> Option<String>,
    quote: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let at = text.len() - rest.len();
        let found = reference_at(text, at).or_else(|| dollar_at(rest, bare));
        if let Some((name, len)) = found
            && let Some(value) = lookup(&name)
        {
            out.push_str(&quote(&value));
            rest = &rest[len..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The name and length of `${NAME}` (or `$NAME` when `bare`) at the start of `s`. A bare
/// `$RELEASE-TAG` is one name written with a dash ([`dashed_name`]), as input detection reads
/// request and template text: it is left as written.
fn dollar_at(s: &str, bare: bool) -> Option<(Cow<'_, str>, usize)> {
    let body = s.strip_prefix('$')?;
    if let Some(inner) = body.strip_prefix('{') {
        let end = inner.find('}')?;
        let name = &inner[..end];
        return is_env_name(name).then_some((Cow::Borrowed(name), end + 3));
    }
    if !bare {
        return None;
    }
    let len = body
        .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
        .unwrap_or(body.len());
    let name = &body[..len];
    (is_env_name(name) && !dashed_name(name, &body[len..]))
        .then_some((Cow::Borrowed(name), len + 1))
}

/// `value` as the inside of a JSON string: quotes, backslashes and control characters escaped,
/// so a value placed in a JSON template stays inside its string.
pub fn json_content(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// Fills a SQL block: each input becomes a string literal where a value goes. An input inside
/// a string, identifier, comment or `$$` body is refused (a literal there would end what
/// surrounds it), naming the input and the fix.
pub fn fill_sql(sql: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let skip = crate::db::statements::non_code_ranges(sql);
    let mut out = String::with_capacity(sql.len() + 16);
    let mut i = 0usize;
    while let Some(c) = sql[i..].chars().next() {
        if let Some(r) = skip.iter().find(|r| r.start == i) {
            let text = &sql[r.clone()];
            if let Some(name) = first_reference(text).filter(|n| lookup(n).is_some()) {
                return Err(format!(
                    "input `{name}` stands inside a quoted string, identifier, comment or $$ body of the SQL; put it where a value goes (`where id = <{name}>`), flightdeck quotes it"
                ));
            }
            out.push_str(text);
            i = r.end;
            continue;
        }
        let rest = &sql[i..];
        if let Some((name, len)) = reference_at(sql, i).or_else(|| dollar_at(rest, false))
            && let Some(value) = lookup(&name)
        {
            out.push_str(&sql_literal(&value));
            i += len;
            continue;
        }
        out.push(c);
        i += c.len_utf8();
    }
    Ok(out)
}

/// The first `<name>`, `{{ name }}` or `${NAME}` in `text`.
fn first_reference(text: &str) -> Option<Cow<'_, str>> {
    text.char_indices().find_map(|(i, _)| {
        reference_at(text, i)
            .or_else(|| dollar_at(&text[i..], false))
            .map(|(n, _)| n)
    })
}

/// A SQL string literal holding `value` exactly, whatever `standard_conforming_strings` says:
/// an escape string (`E'…'`) with backslashes and quotes doubled.
pub fn sql_literal(value: &str) -> String {
    format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// Whether `name` can be passed as an environment variable as it is (`$NAME` inputs).
pub fn is_env_name(name: &str) -> bool {
    let mut c = name.chars();
    c.next()
        .is_some_and(|f| f == '_' || f.is_ascii_alphabetic())
        && c.all(|x| x == '_' || x.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_sql_quotes_values_and_refuses_inputs_inside_literals() {
        let evil = "x\\'); drop table t; --";
        let lookup = |n: &str| (n == "TENANT" || n == "who").then(|| evil.to_string());
        let sql = "select $1, $$a$$, ${TENANT}, <who>, ${OTHER} from t where a = $TENANT";
        let lit = "E'x\\\\''); drop table t; --'";
        assert_eq!(
            fill_sql(sql, lookup).expect("fills"),
            format!("select $1, $$a$$, {lit}, {lit}, ${{OTHER}} from t where a = $TENANT")
        );
        for bad in [
            "select '<who>'",
            "select 1 -- <who>",
            "select $q$ ${TENANT} $q$",
            "select \"<who>\"",
        ] {
            let e = fill_sql(bad, lookup).expect_err(bad);
            assert!(e.starts_with("input `"), "{e}");
        }
        // A name nobody has a value for inside a literal is just text.
        assert_eq!(
            fill_sql("select '<nobody>'", lookup).expect("fills"),
            "select '<nobody>'"
        );
        assert_eq!(
            fill("Bearer $TENANT!", true, lookup, |v| v.to_string()),
            format!("Bearer {evil}!")
        );
    }

    fn run(script: &str, env: &[(&str, &str)]) -> String {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .envs(env.iter().copied())
            .output()
            .expect("sh runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn placeholders_become_quoted_references() {
        let known = |n: &str| n == "project-ref" || n == "R";
        let (out, used) = substitute(
            "link --ref <project-ref> && echo \"v={{ R }}\" '<R>' <missing> a<b",
            known,
        );
        assert_eq!(
            out,
            "link --ref \"${FD_IN_project_ref}\" && echo \"v=${FD_IN_R}\" ''\"${FD_IN_R}\"'' <missing> a<b"
        );
        assert_eq!(used, ["project-ref", "R"]);
    }

    #[test]
    fn braced_placeholders_are_replaced_and_shell_braces_are_not() {
        let known = |n: &str| ["NAMESPACE", "user-1", "print", "u", "a_b"].contains(&n);
        let (out, used) = substitute(
            "kubectl -n={NAMESPACE} x-{user-1}-y awk '{print}' @{u} ${NAMESPACE} {{NAMESPACE}x '{a_b}'",
            known,
        );
        assert_eq!(
            out,
            "kubectl -n=\"${FD_IN_NAMESPACE}\" x-\"${FD_IN_user_1}\"-y awk '{print}' @{u} ${NAMESPACE} {{NAMESPACE}x '{a_b}'"
        );
        assert_eq!(used, ["NAMESPACE", "user-1"]);
    }

    #[test]
    fn a_placeholder_of_several_words_is_replaced_as_written() {
        let known = |n: &str| n == "TOKEN_FROM_THE_VAULT" || n == "br";
        let code =
            "login --token <token from the vault> '<token from the vault>' '<br>' '<token  from>'";
        let (script, used) = substitute(code, known);
        assert_eq!(
            script,
            "login --token \"${FD_IN_TOKEN_FROM_THE_VAULT}\" ''\"${FD_IN_TOKEN_FROM_THE_VAULT}\"'' '<br>' '<token  from>'"
        );
        assert_eq!(used, ["TOKEN_FROM_THE_VAULT"]);
        let got = run(
            &script.replace("login --token", "printf '%s|'"),
            &[("FD_IN_TOKEN_FROM_THE_VAULT", "s.3cr3t value")],
        );
        assert_eq!(got, "s.3cr3t value|s.3cr3t value|<br>|<token  from>|");
        let lookup = |n: &str| (n == "TOKEN_FROM_THE_VAULT").then(|| "v".to_string());
        assert_eq!(
            fill(
                "Bearer <token from the vault>",
                true,
                lookup,
                str::to_string
            ),
            "Bearer v"
        );
    }

    #[test]
    fn a_dashed_dollar_name_in_text_is_left_as_written() {
        let lookup = |n: &str| (n == "RELEASE").then(|| "v1".to_string());
        assert_eq!(
            fill(
                "$RELEASE-TAG, ${RELEASE}-TAG, $RELEASE-rc1, $RELEASE.",
                true,
                lookup,
                str::to_string
            ),
            "$RELEASE-TAG, v1-TAG, v1-rc1, v1."
        );
    }

    #[test]
    fn values_never_execute_wherever_the_placeholder_stands() {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("pwned");
        let nasty = [
            format!("x$(touch {})", marker.display()),
            format!("`touch {}`", marker.display()),
            format!("a'; touch {}; echo '", marker.display()),
            format!("b\"; touch {}; echo \"", marker.display()),
            "line1\nline2".to_string(),
            "with space  and *".to_string(),
        ];
        for value in &nasty {
            for template in [
                "printf '%s|' <v>",
                "printf '%s|' \"pre <v> post\"",
                "printf '%s|' 'pre <v> post'",
                "printf '%s|' x\\ <v>",
            ] {
                let (script, _) = substitute(template, |n| n == "v");
                let got = run(&script, &[("FD_IN_v", value)]);
                assert!(
                    !marker.exists(),
                    "{template} with {value:?} executed: {script}"
                );
                assert!(
                    got.contains(value.as_str()),
                    "{template} with {value:?}: {got:?} from {script}"
                );
            }
        }
    }
}
