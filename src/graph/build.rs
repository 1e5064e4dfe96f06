//! Model → graph. Every link is found through an index (by resource in its scope, by IAM name
//! in its account, by export name), never by comparing all pairs, so building stays near-linear
//! in the size of the estate. Targets that cannot be resolved become external nodes.

use std::collections::{HashMap, HashSet};

use petgraph::graph::NodeIndex;

use super::escalation::{METHODS, Victim};
use super::identity::{Render, Target, admin_reason, allows, allows_action, is_allow_all_managed};
use super::permissions::{Expander, Permissions};
use super::{AccountKey, CallerPermission, Edge, EdgeKind, IamGraph, ModelRef, Node, NodeKind};
use crate::config::Accounts;
use crate::model::federation::{Federated, classify_federated_in};
use crate::model::{
    AccountRef, Condition, Expr, Model, PolicyDocument, PrincipalEntry, PrincipalKind,
    PrincipalType, Statement, Symbol,
};
use crate::normalize::managed::aws_managed_document;
use crate::source::{FileId, Loc};

/// What the graph needs to know about each scanned file.
#[derive(Clone, Debug)]
pub struct FileFacts {
    pub account: AccountKey,
    /// Files that see each other's resources by name: one CloudFormation template, or every
    /// `*.tf.json` of one Terraform module folder.
    pub scope: usize,
}

/// Principals that may assume specific roles, by what their policies name.
#[derive(Debug, Default)]
struct CallerIndex {
    exact: HashMap<String, Vec<usize>>,
    /// Wildcards other than "every role", `NotResource`, unknown values: checked against every
    /// role trusting the account root. Rare in practice.
    patterns: Vec<usize>,
}

impl CallerIndex {
    fn candidates(&self, target: &Target<'_>) -> Vec<usize> {
        let by_resource = self.exact.get(&scoped_key(target.scope, target.resource));
        let by_arn = self.exact.get(&target.arn);
        by_resource
            .into_iter()
            .chain(by_arn)
            .flatten()
            .chain(&self.patterns)
            .copied()
            .collect()
    }
}

enum ResourceKey {
    Exact(String),
    Pattern,
    /// Can name no IAM role (an S3 ARN next to `sts:AssumeRole` in one statement).
    NoRole,
}

fn scoped_key(scope: usize, resource: &str) -> String {
    format!("{scope}\u{0}{resource}")
}

/// The key a `Resource` value is indexed under: `!GetAtt X.Arn` (directly or through an export)
/// by its scope and resource, a literal ARN with no wildcard by its text with the own account
/// written out; anything else is a pattern.
fn resource_key(value: &Expr, render: &Render<'_>) -> ResourceKey {
    let attribute = |symbol: Option<&Symbol>, scope: usize| match symbol {
        Some(Symbol::Attribute {
            resource,
            attribute,
        }) if attribute.eq_ignore_ascii_case("arn") => {
            Some(ResourceKey::Exact(scoped_key(scope, resource)))
        }
        _ => None,
    };
    if let Some(key) = attribute(value.as_symbol(), render.scope) {
        return key;
    }
    if let Some(Symbol::Import(name)) = value.as_symbol() {
        return render
            .exports
            .get(name.as_str())
            .and_then(|(exported, scope)| attribute(exported.as_symbol(), *scope))
            .unwrap_or(ResourceKey::Pattern);
    }
    let mut text = String::new();
    for part in &value.parts {
        match part {
            crate::model::Part::Lit(lit) => text.push_str(lit),
            crate::model::Part::Sym(Symbol::OwnAccount) => text.push_str(render.own_account),
            crate::model::Part::Sym(Symbol::Partition) => text.push_str("aws"),
            crate::model::Part::Sym(_) => return ResourceKey::Pattern,
        }
    }
    const ROLE_ARN_PREFIX: &str = "arn:aws:iam::";
    match text.find(['*', '?']) {
        None => ResourceKey::Exact(text),
        Some(at) => {
            let fixed = text.get(..at).unwrap_or_default();
            if fixed.starts_with(ROLE_ARN_PREFIX) || ROLE_ARN_PREFIX.starts_with(fixed) {
                ResourceKey::Pattern
            } else {
                ResourceKey::NoRole
            }
        }
    }
}

/// Whether two files see each other's resources by name.
pub fn same_scope(files: &[FileFacts], a: FileId, b: FileId) -> bool {
    a == b
        || matches!(
            (files.get(a.0 as usize), files.get(b.0 as usize)),
            (Some(x), Some(y)) if x.scope == y.scope
        )
}

const ASSUME_ROLE: &str = "sts:AssumeRole";
const ASSUME_WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";
const ASSUME_SAML: &str = "sts:AssumeRoleWithSAML";
/// The account id written into ARNs of the unnamed own account.
const OWN_PLACEHOLDER: &str = "<own>";

/// Build the graph. `files` is indexed by [`FileId`].
pub fn build(model: &Model, files: &[FileFacts], accounts: &Accounts) -> IamGraph {
    let mut builder = Builder {
        model,
        files,
        graph: IamGraph::default(),
        by_resource: HashMap::new(),
        by_name: HashMap::new(),
        singletons: HashMap::new(),
        documents: vec![Vec::new(); model.principals.len()],
        allow_all: vec![None; model.principals.len()],
        expander: Expander::default(),
        principals_by_account: HashMap::new(),
        specific_callers: HashMap::new(),
        exports: HashMap::new(),
        // Accounts of the organization are inside even when none of their templates is scanned.
        inside: files
            .iter()
            .map(|f| f.account.clone())
            .chain(
                accounts
                    .organization_accounts()
                    .map(|a| AccountKey::Id(a.id.clone())),
            )
            .collect(),
    };
    for export in &model.exports {
        if let Some(name) = export.name.as_literal() {
            let scope = builder.facts(export.file).scope;
            builder.exports.insert(name, (&export.value, scope));
        }
    }
    builder.add_principals();
    builder.add_policies();
    builder.add_permissions();
    builder.add_memberships();
    builder.add_providers_and_pools();
    builder.classify_callers();
    builder.add_trust_edges();
    builder.add_grants();
    builder.add_escalation_edges();
    builder.graph.admin = (0..model.principals.len())
        .map(|i| builder.admin(i))
        .collect();
    builder.graph
}

struct Builder<'m> {
    model: &'m Model,
    files: &'m [FileFacts],
    graph: IamGraph,
    /// (scope, logical id or address) → node.
    by_resource: HashMap<(usize, &'m str), NodeIndex>,
    /// (account, kind, IAM name) → node.
    by_name: HashMap<(AccountKey, NodeKind, String), NodeIndex>,
    /// Nodes made on demand (accounts, services, issuers, AWS managed policies, externals).
    singletons: HashMap<(NodeKind, String), NodeIndex>,
    /// Per principal: the documents of its identity policies, with the file they are in.
    documents: Vec<Vec<(&'m PolicyDocument, FileId)>>,
    /// Per principal: an attached AWS managed policy that allows everything.
    allow_all: Vec<Option<Loc>>,
    /// Expands each distinct action list once for the whole build.
    expander: Expander,
    /// Export name → exported value and the exporting file's scope.
    exports: HashMap<&'m str, (&'m Expr, usize)>,
    /// Roles and users of each account, for trust to an account root.
    principals_by_account: HashMap<AccountKey, Vec<usize>>,
    /// Per account, the principals whose policies allow `sts:AssumeRole` on some roles but not
    /// on every role, indexed by the roles their `Resource` values can name.
    specific_callers: HashMap<AccountKey, CallerIndex>,
    inside: HashSet<AccountKey>,
}

/// A set of principals of one account that a method on every resource reaches.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum SetKey {
    Roles(AccountKey),
    Users(AccountKey),
    /// Roles holding a customer managed policy.
    PolicyHolders(AccountKey),
    /// Roles trusting a service principal.
    Trusting(AccountKey, &'static str),
}

impl SetKey {
    fn of(victim: Victim, account: AccountKey) -> Self {
        match victim {
            Victim::Role => SetKey::Roles(account),
            Victim::User => SetKey::Users(account),
            Victim::PolicyHolder => SetKey::PolicyHolders(account),
            Victim::PassedTo(service) => SetKey::Trusting(account, service),
        }
    }

    /// The node's name, and the label of its edges to the members.
    fn describe(&self) -> (String, String) {
        match self {
            SetKey::Roles(a) => (
                format!("every role in {}", a.label()),
                "any role".to_owned(),
            ),
            SetKey::Users(a) => (
                format!("every user in {}", a.label()),
                "any user".to_owned(),
            ),
            SetKey::PolicyHolders(a) => (
                format!("roles with customer managed policies in {}", a.label()),
                "holds a customer managed policy".to_owned(),
            ),
            SetKey::Trusting(a, service) => (
                format!("roles trusting {service} in {}", a.label()),
                format!("trusts {service}"),
            ),
        }
    }
}

enum PolicyText<'m> {
    Scanned(&'m PolicyDocument),
    AwsManaged(&'static PolicyDocument),
    /// An ARN the scan does not declare, or an AWS managed policy the catalog does not ship.
    Unknown,
}

fn principal_kind(kind: PrincipalType) -> NodeKind {
    match kind {
        PrincipalType::Role => NodeKind::Role,
        PrincipalType::User => NodeKind::User,
        PrincipalType::Group => NodeKind::Group,
    }
}

impl<'m> Builder<'m> {
    fn facts(&self, file: FileId) -> FileFacts {
        self.files
            .get(file.0 as usize)
            .cloned()
            .unwrap_or(FileFacts {
                account: AccountKey::Unnamed,
                scope: usize::MAX - file.0 as usize,
            })
    }

    fn add_node(&mut self, node: Node) -> NodeIndex {
        self.graph.graph.add_node(node)
    }

    fn add_edge(&mut self, from: NodeIndex, to: NodeIndex, edge: Edge) {
        self.graph.graph.add_edge(from, to, edge);
    }

    /// A node made once per (kind, key): an account, a service, an issuer, an external ARN.
    fn singleton(
        &mut self,
        kind: NodeKind,
        key: &str,
        account: Option<AccountKey>,
        external: bool,
    ) -> NodeIndex {
        if let Some(&index) = self.singletons.get(&(kind, key.to_owned())) {
            return index;
        }
        let index = self.add_node(Node {
            kind,
            name: key.to_owned(),
            resource: None,
            account,
            loc: None,
            model: ModelRef::None,
            external,
        });
        self.singletons.insert((kind, key.to_owned()), index);
        index
    }

    fn account_node(&mut self, account: &AccountKey) -> NodeIndex {
        let external = !self.inside.contains(account);
        self.singleton(
            NodeKind::Account,
            account.label(),
            Some(account.clone()),
            external,
        )
    }

    fn add_principals(&mut self) {
        let model = self.model;
        for (i, principal) in model.principals.iter().enumerate() {
            let facts = self.facts(principal.resource.file);
            let kind = principal_kind(principal.kind);
            let literal_name = principal
                .name
                .as_ref()
                .and_then(Expr::as_literal)
                .filter(|n| !n.is_empty());
            let index = self.add_node(Node {
                kind,
                name: literal_name.unwrap_or(&principal.resource.name).to_owned(),
                resource: Some(principal.resource.name.clone()),
                account: Some(facts.account.clone()),
                loc: Some(principal.resource.loc),
                model: ModelRef::Principal(i),
                external: false,
            });
            self.graph.principal_nodes.push(index);
            self.by_resource
                .insert((facts.scope, &principal.resource.name), index);
            if principal.kind != PrincipalType::Group {
                self.principals_by_account
                    .entry(facts.account.clone())
                    .or_default()
                    .push(i);
            }
            if let Some(name) = literal_name {
                self.by_name
                    .insert((facts.account.clone(), kind, name.to_owned()), index);
            }
            for (p, inline) in principal.inline_policies.iter().enumerate() {
                let name = inline
                    .name
                    .as_ref()
                    .map_or_else(|| format!("policy {}", p + 1), Expr::display);
                let policy = self.add_node(Node {
                    kind: NodeKind::InlinePolicy,
                    name: format!("{}/{name}", principal.resource.name),
                    resource: Some(principal.resource.name.clone()),
                    account: Some(facts.account.clone()),
                    loc: Some(inline.document.loc),
                    model: ModelRef::InlinePolicy {
                        principal: i,
                        index: p,
                    },
                    external: false,
                });
                self.add_edge(
                    index,
                    policy,
                    Edge::new(EdgeKind::HasPolicy, "inline", Some(inline.document.loc)),
                );
                if let Some(docs) = self.documents.get_mut(i) {
                    docs.push((&inline.document, principal.resource.file));
                }
            }
        }
    }

    /// Resolve a reference to a node of one of `kinds`: a `Ref`/`GetAtt`/Terraform address in
    /// the same scope, an export of another stack, an ARN, or a plain IAM name.
    fn resolve(&self, expr: &Expr, kinds: &[NodeKind]) -> Option<NodeIndex> {
        self.resolve_depth(expr, kinds, 0)
    }

    fn resolve_depth(&self, expr: &Expr, kinds: &[NodeKind], depth: usize) -> Option<NodeIndex> {
        let facts = self.facts(expr.loc.file);
        let accept = |index: &NodeIndex| kinds.contains(&self.graph.graph[*index].kind);
        match expr.as_symbol() {
            Some(Symbol::Resource(name) | Symbol::Attribute { resource: name, .. }) => {
                return self
                    .by_resource
                    .get(&(facts.scope, name.as_str()))
                    .copied()
                    .filter(accept);
            }
            // Exports chain at most a few stacks deep; the bound keeps a cycle finite.
            Some(Symbol::Import(name)) if depth < 8 => {
                let (value, _) = self.exports.get(name.as_str())?;
                return self.resolve_depth(value, kinds, depth + 1);
            }
            _ => {}
        }
        if let Some(resource) = expr.arn_resource() {
            let account = match expr.account() {
                AccountRef::Own => facts.account,
                AccountRef::Id(id) => AccountKey::Id(id),
                AccountRef::Any | AccountRef::Unknown => return None,
            };
            let (prefix, path) = resource.split_once('/')?;
            let name = path.rsplit('/').next()?;
            let kind = match prefix {
                "role" => NodeKind::Role,
                "user" => NodeKind::User,
                "group" => NodeKind::Group,
                "policy" => NodeKind::ManagedPolicy,
                _ => return None,
            };
            return self
                .by_name
                .get(&(account, kind, name.to_owned()))
                .copied()
                .filter(accept);
        }
        let name = expr.as_literal()?;
        kinds
            .iter()
            .find_map(|kind| {
                self.by_name
                    .get(&(facts.account.clone(), *kind, name.to_owned()))
            })
            .copied()
    }

    fn principal_index(&self, node: NodeIndex) -> Option<usize> {
        match self.graph.graph[node].model {
            ModelRef::Principal(i) => Some(i),
            _ => None,
        }
    }

    fn attach(
        &mut self,
        principal: NodeIndex,
        policy: NodeIndex,
        document: Option<(&'m PolicyDocument, FileId)>,
        loc: Option<Loc>,
    ) {
        let label = match self.graph.graph[policy].kind {
            NodeKind::InlinePolicy => "inline",
            _ => "managed",
        };
        self.add_edge(
            principal,
            policy,
            Edge::new(EdgeKind::HasPolicy, label, loc),
        );
        if let (Some(i), Some(document)) = (self.principal_index(principal), document)
            && let Some(docs) = self.documents.get_mut(i)
        {
            docs.push(document);
        }
    }

    /// Attach a managed policy by ARN: a customer policy of the scan, or an AWS managed one.
    fn attach_managed(
        &mut self,
        principal: NodeIndex,
        arn: &Expr,
        policy_documents: &HashMap<NodeIndex, (&'m PolicyDocument, FileId)>,
    ) {
        if let Some(policy) = self.resolve(arn, &[NodeKind::ManagedPolicy]) {
            let document = policy_documents.get(&policy).copied();
            self.attach(principal, policy, document, Some(arn.loc));
            return;
        }
        let (key, external) = match arn.aws_managed_policy_name() {
            Some(name) => (name, false),
            None => (arn.display(), true),
        };
        let policy = self.singleton(NodeKind::ManagedPolicy, &key, None, external);
        self.attach(principal, policy, None, Some(arn.loc));
        if is_allow_all_managed(arn)
            && let Some(slot) = self
                .principal_index(principal)
                .and_then(|i| self.allow_all.get_mut(i))
        {
            slot.get_or_insert(arn.loc);
        }
    }

    fn add_policies(&mut self) {
        let model = self.model;
        let mut policy_documents = HashMap::new();
        for (i, policy) in model.policies.iter().enumerate() {
            let facts = self.facts(policy.resource.file);
            let kind = if policy.managed {
                NodeKind::ManagedPolicy
            } else {
                NodeKind::InlinePolicy
            };
            let literal_name = policy.name.as_ref().and_then(Expr::as_literal);
            let index = self.add_node(Node {
                kind,
                name: literal_name.unwrap_or(&policy.resource.name).to_owned(),
                resource: Some(policy.resource.name.clone()),
                account: Some(facts.account.clone()),
                loc: Some(policy.resource.loc),
                model: ModelRef::Policy(i),
                external: false,
            });
            self.by_resource
                .insert((facts.scope, &policy.resource.name), index);
            if let (Some(name), true) = (literal_name, policy.managed) {
                self.by_name
                    .insert((facts.account, kind, name.to_owned()), index);
            }
            policy_documents.insert(index, (&policy.document, policy.resource.file));
        }
        for (i, policy) in model.policies.iter().enumerate() {
            let Some(&index) = self.by_resource.get(&(
                self.facts(policy.resource.file).scope,
                policy.resource.name.as_str(),
            )) else {
                continue;
            };
            let document = (&model.policies[i].document, policy.resource.file);
            let targets = policy
                .roles
                .iter()
                .map(|r| (r, NodeKind::Role))
                .chain(policy.users.iter().map(|u| (u, NodeKind::User)))
                .chain(policy.groups.iter().map(|g| (g, NodeKind::Group)));
            for (target, kind) in targets {
                if let Some(principal) = self.resolve(target, &[kind]) {
                    self.attach(principal, index, Some(document), Some(target.loc));
                }
            }
        }
        for (i, principal) in model.principals.iter().enumerate() {
            let Some(&node) = self.graph.principal_nodes.get(i) else {
                continue;
            };
            for arn in &principal.managed_policy_arns {
                self.attach_managed(node, arn, &policy_documents);
            }
        }
        for attachment in &model.attachments {
            let kind = principal_kind(attachment.principal_kind);
            if let Some(principal) = self.resolve(&attachment.principal, &[kind]) {
                self.attach_managed(principal, &attachment.policy_arn, &policy_documents);
            }
        }
    }

    fn add_memberships(&mut self) {
        let model = self.model;
        let mut pairs: Vec<(NodeIndex, NodeIndex, Loc)> = Vec::new();
        for (i, principal) in model.principals.iter().enumerate() {
            let Some(&user) = self.graph.principal_nodes.get(i) else {
                continue;
            };
            for group in &principal.groups {
                if let Some(group_node) = self.resolve(group, &[NodeKind::Group]) {
                    pairs.push((user, group_node, group.loc));
                }
            }
        }
        for membership in &model.memberships {
            let Some(group) = self.resolve(&membership.group, &[NodeKind::Group]) else {
                continue;
            };
            for user in &membership.users {
                if let Some(user_node) = self.resolve(user, &[NodeKind::User]) {
                    pairs.push((user_node, group, user.loc));
                }
            }
        }
        for (user, group, loc) in pairs {
            self.add_edge(
                user,
                group,
                Edge::new(EdgeKind::MemberOf, "member-of", Some(loc)),
            );
            // A user's permissions include its groups' policies.
            if let (Some(u), Some(g)) = (self.principal_index(user), self.principal_index(group)) {
                let inherited = self.documents.get(g).cloned().unwrap_or_default();
                let allow_all = self.allow_all.get(g).copied().flatten();
                if let Some(docs) = self.documents.get_mut(u) {
                    docs.extend(inherited);
                }
                if let (Some(slot), Some(loc)) = (self.allow_all.get_mut(u), allow_all) {
                    slot.get_or_insert(loc);
                }
                let group = self.graph.permissions.get(g).cloned().unwrap_or_default();
                if let Some(permissions) = self.graph.permissions.get_mut(u) {
                    permissions.inherit(group);
                }
            }
        }
    }

    fn add_resource_node(
        &mut self,
        kind: NodeKind,
        resource: &'m crate::model::ResourceId,
        name: Option<&Expr>,
        model: ModelRef,
    ) -> NodeIndex {
        let facts = self.facts(resource.file);
        let index = self.add_node(Node {
            kind,
            name: name
                .and_then(Expr::as_literal)
                .unwrap_or(&resource.name)
                .to_owned(),
            resource: Some(resource.name.clone()),
            account: Some(facts.account),
            loc: Some(resource.loc),
            model,
            external: false,
        });
        self.by_resource
            .insert((facts.scope, &resource.name), index);
        index
    }

    fn add_providers_and_pools(&mut self) {
        let model = self.model;
        for (i, provider) in model.providers.iter().enumerate() {
            self.add_resource_node(
                NodeKind::IdentityProvider,
                &provider.resource,
                provider.url_or_name.as_ref(),
                ModelRef::Provider(i),
            );
        }
        for (i, pool) in model.user_pools.iter().enumerate() {
            self.add_resource_node(
                NodeKind::UserPool,
                &pool.resource,
                pool.name.as_ref(),
                ModelRef::UserPool(i),
            );
        }
        for (i, client) in model.user_pool_clients.iter().enumerate() {
            let node = self.add_resource_node(
                NodeKind::UserPoolClient,
                &client.resource,
                None,
                ModelRef::UserPoolClient(i),
            );
            if let Some(user_pool) = self.resolve(&client.user_pool, &[NodeKind::UserPool]) {
                self.add_edge(
                    user_pool,
                    node,
                    Edge::new(EdgeKind::Federates, "client", Some(client.user_pool.loc)),
                );
            }
        }
        for (i, pool) in model.identity_pools.iter().enumerate() {
            let node = self.add_resource_node(
                NodeKind::IdentityPool,
                &pool.resource,
                pool.name.as_ref(),
                ModelRef::IdentityPool(i),
            );
            self.graph.identity_pool_nodes.push(node);
            for provider in &pool.cognito_providers {
                let client = provider
                    .client_id
                    .as_ref()
                    .and_then(|c| self.resolve(c, &[NodeKind::UserPoolClient]));
                let source = client.or_else(|| {
                    provider
                        .provider_name
                        .as_ref()
                        .and_then(|p| self.resolve(p, &[NodeKind::UserPool]))
                });
                if let Some(source) = source {
                    self.add_edge(
                        source,
                        node,
                        Edge::new(EdgeKind::Federates, "cognito", Some(provider.loc)),
                    );
                }
            }
        }
        for attachment in &model.pool_role_attachments {
            let Some(pool) = self.resolve(&attachment.pool, &[NodeKind::IdentityPool]) else {
                continue;
            };
            let roles = attachment
                .authenticated
                .iter()
                .map(|r| (r, "authenticated"))
                .chain(
                    attachment
                        .unauthenticated
                        .iter()
                        .map(|r| (r, "unauthenticated")),
                )
                .chain(attachment.mapped_roles.iter().map(|r| (r, "rule-mapped")));
            for (role, label) in roles {
                let target = self.resolve(role, &[NodeKind::Role]).unwrap_or_else(|| {
                    self.singleton(NodeKind::ExternalPrincipal, &role.display(), None, true)
                });
                self.add_edge(
                    pool,
                    target,
                    Edge::new(EdgeKind::AttachedToPool, label, Some(role.loc)),
                );
            }
        }
    }

    fn add_trust_edges(&mut self) {
        let model = self.model;
        for (i, principal) in model.principals.iter().enumerate() {
            let (Some(trust), Some(&role)) = (&principal.trust, self.graph.principal_nodes.get(i))
            else {
                continue;
            };
            for statement in trust.statements.iter().filter(|s| s.is_allow()) {
                let conditions = rendered_conditions(statement);
                for entry in statement.principal.iter().flat_map(|p| p.entries.iter()) {
                    let (source, label, caller) = match &entry.kind {
                        PrincipalKind::Service => {
                            let Some(name) = entry.value.as_literal() else {
                                continue;
                            };
                            (
                                self.singleton(NodeKind::ServicePrincipal, name, None, false),
                                ASSUME_ROLE,
                                CallerPermission::NotNeeded,
                            )
                        }
                        PrincipalKind::Federated => {
                            let (source, action) = self.federated_source(&entry.value);
                            (source, action, CallerPermission::NotNeeded)
                        }
                        PrincipalKind::Aws | PrincipalKind::Everyone => {
                            self.add_aws_trust(i, role, statement, &entry.value, &conditions);
                            continue;
                        }
                        PrincipalKind::CanonicalUser | PrincipalKind::Other(_) => continue,
                    };
                    if !statement.covers_action(label) {
                        continue;
                    }
                    let mut edge = Edge::new(EdgeKind::CanAssume, label, Some(entry.value.loc));
                    edge.conditions.clone_from(&conditions);
                    edge.caller = caller;
                    self.add_edge(source, role, edge);
                }
            }
        }
    }

    fn federated_source(&mut self, value: &Expr) -> (NodeIndex, &'static str) {
        let federated =
            classify_federated_in(value, self.model, &|a, b| same_scope(self.files, a, b));
        let action = if federated == Federated::Saml {
            ASSUME_SAML
        } else {
            ASSUME_WEB_IDENTITY
        };
        if let Some(provider) = self.resolve(value, &[NodeKind::IdentityProvider]) {
            return (provider, action);
        }
        let key = federated
            .host()
            .map_or_else(|| value.display(), str::to_owned);
        (
            self.singleton(NodeKind::IdentityProvider, &key, None, true),
            action,
        )
    }

    /// Trust to an AWS principal: `*`, an account, or a specific role or user.
    fn add_aws_trust(
        &mut self,
        role_index: usize,
        role: NodeIndex,
        statement: &Statement,
        value: &Expr,
        conditions: &[String],
    ) {
        if !statement.covers_action(ASSUME_ROLE) {
            return;
        }
        let Some(target_principal) = self.model.principals.get(role_index) else {
            return;
        };
        let target_facts = self.facts(target_principal.resource.file);
        let edge = |caller: CallerPermission| Edge {
            kind: EdgeKind::CanAssume,
            label: ASSUME_ROLE.to_owned(),
            conditions: conditions.to_vec(),
            loc: Some(value.loc),
            caller,
        };
        let account = match value.account() {
            AccountRef::Any => {
                let everyone = self.singleton(NodeKind::ExternalPrincipal, "*", None, true);
                self.add_edge(everyone, role, edge(CallerPermission::Unknown));
                return;
            }
            AccountRef::Own => Some(target_facts.account.clone()),
            AccountRef::Id(id) => Some(AccountKey::Id(id)),
            AccountRef::Unknown => None,
        };
        let target = Target {
            arn: principal_arn(target_principal, &target_facts.account),
            resource: &target_principal.resource.name,
            scope: target_facts.scope,
        };
        if value.is_account_principal() {
            let Some(account) = account else { return };
            // Everyone in that account whose own policies allow the call on this role; those
            // allowed on every role reach it through the account node (`classify_callers`).
            let mut candidates: Vec<usize> = self
                .specific_callers
                .get(&account)
                .map(|index| index.candidates(&target))
                .unwrap_or_default();
            candidates.sort_unstable();
            candidates.dedup();
            let callers: Vec<(NodeIndex, Loc)> = candidates
                .iter()
                .filter(|&&c| c != role_index)
                .filter_map(|&c| {
                    let node = *self.graph.principal_nodes.get(c)?;
                    self.caller_allows(c, &target).map(|loc| (node, loc))
                })
                .collect();
            for (caller, loc) in callers {
                self.add_edge(caller, role, edge(CallerPermission::Allowed(loc)));
            }
            let account_node = self.account_node(&account);
            self.add_edge(account_node, role, edge(CallerPermission::Unknown));
            return;
        }
        match self.resolve(value, &[NodeKind::Role, NodeKind::User]) {
            Some(caller) => {
                let same_account =
                    self.graph.graph[caller].account.as_ref() == Some(&target_facts.account);
                let permission = if same_account {
                    CallerPermission::NotNeeded
                } else {
                    match self
                        .principal_index(caller)
                        .and_then(|c| self.caller_allows(c, &target))
                    {
                        Some(loc) => CallerPermission::Allowed(loc),
                        None => CallerPermission::Missing,
                    }
                };
                self.add_edge(caller, role, edge(permission));
            }
            None => {
                let external =
                    self.singleton(NodeKind::ExternalPrincipal, &value.display(), account, true);
                self.add_edge(external, role, edge(CallerPermission::Unknown));
            }
        }
    }

    /// `grants` edges: from each resource policy (and Lambda permission) to every principal
    /// an `Allow` of it names, labelled with the actions and guarded by its conditions.
    fn add_grants(&mut self) {
        let model = self.model;
        for (i, policy) in model.resource_policies.iter().enumerate() {
            let mut source = None;
            for statement in policy.document.statements.iter().filter(|s| s.is_allow()) {
                let label =
                    granted_actions(statement.action.as_deref(), statement.not_action.is_some());
                let conditions = rendered_conditions(statement);
                for entry in statement.principal.iter().flat_map(|p| p.entries.iter()) {
                    let Some(grantee) = self.grantee(entry) else {
                        continue;
                    };
                    let source = *source.get_or_insert_with(|| {
                        self.add_resource_node(
                            NodeKind::ResourcePolicy,
                            &policy.resource,
                            None,
                            ModelRef::ResourcePolicy(i),
                        )
                    });
                    let mut edge =
                        Edge::new(EdgeKind::Grants, label.clone(), Some(entry.value.loc));
                    edge.conditions.clone_from(&conditions);
                    self.add_edge(source, grantee, edge);
                }
            }
        }
        for (i, permission) in model.lambda_permissions.iter().enumerate() {
            let kind = if permission
                .principal
                .as_literal()
                .is_some_and(|p| p.contains(".amazonaws.com"))
            {
                PrincipalKind::Service
            } else {
                PrincipalKind::Aws
            };
            let entry = PrincipalEntry {
                kind,
                value: permission.principal.clone(),
            };
            let Some(grantee) = self.grantee(&entry) else {
                continue;
            };
            let source = self.add_resource_node(
                NodeKind::ResourcePolicy,
                &permission.resource,
                None,
                ModelRef::LambdaPermission(i),
            );
            let label = permission
                .action
                .as_ref()
                .map_or_else(|| "lambda:InvokeFunction".to_owned(), Expr::display);
            let mut edge = Edge::new(EdgeKind::Grants, label, Some(permission.principal.loc));
            edge.conditions = [
                ("SourceAccount", &permission.source_account),
                ("SourceArn", &permission.source_arn),
                ("PrincipalOrgID", &permission.principal_org_id),
            ]
            .into_iter()
            .filter_map(|(key, value)| Some(format!("{key}={}", value.as_ref()?.display())))
            .collect();
            self.add_edge(source, grantee, edge);
        }
    }

    /// The node a resource-policy principal names: a scanned role or user, an account, a
    /// service, a provider, or an external node for anything else.
    fn grantee(&mut self, entry: &PrincipalEntry) -> Option<NodeIndex> {
        let value = &entry.value;
        match &entry.kind {
            PrincipalKind::Service => {
                let name = value.as_literal()?;
                Some(self.singleton(NodeKind::ServicePrincipal, name, None, false))
            }
            PrincipalKind::Federated => Some(self.federated_source(value).0),
            PrincipalKind::CanonicalUser | PrincipalKind::Other(_) => {
                Some(self.singleton(NodeKind::ExternalPrincipal, &value.display(), None, true))
            }
            PrincipalKind::Aws | PrincipalKind::Everyone => {
                let account = match value.account() {
                    AccountRef::Any => {
                        return Some(self.singleton(NodeKind::ExternalPrincipal, "*", None, true));
                    }
                    AccountRef::Own => Some(self.facts(value.loc.file).account),
                    AccountRef::Id(id) => Some(AccountKey::Id(id)),
                    AccountRef::Unknown => None,
                };
                if value.is_account_principal() {
                    return Some(self.account_node(&account?));
                }
                if let Some(node) = self.resolve(value, &[NodeKind::Role, NodeKind::User]) {
                    return Some(node);
                }
                Some(self.singleton(NodeKind::ExternalPrincipal, &value.display(), account, true))
            }
        }
    }

    /// `can-escalate` edges (iam-reference §6.2, PMapper's edges computed from templates): for
    /// each principal and method it holds, an edge to the set node of the method's victims when
    /// the key action is allowed on every resource, else an edge to each victim its statements
    /// name. Linear in principals plus victims: set nodes stand in for all pairs.
    fn add_escalation_edges(&mut self) {
        let model = self.model;
        let catalog = crate::catalog::Catalog::get();
        let mut members: HashMap<SetKey, Vec<usize>> = HashMap::new();
        let services: HashSet<&'static str> = METHODS
            .iter()
            .filter_map(|m| match m.victim {
                Some(Victim::PassedTo(service)) => Some(service),
                _ => None,
            })
            .collect();
        for (i, principal) in model.principals.iter().enumerate() {
            let account = self.facts(principal.resource.file).account;
            match principal.kind {
                PrincipalType::User => members.entry(SetKey::Users(account)).or_default().push(i),
                PrincipalType::Role => {
                    for service in trusted_services(principal) {
                        if let Some(&service) = services.get(service) {
                            members
                                .entry(SetKey::Trusting(account.clone(), service))
                                .or_default()
                                .push(i);
                        }
                    }
                    if self.holds_customer_policy(i) {
                        members
                            .entry(SetKey::PolicyHolders(account.clone()))
                            .or_default()
                            .push(i);
                    }
                    members.entry(SetKey::Roles(account)).or_default().push(i);
                }
                PrincipalType::Group => {}
            }
        }
        let assume = catalog.action_id(ASSUME_ROLE);
        let mut sets: HashMap<SetKey, NodeIndex> = HashMap::new();
        for (a, principal) in model.principals.iter().enumerate() {
            // Cloned (a few shared pointers) so set nodes and edges can be added meanwhile.
            let (Some(permissions), Some(&node)) = (
                self.graph.permissions.get(a).cloned(),
                self.graph.principal_nodes.get(a),
            ) else {
                continue;
            };
            if principal.kind == PrincipalType::Group {
                continue;
            }
            let effective = permissions.effective(catalog);
            let account = self.facts(principal.resource.file).account;
            let mut linked: HashSet<NodeIndex> = HashSet::new();
            for method in METHODS {
                let (Some(victim), Some(key)) = (method.victim, catalog.action_id(method.key))
                else {
                    continue;
                };
                let must_assume = matches!(victim, Victim::Role | Victim::PolicyHolder);
                let usable = method
                    .also
                    .iter()
                    .map(|a| catalog.action_id(a))
                    .chain(must_assume.then_some(assume))
                    .all(|id| id.is_some_and(|id| effective.allows_unconditionally(id)));
                if !usable {
                    continue;
                }
                let label = std::iter::once(method.key)
                    .chain(method.also.iter().copied())
                    .collect::<Vec<_>>()
                    .join(" + ");
                let label = format!("{label} ({})", method.name);
                // On `*`, or on every resource of the key's type (`role/*`): the whole set.
                let every = permissions
                    .covering_grant(&effective, key, false)
                    .or_else(|| match victim {
                        Victim::PassedTo(service) => {
                            permissions.passing_grant(&effective, key, service, false)
                        }
                        _ => None,
                    });
                let targets: Vec<(NodeIndex, Option<Loc>)> = if let Some(grant) = every {
                    let loc = Some(grant.loc);
                    let set = SetKey::of(victim, account.clone());
                    let Some(list) = members.get(&set) else {
                        continue;
                    };
                    let hub = match sets.get(&set) {
                        Some(&hub) => hub,
                        None => {
                            let hub = self.add_principal_set(&set, list);
                            sets.insert(set, hub);
                            hub
                        }
                    };
                    vec![(hub, loc)]
                } else if effective.specific.contains(key) {
                    self.named_victims(a, key, victim, &members)
                } else {
                    continue;
                };
                for (target, loc) in targets {
                    if target != node && linked.insert(target) {
                        self.add_edge(
                            node,
                            target,
                            Edge::new(EdgeKind::CanEscalate, label.clone(), loc),
                        );
                    }
                }
            }
        }
    }

    fn add_principal_set(&mut self, set: &SetKey, list: &[usize]) -> NodeIndex {
        let (name, label) = set.describe();
        let account = match set {
            SetKey::Roles(a)
            | SetKey::Users(a)
            | SetKey::PolicyHolders(a)
            | SetKey::Trusting(a, _) => a.clone(),
        };
        let hub = self.add_node(Node {
            kind: NodeKind::PrincipalSet,
            name,
            resource: None,
            account: Some(account),
            loc: None,
            model: ModelRef::None,
            external: false,
        });
        for &member in list {
            if let Some(&target) = self.graph.principal_nodes.get(member) {
                self.add_edge(
                    hub,
                    target,
                    Edge::new(EdgeKind::CanEscalate, label.clone(), None),
                );
            }
        }
        hub
    }

    fn holds_customer_policy(&self, principal: usize) -> bool {
        let Some(&node) = self.graph.principal_nodes.get(principal) else {
            return false;
        };
        self.graph
            .outgoing(node, EdgeKind::HasPolicy)
            .any(|(_, policy, _)| {
                matches!(self.graph.node(policy).model, ModelRef::Policy(i)
                if self.model.policies.get(i).is_some_and(|p| p.managed))
            })
    }

    /// Victims that principal `a`'s statements allowing `key` name one by one (`!GetAtt`, an
    /// ARN, a name); patterns are not matched against every principal.
    fn named_victims(
        &self,
        a: usize,
        key: crate::catalog::ActionId,
        victim: Victim,
        members: &HashMap<SetKey, Vec<usize>>,
    ) -> Vec<(NodeIndex, Option<Loc>)> {
        let kinds: &[NodeKind] = match victim {
            Victim::User => &[NodeKind::User],
            Victim::PolicyHolder => &[NodeKind::ManagedPolicy],
            Victim::Role | Victim::PassedTo(_) => &[NodeKind::Role],
        };
        let mut found = Vec::new();
        for (doc, _) in self.rendered_documents(a) {
            let statements = doc.statements.iter().filter(|s| {
                s.is_allow() && !s.is_scoped() && self.expander.actions(s).contains(key)
            });
            for statement in statements {
                for value in statement.resource.iter().flatten() {
                    let Some(named) = self.resolve(value, kinds) else {
                        continue;
                    };
                    let victims: Vec<NodeIndex> = if victim == Victim::PolicyHolder {
                        self.graph
                            .incoming(named, EdgeKind::HasPolicy)
                            .map(|(_, holder, _)| holder)
                            .filter(|h| self.graph.node(*h).kind == NodeKind::Role)
                            .collect()
                    } else {
                        vec![named]
                    };
                    for b in victims {
                        let Some(index) = self.principal_index(b) else {
                            continue;
                        };
                        let account = self
                            .facts(self.model.principals[index].resource.file)
                            .account;
                        let in_set = members
                            .get(&SetKey::of(victim, account))
                            .is_some_and(|list| list.contains(&index));
                        // The statement names the policy, not its holder: the holder is no
                        // resource a Deny of the key action could name.
                        let allowed =
                            victim == Victim::PolicyHolder || self.not_denied(a, key, index);
                        if in_set && allowed {
                            found.push((b, Some(statement.loc)));
                        }
                    }
                }
            }
        }
        found
    }

    /// Whether no unconditional `Deny` of principal `a` covers `key` on principal `b`.
    fn not_denied(&self, a: usize, key: crate::catalog::ActionId, b: usize) -> bool {
        let Some(principal) = self.model.principals.get(b) else {
            return false;
        };
        let facts = self.facts(principal.resource.file);
        let target = Target {
            arn: principal_arn(principal, &facts.account),
            resource: &principal.resource.name,
            scope: facts.scope,
        };
        allows_action(self.rendered_documents(a), &self.expander, key, &target).is_some()
    }

    /// Why principal `index` is admin-equivalent, from its effective permissions.
    fn admin(&self, index: usize) -> Option<super::AdminReason> {
        let principal = self.model.principals.get(index)?;
        if principal.kind == PrincipalType::Group {
            return None;
        }
        let permissions = self.graph.permissions.get(index)?;
        let facts = self.facts(principal.resource.file);
        let target = Target {
            arn: principal_arn(principal, &facts.account),
            resource: &principal.resource.name,
            scope: facts.scope,
        };
        admin_reason(
            permissions,
            &permissions.effective(crate::catalog::Catalog::get()),
            |action| {
                allows_action(
                    self.rendered_documents(index),
                    &self.expander,
                    action,
                    &target,
                )
            },
            principal.kind == PrincipalType::User,
        )
        .or_else(|| self.rewrites_own_policies(index))
    }

    /// iam-reference §6.3 #5 and #6: a principal that may publish a new default version of a
    /// customer managed policy it holds (`iam:CreatePolicyVersion`), or a user that may put or
    /// attach policies on one of its groups or rewrite a group's managed policy, can give
    /// itself anything.
    fn rewrites_own_policies(&self, index: usize) -> Option<super::AdminReason> {
        let catalog = crate::catalog::Catalog::get();
        let node = *self.graph.principal_nodes.get(index)?;
        let allowed = |action: &str, target: &Target<'_>| {
            allows_action(
                self.rendered_documents(index),
                &self.expander,
                catalog.action_id(action)?,
                target,
            )
        };
        let reason = |why: String, loc: Loc| super::AdminReason {
            kind: super::AdminKind::SelfGrant,
            why,
            loc,
        };
        let groups: Vec<NodeIndex> = self
            .graph
            .outgoing(node, EdgeKind::MemberOf)
            .map(|(_, group, _)| group)
            .collect();
        for group in &groups {
            let Some(g) = self.principal_index(*group) else {
                continue;
            };
            let principal = &self.model.principals[g];
            let facts = self.facts(principal.resource.file);
            let target = Target {
                arn: principal_arn(principal, &facts.account),
                resource: &principal.resource.name,
                scope: facts.scope,
            };
            for action in ["iam:PutGroupPolicy", "iam:AttachGroupPolicy"] {
                if let Some(loc) = allowed(action, &target) {
                    let group = &self.graph.node(*group).name;
                    return Some(reason(
                        format!(
                            "its policy allows `{action}` on its group `{group}`, so it can grant itself anything"
                        ),
                        loc,
                    ));
                }
            }
        }
        for holder in std::iter::once(node).chain(groups) {
            for (_, policy, _) in self.graph.outgoing(holder, EdgeKind::HasPolicy) {
                let policy = self.graph.node(policy);
                let (ModelRef::Policy(_), Some(resource), Some(account)) =
                    (policy.model, &policy.resource, &policy.account)
                else {
                    continue;
                };
                let account = match account {
                    AccountKey::Id(id) => id.as_str(),
                    AccountKey::Unnamed => OWN_PLACEHOLDER,
                };
                let target = Target {
                    arn: format!("arn:aws:iam::{account}:policy/{}", policy.name),
                    resource,
                    scope: policy.loc.map_or(usize::MAX, |l| self.facts(l.file).scope),
                };
                if let Some(loc) = allowed("iam:CreatePolicyVersion", &target) {
                    return Some(reason(
                        format!(
                            "its policy allows `iam:CreatePolicyVersion` on `{}`, a policy it holds, so it can rewrite it to allow anything",
                            policy.name
                        ),
                        loc,
                    ));
                }
            }
        }
        None
    }

    /// Each principal's own grants, from the policies its `has-policy` edges lead to; a user's
    /// group policies are added with the memberships.
    fn add_permissions(&mut self) {
        let model = self.model;
        let mut all = Vec::with_capacity(model.principals.len());
        for (i, principal) in model.principals.iter().enumerate() {
            let mut permissions = Permissions::default();
            if let Some(&node) = self.graph.principal_nodes.get(i) {
                for (_, policy, edge) in self.graph.outgoing(node, EdgeKind::HasPolicy) {
                    let policy = self.graph.node(policy);
                    let name: std::sync::Arc<str> = std::sync::Arc::from(policy.name.as_str());
                    match self.policy_document(policy) {
                        PolicyText::Scanned(document) => self.expander.add_document(
                            &mut permissions,
                            document,
                            &name,
                            None,
                            false,
                        ),
                        PolicyText::AwsManaged(document) => self.expander.add_document(
                            &mut permissions,
                            document,
                            &name,
                            edge.loc,
                            false,
                        ),
                        PolicyText::Unknown => permissions.incomplete = true,
                    }
                }
            }
            if let Some(boundary) = &principal.permissions_boundary {
                let node = self.resolve(boundary, &[NodeKind::ManagedPolicy]);
                let name = node.map_or_else(
                    || boundary.aws_managed_policy_name().unwrap_or_default(),
                    |n| self.graph.node(n).name.clone(),
                );
                let document = match node {
                    Some(n) => match self.policy_document(self.graph.node(n)) {
                        PolicyText::Scanned(document) => Some(document),
                        _ => None,
                    },
                    None => aws_managed_document(&name),
                };
                permissions.boundary =
                    document.map(|d| self.expander.boundary(d, &std::sync::Arc::from(name)));
            }
            all.push(permissions);
        }
        self.graph.permissions = all;
    }

    /// The text of the policy behind a `has-policy` target.
    fn policy_document(&self, policy: &Node) -> PolicyText<'m> {
        let model = self.model;
        match policy.model {
            ModelRef::InlinePolicy { principal, index } => model
                .principals
                .get(principal)
                .and_then(|p| p.inline_policies.get(index))
                .map_or(PolicyText::Unknown, |p| PolicyText::Scanned(&p.document)),
            ModelRef::Policy(i) => model
                .policies
                .get(i)
                .map_or(PolicyText::Unknown, |p| PolicyText::Scanned(&p.document)),
            _ if policy.kind == NodeKind::ManagedPolicy && !policy.external => {
                aws_managed_document(&policy.name)
                    .map_or(PolicyText::Unknown, PolicyText::AwsManaged)
            }
            _ => PolicyText::Unknown,
        }
    }

    /// A principal's identity policy documents, each with how its symbols read.
    fn rendered_documents(
        &self,
        principal: usize,
    ) -> impl Iterator<Item = (&'m PolicyDocument, Render<'_>)> + Clone + '_ {
        let files = self.files;
        let exports = &self.exports;
        self.documents
            .get(principal)
            .into_iter()
            .flatten()
            .map(move |(doc, file)| {
                let facts = files.get(file.0 as usize);
                let own_account = match facts.map(|f| &f.account) {
                    Some(AccountKey::Id(id)) => id.as_str(),
                    _ => OWN_PLACEHOLDER,
                };
                (
                    *doc,
                    Render {
                        own_account,
                        scope: facts.map_or(usize::MAX, |f| f.scope),
                        exports,
                    },
                )
            })
    }

    /// Sort the principals that may call `sts:AssumeRole`. Those allowed on every role of their
    /// account get one edge to the account node, which has an edge to every role trusting the
    /// account root: linear in principals plus roles, where an edge per (caller, role) pair
    /// would be quadratic in a large account. The others are kept for one-by-one checks.
    fn classify_callers(&mut self) {
        // Sorted, so nodes are made in the same order every run.
        let mut accounts: Vec<(AccountKey, Vec<usize>)> = self
            .principals_by_account
            .iter()
            .map(|(account, principals)| (account.clone(), principals.clone()))
            .collect();
        accounts.sort();
        for (account, principals) in accounts {
            let any_role = Target {
                arn: format!(
                    "arn:aws:iam::{}:role/*",
                    match &account {
                        AccountKey::Id(id) => id.as_str(),
                        AccountKey::Unnamed => OWN_PLACEHOLDER,
                    }
                ),
                resource: "",
                scope: usize::MAX,
            };
            for caller in principals {
                let may_assume = self.allow_all.get(caller).copied().flatten().is_some()
                    || self.rendered_documents(caller).any(|(doc, _)| {
                        doc.statements
                            .iter()
                            .any(|s| s.is_allow() && s.covers_action(ASSUME_ROLE))
                    });
                if !may_assume {
                    continue;
                }
                match self.caller_allows(caller, &any_role) {
                    Some(loc) => {
                        let Some(&node) = self.graph.principal_nodes.get(caller) else {
                            continue;
                        };
                        let account_node = self.account_node(&account);
                        let mut edge = Edge::new(EdgeKind::CanAssume, ASSUME_ROLE, Some(loc));
                        edge.caller = CallerPermission::Allowed(loc);
                        self.add_edge(node, account_node, edge);
                    }
                    None => {
                        let keys = self.assume_resource_keys(caller);
                        let index = self.specific_callers.entry(account.clone()).or_default();
                        for key in keys {
                            match key {
                                ResourceKey::Exact(key) => {
                                    index.exact.entry(key).or_default().push(caller)
                                }
                                ResourceKey::Pattern => index.patterns.push(caller),
                                ResourceKey::NoRole => {}
                            }
                        }
                    }
                }
            }
        }
    }

    /// Where the `Resource` values of a principal's `sts:AssumeRole` allows point: a role of a
    /// scope (`!GetAtt Role.Arn`, also through an export), an exact ARN, or a pattern that needs
    /// matching against every candidate.
    fn assume_resource_keys(&self, caller: usize) -> Vec<ResourceKey> {
        let mut keys = Vec::new();
        for (doc, render) in self.rendered_documents(caller) {
            let statements = doc
                .statements
                .iter()
                .filter(|s| s.is_allow() && s.covers_action(ASSUME_ROLE));
            for statement in statements {
                if statement.resource.is_none() {
                    keys.push(ResourceKey::Pattern);
                }
                for value in statement.resource.iter().flatten() {
                    keys.push(resource_key(value, &render));
                }
            }
        }
        keys
    }

    /// Whether principal `caller`'s own policies allow `sts:AssumeRole` on `target`.
    fn caller_allows(&self, caller: usize, target: &Target<'_>) -> Option<Loc> {
        allows(
            self.rendered_documents(caller),
            self.allow_all.get(caller).copied().flatten(),
            ASSUME_ROLE,
            target,
        )
    }
}

/// The principal's ARN as policies would write it; the logical id stands in for a generated
/// name.
fn principal_arn(principal: &crate::model::Principal, account: &AccountKey) -> String {
    let account = match account {
        AccountKey::Id(id) => id.as_str(),
        AccountKey::Unnamed => OWN_PLACEHOLDER,
    };
    let kind = match principal.kind {
        PrincipalType::Role => "role",
        PrincipalType::User => "user",
        PrincipalType::Group => "group",
    };
    let name = principal
        .name
        .as_ref()
        .and_then(Expr::as_literal)
        .unwrap_or(&principal.resource.name);
    format!("arn:aws:iam::{account}:{kind}/{name}")
}

/// `StringEquals sts:ExternalId [x]` → `ExternalId=x`; other operators are named.
fn rendered_conditions(statement: &Statement) -> Vec<String> {
    statement
        .conditions
        .items
        .iter()
        .map(render_condition)
        .collect()
}

fn render_condition(condition: &Condition) -> String {
    let key = condition.key.rsplit(':').next().unwrap_or(&condition.key);
    let values: Vec<String> = condition.values.iter().map(Expr::display).collect();
    let op = condition.parsed_operator();
    if op.set_qualifier.is_none()
        && !op.if_exists
        && matches!(
            op.base,
            "StringEquals" | "StringLike" | "ArnEquals" | "ArnLike" | "Bool"
        )
    {
        format!("{key}={}", values.join("|"))
    } else {
        format!("{key} {} {}", condition.operator, values.join("|"))
    }
}

/// An edge label for the actions of a resource-policy statement: a few names, then a count.
fn granted_actions(actions: Option<&[Expr]>, not_action: bool) -> String {
    if not_action {
        return "all but NotAction".to_owned();
    }
    let names: Vec<String> = actions
        .unwrap_or_default()
        .iter()
        .map(Expr::display)
        .collect();
    match names.len() {
        0 => "(no action)".to_owned(),
        1..=3 => names.join(", "),
        n => format!("{} and {} more", names[..2].join(", "), n - 2),
    }
}

/// Service principals a role's trust policy admits (literal values only).
fn trusted_services(principal: &crate::model::Principal) -> impl Iterator<Item = &str> {
    principal
        .trust
        .iter()
        .flat_map(|t| t.statements.iter())
        .filter(|s| s.is_allow() && s.covers_action(ASSUME_ROLE))
        .flat_map(|s| s.principal.iter().flat_map(|p| p.entries.iter()))
        .filter(|e| e.kind == PrincipalKind::Service)
        .filter_map(|e| e.value.as_literal())
}
