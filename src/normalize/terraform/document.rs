//! `aws_iam_policy_document` → IAM policy JSON tree, and the merging of its source and override
//! documents.
//!
//! The data source's `statement` blocks (in configuration, or as values in a plan) are rewritten
//! into the tree the policy JSON would be (`Effect`, `Action`, `Principal: {AWS: […]}`,
//! `Condition: {test: {variable: values}}`), reusing the attribute nodes so spans point at the
//! Terraform text. The one policy reader then reads that tree. Nothing here knows what a
//! statement means.

use super::{dynamic, nested};
use crate::model::{PolicyDocument, PolicyKind, Statement};
use crate::normalize::policy::Resolve;
use crate::parse::{Entry, Node, Value};
use crate::source::{Loc, Span};

/// The policy JSON tree of an `aws_iam_policy_document` body. Scalars are left for `cx` to
/// evaluate; keys (principal types, condition operators and keys) are evaluated here.
pub(super) fn document_tree(body: &Node, cx: &dyn Resolve) -> Node {
    let mut entries = Vec::new();
    if let Some(version) = present(body, "version") {
        entries.push(renamed("Version", version, version.value.clone()));
    }
    let mut statements: Vec<Node> = nested(body, "statement")
        .into_iter()
        .map(|s| statement_tree(s, cx))
        .collect();
    // How many statements a `dynamic` block makes, and what they say, is decided at plan time.
    statements.extend(
        dynamic(body, "statement")
            .into_iter()
            .map(|d| unknown_shape(d.span)),
    );
    let (key_span, span) = body
        .entry("statement")
        .map_or((body.span, body.span), |e| (e.key_span, e.value.span));
    entries.push(Entry {
        key: "Statement".into(),
        key_span,
        value: Node {
            value: Value::Seq(statements),
            span,
        },
    });
    Node {
        value: Value::Map(entries),
        span: body.span,
    }
}

fn statement_tree(statement: &Node, cx: &dyn Resolve) -> Node {
    let mut entries = Vec::new();
    if let Some(sid) = present(statement, "sid") {
        entries.push(renamed("Sid", sid, sid.value.clone()));
    }
    match present(statement, "effect") {
        Some(effect) => entries.push(renamed("Effect", effect, effect.value.clone())),
        // The provider's default.
        None => entries.push(Entry {
            key: "Effect".into(),
            key_span: statement.span,
            value: Node::scalar("Allow", true, statement.span),
        }),
    }
    let lists = [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ];
    for (key, name) in lists {
        if let Some(entry) = present(statement, key) {
            entries.push(renamed(name, entry, entry.value.clone()));
        }
    }
    for (key, name) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        if let Some(principals) = principals_tree(statement, key, cx) {
            entries.push(principals.renamed(name));
        }
    }
    if let Some(conditions) = conditions_tree(statement, cx) {
        entries.push(conditions.renamed("Condition"));
    }
    Node {
        value: Value::Map(entries),
        span: statement.span,
    }
}

/// A built element with the span of the Terraform key it came from.
struct Built {
    key_span: Span,
    value: Node,
}

impl Built {
    fn renamed(self, name: &str) -> Entry {
        Entry {
            key: name.into(),
            key_span: self.key_span,
            value: self.value,
        }
    }
}

/// `principals {type, identifiers}` blocks → `{"AWS": […], "Service": […]}`, or `"*"` when a
/// block has type `*` (everyone, as the provider renders it).
fn principals_tree(statement: &Node, key: &str, cx: &dyn Resolve) -> Option<Built> {
    let entry = statement.entry(key);
    let blocks: Vec<&Node> = nested(statement, key)
        .into_iter()
        .chain(dynamic(statement, key))
        .collect();
    let first = blocks.first()?;
    let key_span = entry.map_or(first.span, |e| e.key_span);
    let span = entry.map_or(first.span, |e| e.value.span);
    let mut principals = Vec::new();
    for block in blocks {
        let identifiers = block
            .get("identifiers")
            .cloned()
            .unwrap_or_else(|| Node::scalar("null", false, block.span));
        let kind = block.get("type");
        // An unevaluated type is kept as an empty name: an unknown principal kind, not a guess.
        let name = kind.and_then(|k| literal(k, cx)).unwrap_or_default();
        if name == "*" {
            return Some(Built {
                key_span,
                value: Node::scalar("*", true, identifiers.span),
            });
        }
        principals.push(Entry {
            key: name.into(),
            key_span: kind.map_or(block.span, |k| k.span),
            value: identifiers,
        });
    }
    Some(Built {
        key_span,
        value: Node {
            value: Value::Map(principals),
            span,
        },
    })
}

/// `condition {test, variable, values}` blocks → `{test: {variable: values}}`. A block whose
/// operator or key cannot be evaluated, and any `dynamic` condition, makes the condition element
/// unknown to the reader rather than absent.
fn conditions_tree(statement: &Node, cx: &dyn Resolve) -> Option<Built> {
    let entry = statement.entry("condition");
    let blocks = nested(statement, "condition");
    let generated = dynamic(statement, "condition");
    let first = blocks.first().or(generated.first())?.span;
    let mut operators = Vec::new();
    for block in blocks {
        let test = block.get("test");
        let variable = block.get("variable");
        let operator_span = test.map_or(block.span, |t| t.span);
        let (operator, keys) = match (
            test.and_then(|t| literal(t, cx)),
            variable.and_then(|v| literal(v, cx)),
        ) {
            (Some(operator), Some(key)) => {
                let values = block
                    .get("values")
                    .cloned()
                    .unwrap_or_else(|| Node::scalar("null", false, block.span));
                let key_span = variable.map_or(block.span, |v| v.span);
                (
                    operator,
                    Node {
                        value: Value::Map(vec![Entry {
                            key: key.into(),
                            key_span,
                            value: values,
                        }]),
                        span: block.span,
                    },
                )
            }
            (operator, _) => (operator.unwrap_or_default(), unknown_shape(block.span)),
        };
        operators.push(Entry {
            key: operator.into(),
            key_span: operator_span,
            value: keys,
        });
    }
    for block in generated {
        operators.push(Entry {
            key: "".into(),
            key_span: block.span,
            value: unknown_shape(block.span),
        });
    }
    Some(Built {
        key_span: entry.map_or(first, |e| e.key_span),
        value: Node {
            value: Value::Map(operators),
            span: entry.map_or(first, |e| e.value.span),
        },
    })
}

/// An attribute that says something: set, not `null`, not an empty list or string (the
/// provider renders those as absent).
fn present<'a>(body: &'a Node, key: &str) -> Option<&'a Entry> {
    body.entry(key).filter(|e| {
        !e.value.is_null()
            && e.value.as_seq().is_none_or(|items| !items.is_empty())
            && e.value.as_str() != Some("")
    })
}

fn renamed(name: &str, from: &Entry, value: Node) -> Entry {
    Entry {
        key: name.into(),
        key_span: from.key_span,
        value,
    }
}

/// A node the policy reader cannot read as the structure it expects, so it marks the document
/// (or its conditions) opaque.
fn unknown_shape(span: Span) -> Node {
    Node::scalar("dynamic", false, span)
}

/// The literal text of a key-like attribute, when it evaluates to exactly one known value.
fn literal(node: &Node, cx: &dyn Resolve) -> Option<String> {
    match cx.values(node).as_slice() {
        [one] => one.as_literal().map(str::to_owned),
        _ => None,
    }
}

/// A document whose content cannot be determined statically.
pub(super) fn opaque(kind: PolicyKind, loc: Loc) -> PolicyDocument {
    PolicyDocument {
        kind,
        loc,
        version: None,
        statements: Vec::new(),
        opaque: true,
    }
}

/// Combine an `aws_iam_policy_document` with its source and override documents as the provider
/// does: the sources' statements, then the document's own, then each override's; a statement
/// with a non-empty `sid` replaces an earlier one with the same `sid`.
pub(super) fn merge(
    sources: Vec<PolicyDocument>,
    own: PolicyDocument,
    overrides: Vec<PolicyDocument>,
) -> PolicyDocument {
    let mut merged = PolicyDocument {
        statements: Vec::new(),
        version: own
            .version
            .clone()
            .or_else(|| sources.iter().find_map(|s| s.version.clone())),
        ..own.clone()
    };
    for document in sources.into_iter().chain([own]).chain(overrides) {
        merged.opaque |= document.opaque;
        for statement in document.statements {
            overlay(&mut merged, statement);
        }
    }
    merged
}

fn overlay(document: &mut PolicyDocument, statement: Statement) {
    let sid = statement.sid.as_ref().map(|sid| sid.as_literal());
    match sid {
        None | Some(Some("")) => document.statements.push(statement),
        Some(Some(sid)) => {
            let sid = sid.to_owned();
            let earlier = document
                .statements
                .iter_mut()
                .find(|s| s.sid.as_ref().and_then(|e| e.as_literal()) == Some(sid.as_str()));
            match earlier {
                Some(slot) => *slot = statement,
                None => document.statements.push(statement),
            }
        }
        // An unevaluated sid may replace any earlier statement.
        Some(None) => {
            document.opaque = true;
            document.statements.push(statement);
        }
    }
}

/// Either of two documents (`cond ? a : b`): a finding in either is real for some deployment.
pub(super) fn either(a: PolicyDocument, b: PolicyDocument) -> PolicyDocument {
    let mut both = a;
    both.opaque |= b.opaque;
    both.statements.extend(b.statements);
    both
}
