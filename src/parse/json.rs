//! JSON text → [`Node`] tree, through `jsonc-parser`'s AST in strict mode.
//!
//! jsonc-parser gives a byte range on every value and property name and keeps duplicate
//! properties, which serde_json would silently drop. Its parser is recursive, so a cheap
//! bracket scan rejects absurd nesting before it runs.

use std::collections::HashSet;

use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::{Entry, MAX_DEPTH, Node, ParseError, Parsed, Value};
use crate::source::Span;

pub fn parse_json(text: &str) -> Result<Parsed, ParseError> {
    check_depth(text)?;
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = parse_to_ast(text, &CollectOptions::default(), &strict).map_err(|e| {
        let range = e.range();
        ParseError::new(
            Span::new(range.start, range.end),
            format!("invalid JSON: {}", e.kind()),
        )
    })?;
    let mut problems = Vec::new();
    let root = parsed.value.map(|v| convert(v, &mut problems));
    Ok((root, problems))
}

/// Reject nesting beyond [`MAX_DEPTH`] without recursing.
fn check_depth(text: &str) -> Result<(), ParseError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, byte) in text.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(ParseError::new(
                        Span::new(i, i + 1),
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn span(range: jsonc_parser::common::Range) -> Span {
    Span::new(range.start, range.end)
}

/// Depth is bounded by [`check_depth`], so this recursion is too.
fn convert(value: ast::Value<'_>, problems: &mut Vec<ParseError>) -> Node {
    match value {
        ast::Value::StringLit(s) => Node::scalar(s.value.as_ref(), true, span(s.range)),
        ast::Value::NumberLit(n) => Node::scalar(n.value, false, span(n.range)),
        ast::Value::BooleanLit(b) => {
            Node::scalar(if b.value { "true" } else { "false" }, false, span(b.range))
        }
        ast::Value::NullKeyword(n) => Node::scalar("null", false, span(n.range)),
        ast::Value::Array(a) => Node {
            value: Value::Seq(
                a.elements
                    .into_iter()
                    .map(|v| convert(v, problems))
                    .collect(),
            ),
            span: span(a.range),
        },
        ast::Value::Object(o) => {
            let object_span = span(o.range);
            let mut entries: Vec<Entry> = Vec::with_capacity(o.properties.len());
            let mut seen: HashSet<Box<str>> = HashSet::new();
            for prop in o.properties {
                let (key, key_span): (Box<str>, Span) = match prop.name {
                    ast::ObjectPropName::String(s) => (s.value.as_ref().into(), span(s.range)),
                    ast::ObjectPropName::Word(w) => (w.value.into(), span(w.range)),
                };
                let value = convert(prop.value, problems);
                if !seen.insert(key.clone()) {
                    problems.push(ParseError::new(
                        key_span,
                        format!("duplicate key `{key}`: the later value silently replaces the earlier one"),
                    ));
                    entries.retain(|e| e.key != key);
                }
                entries.push(Entry {
                    key,
                    key_span,
                    value,
                });
            }
            Node {
                value: Value::Map(entries),
                span: object_span,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_values() {
        let text = r#"{"a": {"b": "c"}, "n": 123456789012}"#;
        let (root, problems) = parse_json(text).unwrap();
        let root = root.unwrap();
        assert!(problems.is_empty());
        let c = root.get("a").unwrap().get("b").unwrap();
        assert_eq!(&text[c.span.start as usize..c.span.end as usize], "\"c\"");
        assert_eq!(root.get("n").unwrap().as_str(), Some("123456789012"));
    }

    #[test]
    fn strict_mode_rejects_trailing_commas_and_comments() {
        assert!(parse_json("{\"a\": 1,}").is_err());
        assert!(parse_json("{\"a\": 1 // c\n}").is_err());
    }

    #[test]
    fn deep_nesting_is_rejected_before_parsing() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_json(&text).unwrap_err().message.contains("nesting"));
        // Brackets inside strings do not count.
        let text = format!("[\"{}\"]", "[".repeat(1000));
        assert!(parse_json(&text).is_ok());
    }

    #[test]
    fn duplicate_keys_are_reported_and_last_wins() {
        let (root, problems) = parse_json(r#"{"Effect": "Deny", "Effect": "Allow"}"#).unwrap();
        assert_eq!(root.unwrap().get("Effect").unwrap().as_str(), Some("Allow"));
        assert_eq!(problems.len(), 1);
    }
}
