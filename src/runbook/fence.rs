//! Fence info strings: the language word and Runme-style `{key=value flag}` attributes.

use std::borrow::Cow;

use crate::runbook::model::Attrs;

/// The parts of an info string such as ```` ```bash {id=migrate confirm timeout=20m} ````.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FenceInfo {
    /// The language word, lowercased (`bash`, `sql`, …); empty for a bare fence.
    pub lang: String,
    pub attrs: Attrs,
    /// Attribute text that could not be read, for a warning.
    pub malformed: Option<String>,
}

/// Splits an info string into language and attributes; never fails, keeps what it cannot read.
pub fn parse_info(info: &str) -> FenceInfo {
    let (lang, rest) = split_info(info);
    let mut out = FenceInfo {
        lang: lang.to_ascii_lowercase(),
        ..FenceInfo::default()
    };
    if rest.is_empty() {
        return out;
    }
    let Some(body) = rest
        .strip_prefix('{')
        .and_then(|r| r.trim_end().strip_suffix('}'))
    else {
        // Markdown allows free text after the language (`bash title="x"`); read pairs from it.
        read_pairs(rest, &mut out);
        return out;
    };
    read_pairs(body, &mut out);
    out
}

/// The language word of an info string, lowercased: what decides whether a fence runs. Borrowed
/// when already lowercase (nearly always), since every fence of a runbook is asked.
pub fn info_lang(info: &str) -> Cow<'_, str> {
    let (lang, _) = split_info(info);
    if lang.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(lang.to_ascii_lowercase())
    } else {
        Cow::Borrowed(lang)
    }
}

/// The language word and the rest of an info string, both trimmed.
fn split_info(info: &str) -> (&str, &str) {
    let info = info.trim();
    match info.find(|c: char| c.is_whitespace() || c == '{') {
        Some(i) => (&info[..i], info[i..].trim()),
        None => (info, ""),
    }
}

fn read_pairs(body: &str, out: &mut FenceInfo) {
    let tokens = split_tokens(body);
    let mut i = 0;
    while i < tokens.len() {
        let mut token = tokens[i].to_string();
        i += 1;
        // `"id": "x"` and `id= x`: the value is the next token.
        if (token.ends_with(':') || token.ends_with('=')) && i < tokens.len() {
            token.push_str(tokens[i]);
            i += 1;
        }
        let token = token.as_str();
        let (key, value) = match token.split_once(['=', ':']) {
            Some((k, v)) => (k.trim().trim_matches('"'), unquote(v.trim())),
            None => (token.trim().trim_matches('"'), "true".to_string()),
        };
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            out.malformed = Some(token.to_string());
            continue;
        }
        let a = &mut out.attrs;
        match key {
            "id" | "name" => a.id = Some(value),
            "confirm" => a.confirm = !matches!(value.as_str(), "false" | "no" | "0"),
            "timeout" => a.timeout = Some(value),
            "role" => a.role = Some(value),
            "db" | "database" => a.db = Some(value),
            "capture" => a.capture = Some(value),
            _ => {
                a.other.insert(key.to_string(), value);
            }
        }
    }
}

/// Splits on whitespace and commas outside double quotes.
fn split_tokens(body: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in body.char_indices() {
        match c {
            '"' => {
                quoted = !quoted;
                start.get_or_insert(i);
            }
            c if (c.is_whitespace() || c == ',') && !quoted => {
                if let Some(s) = start.take() {
                    tokens.push(&body[s..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        tokens.push(&body[s..]);
    }
    tokens
}

fn unquote(v: &str) -> String {
    let v = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v);
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runme_attributes() {
        let f = parse_info("bash {id=migrate-users confirm timeout=20m role=sre}");
        assert_eq!(f.lang, "bash");
        assert_eq!(f.attrs.id.as_deref(), Some("migrate-users"));
        assert!(f.attrs.confirm);
        assert_eq!(f.attrs.timeout.as_deref(), Some("20m"));
        assert_eq!(f.attrs.role.as_deref(), Some("sre"));
        assert_eq!(f.malformed, None);
    }

    #[test]
    fn quoted_values_and_json_style() {
        let f = parse_info(r#"sh { "id": "x y", capture=DEPLOY_ID, db=main }"#);
        assert_eq!(f.attrs.id.as_deref(), Some("x y"));
        assert_eq!(f.attrs.capture.as_deref(), Some("DEPLOY_ID"));
        assert_eq!(f.attrs.db.as_deref(), Some("main"));
    }

    #[test]
    fn bare_and_plain() {
        assert_eq!(parse_info(""), FenceInfo::default());
        assert_eq!(parse_info("SQL").lang, "sql");
        let f = parse_info("bash{confirm}");
        assert_eq!(f.lang, "bash");
        assert!(f.attrs.confirm);
        let f = parse_info("bash {id=a ?? }");
        assert_eq!(f.malformed.as_deref(), Some("??"));
    }
}
