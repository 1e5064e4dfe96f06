//! YAML text → [`Node`] tree, built from `saphyr-parser` events.
//!
//! saphyr-parser gives every event a span and the raw tag, and never expands aliases itself, so
//! this builder decides: aliases are copied under a node budget (an alias bomb is an error, not
//! an out-of-memory), nesting is capped, merge keys (`<<`) are applied, duplicate keys are
//! reported. The builder keeps an explicit stack: no recursion on user data.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use super::{
    Entry, MAX_ALIAS_NODES, MAX_DEPTH, MAX_NODES, Node, ParseError, Parsed, Value,
    intrinsic_for_tag, reindent,
};
use crate::source::Span;

/// Parse one YAML document. `Ok((None, _))` for a stream with no document (an empty file).
///
/// saphyr follows YAML 1.2 to the letter and rejects flow collections and multi-line quoted
/// scalars whose continuation lines are not indented past their parent key. PyYAML, cfn-lint and
/// CloudFormation accept them, and real templates rely on that (inline JSON policies and schemas
/// after `Key: {`). On exactly that error the text is re-indented and parsed again; see
/// [`super::reindent`] for why that is sound.
pub fn parse_yaml(text: &str) -> Result<Parsed, ParseError> {
    match build(text, false) {
        Ok((parsed, _)) => Ok(parsed),
        Err(Failure::Indentation(error)) => reindent::parse_reindented(text).unwrap_or(Err(error)),
        Err(Failure::Other(error)) => Err(error),
    }
}

/// Why [`build`] stopped.
pub(super) enum Failure {
    /// saphyr's YAML 1.2 indentation check inside a flow collection or a quoted scalar.
    Indentation(ParseError),
    Other(ParseError),
}

/// Build the tree. With `record_regions`, also return the byte spans of every flow collection
/// and quoted scalar (where line-leading whitespace is not content).
pub(super) fn build(text: &str, record_regions: bool) -> Result<(Parsed, Vec<Span>), Failure> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        regions: record_regions.then(Vec::new),
        ..Builder::default()
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let at = offsets.byte(e.marker().index());
            let message = match e.info() {
                // saphyr scans a flow collection ahead of the events, so its own cap (a `u8`
                // level) trips before the builder's MAX_DEPTH can.
                "recursion limit exceeded" => {
                    format!("nesting deeper than {} levels of `[`/`{{`", u8::MAX)
                }
                info => format!("invalid YAML: {info}"),
            };
            let error = ParseError::new(Span::new(at, at), message);
            if INDENTATION_ERRORS.contains(&e.info()) {
                Failure::Indentation(error)
            } else {
                Failure::Other(error)
            }
        })?;
        let span = Span::new(
            offsets.byte(span.start.index()),
            offsets.byte(span.end.index()),
        );
        builder.event(event, span, text).map_err(Failure::Other)?;
    }
    let regions = builder.regions.take().unwrap_or_default();
    Ok(((builder.root, builder.problems), regions))
}

/// saphyr's messages for its YAML 1.2 indentation checks on flow and quoted content.
const INDENTATION_ERRORS: [&str; 3] = [
    "invalid indentation",
    "invalid indentation in quoted scalar",
    "invalid indentation in flow construct",
];

/// saphyr reports character indices; spans are bytes. ASCII files (most templates) map 1:1.
struct CharOffsets {
    table: Option<Vec<u32>>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let table = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
                .chain(std::iter::once(
                    u32::try_from(text.len()).unwrap_or(u32::MAX),
                ))
                .collect()
        });
        CharOffsets {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.table {
            None => char_index.min(self.len),
            Some(table) => table.get(char_index).map_or(self.len, |&b| b as usize),
        }
    }
}

enum FrameKind {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        pending_key: Option<(Box<str>, Span)>,
        /// Built only for large mappings, so duplicate detection stays linear overall.
        seen: Option<HashSet<Box<str>>>,
    },
}

struct Frame {
    kind: FrameKind,
    span: Span,
    anchor: usize,
    tag: Option<TagKind>,
    /// Written `[…]`/`{…}` rather than as an indented block.
    flow: bool,
}

impl Frame {
    fn new(kind: FrameKind, span: Span, anchor: usize, tag: Option<&Tag>, text: &str) -> Self {
        Frame {
            kind,
            span,
            anchor,
            tag: tag.and_then(TagKind::of),
            flow: opens_flow(text.get(span.start as usize..).unwrap_or_default()),
        }
    }
}

/// Whether a collection starting here is written `[…]`/`{…}`. Its span may start at a tag or
/// anchor (`!Join [`, `&base {`), so those are skipped first.
fn opens_flow(mut rest: &str) -> bool {
    loop {
        rest = rest.trim_start();
        match rest.chars().next() {
            Some('[' | '{') => return true,
            Some('!' | '&') => {
                rest =
                    rest.trim_start_matches(|c: char| !c.is_whitespace() && c != '[' && c != '{');
            }
            _ => return false,
        }
    }
}

/// What a tag means to us.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TagKind {
    /// A CloudFormation short form, carrying its long-form name.
    Intrinsic(&'static str),
    /// `!!str`: the scalar is a string whatever it looks like.
    Str,
}

impl TagKind {
    fn of(tag: &Tag) -> Option<TagKind> {
        match tag.handle.as_str() {
            "!" => intrinsic_for_tag(&tag.suffix).map(TagKind::Intrinsic),
            "!!" | "tag:yaml.org,2002:" if tag.suffix == "str" => Some(TagKind::Str),
            _ => None,
        }
    }
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes written in the text.
    nodes: usize,
    /// Nodes copied by aliases, under their own, smaller budget.
    alias_nodes: usize,
    documents: usize,
    root: Option<Node>,
    problems: Vec<ParseError>,
    /// Spans of flow collections and quoted scalars, when the caller asked for them.
    regions: Option<Vec<Span>>,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span, text: &str) -> Result<(), ParseError> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(ParseError::new(
                        span,
                        "more than one YAML document in the file; a template is a single document",
                    ));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
                    self.record_region(span);
                }
                let node = Node::scalar(value.as_ref(), quoted, span);
                self.finish_node(node, anchor, tag.as_deref())?;
            }
            Event::SequenceStart(anchor, tag) => {
                let kind = FrameKind::Seq(Vec::new());
                self.open(Frame::new(kind, span, anchor, tag.as_deref(), text))?;
            }
            Event::MappingStart(anchor, tag) => {
                let kind = FrameKind::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    seen: None,
                };
                self.open(Frame::new(kind, span, anchor, tag.as_deref(), text))?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
            Event::Alias(anchor) => self.alias(anchor, span)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn record_region(&mut self, span: Span) {
        if let Some(regions) = &mut self.regions {
            regions.push(span);
        }
    }

    fn open(&mut self, frame: Frame) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError::new(
                frame.span,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self, end: Span) -> Result<(), ParseError> {
        let Some(frame) = self.stack.pop() else {
            return Err(ParseError::new(end, "unbalanced YAML structure"));
        };
        if frame.flow {
            // Up to the closing bracket, which the node's own span stops short of.
            self.record_region(Span {
                start: frame.span.start,
                end: end.end.max(frame.span.start),
            });
        }
        let value = match frame.kind {
            FrameKind::Seq(items) => Value::Seq(items),
            FrameKind::Map { entries, .. } => Value::Map(apply_merge_keys(entries)),
        };
        let last_child_end = match &value {
            Value::Seq(items) => items.last().map(|n| n.span.end),
            Value::Map(entries) => entries.last().map(|e| e.value.span.end),
            Value::Scalar { .. } => None,
        };
        let span = Span {
            start: frame.span.start,
            end: last_child_end.unwrap_or(end.end).max(frame.span.start),
        };
        let node = Node { value, span };
        self.finish_tagged(node, frame.anchor, frame.tag)
    }

    fn finish_node(
        &mut self,
        node: Node,
        anchor: usize,
        tag: Option<&Tag>,
    ) -> Result<(), ParseError> {
        self.finish_tagged(node, anchor, tag.and_then(TagKind::of))
    }

    fn finish_tagged(
        &mut self,
        node: Node,
        anchor: usize,
        tag: Option<TagKind>,
    ) -> Result<(), ParseError> {
        let node = match tag {
            Some(TagKind::Intrinsic(name)) => long_form(name, node),
            Some(TagKind::Str) => match node.value {
                Value::Scalar { text, .. } => Node {
                    value: Value::Scalar { text, quoted: true },
                    span: node.span,
                },
                other => Node {
                    value: other,
                    span: node.span,
                },
            },
            None => node,
        };
        if !charge(&mut self.nodes, 1, MAX_NODES) {
            return Err(ParseError::new(
                node.span,
                format!("document has more than {MAX_NODES} nodes"),
            ));
        }
        if anchor != 0 {
            let size = node_count(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        self.push(node)
    }

    fn alias(&mut self, anchor: usize, span: Span) -> Result<(), ParseError> {
        let Some((node, size)) = self.anchors.get(&anchor) else {
            return Err(ParseError::new(span, "alias to an unknown anchor"));
        };
        // Charge before copying, so an over-budget alias never allocates its copy.
        if !charge(&mut self.alias_nodes, *size, MAX_ALIAS_NODES) {
            return Err(ParseError::new(
                span,
                format!(
                    "aliases expand to more than {MAX_ALIAS_NODES} nodes (alias expansion bomb?)"
                ),
            ));
        }
        let mut node = node.clone();
        // Findings inside the copy should point where the user wrote the alias.
        node.span = span;
        self.push(node)
    }

    fn push(&mut self, node: Node) -> Result<(), ParseError> {
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut parent.kind {
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map {
                entries,
                pending_key,
                seen,
            } => match pending_key.take() {
                None => {
                    let Value::Scalar { text, .. } = node.value else {
                        return Err(ParseError::new(
                            node.span,
                            "mapping keys must be plain scalars",
                        ));
                    };
                    *pending_key = Some((text, node.span));
                }
                Some((key, key_span)) => {
                    let duplicate = if entries.len() < 16 {
                        entries.iter().any(|e| e.key == key)
                    } else {
                        let seen = seen
                            .get_or_insert_with(|| entries.iter().map(|e| e.key.clone()).collect());
                        !seen.insert(key.clone())
                    };
                    if duplicate && &*key != "<<" {
                        self.problems.push(ParseError::new(
                            key_span,
                            format!("duplicate key `{key}`: the later value silently replaces the earlier one"),
                        ));
                        entries.retain(|e| e.key != key);
                        if let Some(seen) = seen {
                            seen.insert(key.clone());
                        }
                    }
                    entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    });
                }
            },
        }
        Ok(())
    }
}

/// Add `added` to a running node count; `false` past `limit`.
fn charge(count: &mut usize, added: usize, limit: usize) -> bool {
    *count = count.saturating_add(added);
    *count <= limit
}

/// `!GetAtt Res.Attr.Sub` → `{"Fn::GetAtt": ["Res", "Attr.Sub"]}` (split at the first dot, as
/// CloudFormation does); every other tag `!X v` → `{"Fn::X": v}`.
fn long_form(name: &'static str, node: Node) -> Node {
    let span = node.span;
    let argument = match (&node.value, name) {
        (Value::Scalar { text, .. }, "Fn::GetAtt") => match text.split_once('.') {
            Some((resource, attribute)) => Node {
                value: Value::Seq(vec![
                    Node::scalar(resource, false, span),
                    Node::scalar(attribute, false, span),
                ]),
                span,
            },
            None => node,
        },
        _ => node,
    };
    Node {
        value: Value::Map(vec![Entry {
            key: name.into(),
            key_span: span,
            value: argument,
        }]),
        span,
    }
}

/// YAML 1.1 merge keys: `<<: *base` or `<<: [*a, *b]`. Explicit keys win over merged ones, and
/// earlier merge sources over later ones.
fn apply_merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|e| &*e.key == "<<") {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) =
        entries.into_iter().partition(|e| &*e.key == "<<");
    for merge in merges {
        let sources: Vec<Node> = match merge.value.value {
            Value::Seq(items) => items,
            other => vec![Node {
                value: other,
                span: merge.value.span,
            }],
        };
        for source in sources {
            if let Value::Map(inherited) = source.value {
                for entry in inherited {
                    if !own.iter().any(|e| e.key == entry.key) {
                        own.push(entry);
                    }
                }
            }
        }
    }
    own
}

fn node_count(node: &Node) -> usize {
    let mut count = 0usize;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            Value::Scalar { .. } => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        parse_yaml(text).unwrap().0.unwrap()
    }

    #[test]
    fn short_forms_become_long_forms() {
        let root = parse("a: !Ref X\nb: !GetAtt Role.Arn\nc: !Sub [\"${A}\", {A: 1}]\n");
        assert_eq!(
            root.get("a").unwrap().get("Ref").unwrap().as_str(),
            Some("X")
        );
        let getatt = root.get("b").unwrap().get("Fn::GetAtt").unwrap();
        let parts: Vec<_> = getatt.items().iter().map(|n| n.as_str().unwrap()).collect();
        assert_eq!(parts, ["Role", "Arn"]);
        assert!(
            root.get("c")
                .unwrap()
                .get("Fn::Sub")
                .unwrap()
                .as_seq()
                .is_some()
        );
    }

    #[test]
    fn spans_are_byte_offsets_even_after_non_ascii() {
        let text = "d: \"é\"\nkey: value\n";
        let root = parse(text);
        let span = root.get("key").unwrap().span;
        assert_eq!(&text[span.start as usize..span.end as usize], "value");
    }

    #[test]
    fn alias_bomb_is_an_error() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse_yaml(&text).unwrap_err();
        assert!(err.message.contains("alias"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = format!("{}1{}", "[".repeat(300), "]".repeat(300));
        let err = parse_yaml(&text).unwrap_err();
        assert!(err.message.contains("nesting"), "{}", err.message);
        let block: String = (0..300).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(parse_yaml(&block).unwrap_err().message.contains("nesting"));
    }

    #[test]
    fn merge_keys_and_duplicates() {
        let (root, problems) =
            parse_yaml("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nd: 1\nd: 2\n").unwrap();
        let root = root.unwrap();
        let m = root.get("m").unwrap();
        assert_eq!(m.get("x").unwrap().as_str(), Some("1"));
        assert_eq!(m.get("y").unwrap().as_str(), Some("3"));
        assert_eq!(root.get("d").unwrap().as_str(), Some("2"));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("duplicate key `d`"));
    }

    #[test]
    fn scalars_keep_their_text() {
        let root = parse("id: 012345670123\nv: 2012-10-17\nq: '1'\n");
        assert_eq!(root.get("id").unwrap().as_str(), Some("012345670123"));
        assert_eq!(root.get("v").unwrap().as_str(), Some("2012-10-17"));
        assert!(matches!(
            root.get("q").unwrap().value,
            Value::Scalar { quoted: true, .. }
        ));
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse_yaml("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML"));
    }

    #[test]
    fn second_document_is_an_error() {
        assert!(parse_yaml("a: 1\n---\nb: 2\n").is_err());
        assert_eq!(parse_yaml("").unwrap().0, None);
    }
}
