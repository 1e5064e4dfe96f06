//! `terraform show -json` output, for a plan or for state → IAM model.
//!
//! Values are final: policies are JSON strings, parsed again with positions inside the plan
//! file. Each resource instance is read from one place only: its `resource_changes` entry
//! (skipped when the change only deletes it) when the plan has one, else `planned_values` or the
//! state's `values`, with every `child_modules` level. A value unknown until apply becomes a
//! symbol built from the plan's `configuration` references; a policy unknown until apply is
//! taken from the `aws_iam_policy_document` data source it references when the plan holds that
//! data source (rendered in `prior_state`, or deferred with only its `statement` values).

use std::collections::hash_map::Entry as Slot;
use std::collections::{HashMap, HashSet};

use super::document::{document_tree, merge, opaque};
use super::embedded::{Literal, parse_json_string};
use super::template::Reference;
use super::{Attributes, MAX_MODULE_DEPTH, bodies, read_resource};
use crate::input::{Document, InputError};
use crate::model::{Expr, Model, PolicyDocument, PolicyKind, ResourceId, Symbol};
use crate::normalize::policy::{Resolve, read_policy};
use crate::parse::Node;
use crate::source::{FileId, Loc};

/// One plan or state JSON file.
pub fn normalize_plan(file: FileId, document: &Document) -> Result<Model, Vec<InputError>> {
    let root = &document.root;
    if let Some(version) = root.get("format_version") {
        let text = version.as_str().unwrap_or_default();
        if !matches!(text.split('.').next(), Some("0" | "1")) {
            return Err(vec![InputError::at(
                &document.source,
                version.span,
                format!(
                    "unsupported plan `format_version` \"{text}\": only 0.x and 1.x are understood"
                ),
            )]);
        }
    }
    let plan = Plan::read(file, &document.source.text, root);
    let mut model = Model::default();
    for instance in &plan.instances {
        let address = Address::split(instance.address);
        let id = ResourceId {
            file,
            name: instance.address.to_owned(),
            kind: instance.kind.to_owned(),
            loc: Loc::new(file, instance.node.span),
        };
        let attrs = Values {
            plan: &plan,
            values: instance.values,
            unknown: instance.unknown,
            config: plan.expressions(&address),
            address: &address,
            loc: id.loc,
        };
        read_resource(id, &attrs, &mut model);
    }
    Ok(model)
}

/// A managed resource instance to read.
struct Instance<'d> {
    /// The resource object, where findings about the resource as a whole point.
    node: &'d Node,
    address: &'d str,
    kind: &'d str,
    values: &'d Node,
    /// `after_unknown`: `true` where a value is known only after apply.
    unknown: Option<&'d Node>,
}

/// A data source instance's values and `after_unknown`.
type DataValues<'d> = (&'d Node, Option<&'d Node>);

struct Plan<'d> {
    file: FileId,
    source: &'d str,
    instances: Vec<Instance<'d>>,
    /// `aws_iam_policy_document` instances by address.
    documents: HashMap<&'d str, DataValues<'d>>,
    /// `configuration.root_module`.
    configuration: Option<&'d Node>,
}

impl<'d> Plan<'d> {
    fn read(file: FileId, source: &'d str, root: &'d Node) -> Plan<'d> {
        let mut plan = Plan {
            file,
            source,
            instances: Vec::new(),
            documents: HashMap::new(),
            configuration: root.get("configuration").and_then(|c| c.get("root_module")),
        };
        let changes = root
            .get("resource_changes")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        let module_root = |values: Option<&'d Node>| values.and_then(|v| v.get("root_module"));
        // What the plan makes (or the state holds); `prior_state` is what exists before the
        // change, read only for data sources.
        let planned = [
            module_root(root.get("planned_values")),
            module_root(root.get("values")),
        ];
        let prior = module_root(root.get("prior_state").and_then(|s| s.get("values")));

        for change in changes.iter().filter(|c| is_data(c)) {
            let after = change.get("change");
            if let Some(values) = after.and_then(|c| c.get("after")) {
                plan.add_document(change, values, after.and_then(|c| c.get("after_unknown")));
            }
        }
        for tree in planned.iter().chain([&prior]).flatten() {
            walk_modules(tree, 0, &mut |resource| {
                if let Some(values) = resource
                    .get("values")
                    .filter(|v| is_data(resource) && v.as_map().is_some())
                {
                    plan.add_document(resource, values, None);
                }
            });
        }

        let mut seen = HashSet::new();
        for change in changes.iter().filter(|c| !is_data(c)) {
            let Some(body) = change.get("change") else {
                continue;
            };
            let actions: Vec<&str> = body
                .get("actions")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .collect();
            // A deposed object can share its address with the new one, so a deletion must not
            // claim the address.
            if !actions.is_empty() && actions.iter().all(|a| matches!(*a, "delete" | "forget")) {
                continue;
            }
            if let Some(instance) = instance(change, body.get("after"), body.get("after_unknown"))
                && seen.insert(instance.address)
            {
                plan.instances.push(instance);
            }
        }
        for tree in planned.iter().flatten() {
            walk_modules(tree, 0, &mut |resource| {
                if is_data(resource) {
                    return;
                }
                if let Some(instance) = instance(resource, resource.get("values"), None)
                    && seen.insert(instance.address)
                {
                    plan.instances.push(instance);
                }
            });
        }
        plan
    }

    /// Record a policy document data source; a rendered one (with `json`) wins over a deferred
    /// one.
    fn add_document(&mut self, resource: &'d Node, values: &'d Node, unknown: Option<&'d Node>) {
        let is_document =
            resource.get("type").and_then(Node::as_str) == Some("aws_iam_policy_document");
        let Some(address) = resource
            .get("address")
            .and_then(Node::as_str)
            .filter(|_| is_document)
        else {
            return;
        };
        let rendered = |v: &Node| v.get("json").and_then(Node::as_str).is_some();
        match self.documents.entry(address) {
            Slot::Vacant(slot) => {
                slot.insert((values, unknown));
            }
            Slot::Occupied(mut slot) if !rendered(slot.get().0) && rendered(values) => {
                slot.insert((values, unknown));
            }
            Slot::Occupied(_) => {}
        }
    }

    /// The `expressions` of an instance's resource in `configuration`.
    fn expressions(&self, address: &Address<'_>) -> Option<&'d Node> {
        let mut module = self.configuration?;
        for call in &address.calls {
            module = module.get("module_calls")?.get(call)?.get("module")?;
        }
        module
            .get("resources")?
            .as_seq()?
            .iter()
            .find(|r| r.get("address").and_then(Node::as_str) == Some(address.resource))?
            .get("expressions")
    }

    /// A policy JSON string.
    fn policy_string(&self, node: &Node, kind: PolicyKind) -> PolicyDocument {
        let cx = Literal { file: self.file };
        match parse_json_string(node, self.source) {
            Some(tree) => read_policy(&tree, kind, &cx),
            None => opaque(kind, cx.loc(node)),
        }
    }

    /// What an `aws_iam_policy_document` data source renders: its `json` when the plan has it,
    /// else its `statement` values with the source and override documents.
    fn data_document(&self, (values, unknown): DataValues<'_>, kind: PolicyKind) -> PolicyDocument {
        let cx = Literal { file: self.file };
        if let Some(json) = values.get("json").filter(|j| j.as_str().is_some()) {
            return self.policy_string(json, kind);
        }
        if values.get("statement").is_none_or(Node::is_null) {
            return opaque(kind, cx.loc(values));
        }
        let own = read_policy(&document_tree(values, &cx), kind, &cx);
        let documents = |lists: &str, single: &str| -> Vec<PolicyDocument> {
            let is_unknown = |key: &str| unknown.and_then(|u| u.get(key)).is_some_and(is_true);
            let mut found = Vec::new();
            for key in [lists, single] {
                let given = values.get(key).filter(|n| !n.is_null());
                if is_unknown(key) && given.is_none() {
                    found.push(opaque(kind, cx.loc(values)));
                }
                for item in given.map(Node::items).unwrap_or_default() {
                    found.push(match item.as_str() {
                        Some(_) => self.policy_string(item, kind),
                        None => opaque(kind, cx.loc(item)),
                    });
                }
            }
            found
        };
        merge(
            documents("source_policy_documents", "source_json"),
            own,
            documents("override_policy_documents", "override_json"),
        )
    }
}

fn is_data(resource: &Node) -> bool {
    resource.get("mode").and_then(Node::as_str) == Some("data")
}

fn is_true(node: &Node) -> bool {
    node.as_str() == Some("true")
}

fn instance<'d>(
    resource: &'d Node,
    values: Option<&'d Node>,
    unknown: Option<&'d Node>,
) -> Option<Instance<'d>> {
    Some(Instance {
        node: resource,
        address: resource.get("address")?.as_str()?,
        kind: resource.get("type")?.as_str()?,
        values: values.filter(|v| v.as_map().is_some())?,
        unknown,
    })
}

/// Visit the resources of a module and of all its `child_modules`.
fn walk_modules<'d>(module: &'d Node, depth: usize, visit: &mut impl FnMut(&'d Node)) {
    for resource in module
        .get("resources")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        visit(resource);
    }
    // Deeper nesting than any real configuration has: not read.
    if depth >= MAX_MODULE_DEPTH {
        return;
    }
    for child in module
        .get("child_modules")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        walk_modules(child, depth + 1, visit);
    }
}

/// The parts of an instance address (`module.a["x"].module.b.aws_iam_role.r[0]`) that locate it
/// in the configuration.
#[derive(Debug, PartialEq, Eq)]
struct Address<'a> {
    /// `module.a["x"].module.b`; empty at the root.
    module: &'a str,
    /// Module call names without instance keys: `a`, `b`.
    calls: Vec<&'a str>,
    /// `aws_iam_role.r`, `data.aws_iam_policy_document.d`.
    resource: &'a str,
    /// The instance key as written: `[0]`, `["p1"]`, or empty.
    index: &'a str,
}

impl<'a> Address<'a> {
    fn split(address: &'a str) -> Address<'a> {
        // Dots that separate steps: not inside `[…]` keys, which may hold any string.
        let mut starts = vec![0];
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (i, c) in address.char_indices() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                '.' if depth == 0 => starts.push(i + 1),
                _ => {}
            }
        }
        let step = |n: usize| -> Option<&'a str> {
            let start = *starts.get(n)?;
            let end = starts.get(n + 1).map_or(address.len(), |next| next - 1);
            address.get(start..end)
        };
        let mut calls = Vec::new();
        let mut first = 0;
        // `module.NAME` pairs, as long as a resource follows them.
        while step(first) == Some("module") && starts.len() > first + 3 {
            let name = step(first + 1).unwrap_or_default();
            calls.push(name.split('[').next().unwrap_or(name));
            first += 2;
        }
        let rest_start = starts.get(first).copied().unwrap_or(address.len());
        let rest = address.get(rest_start..).unwrap_or_default();
        let (resource, index) = rest.split_at(rest.find('[').unwrap_or(rest.len()));
        Address {
            module: address
                .get(..rest_start.saturating_sub(1))
                .unwrap_or_default(),
            calls,
            resource,
            index,
        }
    }

    /// `module.a.` for a symbol or address inside this instance's module.
    fn prefix(&self) -> String {
        if self.module.is_empty() {
            String::new()
        } else {
            format!("{}.", self.module)
        }
    }
}

/// A resource instance's (or nested block's) values.
struct Values<'p, 'd> {
    plan: &'p Plan<'d>,
    values: &'d Node,
    unknown: Option<&'d Node>,
    /// The configuration expressions of the same resource or block.
    config: Option<&'d Node>,
    address: &'p Address<'d>,
    loc: Loc,
}

impl<'d> Values<'_, 'd> {
    fn literal(&self) -> Literal {
        Literal {
            file: self.plan.file,
        }
    }

    fn given(&self, key: &str) -> Option<&'d Node> {
        self.values.get(key).filter(|n| !n.is_null())
    }

    /// The configuration's references for an attribute (`aws_iam_role.app.arn`,
    /// `aws_iam_role.app`, …).
    fn references(&self, key: &str) -> Vec<&str> {
        self.config
            .and_then(|c| c.get(key))
            .and_then(|e| e.get("references"))
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect()
    }

    /// Set, but not known until apply: marked in `after_unknown`, or (for `planned_values`,
    /// which has no such marks) left out of the values although the configuration sets it from
    /// other objects.
    fn is_unknown(&self, key: &str) -> bool {
        if self.given(key).is_some() {
            return false;
        }
        match self.unknown {
            Some(unknown) => unknown.get(key).is_some_and(is_true),
            None => !self.references(key).is_empty(),
        }
    }

    /// An unknown value: the attribute of another resource it is configured from when that is a
    /// single reference, else an unknown symbol.
    fn computed(&self, key: &str) -> Expr {
        let references = self.references(key);
        let single = references
            .first()
            .filter(|first| references.iter().all(|r| first.starts_with(r)));
        let symbol = match single.and_then(|r| Reference::parse(r)) {
            Some(reference) => match reference.symbol() {
                Symbol::Resource(name) => Symbol::Resource(self.address.prefix() + &name),
                Symbol::Attribute {
                    resource,
                    attribute,
                } => Symbol::Attribute {
                    resource: self.address.prefix() + &resource,
                    attribute,
                },
                other => other,
            },
            None => Symbol::Unknown("known after apply".into()),
        };
        Expr::symbol(symbol, self.loc)
    }

    /// A policy unknown until apply: the policy document data source the configuration builds
    /// it from (the same instance key when both are repeated), when the plan has it.
    fn linked_document(&self, key: &str, kind: PolicyKind) -> PolicyDocument {
        const DOCUMENT: &str = "data.aws_iam_policy_document.";
        let references = self.references(key);
        let mut names: Vec<&str> = references
            .iter()
            .filter_map(|r| r.strip_prefix(DOCUMENT))
            .map(|rest| rest.split(['.', '[']).next().unwrap_or(rest))
            .collect();
        names.dedup();
        let only_selectors = references
            .iter()
            .all(|r| r.starts_with(DOCUMENT) || matches!(*r, "each.key" | "count.index"));
        let found = match names.as_slice() {
            [name] if only_selectors => {
                let base = format!("{}{DOCUMENT}{name}", self.address.prefix());
                let keyed = format!("{base}{}", self.address.index);
                self.plan
                    .documents
                    .get(keyed.as_str())
                    .or_else(|| self.plan.documents.get(base.as_str()))
            }
            _ => None,
        };
        match found {
            Some(&document) => self.plan.data_document(document, kind),
            None => opaque(kind, self.loc),
        }
    }
}

impl Attributes for Values<'_, '_> {
    fn loc(&self) -> Loc {
        self.loc
    }

    fn value(&self, key: &str) -> Option<Expr> {
        match self.given(key) {
            Some(node) => node
                .as_str()
                .map(|text| Expr::literal(text, self.literal().loc(node))),
            None => self.is_unknown(key).then(|| self.computed(key)),
        }
    }

    fn values(&self, key: &str) -> Vec<Expr> {
        match self.given(key) {
            Some(node) => self.literal().values(node),
            None if self.is_unknown(key) => vec![self.computed(key)],
            None => Vec::new(),
        }
    }

    fn policy(&self, key: &str, kind: PolicyKind) -> Option<PolicyDocument> {
        match self.given(key) {
            Some(node) if node.as_str().is_some_and(|t| !t.trim().is_empty()) => {
                Some(self.plan.policy_string(node, kind))
            }
            Some(_) => None,
            None if self.is_unknown(key) => Some(self.linked_document(key, kind)),
            None => None,
        }
    }

    fn blocks(&self, key: &str) -> Vec<Self> {
        let unknown = self.unknown.and_then(|u| u.get(key));
        let config = self.config.and_then(|c| c.get(key));
        self.given(key)
            .map(bodies)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, body)| Values {
                plan: self.plan,
                values: body,
                unknown: unknown.and_then(|u| u.items().get(i)),
                config: config.and_then(|c| c.items().get(i)),
                address: self.address,
                loc: self.literal().loc(body),
            })
            .collect()
    }

    /// State output has no configuration: nothing there counts as configured.
    fn configured(&self, key: &str) -> bool {
        self.config.and_then(|c| c.get(key)).is_some()
    }

    fn field(&self, key: &str, field: &str) -> Option<Expr> {
        let value = self
            .given(key)
            .and_then(|map| map.get(field))
            .filter(|n| !n.is_null());
        match value {
            Some(node) => node
                .as_str()
                .map(|t| Expr::literal(t, self.literal().loc(node))),
            None => {
                let unknown = self.unknown.and_then(|u| u.get(key));
                let is_unknown =
                    unknown.is_some_and(|u| is_true(u) || u.get(field).is_some_and(is_true));
                is_unknown
                    .then(|| Expr::symbol(Symbol::Unknown("known after apply".into()), self.loc))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_module_resource_and_key() {
        assert_eq!(
            Address::split(r#"module.a["x.y"].module.b.aws_iam_role.r[0]"#),
            Address {
                module: r#"module.a["x.y"].module.b"#,
                calls: vec!["a", "b"],
                resource: "aws_iam_role.r",
                index: "[0]",
            }
        );
        assert_eq!(
            Address::split("data.aws_iam_policy_document.d"),
            Address {
                module: "",
                calls: vec![],
                resource: "data.aws_iam_policy_document.d",
                index: "",
            }
        );
        assert_eq!(
            Address::split(r#"module.poc.aws_iam_role.r6["p1"]"#).index,
            r#"["p1"]"#
        );
        // Malformed addresses do not panic.
        for odd in ["", ".", "module", "module.", "module.x", "a[\"]", "]]..[["] {
            let _ = Address::split(odd);
        }
    }
}
