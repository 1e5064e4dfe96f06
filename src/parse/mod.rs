//! Text → spanned tree.
//!
//! YAML and JSON both become the same [`Node`] tree, every node with the byte span of its source
//! text. YAML short-form tags (`!Ref`, `!GetAtt a.b`, …) are rewritten here into the long form
//! (`{"Ref": …}`, `{"Fn::GetAtt": [a, b]}`), so nothing after this stage knows YAML from JSON.
//! Scalars keep their raw text (no YAML 1.1/1.2 typing) so account ids and versions survive as
//! written. This module knows nothing of CloudFormation or IAM semantics beyond the tag names.
//!
//! Limits against hostile input live here: nesting depth, alias expansion budget, node count.

mod json;
mod reindent;
mod yaml;

pub use json::parse_json;
pub use yaml::parse_yaml;

use crate::source::Span;

/// Deepest nesting accepted. Real templates stay far below; the limit keeps every later
/// recursive walk safe.
pub const MAX_DEPTH: usize = 200;
/// Most nodes one document may hold, not counting alias copies.
pub const MAX_NODES: usize = 2_000_000;
/// Most nodes that YAML aliases may copy into one document. A "billion laughs" file stops here,
/// long before its copies cost memory (saphyr's own loader uses the same budget); templates
/// that use anchors copy a few hundred nodes at most.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// A parsed document (`None` for a file with no document) and the duplicate keys found in it,
/// which do not stop parsing: the later value wins, as in CloudFormation.
pub type Parsed = (Option<Node>, Vec<ParseError>);

/// A parsed value with its source span.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Any scalar, as its source text (unescaped). `quoted` tells a YAML/JSON string apart from
    /// a plain `true`, `123` or `null`.
    Scalar {
        text: Box<str>,
        quoted: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One key/value pair of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Box<str>,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn scalar(text: impl Into<Box<str>>, quoted: bool, span: Span) -> Node {
        Node {
            value: Value::Scalar {
                text: text.into(),
                quoted,
            },
            span,
        }
    }

    /// The text of a scalar, whatever its style.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// A plain `null`, `~` or empty scalar (YAML) or JSON `null`.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, quoted: false } if matches!(&**text, "" | "~" | "null" | "Null" | "NULL"))
    }

    /// Boolean under CloudFormation's reading (YAML 1.1 words, or a `"true"` string).
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()?.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "y" => Some(true),
            "false" | "no" | "off" | "n" => Some(false),
            _ => None,
        }
    }

    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| &*e.key == key)
    }

    /// A single-key mapping, as CloudFormation intrinsic functions are written.
    pub fn single_entry(&self) -> Option<&Entry> {
        match self.as_map()? {
            [only] => Some(only),
            _ => None,
        }
    }

    /// The node itself when it is a sequence's items, or a one-item slice otherwise: most IAM
    /// fields accept "a string or a list of strings".
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => std::slice::from_ref(self),
        }
    }
}

/// A problem that stops a file from being analyzed, with where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

impl ParseError {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        ParseError {
            span,
            message: message.into(),
        }
    }
}

/// The long form of a CloudFormation short-form tag: `!Ref` → `Ref`, `!Condition` →
/// `Condition`, `!Sub` → `Fn::Sub`. `None` for tags CloudFormation does not define.
pub fn intrinsic_for_tag(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        "Ref" => "Ref",
        "Condition" => "Condition",
        "Sub" => "Fn::Sub",
        "GetAtt" => "Fn::GetAtt",
        "Join" => "Fn::Join",
        "If" => "Fn::If",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "ImportValue" => "Fn::ImportValue",
        "FindInMap" => "Fn::FindInMap",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "GetAZs" => "Fn::GetAZs",
        "Equals" => "Fn::Equals",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Not" => "Fn::Not",
        "Transform" => "Fn::Transform",
        "Length" => "Fn::Length",
        "ToJsonString" => "Fn::ToJsonString",
        "Contains" => "Fn::Contains",
        "EachMemberEquals" => "Fn::EachMemberEquals",
        "EachMemberIn" => "Fn::EachMemberIn",
        "RefAll" => "Fn::RefAll",
        "ValueOf" => "Fn::ValueOf",
        "ValueOfAll" => "Fn::ValueOfAll",
        _ => return None,
    })
}
