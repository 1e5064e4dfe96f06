//! Policy JSON (as a [`Node`] tree) → [`PolicyDocument`].
//!
//! The IAM policy grammar is the same in every input format; what differs is how a scalar's
//! value is computed (CloudFormation intrinsics, Terraform `${…}`). That part comes in through
//! [`Resolve`], so one reader serves CloudFormation, SAM, CDK and Terraform.

use crate::model::{
    Condition, Conditions, Effect, Expr, PolicyDocument, PolicyKind, PrincipalEntry, PrincipalKind,
    Principals, Statement,
};
use crate::parse::Node;
use crate::source::{FileId, Loc};

/// How a format turns tree nodes into values.
pub trait Resolve {
    fn file(&self) -> FileId;

    /// Every value a node may stand for, flattened: a list's items, both branches of a
    /// conditional; nothing for an explicitly absent value.
    fn values(&self, node: &Node) -> Vec<Expr>;

    /// The structural nodes a node stands for: itself when it is a plain mapping or list, each
    /// branch of a conditional, nothing for an absent value. `None` when the structure is built
    /// by something that cannot be evaluated statically.
    fn structures<'a>(&self, node: &'a Node) -> Option<Vec<&'a Node>>;

    fn loc(&self, node: &Node) -> Loc {
        Loc::new(self.file(), node.span)
    }

    /// One value: the first alternative, or an unknown value at the node.
    fn value(&self, node: &Node) -> Expr {
        self.values(node).into_iter().next().unwrap_or_else(|| {
            Expr::symbol(
                crate::model::Symbol::Unknown("absent".into()),
                self.loc(node),
            )
        })
    }
}

/// Read a policy document. Never fails: shapes AWS would reject are kept as far as they can be
/// read, and a document built by an opaque intrinsic is marked `opaque`.
pub fn read_policy(node: &Node, kind: PolicyKind, cx: &dyn Resolve) -> PolicyDocument {
    let loc = cx.loc(node);
    let mut document = PolicyDocument {
        kind,
        loc,
        version: None,
        statements: Vec::new(),
        opaque: false,
    };
    let Some(bodies) = cx.structures(node) else {
        document.opaque = true;
        return document;
    };
    for body in bodies {
        if body.as_map().is_none() {
            document.opaque = true;
            continue;
        }
        if let Some(version) = body.get("Version") {
            document.version = Some(cx.value(version));
        }
        let Some(statements) = body.get("Statement") else {
            continue;
        };
        let Some(statement_nodes) = cx.structures(statements) else {
            document.opaque = true;
            continue;
        };
        for list in statement_nodes {
            for item in list.items() {
                match cx.structures(item) {
                    Some(alternatives) => {
                        for statement in alternatives {
                            if statement.as_map().is_some() {
                                document.statements.push(read_statement(statement, cx));
                            } else {
                                document.opaque = true;
                            }
                        }
                    }
                    None => document.opaque = true,
                }
            }
        }
    }
    document
}

fn read_statement(node: &Node, cx: &dyn Resolve) -> Statement {
    let loc = cx.loc(node);
    let (effect, effect_loc) = match node.get("Effect") {
        Some(value) => {
            let effect = match cx.value(value).as_literal() {
                Some("Allow") => Effect::Allow,
                Some("Deny") => Effect::Deny,
                _ => Effect::Invalid,
            };
            (effect, cx.loc(value))
        }
        None => (Effect::Invalid, loc),
    };
    Statement {
        loc,
        sid: node.get("Sid").map(|n| cx.value(n)),
        effect,
        effect_loc,
        principal: node.get("Principal").map(|n| read_principals(n, cx)),
        not_principal: node.get("NotPrincipal").map(|n| read_principals(n, cx)),
        action: node.get("Action").map(|n| cx.values(n)),
        not_action: node.get("NotAction").map(|n| cx.values(n)),
        resource: node.get("Resource").map(|n| cx.values(n)),
        not_resource: node.get("NotResource").map(|n| cx.values(n)),
        conditions: node
            .get("Condition")
            .map(|n| read_conditions(n, cx))
            .unwrap_or_default(),
    }
}

fn read_principals(node: &Node, cx: &dyn Resolve) -> Principals {
    let loc = cx.loc(node);
    let mut entries = Vec::new();
    match cx.structures(node) {
        Some(blocks) => {
            for block in blocks {
                match block.as_map() {
                    Some(map) => {
                        for entry in map {
                            let kind = match &*entry.key {
                                "AWS" => PrincipalKind::Aws,
                                "Service" => PrincipalKind::Service,
                                "Federated" => PrincipalKind::Federated,
                                "CanonicalUser" => PrincipalKind::CanonicalUser,
                                other => PrincipalKind::Other(other.to_owned()),
                            };
                            entries.extend(cx.values(&entry.value).into_iter().map(|value| {
                                PrincipalEntry {
                                    kind: kind.clone(),
                                    value,
                                }
                            }));
                        }
                    }
                    None => entries.extend(cx.values(block).into_iter().map(|value| {
                        let kind = if value.is_literal("*") {
                            PrincipalKind::Everyone
                        } else {
                            PrincipalKind::Other(String::new())
                        };
                        PrincipalEntry { kind, value }
                    })),
                }
            }
        }
        None => entries.push(PrincipalEntry {
            kind: PrincipalKind::Other(String::new()),
            value: cx.value(node),
        }),
    }
    Principals { loc, entries }
}

fn read_conditions(node: &Node, cx: &dyn Resolve) -> Conditions {
    let mut conditions = Conditions {
        loc: Some(cx.loc(node)),
        items: Vec::new(),
        opaque: false,
    };
    let Some(blocks) = cx.structures(node) else {
        conditions.opaque = true;
        return conditions;
    };
    for block in blocks {
        let Some(operators) = block.as_map() else {
            conditions.opaque = true;
            continue;
        };
        for operator in operators {
            let Some(keys) = operator.value.as_map() else {
                conditions.opaque = true;
                continue;
            };
            for key in keys {
                conditions.items.push(Condition {
                    operator: operator.key.to_string(),
                    operator_loc: Loc::new(cx.file(), operator.key_span),
                    key: key.key.to_string(),
                    key_loc: Loc::new(cx.file(), key.key_span),
                    values: cx.values(&key.value),
                });
            }
        }
    }
    conditions
}
