//! Second chance for YAML that saphyr rejects only for YAML 1.2's indentation rule on flow
//! content.
//!
//! YAML 1.2 (§8.2.3) wants every line of a flow collection or multi-line quoted scalar indented
//! past its parent key. PyYAML (cfn-lint), SnakeYAML and CloudFormation do not check this, and
//! templates written that way are common:
//!
//! ```yaml
//!       Schema: {"type": "object",
//!       "properties": {}}
//! ```
//!
//! saphyr has no lenient mode (open upstream PRs saphyr-rs/saphyr#101 and #108 would relax the
//! flow case), so on that error [`parse_reindented`] pads the under-indented continuation lines
//! with spaces and parses again. Leading whitespace on a continuation line inside a flow
//! collection or a quoted scalar is not content (it is separation, or stripped by line folding),
//! so the padded text means what PyYAML reads from the original.
//!
//! Which lines to pad comes from a small line scanner ([`plan`]) that only tracks quotes,
//! brackets, comments and block scalars. It can be wrong on odd input, so nothing rests on it:
//! the padded text is accepted only if saphyr parses it *and* every padded line lies inside a
//! flow collection or quoted scalar of that parse. Otherwise the original error stands.
//! Spans from the padded parse are mapped back to the original text.

use super::yaml::{Failure, build};
use super::{Node, ParseError, Parsed, Value};
use crate::source::Span;

/// Spaces to insert at the start of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pad {
    /// Byte offset of the line start in the original text.
    at: usize,
    spaces: usize,
}

/// Parse `text` with its flow continuation lines re-indented. `None` when there is nothing to
/// re-indent, or when the result cannot be shown to mean the same as the original; the caller
/// then reports saphyr's original error. A different syntax error further on is returned as
/// is, at its place in the original text.
pub fn parse_reindented(text: &str) -> Option<Result<Parsed, ParseError>> {
    let pads = plan(text);
    let added: usize = pads.iter().map(|p| p.spaces).sum();
    // A hostile file could ask for a huge amount of padding (an opening bracket far right,
    // then many lines at column 0); past the file's own size it is not worth trying.
    if pads.is_empty() || added > text.len() {
        return None;
    }
    let offsets = OffsetMap::new(&pads);
    let padded = apply(text, &pads, added);
    let ((root, problems), mut regions) = match build(&padded, true) {
        Ok(built) => built,
        Err(Failure::Indentation(_)) => return None,
        Err(Failure::Other(error)) => return Some(Err(offsets.error(error))),
    };
    if !all_inside(&offsets.padded_line_starts(), &mut regions) {
        return None;
    }
    let root = root.map(|mut root| {
        offsets.remap_tree(&mut root);
        root
    });
    let problems = problems.into_iter().map(|p| offsets.error(p)).collect();
    Some(Ok((root, problems)))
}

/// Where lines sit inside flow collections or quoted scalars that opened on an earlier line, and
/// how far they fall short of the opening bracket or quote's column (always past the parent
/// key's, so enough for saphyr).
fn plan(text: &str) -> Vec<Pad> {
    let mut scan = LineScanner::default();
    let mut pads = Vec::new();
    let mut at = 0usize;
    for line in text.split_inclusive('\n') {
        if let Some(spaces) = scan.line(line) {
            pads.push(Pad { at, spaces });
        }
        at += line.len();
    }
    pads
}

/// State carried from one line to the next.
#[derive(Default)]
struct LineScanner {
    flow_depth: usize,
    quote: Option<char>,
    /// Column of the bracket or quote that opened the current construct.
    open_column: usize,
    /// Inside a `|`/`>` block scalar whose parent node is at this column.
    block_scalar: Option<usize>,
}

impl LineScanner {
    /// Scan one line; the padding it needs, if any.
    fn line(&mut self, line: &str) -> Option<usize> {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content
            .chars()
            .take_while(|c| matches!(c, ' ' | '\t'))
            .count();
        let blank = content.trim().is_empty();
        if let Some(parent) = self.block_scalar {
            if blank || indent > parent {
                return None;
            }
            self.block_scalar = None;
        }
        let continuing = self.flow_depth > 0 || self.quote.is_some();
        let pad =
            (continuing && !blank && indent < self.open_column).then(|| self.open_column - indent);
        self.scan(content, indent);
        pad
    }

    fn scan(&mut self, content: &str, indent: usize) {
        let mut chars = content.char_indices().enumerate().peekable();
        let mut previous: Option<char> = None;
        let mut escaped = false;
        // Column of the node a block scalar on this line would belong to: past any `- `.
        let mut node_column = indent;
        while let Some((column, (byte, c))) = chars.next() {
            if let Some(quote) = self.quote {
                if escaped {
                    escaped = false;
                } else if quote == '"' && c == '\\' {
                    escaped = true;
                } else if c == quote {
                    if quote == '\'' && chars.peek().is_some_and(|&(_, (_, n))| n == '\'') {
                        chars.next();
                    } else {
                        self.quote = None;
                    }
                }
                previous = Some(c);
                continue;
            }
            let token_start = match previous {
                None => true,
                Some(p) if p == ' ' || p == '\t' => true,
                Some(p) => self.flow_depth > 0 && matches!(p, '[' | '{' | ',' | ':'),
            };
            match c {
                '#' if previous.is_none_or(|p| p == ' ' || p == '\t') => return,
                '"' | '\'' if token_start => {
                    if self.flow_depth == 0 {
                        self.open_column = column;
                    }
                    self.quote = Some(c);
                }
                '[' | '{' if token_start || self.flow_depth > 0 => {
                    if self.flow_depth == 0 {
                        self.open_column = column;
                    }
                    self.flow_depth += 1;
                }
                ']' | '}' if self.flow_depth > 0 => self.flow_depth -= 1,
                '-' if self.flow_depth == 0
                    && column == node_column
                    && chars.peek().is_none_or(|&(_, (_, n))| n == ' ') =>
                {
                    node_column = column + 2;
                }
                '|' | '>'
                    if self.flow_depth == 0
                        && token_start
                        && is_block_header(content.get(byte + 1..).unwrap_or_default()) =>
                {
                    let parent = if column == node_column {
                        node_column.saturating_sub(2)
                    } else {
                        node_column
                    };
                    self.block_scalar = Some(parent);
                    return;
                }
                _ => {}
            }
            previous = Some(c);
        }
    }
}

/// Whether what follows a `|` or `>` is the rest of a block scalar header (chomping and
/// indentation indicators, then nothing or a comment) rather than more of a plain scalar
/// such as `cmd: a | b`.
fn is_block_header(rest: &str) -> bool {
    let rest = rest
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-')
        .trim_start();
    rest.is_empty() || rest.starts_with('#')
}

/// The text with the pads inserted.
fn apply(text: &str, pads: &[Pad], added: usize) -> String {
    let mut padded = String::with_capacity(text.len() + added);
    let mut copied = 0usize;
    for pad in pads {
        padded.push_str(text.get(copied..pad.at).unwrap_or_default());
        padded.extend(std::iter::repeat_n(' ', pad.spaces));
        copied = pad.at;
    }
    padded.push_str(text.get(copied..).unwrap_or_default());
    padded
}

/// Whether every padded line start is strictly inside one of `regions` (which this sorts).
fn all_inside(line_starts: &[usize], regions: &mut [Span]) -> bool {
    regions.sort_unstable_by_key(|r| r.start);
    // Regions nest or are disjoint, except that alias copies repeat spans; merge into disjoint,
    // sorted intervals so one binary search per line suffices.
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(regions.len());
    for region in regions.iter() {
        let (start, end) = (region.start as usize, region.end as usize);
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    line_starts.iter().all(|&line| {
        let index = merged.partition_point(|&(start, _)| start < line);
        index
            .checked_sub(1)
            .and_then(|i| merged.get(i))
            .is_some_and(|&(_, end)| line < end)
    })
}

/// Padded-text offsets → original-text offsets.
struct OffsetMap {
    /// Per pad: where its spaces start in the padded text, its original offset, and how many
    /// spaces were inserted before it and by it.
    inserts: Vec<(usize, usize, usize, usize)>,
}

impl OffsetMap {
    fn new(pads: &[Pad]) -> Self {
        let mut before = 0usize;
        let inserts = pads
            .iter()
            .map(|pad| {
                let entry = (pad.at + before, pad.at, before, pad.spaces);
                before += pad.spaces;
                entry
            })
            .collect();
        OffsetMap { inserts }
    }

    /// Where each padded line's content starts in the padded text.
    fn padded_line_starts(&self) -> Vec<usize> {
        self.inserts
            .iter()
            .map(|&(padded, _, _, spaces)| padded + spaces)
            .collect()
    }

    fn offset(&self, padded: u32) -> u32 {
        let p = padded as usize;
        let index = self.inserts.partition_point(|&(at, ..)| at <= p);
        let original = match index.checked_sub(1).and_then(|i| self.inserts.get(i)) {
            None => p,
            Some(&(at, original, _, spaces)) if p < at + spaces => original,
            Some(&(_, _, before, spaces)) => p - before - spaces,
        };
        u32::try_from(original).unwrap_or(u32::MAX)
    }

    fn span(&self, span: Span) -> Span {
        Span {
            start: self.offset(span.start),
            end: self.offset(span.end),
        }
    }

    fn error(&self, error: ParseError) -> ParseError {
        ParseError {
            span: self.span(error.span),
            message: error.message,
        }
    }

    fn remap_tree(&self, root: &mut Node) {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            node.span = self.span(node.span);
            match &mut node.value {
                Value::Scalar { .. } => {}
                Value::Seq(items) => stack.extend(items.iter_mut()),
                Value::Map(entries) => {
                    for entry in entries.iter_mut() {
                        entry.key_span = self.span(entry.key_span);
                        stack.push(&mut entry.value);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_yaml;

    fn text_at(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn flow_mapping_at_the_key_column_parses_with_original_spans() {
        let text = "Resources:\n  Model:\n    Schema: {\"type\": \"object\",\n    \"title\": \"Stats\"}\n  After: 1\n";
        let root = parse_yaml(text).unwrap().0.unwrap();
        let schema = root
            .get("Resources")
            .unwrap()
            .get("Model")
            .unwrap()
            .get("Schema")
            .unwrap();
        assert_eq!(schema.get("type").unwrap().as_str(), Some("object"));
        let title = schema.entry("title").unwrap();
        assert_eq!(title.value.as_str(), Some("Stats"));
        assert_eq!(text_at(text, title.key_span), "\"title\"");
        assert_eq!(text_at(text, title.value.span), "\"Stats\"");
        let after = root.get("Resources").unwrap().get("After").unwrap();
        assert_eq!(text_at(text, after.span), "1");
    }

    #[test]
    fn closing_bracket_and_quoted_continuations_are_accepted() {
        let text =
            "A:\n  k: [\n    \"x\",\n  ]\n  v: 'first\n  second'\n  w: \"a \\\"q\\\"\n  b\"\n";
        let root = parse_yaml(text).unwrap().0.unwrap();
        let a = root.get("A").unwrap();
        assert_eq!(a.get("k").unwrap().items()[0].as_str(), Some("x"));
        // Folding turns the line break into one space; the padding never shows.
        assert_eq!(a.get("v").unwrap().as_str(), Some("first second"));
        assert_eq!(a.get("w").unwrap().as_str(), Some("a \"q\" b"));
    }

    #[test]
    fn block_scalars_and_comments_do_not_confuse_the_scanner() {
        let text = "a: |\n  text with [ and '\nb: [1, # not ] a bracket\n  2]\nc:\n  d: [\n  3]\n";
        // The block scalar's bracket and quote and the commented-out `]` open nothing, so the
        // pads are exactly the two lines left of their opening bracket.
        let pads = plan(text);
        let lines: Vec<&str> = pads.iter().map(|p| &text[p.at..p.at + 4]).collect();
        assert_eq!(lines, ["  2]", "  3]"]);
        assert_eq!(pads[0].spaces, 1);
        let root = parse_yaml(text).unwrap().0.unwrap();
        assert_eq!(
            root.get("c").unwrap().get("d").unwrap().items()[0].as_str(),
            Some("3")
        );
    }

    #[test]
    fn tagged_and_anchored_flow_collections_are_repaired() {
        let text = "P:\n  Path: !Join [\"\", [\n  \"a\",\n  \"b\"]]\n  D: &x {\n  \"k\": 1}\n";
        let root = parse_yaml(text).unwrap().0.unwrap();
        let join = root
            .get("P")
            .unwrap()
            .get("Path")
            .unwrap()
            .get("Fn::Join")
            .unwrap();
        let parts: Vec<_> = join.items()[1]
            .items()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert_eq!(parts, ["a", "b"]);
        assert_eq!(
            root.get("P")
                .unwrap()
                .get("D")
                .unwrap()
                .get("k")
                .unwrap()
                .as_str(),
            Some("1")
        );
    }

    #[test]
    fn a_pipe_inside_a_plain_scalar_is_not_a_block_scalar() {
        let text = "a: x | y\n  more\nb: {\n\"k\": 1}\n";
        assert_eq!(plan(text).len(), 1);
        assert!(is_block_header("-2 # note"));
        assert!(!is_block_header(" b"));
    }

    #[test]
    fn genuine_block_indentation_errors_still_fail() {
        // Not a flow problem: the repair must not turn this into something else.
        assert!(parse_yaml("a:\n  b: 1\n c: 2\n").is_err());
        let err = parse_yaml("a: [1,\n2\nb: 3\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{}", err.message);
    }

    #[test]
    fn later_errors_are_reported_at_their_original_place() {
        let text = "a:\n  k: [\n  1]\nb: [unclosed\n";
        let err = parse_yaml(text).unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{}", err.message);
        assert!(err.span.start as usize <= text.len());
    }

    #[test]
    fn offsets_map_back_through_pads() {
        let pads = [Pad { at: 3, spaces: 2 }, Pad { at: 6, spaces: 1 }];
        let map = OffsetMap::new(&pads);
        // original "ab\ncd\nef" → padded "ab\n  cd\n ef": a pad maps to its line start.
        assert_eq!(map.offset(2), 2);
        assert_eq!(map.offset(3), 3);
        assert_eq!(map.offset(4), 3);
        assert_eq!(map.offset(5), 3);
        assert_eq!(map.offset(6), 4);
        assert_eq!(map.offset(7), 5);
        assert_eq!(map.offset(8), 6);
        assert_eq!(map.offset(9), 6);
        assert_eq!(map.offset(10), 7);
        assert_eq!(map.offset(11), 8);
    }

    #[test]
    fn huge_padding_is_refused() {
        let text = format!("k: {}[\n{}]\n", " ".repeat(1000), "1,\n".repeat(100));
        assert!(parse_reindented(&text).is_none());
    }
}
