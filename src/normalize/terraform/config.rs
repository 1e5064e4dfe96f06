//! `*.tf.json` configuration: the files of one folder, read as one module.
//!
//! Strings are HCL templates. A reference to a variable with a literal default or to a local is
//! followed (across the module's files); other references become symbols. A policy written as
//! `${data.aws_iam_policy_document.X.json}`, `${jsonencode({…})}` or a JSON string is turned into
//! a tree for the policy reader; any other computed policy is `opaque`.

use std::cell::Cell;
use std::collections::HashMap;

use hcl_edit::expr::Expression;
use hcl_edit::template::{Element, Template};

use super::document::{document_tree, either, merge, opaque};
use super::embedded::{Literal, OffsetMap, parse_json_string};
use super::template::{
    Reference, Step, ToNode, is_template, parse_template, sole_interpolation, source_text,
};
use super::{Attributes, bodies, dynamic, nested, read_resource};
use crate::input::{Document, InputError};
use crate::model::{
    Expr, Model, Part, PolicyDocument, PolicyKind, ResourceId, Suppression, SuppressionTarget,
    Symbol,
};
use crate::normalize::comments::{Marker, parse_marker};
use crate::normalize::policy::{Resolve, read_policy};
use crate::parse::{Node, Value};
use crate::source::{FileId, Loc, Span};

/// Deepest evaluation: references followed (`local.a` → `local.b` → …, so a cycle ends here),
/// lists and expressions entered. Keeps the recursion far from the stack's limit whatever the
/// module holds.
const MAX_DEPTH: usize = 64;
/// References followed per module, all chains together: lists of locals that reference lists of
/// locals would otherwise grow exponentially.
const REFERENCE_BUDGET: usize = 10_000;
/// Values copied out of variables and locals per module: one big list used by many resources
/// must not multiply into an unbounded amount of work.
const VALUE_BUDGET: usize = 1_000_000;
/// Policy documents built from data sources per module. Each may include others
/// (`source_policy_documents`), so without a bound a few blocks could make exponential work.
const DOCUMENT_BUDGET: usize = 2_000;

/// The `*.tf.json` files of one folder, read together so references cross files.
pub fn normalize_module(files: &[(FileId, &Document)]) -> (Model, Vec<InputError>) {
    let mut errors = Vec::new();
    let module = Module::read(files, &mut errors);
    let mut model = Model::default();
    for resource in &module.resources {
        let id = ResourceId {
            file: resource.file,
            name: format!("{}.{}", resource.kind, resource.name),
            kind: resource.kind.to_owned(),
            loc: Loc::new(resource.file, resource.name_span),
        };
        let block = Block {
            scope: module.scope(resource.file),
            body: resource.body,
        };
        model.suppressions.extend(suppressions(&id, resource.body));
        read_resource(id, &block, &mut model);
    }
    (model, errors)
}

/// `"//": "iamlint: ignore[XAC001, …] reason"` (or a list of such comments) in a resource
/// block: the Terraform JSON way to suppress findings on that resource.
fn suppressions(id: &ResourceId, body: &Node) -> Vec<Suppression> {
    let comments = body.get("//").map(Node::items).unwrap_or_default();
    let mut found = Vec::new();
    for comment in comments {
        let Some(Marker { rules, reason }) = comment.as_str().and_then(parse_marker) else {
            continue;
        };
        found.extend(rules.into_iter().map(|rule| Suppression {
            file: id.file,
            target: SuppressionTarget::Resource(id.name.clone()),
            rule,
            reason: reason.clone(),
            loc: Loc::new(id.file, comment.span),
        }));
    }
    found
}

/// A block with two labels (`resource "type" "name"`).
struct Labelled<'d> {
    file: FileId,
    kind: &'d str,
    name: &'d str,
    name_span: Span,
    body: &'d Node,
}

/// What the module's files declare, by name.
struct Module<'d> {
    sources: HashMap<FileId, &'d str>,
    /// Variables by name, with their default when it is set.
    variables: HashMap<&'d str, Option<(FileId, &'d Node)>>,
    locals: HashMap<&'d str, (FileId, &'d Node)>,
    /// `data "aws_iam_policy_document"` bodies by name.
    documents: HashMap<&'d str, (FileId, &'d Node)>,
    resources: Vec<Labelled<'d>>,
    references_left: Cell<usize>,
    values_left: Cell<usize>,
    documents_left: Cell<usize>,
}

impl<'d> Module<'d> {
    fn read(files: &[(FileId, &'d Document)], errors: &mut Vec<InputError>) -> Module<'d> {
        let mut module = Module {
            sources: HashMap::new(),
            variables: HashMap::new(),
            locals: HashMap::new(),
            documents: HashMap::new(),
            resources: Vec::new(),
            references_left: Cell::new(REFERENCE_BUDGET),
            values_left: Cell::new(VALUE_BUDGET),
            documents_left: Cell::new(DOCUMENT_BUDGET),
        };
        for &(file, document) in files {
            module.sources.insert(file, &document.source.text);
            for block in document.root.as_map().unwrap_or_default() {
                let what = &*block.key;
                let node = &block.value;
                if matches!(what, "resource" | "data" | "variable" | "locals")
                    && bodies(node).is_empty()
                    && !is_empty_array(node)
                {
                    errors.push(InputError::at(
                        &document.source,
                        node.span,
                        format!("`{what}` must be an object, or an array of objects"),
                    ));
                    continue;
                }
                match what {
                    "variable" => {
                        for (name, _, body) in labels(node) {
                            let default = body.get("default").map(|d| (file, d));
                            module.variables.insert(name, default);
                        }
                    }
                    "locals" => {
                        for body in bodies(node) {
                            for local in body.as_map().unwrap_or_default() {
                                if &*local.key != "//" {
                                    module.locals.insert(&local.key, (file, &local.value));
                                }
                            }
                        }
                    }
                    "data" | "resource" => {
                        for (kind, _, by_name) in labels(node) {
                            for (name, name_span, body) in labels(by_name) {
                                if what == "resource" {
                                    module.resources.push(Labelled {
                                        file,
                                        kind,
                                        name,
                                        name_span,
                                        body,
                                    });
                                } else if kind == "aws_iam_policy_document" {
                                    module.documents.insert(name, (file, body));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        module
    }

    fn scope(&self, file: FileId) -> Scope<'_, 'd> {
        Scope {
            module: self,
            file,
            depth: 0,
        }
    }
}

/// Take one from a budget; `false` once it is spent.
fn spend(left: &Cell<usize>) -> bool {
    let before = left.get();
    left.set(before.saturating_sub(1));
    before > 0
}

fn is_empty_array(node: &Node) -> bool {
    node.as_seq().is_some_and(<[Node]>::is_empty)
}

/// One label level: `{"label": value}` (or an array of such objects) → (label, its span,
/// each object the value holds), `"//"` comments left out.
fn labels(node: &Node) -> Vec<(&str, Span, &Node)> {
    bodies(node)
        .into_iter()
        .flat_map(|object| object.as_map().unwrap_or_default())
        .filter(|entry| &*entry.key != "//")
        .flat_map(|entry| {
            bodies(&entry.value)
                .into_iter()
                .map(|body| (&*entry.key, entry.key_span, body))
        })
        .collect()
}

/// Evaluates the module's values for nodes of one file.
#[derive(Clone, Copy)]
struct Scope<'m, 'd> {
    module: &'m Module<'d>,
    file: FileId,
    /// Evaluation levels (references followed, lists and expressions entered) to get here.
    depth: usize,
}

impl<'m, 'd> Scope<'m, 'd> {
    /// The scope one level of evaluation deeper.
    fn deeper(&self) -> Option<Scope<'m, 'd>> {
        (self.depth < MAX_DEPTH).then_some(Scope {
            depth: self.depth + 1,
            ..*self
        })
    }

    /// The scope for a node found by following a reference.
    fn follow(&self, file: FileId) -> Option<Scope<'m, 'd>> {
        let deeper = self
            .deeper()
            .filter(|_| spend(&self.module.references_left))?;
        Some(Scope { file, ..deeper })
    }

    fn source(&self) -> &'d str {
        self.module.sources.get(&self.file).copied().unwrap_or("")
    }

    fn template(&self, text: &str, loc: Loc) -> Vec<Expr> {
        if !is_template(text) {
            return vec![Expr::literal(text, loc)];
        }
        let Some(template) = parse_template(text) else {
            return vec![unknown("an invalid template", loc)];
        };
        match sole_interpolation(&template) {
            Some(expr) => self.expression(expr, loc),
            None => vec![self.concatenation(&template, loc)],
        }
    }

    /// A template as one string; a part with no single value is unknown.
    fn concatenation(&self, template: &Template, loc: Loc) -> Expr {
        let mut parts = Vec::new();
        for element in template.iter() {
            match element {
                Element::Literal(text) => append(&mut parts, Part::Lit(text.value().clone())),
                Element::Interpolation(interpolation) => {
                    match self.expression(&interpolation.expr, loc).as_slice() {
                        [one] => one.parts.iter().for_each(|p| append(&mut parts, p.clone())),
                        _ => append(
                            &mut parts,
                            Part::Sym(Symbol::Unknown(source_text(&interpolation.expr))),
                        ),
                    }
                }
                Element::Directive(_) => append(
                    &mut parts,
                    Part::Sym(Symbol::Unknown("a template directive".into())),
                ),
            }
        }
        Expr { parts, loc }
    }

    /// Every value an expression may have.
    fn expression(&self, expr: &Expression, loc: Loc) -> Vec<Expr> {
        let literal = |text: String| vec![Expr::literal(text, loc)];
        let Some(inner) = self.deeper() else {
            return vec![unknown(&source_text(expr), loc)];
        };
        match expr {
            Expression::Null(_) => Vec::new(),
            Expression::Bool(b) => literal(b.value().to_string()),
            Expression::Number(n) => literal(n.value().to_string()),
            Expression::String(s) => literal(s.value().clone()),
            Expression::StringTemplate(t) => vec![inner.concatenation(t, loc)],
            Expression::HeredocTemplate(h) => vec![inner.concatenation(&h.template, loc)],
            Expression::Array(items) => items
                .iter()
                .flat_map(|i| inner.expression(i, loc))
                .collect(),
            Expression::Parenthesis(p) => inner.expression(p.inner(), loc),
            Expression::Conditional(c) => {
                let mut values = inner.expression(&c.true_expr, loc);
                values.extend(inner.expression(&c.false_expr, loc));
                values
            }
            _ => match Reference::of(expr) {
                Some(reference) => inner.reference(&reference, loc),
                None => vec![unknown(&source_text(expr), loc)],
            },
        }
    }

    /// Variables with a literal default and locals are followed; the values found are placed at
    /// `loc`, where they are used.
    fn reference(&self, reference: &Reference, loc: Loc) -> Vec<Expr> {
        let rest = reference.steps.get(1..).unwrap_or_default();
        let target = match (reference.root.as_str(), reference.name()) {
            ("var", Some(name)) => match self.module.variables.get(name) {
                Some(Some((file, default))) if !default.is_null() => Some((*file, *default, true)),
                _ => None,
            },
            ("local", Some(name)) => self
                .module
                .locals
                .get(name)
                .map(|&(file, node)| (file, node, false)),
            _ => None,
        };
        let Some((file, node, literal)) = target else {
            return vec![Expr::symbol(reference.symbol(), loc)];
        };
        let values_left = &self.module.values_left;
        let followed = self
            .follow(file)
            .filter(|_| values_left.get() > 0)
            .zip(navigate(node, rest));
        let Some((scope, node)) = followed else {
            return vec![unknown(&reference.text, loc)];
        };
        // A variable's default is a value, not an expression: no templates in it.
        let values = if literal {
            Literal { file }.values(node)
        } else {
            scope.values(node)
        };
        values_left.set(values_left.get().saturating_sub(values.len()));
        values
            .into_iter()
            .map(|value| Expr { loc, ..value })
            .collect()
    }

    /// The policy document an attribute holds, `None` when it is unset.
    fn policy(&self, node: &Node, kind: PolicyKind) -> Option<PolicyDocument> {
        let loc = self.loc(node);
        let text = match &node.value {
            _ if node.is_null() => return None,
            Value::Scalar { text, .. } => text,
            _ => return Some(opaque(kind, loc)),
        };
        if text.trim().is_empty() {
            return None;
        }
        if is_template(text) {
            let Some(template) = parse_template(text) else {
                return Some(opaque(kind, loc));
            };
            if let Some(expr) = sole_interpolation(&template) {
                return Some(self.policy_expression(expr, node, kind));
            }
        }
        // JSON text, possibly with `${…}` inside its strings, which the reader evaluates.
        Some(match parse_json_string(node, self.source()) {
            Some(tree) => read_policy(&tree, kind, self),
            None => opaque(kind, loc),
        })
    }

    /// A policy given as `${expr}` in the string `node`.
    fn policy_expression(
        &self,
        expr: &Expression,
        node: &Node,
        kind: PolicyKind,
    ) -> PolicyDocument {
        let loc = self.loc(node);
        match expr {
            Expression::Parenthesis(p) => self.policy_expression(p.inner(), node, kind),
            Expression::Conditional(c) => either(
                self.policy_expression(&c.true_expr, node, kind),
                self.policy_expression(&c.false_expr, node, kind),
            ),
            Expression::FuncCall(call) if call.name.name.as_str() == "jsonencode" => {
                let mut args = call.args.iter();
                match (args.next(), args.next()) {
                    (Some(arg), None) => self.encoded_policy(arg, node, kind),
                    _ => opaque(kind, loc),
                }
            }
            _ => match Reference::of(expr) {
                Some(reference) => self.referenced_policy(&reference, kind, loc),
                None => opaque(kind, loc),
            },
        }
    }

    /// `jsonencode(arg)`: an object written in HCL, or a local holding one.
    fn encoded_policy(&self, arg: &Expression, node: &Node, kind: PolicyKind) -> PolicyDocument {
        let loc = self.loc(node);
        if let Some(reference) = Reference::of(arg) {
            let local = match (
                reference.root.as_str(),
                reference.name(),
                reference.steps.len(),
            ) {
                ("local", Some(name), 1) => self.module.locals.get(name),
                _ => None,
            };
            return match local {
                Some(&(file, value)) if value.as_map().is_some() => match self.follow(file) {
                    Some(scope) => read_policy(value, kind, &scope),
                    None => opaque(kind, loc),
                },
                _ => opaque(kind, loc),
            };
        }
        let (Some(text), Expression::Object(_)) = (node.as_str(), arg) else {
            return opaque(kind, loc);
        };
        let offsets = OffsetMap::of_string(node, self.source());
        let key = |e: &Expression| match self.expression(e, loc).as_slice() {
            [one] => one.as_literal().map(str::to_owned),
            _ => None,
        };
        let tree = ToNode {
            input: text,
            offsets: &offsets,
            key: &key,
        }
        .node(arg);
        read_policy(&tree, kind, self)
    }

    /// `${data.aws_iam_policy_document.X.json}`, or a local or variable holding a policy string.
    fn referenced_policy(
        &self,
        reference: &Reference,
        kind: PolicyKind,
        loc: Loc,
    ) -> PolicyDocument {
        let names = reference.names();
        match (reference.root.as_str(), names.as_slice()) {
            ("data", ["aws_iam_policy_document", name, "json" | "minified_json"]) => self
                .data_document(name, kind)
                .unwrap_or_else(|| opaque(kind, loc)),
            ("local", [name]) => {
                let found = self.module.locals.get(name);
                match found.and_then(|&(file, node)| Some((self.follow(file)?, node))) {
                    Some((scope, node)) => scope
                        .policy(node, kind)
                        .unwrap_or_else(|| opaque(kind, loc)),
                    None => opaque(kind, loc),
                }
            }
            ("var", [name]) => match self.module.variables.get(name) {
                Some(Some((file, default))) => match self.module.sources.get(file) {
                    Some(source) => match parse_json_string(default, source) {
                        Some(tree) => read_policy(&tree, kind, &Literal { file: *file }),
                        None => opaque(kind, loc),
                    },
                    None => opaque(kind, loc),
                },
                _ => opaque(kind, loc),
            },
            _ => opaque(kind, loc),
        }
    }

    /// The document a `data "aws_iam_policy_document"` block renders, merged with its source and
    /// override documents. `None` when the module has no such block.
    fn data_document(&self, name: &str, kind: PolicyKind) -> Option<PolicyDocument> {
        let &(file, body) = self.module.documents.get(name)?;
        let scope = self
            .follow(file)
            .filter(|_| spend(&self.module.documents_left))?;
        let own = read_policy(&document_tree(body, &scope), kind, &scope);
        let documents = |lists: &str, single: &str| -> Vec<PolicyDocument> {
            let listed = body.get(lists).filter(|n| !n.is_null());
            let mut found: Vec<PolicyDocument> = match listed {
                Some(list) => match list.as_seq() {
                    Some(items) => items.iter().filter_map(|i| scope.policy(i, kind)).collect(),
                    None => vec![opaque(kind, scope.loc(list))],
                },
                None => Vec::new(),
            };
            found.extend(body.get(single).and_then(|n| scope.policy(n, kind)));
            found
        };
        Some(merge(
            documents("source_policy_documents", "source_json"),
            own,
            documents("override_policy_documents", "override_json"),
        ))
    }
}

impl Resolve for Scope<'_, '_> {
    fn file(&self) -> FileId {
        self.file
    }

    fn values(&self, node: &Node) -> Vec<Expr> {
        let loc = self.loc(node);
        match &node.value {
            Value::Scalar { text, quoted: true } => self.template(text, loc),
            Value::Scalar { .. } if node.is_null() => Vec::new(),
            Value::Scalar { text, .. } => vec![Expr::literal(&**text, loc)],
            Value::Seq(items) => match self.deeper() {
                Some(inner) => items.iter().flat_map(|i| inner.values(i)).collect(),
                None => vec![unknown("a list nested too deeply", loc)],
            },
            Value::Map(_) => vec![unknown("an object", loc)],
        }
    }

    /// A string computed by an expression cannot be walked as a structure here: the nodes it
    /// would stand for belong to another place (or file) than the one being read.
    fn structures<'a>(&self, node: &'a Node) -> Option<Vec<&'a Node>> {
        match &node.value {
            Value::Scalar { text, quoted: true } if is_template(text) => None,
            _ => Some(vec![node]),
        }
    }
}

/// Follow `steps` into a literal structure: `.key` in an object, `[n]` in a list.
fn navigate<'n>(node: &'n Node, steps: &[Step]) -> Option<&'n Node> {
    steps.iter().try_fold(node, |node, step| match step {
        Step::Attr(key) => node.get(key),
        Step::Index(Some(key)) => match node.as_seq() {
            Some(items) => items.get(key.parse::<usize>().ok()?),
            None => node.get(key),
        },
        Step::Index(None) | Step::Splat => None,
    })
}

fn unknown(what: &str, loc: Loc) -> Expr {
    Expr::symbol(Symbol::Unknown(what.to_owned()), loc)
}

/// Add a part, joining adjacent literal text.
fn append(parts: &mut Vec<Part>, part: Part) {
    match (parts.last_mut(), part) {
        (_, Part::Lit(text)) if text.is_empty() => {}
        (Some(Part::Lit(existing)), Part::Lit(text)) => existing.push_str(&text),
        (_, part) => parts.push(part),
    }
}

/// A resource or nested block of the configuration.
struct Block<'m, 'd> {
    scope: Scope<'m, 'd>,
    body: &'d Node,
}

impl Block<'_, '_> {
    fn get(&self, key: &str) -> Option<&Node> {
        self.body.get(key).filter(|n| !n.is_null())
    }
}

impl Attributes for Block<'_, '_> {
    fn loc(&self) -> Loc {
        self.scope.loc(self.body)
    }

    fn value(&self, key: &str) -> Option<Expr> {
        self.scope.values(self.get(key)?).into_iter().next()
    }

    fn values(&self, key: &str) -> Vec<Expr> {
        self.get(key)
            .map(|n| self.scope.values(n))
            .unwrap_or_default()
    }

    fn policy(&self, key: &str, kind: PolicyKind) -> Option<PolicyDocument> {
        self.scope.policy(self.get(key)?, kind)
    }

    fn blocks(&self, key: &str) -> Vec<Self> {
        nested(self.body, key)
            .into_iter()
            .chain(dynamic(self.body, key))
            .map(|body| Block {
                scope: self.scope,
                body,
            })
            .collect()
    }

    fn field(&self, key: &str, field: &str) -> Option<Expr> {
        let value = self.get(key)?.get(field)?;
        self.scope.values(value).into_iter().next()
    }

    fn configured(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}
