//! Putting run inputs into a step's command without ever executing them.
//!
//! `<placeholder>` and `{{ NAME }}` are replaced by the value shell-quoted, so `;`, quotes,
//! `$(…)` and newlines stay data; `$NAME` references get the value through the environment,
//! which the shell never re-parses.

use std::collections::HashMap;

/// The command with `<name>` / `{{ name }}` replaced by shell-quoted values; names without a
/// value are left as they are (the caller asks for them first).
pub fn substitute(code: &str, values: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = rest.find(['<', '{']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some((name, len)) = reference_at(rest)
            && let Some(value) = values.get(name)
        {
            out.push_str(&quote(value));
            rest = &rest[len..];
            continue;
        }
        let ch = rest.chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..ch]);
        rest = &rest[ch..];
    }
    out.push_str(rest);
    out
}

/// The name and byte length of a `<name>` or `{{ name }}` reference at the start of `s`.
fn reference_at(s: &str) -> Option<(&str, usize)> {
    if let Some(body) = s.strip_prefix("{{") {
        let end = body.find("}}")?;
        let name = body[..end].trim();
        return valid(name).then_some((name, end + 4));
    }
    let body = s.strip_prefix('<')?;
    let end = body.find('>')?;
    let name = &body[..end];
    (valid(name) && name.starts_with(|c: char| c.is_ascii_alphabetic())).then_some((name, end + 2))
}

fn valid(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// Single-quoted shell text: every byte literal, including newlines and NULs stripped.
pub fn quote(value: &str) -> String {
    let clean: String = value.chars().filter(|&c| c != '\0').collect();
    match shlex::try_quote(&clean) {
        Ok(q) => q.into_owned(),
        Err(_) => format!("'{}'", clean.replace('\'', r"'\''")),
    }
}

/// Whether `name` can be passed as an environment variable.
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
    fn placeholders_become_quoted_values() {
        let values: HashMap<String, String> = [
            ("project-ref".to_string(), "abc; rm -rf /".to_string()),
            ("R".to_string(), "v1 $(id)".to_string()),
        ]
        .into();
        let out = substitute(
            "link --ref <project-ref> && echo {{ R }} <missing> a<b",
            &values,
        );
        assert_eq!(
            out,
            "link --ref 'abc; rm -rf /' && echo 'v1 $(id)' <missing> a<b"
        );
    }

    #[test]
    fn quoting_survives_a_real_shell() {
        for nasty in [
            "a'b",
            "x\ny",
            "$(touch /tmp/pwned-fd)",
            "`id`",
            "\"q\"",
            "; exit 1",
            "",
        ] {
            let script = format!("printf %s {}", quote(nasty));
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .output()
                .expect("sh runs");
            assert_eq!(String::from_utf8_lossy(&out.stdout), nasty, "{script}");
        }
    }
}
