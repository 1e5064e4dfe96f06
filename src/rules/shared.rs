//! IAM knowledge several rules share: which federated principal is which provider, which
//! condition key pins its audience, which actions assume a role, which identity pool a value
//! names, which policies a principal holds; which documents are identity policies, what grants
//! an action, which resource values mean "everything", which conditions narrow a grant.

use std::sync::{LazyLock, OnceLock};

use petgraph::graph::NodeIndex;

use crate::catalog::{AccessLevel, ActionSet, Catalog, managed_policies};
use crate::graph::{EdgeKind, IamGraph, ModelRef, NodeKind};
pub use crate::model::federation::{COGNITO, Federated, classify_federated, classify_federated_in};
use crate::model::policy::wildcard_match;
use crate::model::{
    Effect, Expr, IdentityPool, Model, Part, PolicyDocument, PolicyKind, Principal, PrincipalEntry,
    PrincipalKind, PrincipalType, ResourceId, ResourcePolicy, StandalonePolicy, Statement, Symbol,
};
use crate::normalize::managed::aws_managed_document;
use crate::rules::RuleContext;
use crate::source::{Loc, Span};

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

/// Each `Federated` entry of the role trust statements that allow web identities and whose
/// conditions can be read.
pub fn web_identity_trust_entries(
    model: &Model,
) -> impl Iterator<Item = (&Principal, &Statement, &PrincipalEntry)> {
    trust_allow_statements(model)
        .filter(|(_, s)| s.covers_action(ASSUME_ROLE_WITH_WEB_IDENTITY) && !s.conditions.opaque)
        .flat_map(|(role, s)| federated_entries(s).map(move |e| (role, s, e)))
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

// Policy documents and statements, as the POL rules read them.

/// Who holds a policy document; decides how the document is named in messages.
#[derive(Clone, Copy, Debug)]
pub enum DocumentOwner<'m> {
    /// A role's trust policy.
    Trust(&'m Principal),
    /// Embedded in a principal (`Policies`, `inline_policy`), with its policy name if any.
    Embedded(&'m Principal, Option<&'m Expr>),
    /// A policy declared as a resource of its own (inline or customer managed).
    Standalone(&'m StandalonePolicy),
    /// A resource policy (bucket, queue, key…).
    Resource(&'m ResourcePolicy),
}

/// One policy document of the scan with its holder.
#[derive(Clone, Copy, Debug)]
pub struct DocumentRef<'m> {
    pub resource: &'m ResourceId,
    pub document: &'m PolicyDocument,
    pub owner: DocumentOwner<'m>,
}

impl DocumentRef<'_> {
    /// How the document is named in messages: "inline policy `s3` of role `app`",
    /// "managed policy `deploy`", "resource policy of `BucketPolicy`".
    pub fn label(&self) -> String {
        match self.owner {
            DocumentOwner::Trust(role) => {
                format!("trust policy of role `{}`", principal_label(role))
            }
            DocumentOwner::Embedded(principal, name) => {
                let holder = format!(
                    "{} `{}`",
                    principal_kind_word(principal.kind),
                    principal_label(principal)
                );
                match name {
                    Some(name) => format!("inline policy `{}` of {holder}", name.display()),
                    None => format!("inline policy of {holder}"),
                }
            }
            DocumentOwner::Standalone(policy) => {
                let name = policy
                    .name
                    .as_ref()
                    .and_then(Expr::as_literal)
                    .unwrap_or(&policy.resource.name);
                let kind = if policy.managed {
                    "managed policy"
                } else {
                    "policy"
                };
                format!("{kind} `{name}`")
            }
            DocumentOwner::Resource(policy) => {
                format!("resource policy of `{}`", policy.resource.name)
            }
        }
    }
}

/// Every policy document of the scan: trust, embedded and standalone identity policies, and
/// resource policies. Same documents as [`Model::documents`], with their holders.
pub fn policy_documents(model: &Model) -> impl Iterator<Item = DocumentRef<'_>> {
    let of_principals = model.principals.iter().flat_map(|p| {
        let trust = p.trust.iter().map(move |document| DocumentRef {
            resource: &p.resource,
            document,
            owner: DocumentOwner::Trust(p),
        });
        let embedded = p.inline_policies.iter().map(move |inline| DocumentRef {
            resource: &p.resource,
            document: &inline.document,
            owner: DocumentOwner::Embedded(p, inline.name.as_ref()),
        });
        trust.chain(embedded)
    });
    let standalone = model.policies.iter().map(|p| DocumentRef {
        resource: &p.resource,
        document: &p.document,
        owner: DocumentOwner::Standalone(p),
    });
    let of_resources = model.resource_policies.iter().map(|p| DocumentRef {
        resource: &p.resource,
        document: &p.document,
        owner: DocumentOwner::Resource(p),
    });
    of_principals.chain(standalone).chain(of_resources)
}

/// `Allow` statements of identity policies (embedded, inline and managed), with their document.
/// Trust and resource policies are left out: there `Resource: "*"` means "this resource".
pub fn identity_allow_statements(
    model: &Model,
) -> impl Iterator<Item = (DocumentRef<'_>, &Statement)> {
    policy_documents(model)
        .filter(|d| d.document.kind == PolicyKind::Identity)
        .flat_map(|d| d.document.statements.iter().map(move |s| (d, s)))
        .filter(|(_, s)| s.is_allow())
}

/// `Allow` statements of identity policies whose `Resource` matches every resource, with that
/// `Resource` value (POL003, POL004, POL011).
pub fn identity_allows_on_every_resource(
    model: &Model,
) -> impl Iterator<Item = (DocumentRef<'_>, &Statement, &Expr)> {
    identity_allow_statements(model)
        .filter_map(|(document, statement)| Some((document, statement, statement.any_resource()?)))
}

/// `Allow` statements of every policy document.
pub fn allow_statements(model: &Model) -> impl Iterator<Item = (DocumentRef<'_>, &Statement)> {
    policy_documents(model)
        .flat_map(|d| d.document.statements.iter().map(move |s| (d, s)))
        .filter(|(_, s)| s.is_allow())
}

pub fn principal_kind_word(kind: PrincipalType) -> &'static str {
    match kind {
        PrincipalType::Role => "role",
        PrincipalType::User => "user",
        PrincipalType::Group => "group",
    }
}

/// How a statement's action element reaches an action.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ActionGrant<'a> {
    /// This `Action` value matches it (`iam:PassRole`, `iam:Pass*`, `*`).
    Listed(&'a Expr),
    /// `NotAction` lists it nowhere, so it is granted.
    NotExcluded,
}

/// Whether a statement grants `action` on literal evidence: an `Action` value whose text
/// matches it, or a `NotAction` whose values are all known and none matches it. Unlike
/// [`Statement::covers_action`], an unknown value (`!Ref ActionParam`) proves nothing here:
/// rules that report a grant must be able to point at it.
pub fn literal_grant<'a>(statement: &'a Statement, action: &str) -> Option<ActionGrant<'a>> {
    if let Some(actions) = &statement.action {
        return actions
            .iter()
            .find(|a| a.as_literal().is_some_and(|p| wildcard_match(p, action)))
            .map(ActionGrant::Listed);
    }
    let not_actions = statement.not_action.as_ref()?;
    let known: Option<Vec<&str>> = not_actions.iter().map(Expr::as_literal).collect();
    let excluded = known?.iter().any(|p| wildcard_match(p, action));
    (!excluded).then_some(ActionGrant::NotExcluded)
}

/// `*` and `*:*` both mean every action of every service (POL003's).
pub fn is_every_action(action: &str) -> bool {
    matches!(action.trim(), "*" | "*:*")
}

/// The service of a `<service>:*` pattern (POL004's). `*` and `*:*` are not one service; a
/// pattern with a wildcard in the service prefix is not valid IAM (POL008's concern).
pub fn service_of_wildcard(action: &str) -> Option<&str> {
    let (service, name) = action.trim().split_once(':')?;
    let valid_service = !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    (valid_service && !name.is_empty() && name.chars().all(|c| c == '*')).then_some(service)
}

/// The catalog actions a statement's `Action` or `NotAction` applies to (what an `Allow`
/// grants), as far as its text shows. `Action` values that are not literal are left out
/// (rules report what they can point at); a `NotAction` with such a value gives `None`, since
/// what it leaves is unknown. Actions newer than the catalog are in no set: they are neither
/// granted nor excluded here.
pub fn granted_actions(catalog: &Catalog<'_>, statement: &Statement) -> Option<ActionSet> {
    let (negated, patterns) = statement.action_patterns()?;
    Some(if negated {
        catalog.expand_not_action(patterns)
    } else {
        catalog.expand_action(patterns)
    })
}

/// What each AWS managed policy shipped with the catalog grants, worked out the first time a
/// rule asks (reading the larger documents expands thousands of patterns).
static MANAGED_GRANTS: LazyLock<Vec<OnceLock<ActionSet>>> =
    LazyLock::new(|| managed_policies().iter().map(|_| OnceLock::new()).collect());

/// The catalog actions an AWS managed policy grants on every resource with no scoping
/// condition (as [`is_scoped`] reads conditions), less what its unconditional Denies take
/// away; `None` for a policy whose document iamlint does not ship (`docs/catalog.md`).
pub fn aws_managed_grants(name: &str) -> Option<&'static ActionSet> {
    let index = managed_policies().iter().position(|p| p.name == name)?;
    let document = aws_managed_document(name)?;
    let cell = MANAGED_GRANTS.get(index)?;
    Some(cell.get_or_init(|| unconditional_grants(document)))
}

fn unconditional_grants(document: &PolicyDocument) -> ActionSet {
    let catalog = Catalog::get();
    let mut granted = catalog.empty_set();
    let applies = |s: &Statement| match s.effect {
        Effect::Allow => !s.is_scoped(),
        Effect::Deny => s.conditions.items.is_empty() && !s.conditions.opaque,
        Effect::Invalid => false,
    };
    let (allows, denies): (Vec<&Statement>, Vec<&Statement>) = document
        .statements
        .iter()
        .filter(|s| s.any_resource().is_some() && applies(s))
        .partition(|s| s.is_allow());
    // Denies win whatever the order of the statements.
    for statement in allows {
        if let Some(actions) = granted_actions(catalog, statement) {
            granted.union_with(&actions);
        }
    }
    for statement in denies {
        if let Some(actions) = granted_actions(catalog, statement) {
            granted.difference_with(&actions);
        }
    }
    granted
}

/// Whether an `Allow` statement with `NotAction` still grants every IAM action: `iam:*` on
/// every resource lets the holder attach any policy to itself, so such a statement is full
/// administrator whatever else its `NotAction` leaves out (`NotAction: s3:DeleteBucket`).
pub fn not_action_grants_all_iam(catalog: &Catalog<'_>, statement: &Statement) -> bool {
    statement.not_action.is_some()
        && granted_actions(catalog, statement)
            .is_some_and(|granted| catalog.expand("iam:*").actions.is_subset(&granted))
}

/// A count for a message, with thousands separated: `12,348`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How many actions a message names.
const EXAMPLES: usize = 3;

/// A few members of a set for a message, most consequential first (Permissions management,
/// then Write, then Tagging), then by name, with `…` when there are more:
/// `` `iam:PassRole`, `ec2:RunInstances`, `s3:PutObject`, … ``.
pub fn action_examples(catalog: &Catalog<'_>, actions: &ActionSet) -> String {
    let rank = |level| match level {
        AccessLevel::PermissionsManagement => 0,
        AccessLevel::Write => 1,
        AccessLevel::Tagging => 2,
        AccessLevel::Read | AccessLevel::List => 3,
    };
    let mut infos: Vec<_> = actions.iter().filter_map(|id| catalog.info(id)).collect();
    infos.sort_by(|a, b| {
        rank(a.level)
            .cmp(&rank(b.level))
            .then_with(|| a.service.cmp(b.service))
            .then_with(|| a.name.cmp(b.name))
    });
    let named: Vec<String> = infos
        .iter()
        .take(EXAMPLES)
        .map(|info| format!("`{info}`"))
        .collect();
    let more = if infos.len() > EXAMPLES { ", …" } else { "" };
    format!("{}{more}", named.join(", "))
}

/// One location covering several values (a `NotAction` list), for pointing at all of them.
pub fn span_of(values: &[Expr]) -> Option<Loc> {
    let first = values.first()?.loc;
    let last = values.last().map_or(first, |v| v.loc);
    if first.file != last.file || last.span.end < first.span.start {
        return Some(first);
    }
    Some(Loc::new(
        first.file,
        Span {
            start: first.span.start,
            end: last.span.end,
        },
    ))
}

/// The first IAM policy variable a value uses (`${aws:username}`,
/// `${cognito-identity.amazonaws.com:sub}`): text substituted at request time under policy
/// version 2012-10-17 only. Template references such as `${AWS::AccountId}` are not policy
/// variables; an unescaped variable that `Fn::Sub` took for a reference is.
pub fn policy_variable(value: &Expr) -> Option<String> {
    value.parts.iter().find_map(|part| match part {
        Part::Lit(text) => {
            let mut rest = text.as_str();
            while let Some(start) = rest.find("${") {
                let after = rest.get(start + 2..)?;
                let end = after.find('}')?;
                let name = after.get(..end)?;
                if name.contains(':') && !name.starts_with("AWS::") {
                    return Some(format!("${{{name}}}"));
                }
                rest = after.get(end + 1..)?;
            }
            None
        }
        Part::Sym(Symbol::Resource(name)) if name.contains(':') && !name.contains("::") => {
            Some(format!("${{{name}}}"))
        }
        Part::Sym(_) => None,
    })
}

/// How a policy node of the graph is named in messages: an embedded policy by its
/// `PolicyName`, a policy resource by its name (else its logical id), an AWS managed policy by
/// its name.
pub fn policy_node_label(model: &Model, graph: &IamGraph, node: NodeIndex) -> String {
    let graph_node = graph.node(node);
    match graph_node.model {
        ModelRef::InlinePolicy { principal, index } => model
            .principals
            .get(principal)
            .and_then(|p| p.inline_policies.get(index))
            .and_then(|i| i.name.as_ref())
            .map_or_else(|| format!("policy {}", index + 1), Expr::display),
        ModelRef::Policy(i) => model.policies.get(i).map_or_else(
            || graph_node.name.clone(),
            |p| {
                p.name
                    .as_ref()
                    .and_then(Expr::as_literal)
                    .filter(|n| !n.is_empty())
                    .unwrap_or(&p.resource.name)
                    .to_owned()
            },
        ),
        _ => graph_node.name.clone(),
    }
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
/// levels): how an action the catalog does not know yet is judged.
const READ_VERBS: &[&str] = &[
    "Get", "List", "Describe", "Head", "Scan", "Query", "BatchGet", "Select", "Lookup", "Search",
    "Check", "View", "Read", "Download", "Receive", "Filter", "Validate", "Test", "Detect",
    "Estimate", "Preview", "Verify", "Simulate",
];

/// Whether an action, or every action a pattern can match, reads by its name alone: for
/// actions newer than the catalog (or misspelt), where no access level is known. A pattern
/// reads only when the text before its first wildcard already holds a whole read verb:
/// `s3:Get*` does, `s3:G*` (which also matches writes) does not; `*` and `s3:*` do not.
pub fn is_read_verb_action(action: &str) -> bool {
    let Some((_, name)) = action.trim().split_once(':') else {
        // `*` reaches everything; any other text without a service prefix is rejected by AWS
        // and grants nothing.
        return !is_every_action(action);
    };
    let wildcard = name.find(['*', '?']);
    let fixed = wildcard.map_or(name, |i| name.get(..i).unwrap_or(""));
    READ_VERBS.iter().any(|verb| {
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Conditions;

    fn lit(text: &str) -> Expr {
        Expr::literal(text, Loc::default())
    }

    /// An Allow statement with these action elements and nothing else.
    fn statement(action: Option<Vec<Expr>>, not_action: Option<Vec<Expr>>) -> Statement {
        Statement {
            loc: Loc::default(),
            sid: None,
            effect: crate::model::Effect::Allow,
            effect_loc: Loc::default(),
            principal: None,
            not_principal: None,
            action,
            not_action,
            resource: None,
            not_resource: None,
            conditions: Conditions::default(),
        }
    }

    #[test]
    fn literal_grants() {
        let pass = "iam:PassRole";
        let listed = statement(Some(vec![lit("s3:GetObject"), lit("IAM:Pass*")]), None);
        assert!(
            matches!(literal_grant(&listed, pass), Some(ActionGrant::Listed(a)) if a.is_literal("IAM:Pass*"))
        );
        let param = statement(
            Some(vec![Expr::symbol(
                Symbol::Param("A".into()),
                Loc::default(),
            )]),
            None,
        );
        assert_eq!(literal_grant(&param, pass), None);
        let open = statement(None, Some(vec![lit("iam:CreateUser")]));
        assert_eq!(literal_grant(&open, pass), Some(ActionGrant::NotExcluded));
        let closed = statement(None, Some(vec![lit("iam:*")]));
        assert_eq!(literal_grant(&closed, pass), None);
        let unknown = statement(
            None,
            Some(vec![Expr::symbol(
                Symbol::Param("A".into()),
                Loc::default(),
            )]),
        );
        assert_eq!(literal_grant(&unknown, pass), None);
    }

    #[test]
    fn policy_variables() {
        assert_eq!(
            policy_variable(&lit("arn:aws:s3:::home/${aws:username}/*")).as_deref(),
            Some("${aws:username}")
        );
        assert_eq!(
            policy_variable(&lit("${cognito-identity.amazonaws.com:sub}")).as_deref(),
            Some("${cognito-identity.amazonaws.com:sub}")
        );
        assert_eq!(policy_variable(&lit("arn:aws:s3:::plain/*")), None);
        assert_eq!(policy_variable(&lit("${AWS::Region}")), None);
        let template = Expr {
            parts: vec![
                Part::Lit("arn:aws:s3:::home/".into()),
                Part::Sym(Symbol::OwnAccount),
                Part::Sym(Symbol::Resource("aws:username".into())),
            ],
            loc: Loc::default(),
        };
        assert_eq!(
            policy_variable(&template).as_deref(),
            Some("${aws:username}")
        );
    }

    #[test]
    fn what_shipped_managed_policies_grant() {
        let catalog = Catalog::get();
        let id = |name| catalog.action_id(name).unwrap();
        let admin = aws_managed_grants("AdministratorAccess").unwrap();
        assert_eq!(admin, &catalog.all_actions());
        let power = aws_managed_grants("PowerUserAccess").unwrap();
        assert!(power.contains(id("s3:PutBucketPolicy")));
        assert!(!power.contains(id("iam:AttachRolePolicy")));
        // `iam:PassRole` there is scoped by `iam:PassedToService`.
        let lambda = aws_managed_grants("AWSLambda_FullAccess").unwrap();
        assert!(
            lambda.contains(id("lambda:CreateFunction")) && !lambda.contains(id("iam:PassRole"))
        );
        let read_only = aws_managed_grants("ReadOnlyAccess").unwrap();
        assert!(read_only.contains(id("s3:GetObject")) && !read_only.contains(id("s3:PutObject")));
        assert_eq!(aws_managed_grants("AWSLambdaBasicExecutionRole"), None);
        // An earlier Deny still wins; a conditional Deny takes nothing away.
        let grants = unconditional_grants(
            &crate::normalize::managed::read_document(
                r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "ec2:*", "Resource": "*",
                 "Condition": {"StringNotEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}}}
            ]}"#,
            )
            .unwrap(),
        );
        assert!(!grants.contains(id("s3:PutObject")) && grants.contains(id("ec2:RunInstances")));
        assert!(crate::normalize::managed::read_document("not json").is_none());
        assert_eq!(aws_managed_grants("administratoraccess"), None);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12348), "12,348");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn whole_service_and_every_action_patterns() {
        assert_eq!(service_of_wildcard("s3:*"), Some("s3"));
        assert_eq!(service_of_wildcard("EC2:**"), Some("EC2"));
        assert_eq!(service_of_wildcard("*"), None);
        assert_eq!(service_of_wildcard("*:*"), None);
        assert_eq!(service_of_wildcard("s3:Get*"), None);
        assert_eq!(service_of_wildcard("s*:*"), None);
        assert!(is_every_action(" * ") && is_every_action("*:*"));
        assert!(!is_every_action("s3:*") && !is_every_action("**"));
    }

    #[test]
    fn granted_actions_through_the_catalog() {
        let catalog = Catalog::get();
        let param = || Expr::symbol(Symbol::Param("A".into()), Loc::default());
        let id = |name| catalog.action_id(name).unwrap();
        let listed = statement(Some(vec![lit("iam:Create*"), param()]), None);
        let granted = granted_actions(catalog, &listed).unwrap();
        assert!(granted.contains(id("iam:CreateRole")) && !granted.contains(id("iam:GetRole")));
        let outside_iam = statement(None, Some(vec![lit("iam:*")]));
        let granted = granted_actions(catalog, &outside_iam).unwrap();
        assert!(granted.contains(id("s3:PutObject")) && !granted.contains(id("iam:PassRole")));
        assert_eq!(
            granted_actions(catalog, &statement(None, Some(vec![param()]))),
            None
        );
        assert_eq!(granted_actions(catalog, &statement(None, None)), None);
        let mut set = catalog.empty_set();
        for name in [
            "s3:TagResource",
            "s3:PutObject",
            "iam:PassRole",
            "ec2:RunInstances",
        ] {
            set.insert(id(name));
        }
        assert_eq!(
            action_examples(catalog, &set),
            "`iam:PassRole`, `ec2:RunInstances`, `s3:PutObject`, …"
        );
        set.remove(id("s3:TagResource"));
        set.remove(id("ec2:RunInstances"));
        assert_eq!(
            action_examples(catalog, &set),
            "`iam:PassRole`, `s3:PutObject`"
        );
    }

    #[test]
    fn read_verbs() {
        for read in [
            "s3:GetObject",
            "s3:getobject",
            "dynamodb:Get*",
            "dynamodb:BatchGetItem",
            "no-prefix",
        ] {
            assert!(is_read_verb_action(read), "{read}");
        }
        for write in [
            "*",
            "s3:*",
            "s3:PutObject",
            "iam:PassRole",
            "license-manager:CheckoutLicense",
            "s3:Put*",
            "s3:*Object",
            "kms:G*",
        ] {
            assert!(!is_read_verb_action(write), "{write}");
        }
    }
}
