//! HCL templates and expressions: the `${…}` inside `.tf.json` strings, `jsonencode({…})`, and
//! the reference strings of a plan's `configuration`.
//!
//! hcl-edit parses (it caps expression nesting at 64 levels); this module only reads its syntax
//! tree: references are split into a root and steps, and a `jsonencode` argument becomes a
//! spanned [`Node`] tree like parsed JSON. Evaluating references needs the module and lives in
//! `config`.

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Element, Template};

use super::embedded::OffsetMap;
use crate::model::Symbol;
use crate::parse::{Entry, Node, Value};

/// Whether a `.tf.json` string holds anything to evaluate (an interpolation, a directive, or an
/// escape of either, which also starts with `$`/`%` followed by `{`).
pub(super) fn is_template(text: &str) -> bool {
    text.contains("${") || text.contains("%{")
}

pub(super) fn parse_template(text: &str) -> Option<Template> {
    hcl_edit::parser::parse_template(text).ok()
}

/// The expression when a template is exactly one interpolation: then its value is the
/// expression's own (a list, a policy document…), not a string.
pub(super) fn sole_interpolation(template: &Template) -> Option<&Expression> {
    let mut elements = template.iter();
    match (elements.next(), elements.next()) {
        (Some(Element::Interpolation(interpolation)), None) => Some(&interpolation.expr),
        _ => None,
    }
}

/// The expression as written, for messages and unknown values.
pub(super) fn source_text(expr: &Expression) -> String {
    expr.to_string().trim().to_owned()
}

/// One step of a reference after its root name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Step {
    Attr(String),
    /// `[…]`, with the key when it is a literal.
    Index(Option<String>),
    Splat,
}

/// A reference such as `aws_iam_role.app[0].arn`: root `aws_iam_role`, steps `.app`, `[0]`,
/// `.arn`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Reference {
    pub root: String,
    pub steps: Vec<Step>,
    pub text: String,
}

impl Reference {
    pub(super) fn of(expr: &Expression) -> Option<Reference> {
        let (root, operators) = match expr {
            Expression::Variable(root) => (root, &[][..]),
            Expression::Traversal(traversal) => match &traversal.expr {
                Expression::Variable(root) => (root, traversal.operators.as_slice()),
                _ => return None,
            },
            _ => return None,
        };
        let steps = operators
            .iter()
            .map(|op| match op.value() {
                TraversalOperator::GetAttr(name) => Step::Attr(name.as_str().to_owned()),
                TraversalOperator::Index(index) => Step::Index(literal_key(index)),
                TraversalOperator::LegacyIndex(index) => {
                    Step::Index(Some(index.value().to_string()))
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => Step::Splat,
            })
            .collect();
        Some(Reference {
            root: root.as_str().to_owned(),
            steps,
            text: source_text(expr),
        })
    }

    /// Parse a reference string (`aws_iam_role.app.arn`, `var.x`) as a plan lists them.
    pub(super) fn parse(text: &str) -> Option<Reference> {
        Reference::of(&hcl_edit::parser::parse_expr(text).ok()?)
    }

    /// The attribute names after the root, indexes left out: `aws_iam_role.app[0].arn` →
    /// `app`, `arn`. Instances of one resource share its address in the model.
    pub(super) fn names(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Attr(name) => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The first step as a name: `var.x` → `x`.
    pub(super) fn name(&self) -> Option<&str> {
        match self.steps.first()? {
            Step::Attr(name) => Some(name),
            _ => None,
        }
    }

    /// What a reference stands for when it is not followed into the module: the deploying
    /// account, partition and region for the data sources that return them, a variable, or an
    /// attribute of another resource.
    pub(super) fn symbol(&self) -> Symbol {
        let names = self.names();
        let attribute = |resource: String, rest: &[&str]| {
            if rest.is_empty() {
                Symbol::Resource(resource)
            } else {
                Symbol::Attribute {
                    resource,
                    attribute: rest.join("."),
                }
            }
        };
        match (self.root.as_str(), names.as_slice()) {
            ("data", ["aws_caller_identity", _, "account_id"]) => Symbol::OwnAccount,
            ("data", ["aws_partition", _, "partition"]) => Symbol::Partition,
            ("data", ["aws_partition", _, "dns_suffix"]) => Symbol::UrlSuffix,
            ("data", ["aws_region", _, "name" | "id" | "region"]) => Symbol::Region,
            ("data", [kind, name, rest @ ..]) => attribute(format!("data.{kind}.{name}"), rest),
            ("var", [name, ..]) => Symbol::Param(format!("var.{name}")),
            ("module", [name, rest @ ..]) => attribute(format!("module.{name}"), rest),
            ("data" | "local" | "each" | "count" | "path" | "terraform" | "self", _) => {
                Symbol::Unknown(self.text.clone())
            }
            (kind, [name, rest @ ..]) => attribute(format!("{kind}.{name}"), rest),
            _ => Symbol::Unknown(self.text.clone()),
        }
    }
}

fn literal_key(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.value().clone()),
        Expression::Number(n) => Some(n.value().to_string()),
        _ => None,
    }
}

/// Turns an HCL value expression (a `jsonencode` argument) into a [`Node`] tree shaped like the
/// JSON it encodes. Anything computed (references, function calls, templates) becomes a string
/// `${…}` holding the expression, which the module's resolver evaluates like any other template.
pub(super) struct ToNode<'a> {
    /// The decoded text the expression was parsed from.
    pub input: &'a str,
    pub offsets: &'a OffsetMap,
    /// Evaluates a computed object key to its literal text.
    pub key: &'a dyn Fn(&Expression) -> Option<String>,
}

impl ToNode<'_> {
    /// Depth is bounded by hcl-edit's nesting limit.
    pub(super) fn node(&self, expr: &Expression) -> Node {
        let span = self.offsets.range(expr.span());
        let value = match expr {
            Expression::Null(_) => return Node::scalar("null", false, span),
            Expression::Bool(b) => return Node::scalar(b.value().to_string(), false, span),
            Expression::Number(n) => return Node::scalar(n.value().to_string(), false, span),
            Expression::String(s) => return Node::scalar(escape(s.value()), true, span),
            Expression::Parenthesis(p) => return self.node(p.inner()),
            Expression::Array(items) => Value::Seq(items.iter().map(|i| self.node(i)).collect()),
            Expression::Object(object) => {
                let mut entries = Vec::new();
                for (key, value) in object.iter() {
                    let name = match key {
                        ObjectKey::Ident(ident) => Some(ident.as_str().to_owned()),
                        ObjectKey::Expression(Expression::String(s)) => Some(s.value().clone()),
                        ObjectKey::Expression(e) => (self.key)(e),
                    };
                    // A key we cannot evaluate makes the whole object unknown: a guessed key
                    // could hide a condition.
                    let Some(name) = name else {
                        return self.computed(expr, span);
                    };
                    entries.push(Entry {
                        key: name.into(),
                        key_span: self.offsets.range(key.span()),
                        value: self.node(value.expr()),
                    });
                }
                Value::Map(entries)
            }
            _ => return self.computed(expr, span),
        };
        Node { value, span }
    }

    fn computed(&self, expr: &Expression, span: crate::source::Span) -> Node {
        let text = expr
            .span()
            .and_then(|r| self.input.get(r))
            .map_or_else(|| source_text(expr), str::to_owned);
        Node::scalar(format!("${{{text}}}"), true, span)
    }
}

/// A literal string as template text: `${` and `%{` are doubled so they stay literal.
fn escape(text: &str) -> String {
    text.replace("${", "$${").replace("%{", "%%{")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(text: &str) -> Reference {
        Reference::parse(text).unwrap()
    }

    #[test]
    fn references_become_symbols() {
        assert_eq!(
            reference("aws_iam_role.app.arn").symbol(),
            Symbol::Attribute {
                resource: "aws_iam_role.app".into(),
                attribute: "arn".into()
            }
        );
        assert_eq!(
            reference("aws_iam_openid_connect_provider.gh[0].arn").symbol(),
            Symbol::Attribute {
                resource: "aws_iam_openid_connect_provider.gh".into(),
                attribute: "arn".into()
            }
        );
        assert_eq!(
            reference("aws_iam_role.app").symbol(),
            Symbol::Resource("aws_iam_role.app".into())
        );
        assert_eq!(
            reference("data.aws_caller_identity.me.account_id").symbol(),
            Symbol::OwnAccount
        );
        assert_eq!(
            reference("data.aws_partition.p.partition").symbol(),
            Symbol::Partition
        );
        assert_eq!(reference("data.aws_region.r.name").symbol(), Symbol::Region);
        assert_eq!(reference("data.aws_region.r.id").symbol(), Symbol::Region);
        assert_eq!(
            reference("var.trusted").symbol(),
            Symbol::Param("var.trusted".into())
        );
        assert_eq!(
            reference("each.value").symbol(),
            Symbol::Unknown("each.value".into())
        );
        assert_eq!(
            reference("module.net.vpc_id").symbol(),
            Symbol::Attribute {
                resource: "module.net".into(),
                attribute: "vpc_id".into()
            }
        );
    }

    #[test]
    fn sole_interpolation_only_for_a_single_element() {
        let t = parse_template("${var.x}").unwrap();
        assert!(sole_interpolation(&t).is_some());
        let t = parse_template("arn:${var.x}").unwrap();
        assert!(sole_interpolation(&t).is_none());
        let t = parse_template("$${aws:username}").unwrap();
        assert!(sole_interpolation(&t).is_none());
    }

    #[test]
    fn jsonencode_argument_becomes_a_tree() {
        let text = r#"${jsonencode({Version = "2012-10-17", "k:aud" = [1, true, null], (local.k) = "v", R = "arn:${var.p}", A = aws_iam_role.x.arn, L = "$${aws:username}"})}"#;
        let template = parse_template(text).unwrap();
        let Some(Expression::FuncCall(call)) = sole_interpolation(&template) else {
            panic!("not a call");
        };
        let arg = call.args.iter().next().unwrap();
        let offsets = OffsetMap::of_string(
            &Node::scalar(text, true, crate::source::Span::new(0, 0)),
            "",
        );
        let key = |_: &Expression| Some("computed".to_owned());
        let node = ToNode {
            input: text,
            offsets: &offsets,
            key: &key,
        }
        .node(arg);
        assert_eq!(node.get("Version").unwrap().as_str(), Some("2012-10-17"));
        assert_eq!(node.get("k:aud").unwrap().as_seq().unwrap().len(), 3);
        assert!(node.get("k:aud").unwrap().as_seq().unwrap()[2].is_null());
        assert_eq!(node.get("computed").unwrap().as_str(), Some("v"));
        assert_eq!(node.get("R").unwrap().as_str(), Some("${\"arn:${var.p}\"}"));
        assert_eq!(
            node.get("A").unwrap().as_str(),
            Some("${aws_iam_role.x.arn}")
        );
        assert_eq!(node.get("L").unwrap().as_str(), Some("$${aws:username}"));

        let no_key = |_: &Expression| None;
        let node = ToNode {
            input: text,
            offsets: &offsets,
            key: &no_key,
        }
        .node(arg);
        assert!(node.as_str().unwrap().starts_with("${{"));
    }
}
