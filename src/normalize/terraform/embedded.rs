//! Documents and expressions held inside JSON strings, with positions in the file.
//!
//! Terraform writes policies as strings (`"policy": "{\"Statement\": …}"`, `"${jsonencode({…})}"`).
//! Parsing such a string again gives spans relative to the decoded text; [`OffsetMap`] maps them
//! back to the bytes of the file by replaying the JSON escapes, so a finding inside a
//! minified, pretty or CRLF policy string points at the right character. When the string cannot
//! be replayed, every inner span becomes the string's own span.

use crate::model::{Expr, Symbol};
use crate::normalize::policy::Resolve;
use crate::parse::{Entry, Node, Value, parse_json};
use crate::source::{FileId, Span};

/// Where each byte of a decoded JSON string came from in the file.
pub(super) struct OffsetMap {
    /// The string literal, quotes included.
    whole: Span,
    /// File offset of each decoded byte, plus one entry for the end.
    starts: Option<Vec<u32>>,
}

impl OffsetMap {
    /// For the JSON string node `node` of a file whose text is `source`.
    pub(super) fn of_string(node: &Node, source: &str) -> OffsetMap {
        let starts = node
            .as_str()
            .and_then(|decoded| replay_escapes(source, node.span, decoded));
        OffsetMap {
            whole: node.span,
            starts,
        }
    }

    /// The file span of `inner`, a byte range of the decoded string.
    pub(super) fn span(&self, inner: Span) -> Span {
        let mapped = self.starts.as_ref().and_then(|starts| {
            let start = *starts.get(inner.start as usize)?;
            let end = *starts.get(inner.end as usize)?;
            Some(Span { start, end })
        });
        mapped.unwrap_or(self.whole)
    }

    pub(super) fn range(&self, range: Option<std::ops::Range<usize>>) -> Span {
        match range {
            Some(r) => self.span(Span::new(r.start, r.end)),
            None => self.whole,
        }
    }
}

/// File offsets of the decoded bytes of the JSON string literal at `span`. `None` when the text
/// there does not decode to `decoded` (then the caller points at the whole string).
fn replay_escapes(source: &str, span: Span, decoded: &str) -> Option<Vec<u32>> {
    let raw = source.get(span.start as usize..span.end as usize)?;
    let body = raw.strip_prefix('"')?.strip_suffix('"')?;
    let base = span.start as usize + 1;
    let mut starts = Vec::with_capacity(decoded.len() + 1);
    let mut chars = body.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let offset = u32::try_from(base + at).ok()?;
        let width = if c == '\\' {
            match chars.next()?.1 {
                'u' => {
                    let unit = hex4(&mut chars)?;
                    let code = if (0xD800..0xDC00).contains(&unit) {
                        // A surrogate pair is two escapes for one character.
                        let mut lookahead = chars.clone();
                        let low = match (lookahead.next(), lookahead.next()) {
                            (Some((_, '\\')), Some((_, 'u'))) => hex4(&mut lookahead),
                            _ => None,
                        };
                        match low {
                            Some(low) if (0xDC00..0xE000).contains(&low) => {
                                chars = lookahead;
                                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            }
                            _ => unit,
                        }
                    } else {
                        unit
                    };
                    char::from_u32(code).map_or('\u{FFFD}'.len_utf8(), char::len_utf8)
                }
                _ => 1,
            }
        } else {
            // Unescaped bytes map one to one.
            for i in 0..c.len_utf8() {
                starts.push(u32::try_from(base + at + i).ok()?);
            }
            continue;
        };
        starts.extend(std::iter::repeat_n(offset, width));
    }
    starts.push(u32::try_from(base + body.len()).ok()?);
    (starts.len() == decoded.len() + 1).then_some(starts)
}

fn hex4(chars: &mut impl Iterator<Item = (usize, char)>) -> Option<u32> {
    let digits: String = chars.take(4).map(|(_, c)| c).collect();
    if digits.len() != 4 {
        return None;
    }
    u32::from_str_radix(&digits, 16).ok()
}

/// Parse the JSON document held in the string node `node`; spans point into the file. `None`
/// when the text is not JSON.
pub(super) fn parse_json_string(node: &Node, source: &str) -> Option<Node> {
    let text = node.as_str()?;
    // Duplicate keys inside a policy string keep the last value, as IAM does.
    let (root, _duplicates) = parse_json(text).ok()?;
    let map = OffsetMap::of_string(node, source);
    Some(relocate(root?, &map))
}

/// Depth is bounded by the parser's nesting limit.
fn relocate(node: Node, map: &OffsetMap) -> Node {
    let span = map.span(node.span);
    let value = match node.value {
        Value::Seq(items) => Value::Seq(items.into_iter().map(|i| relocate(i, map)).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|e| Entry {
                    key: e.key,
                    key_span: map.span(e.key_span),
                    value: relocate(e.value, map),
                })
                .collect(),
        ),
        scalar => scalar,
    };
    Node { value, span }
}

/// JSON values taken as written: plan and state values, variable defaults. `null` inside a
/// value is a value Terraform does not know yet.
pub(super) struct Literal {
    pub file: FileId,
}

impl Resolve for Literal {
    fn file(&self) -> FileId {
        self.file
    }

    fn values(&self, node: &Node) -> Vec<Expr> {
        let loc = self.loc(node);
        match &node.value {
            Value::Scalar { .. } if node.is_null() => vec![Expr::symbol(
                Symbol::Unknown("known after apply".into()),
                loc,
            )],
            Value::Scalar { text, .. } => vec![Expr::literal(&**text, loc)],
            Value::Seq(items) => items.iter().flat_map(|i| self.values(i)).collect(),
            Value::Map(_) => vec![Expr::symbol(Symbol::Unknown("an object".into()), loc)],
        }
    }

    fn structures<'a>(&self, node: &'a Node) -> Option<Vec<&'a Node>> {
        Some(vec![node])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_node(source: &str) -> Node {
        let (root, _) = parse_json(source).unwrap();
        root.unwrap().get("p").unwrap().clone()
    }

    fn text_at(source: &str, span: Span) -> &str {
        &source[span.start as usize..span.end as usize]
    }

    #[test]
    fn inner_spans_map_through_escapes_and_crlf() {
        let source = "{\"p\": \"{\\r\\n  \\\"Effect\\\": \\\"Allow\\\",\\r\\n  \\\"Sid\\\": \\\"\\u00e9\\ud83d\\ude00x\\\"\\r\\n}\\r\\n\"}";
        let node = string_node(source);
        let inner = parse_json_string(&node, source).unwrap();
        let effect = inner.get("Effect").unwrap();
        assert_eq!(text_at(source, effect.span), "\\\"Allow\\\"");
        let sid = inner.get("Sid").unwrap();
        assert_eq!(sid.as_str(), Some("é😀x"));
        assert_eq!(text_at(source, sid.span), "\\\"\\u00e9\\ud83d\\ude00x\\\"");
        let key = &inner.as_map().unwrap()[1];
        assert_eq!(text_at(source, key.key_span), "\\\"Sid\\\"");
    }

    #[test]
    fn unmappable_strings_point_at_the_whole_string() {
        let node = Node::scalar("{\"a\": 1}", true, Span::new(3, 9));
        let inner = parse_json_string(&node, "not the text").unwrap();
        assert_eq!(inner.get("a").unwrap().span, Span::new(3, 9));
    }

    #[test]
    fn not_json_is_none() {
        let node = Node::scalar("${var.policy}", true, Span::new(0, 1));
        assert!(parse_json_string(&node, "").is_none());
    }
}
