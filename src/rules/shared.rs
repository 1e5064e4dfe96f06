//! IAM knowledge several rules share: which federated principal is which provider, which
//! condition key pins its audience, which actions assume a role, which identity pool a value
//! names, which policies a principal holds.

use petgraph::graph::NodeIndex;

use crate::graph::{EdgeKind, IamGraph, ModelRef, NodeKind};
pub use crate::model::federation::{COGNITO, Federated, classify_federated, classify_federated_in};
use crate::model::{
    Expr, IdentityPool, Model, PolicyDocument, Principal, PrincipalEntry, PrincipalKind, Statement,
    Symbol,
};
use crate::rules::RuleContext;
use crate::source::Loc;

pub const ASSUME_ROLE: &str = "sts:AssumeRole";
pub const ASSUME_ROLE_WITH_WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";
pub const ASSUME_ROLE_WITH_SAML: &str = "sts:AssumeRoleWithSAML";

/// The multi-valued key Cognito fills with `authenticated` / `unauthenticated` and the login
/// providers of the identity.
pub const COGNITO_AMR: &str = "cognito-identity.amazonaws.com:amr";
/// The identity pool id a Cognito token was issued for.
pub const COGNITO_AUD: &str = "cognito-identity.amazonaws.com:aud";

/// Allow statements of every role trust policy.
pub fn trust_allow_statements(model: &Model) -> impl Iterator<Item = (&Principal, &Statement)> {
    model
        .trust_policies()
        .flat_map(|(role, doc)| doc.statements.iter().map(move |s| (role, s)))
        .filter(|(_, s)| s.is_allow())
}

/// The `Federated` entries of a statement that name one provider (`Federated: "*"` is WIF005's).
pub fn federated_entries(statement: &Statement) -> impl Iterator<Item = &PrincipalEntry> {
    statement
        .principal
        .iter()
        .flat_map(|p| p.entries.iter())
        .filter(|e| e.kind == PrincipalKind::Federated && !e.value.is_literal("*"))
}

/// Who a `Federated` value is, with references resolved in the value's scope (its template,
/// or the files of its Terraform module).
pub fn federated_provider(cx: &RuleContext<'_>, value: &Expr) -> Federated {
    classify_federated_in(value, cx.model, &|a, b| cx.same_scope(a, b))
}

/// The `Federated: cognito-identity.amazonaws.com` entry of an Allow statement that lets Cognito
/// identities assume the role, when there is one and its conditions can be read.
pub fn cognito_entry<'s>(
    cx: &RuleContext<'_>,
    statement: &'s Statement,
) -> Option<&'s PrincipalEntry> {
    if !statement.is_allow()
        || !statement.covers_action(ASSUME_ROLE_WITH_WEB_IDENTITY)
        || statement.conditions.opaque
    {
        return None;
    }
    federated_entries(statement).find(|e| federated_provider(cx, &e.value).host() == Some(COGNITO))
}

/// How a principal is named in messages: its IAM name when literal, else its resource.
pub fn principal_label(principal: &Principal) -> String {
    principal
        .name
        .as_ref()
        .and_then(Expr::as_literal)
        .filter(|name| !name.is_empty())
        .map_or_else(|| principal.resource.name.clone(), str::to_owned)
}

/// The logical id or address a value references (`!Ref X`, `!GetAtt X.Id`,
/// `${aws_cognito_identity_pool.x.id}`), when it is nothing but that reference.
pub fn referenced_resource(value: &Expr) -> Option<&str> {
    match value.as_symbol()? {
        Symbol::Resource(name) | Symbol::Attribute { resource: name, .. } => Some(name),
        _ => None,
    }
}

/// The identity pool declared in the scan that a value (an `aud` condition value, an
/// attachment's pool id) references, in the value's scope.
pub fn referenced_identity_pool<'m>(
    cx: &RuleContext<'m>,
    value: &Expr,
) -> Option<&'m IdentityPool> {
    let name = referenced_resource(value)?;
    cx.model
        .identity_pools
        .iter()
        .find(|p| p.resource.name == name && cx.same_scope(p.resource.file, value.loc.file))
}

/// How a value is named in messages: the logical id or address it references, else as written.
pub fn value_label(value: &Expr) -> String {
    referenced_resource(value).map_or_else(|| value.display(), str::to_owned)
}

/// Whether an `aud` value may name `pool`: a reference to it, a pattern (under a pattern
/// operator), or a value the scan cannot read. A literal id cannot be the id of a pool the
/// templates create (AWS generates it), and a reference to another pool names that pool.
pub fn may_name_identity_pool(
    cx: &RuleContext<'_>,
    value: &Expr,
    pool: &IdentityPool,
    pattern: bool,
) -> bool {
    if let Some(text) = value.as_literal() {
        return pattern && text.contains(['*', '?']);
    }
    referenced_identity_pool(cx, value).is_none_or(|named| named.resource == pool.resource)
}

/// One identity policy of a principal, as the graph attached it.
#[derive(Clone, Debug)]
pub struct HeldPolicy<'m> {
    /// How messages name it: the policy name, or `Role/PolicyName` for embedded policies.
    pub name: String,
    /// Where it is attached: the embedded document, the role named in the policy's `Roles`,
    /// the ARN in `ManagedPolicyArns`.
    pub attachment: Option<Loc>,
    pub content: PolicyContent<'m>,
}

#[derive(Clone, Debug)]
pub enum PolicyContent<'m> {
    /// A document in the scan: embedded, standalone inline or customer managed.
    Document(&'m PolicyDocument),
    /// An AWS managed policy (`arn:…:iam::aws:policy/…`); the field is its name.
    AwsManaged,
    /// A managed policy ARN the scan does not declare: its content is unknown.
    Unknown,
}

/// The identity policies attached directly to a principal (a user's group policies are
/// reached through its `member-of` edges), following the graph's `has-policy` edges so that
/// every way of attaching a policy the graph resolves counts.
pub fn held_policies<'m>(
    model: &'m Model,
    graph: &IamGraph,
    node: NodeIndex,
) -> Vec<HeldPolicy<'m>> {
    graph
        .outgoing(node, EdgeKind::HasPolicy)
        .map(|(_, target, edge)| {
            let policy = graph.node(target);
            let content = match policy.model {
                ModelRef::InlinePolicy { principal, index } => model
                    .principals
                    .get(principal)
                    .and_then(|p| p.inline_policies.get(index))
                    .map_or(PolicyContent::Unknown, |p| {
                        PolicyContent::Document(&p.document)
                    }),
                ModelRef::Policy(i) => model.policies.get(i).map_or(PolicyContent::Unknown, |p| {
                    PolicyContent::Document(&p.document)
                }),
                // The graph names AWS managed policies by their bare name and keeps every
                // other unresolved ARN as an external node.
                _ if policy.kind == NodeKind::ManagedPolicy && !policy.external => {
                    PolicyContent::AwsManaged
                }
                _ => PolicyContent::Unknown,
            };
            HeldPolicy {
                name: policy.name.clone(),
                attachment: edge.loc,
                content,
            }
        })
        .collect()
}

/// Verbs that begin the names of actions that only read (AWS's `Read` and `List` access
/// levels). Until the action catalog lands (issue #5) this is how rules tell reads from writes.
const READ_VERBS: &[&str] = &[
    "Get", "List", "Describe", "Head", "Scan", "Query", "BatchGet", "Select", "Lookup", "Search",
    "Check", "View", "Read", "Download", "Receive", "Filter", "Validate", "Test", "Detect",
    "Estimate", "Preview", "Verify", "Simulate",
];

/// What an `Action` value may grant, judged from its name alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ActionReach {
    /// Every action it can match starts with a read verb.
    ReadOnly,
    /// A named action whose verb is not a read verb.
    Write,
    /// A pattern that can match actions beyond reads (`s3:Put*`, `s3:*Object`).
    WritePattern,
    /// Every action of one service (`s3:*`).
    Service,
    /// Every action (`*`).
    All,
    /// Not a literal (a parameter, a reference): it could be anything.
    Unknown,
}

/// Judge one `Action` value by its verb (issue #5 replaces this with the catalog's access
/// levels). A pattern is read-only only when the text before its first wildcard already
/// contains a whole read verb: `s3:Get*` is, `s3:G*` (which also matches e.g.
/// `kms:GenerateDataKey`-like writes) is not.
pub fn action_reach(action: &Expr) -> ActionReach {
    let Some(text) = action.as_literal().map(str::trim) else {
        return ActionReach::Unknown;
    };
    if text.chars().all(|c| c == '*') {
        return ActionReach::All;
    }
    let Some((_, name)) = text.split_once(':') else {
        // No service prefix: AWS rejects it; it grants nothing.
        return ActionReach::ReadOnly;
    };
    if name.chars().all(|c| c == '*') {
        return ActionReach::Service;
    }
    let wildcard = name.find(['*', '?']);
    let fixed = wildcard.map_or(name, |i| name.get(..i).unwrap_or(""));
    let reads = READ_VERBS.iter().any(|verb| {
        fixed
            .get(..verb.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(verb))
            && match fixed.get(verb.len()..).and_then(|rest| rest.chars().next()) {
                // The verb must be a whole word: `CheckoutLicense` is a write. Lower-case
                // spellings (`s3:getobject`) cannot show the boundary; accept them.
                Some(next) => next.is_ascii_uppercase() || fixed == fixed.to_ascii_lowercase(),
                // `Get` followed by a wildcard or the end of the name.
                None => true,
            }
    });
    match (reads, wildcard.is_some()) {
        (true, _) => ActionReach::ReadOnly,
        (false, true) => ActionReach::WritePattern,
        (false, false) => ActionReach::Write,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(text: &str) -> ActionReach {
        action_reach(&Expr::literal(text, Loc::default()))
    }

    #[test]
    fn action_reach_by_verb() {
        assert_eq!(reach("*"), ActionReach::All);
        assert_eq!(reach("s3:*"), ActionReach::Service);
        assert_eq!(reach("s3:GetObject"), ActionReach::ReadOnly);
        assert_eq!(reach("s3:getobject"), ActionReach::ReadOnly);
        assert_eq!(reach("dynamodb:Get*"), ActionReach::ReadOnly);
        assert_eq!(reach("dynamodb:BatchGetItem"), ActionReach::ReadOnly);
        assert_eq!(reach("s3:PutObject"), ActionReach::Write);
        assert_eq!(reach("iam:PassRole"), ActionReach::Write);
        assert_eq!(reach("license-manager:CheckoutLicense"), ActionReach::Write);
        assert_eq!(reach("s3:Put*"), ActionReach::WritePattern);
        assert_eq!(reach("s3:*Object"), ActionReach::WritePattern);
        assert_eq!(reach("kms:G*"), ActionReach::WritePattern);
        assert_eq!(
            action_reach(&Expr::symbol(Symbol::Param("A".into()), Loc::default())),
            ActionReach::Unknown
        );
    }
}
