use std::collections::HashMap;

use petgraph::graph::NodeIndex;
use serde::Deserialize;

use crate::graph::{AccountKey, EdgeKind, IamGraph, ModelRef, NodeKind};
use crate::model::{
    Conditions, Effect, Expr, Model, Part, PolicyDocument, Principal, PrincipalType, Principals,
    Statement, Symbol,
};
use crate::rules::shared::{policy_node_label, principal_kind_word, principal_label};
use crate::rules::{OptionsError, OptionsInput, Rule, RuleContext, RuleMeta, declare_rule};
use crate::source::{FileId, Loc};

declare_rule! {
    /// Inline policies where one managed policy would do.
    pub InlinePolicyOveruse {
        code: "POL001",
        name: "inline-policy-overuse",
        severity: Medium,
        summary: "the same inline policy in several principals, or too many inline policies on one",
    }
}

/// `[rules.POL001]` in `iamlint.toml`.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Inline policies a principal may hold before it is reported.
    pub max_inline_policies: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_inline_policies: 1,
        }
    }
}

impl Rule for InlinePolicyOveruse {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn validate_options(&self, options: &OptionsInput<'_>) -> Result<(), OptionsError> {
        options.check::<Options>()
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let options: Options = cx.options();
        let groups = duplicate_groups(cx.model, cx.graph, |file| cx.account_of(file).clone());
        for group in groups {
            let Some((first, rest)) = group.split_first() else {
                continue;
            };
            let mut finding = cx
                .finding(
                    first.document_loc,
                    &first.resource,
                    format!(
                        "the same inline policy is embedded in {}: each copy has to be changed and reviewed on its own",
                        describe_holders(&group)
                    ),
                )
                .with_help("move the statements into one customer managed policy (`AWS::IAM::ManagedPolicy`, Terraform `aws_iam_policy`) and attach it to each principal");
            if first.loc != first.document_loc {
                finding = finding.with_related(first.loc, format!("embedded in {}", first.holder));
            }
            for copy in rest {
                finding =
                    finding.with_related(copy.loc, format!("also embedded in {}", copy.holder));
            }
            cx.report(finding);
        }
        for overuse in principals_over_limit(cx.model, cx.graph, options.max_inline_policies) {
            let Some(principal) = cx.model.principals.get(overuse.principal) else {
                continue;
            };
            let Some((excess_loc, _)) = overuse.policies.get(overuse.limit) else {
                continue;
            };
            let names: Vec<String> = overuse
                .policies
                .iter()
                .map(|(_, name)| format!("`{name}`"))
                .collect();
            let mut finding = cx
                .finding(
                    *excess_loc,
                    &principal.resource.name,
                    format!(
                        "{} `{}` has {} inline policies ({}), more than the {} allowed by `max_inline_policies`",
                        principal_kind_word(principal.kind),
                        principal_label(principal),
                        overuse.policies.len(),
                        names.join(", "),
                        overuse.limit
                    ),
                )
                .with_help("merge them, or move them into customer managed policies attached to the principal");
            for (loc, name) in &overuse.policies {
                if loc != excess_loc {
                    finding = finding.with_related(*loc, format!("inline policy `{name}`"));
                }
            }
            cx.report(finding);
        }
    }
}

/// A principal holding more inline policies than allowed.
#[derive(Debug, PartialEq)]
pub struct Overuse {
    /// Index into `Model::principals`.
    pub principal: usize,
    pub limit: usize,
    /// Where each inline policy is attached, with its name, in source order.
    pub policies: Vec<(Loc, String)>,
}

/// Principals with more than `limit` inline policies: their own `Policies` plus policy
/// resources naming them. Roles SAM generates for functions are left out: SAM turns every
/// `Policies` item, policy templates included, into an inline policy of its own, and that is
/// the documented way to write them.
pub fn principals_over_limit(model: &Model, graph: &IamGraph, limit: usize) -> Vec<Overuse> {
    model
        .principals
        .iter()
        .zip(&graph.principal_nodes)
        .enumerate()
        .filter(|(_, (p, _))| !p.resource.kind.starts_with("AWS::Serverless::"))
        .filter_map(|(i, (_, &node))| {
            let mut policies: Vec<(Loc, String)> = graph
                .outgoing(node, EdgeKind::HasPolicy)
                .filter(|(_, target, _)| graph.node(*target).kind == NodeKind::InlinePolicy)
                .filter_map(|(_, target, edge)| {
                    Some((edge.loc?, policy_node_label(model, graph, target)))
                })
                .collect();
            policies.sort();
            (policies.len() > limit).then_some(Overuse {
                principal: i,
                limit,
                policies,
            })
        })
        .collect()
}

/// "3 principals (role `a`, user `b`; in other templates: role `c`)": each principal once, those
/// declared in the first copy's template named first.
fn describe_holders(group: &[Embedding]) -> String {
    let mut seen: Vec<&PrincipalKey> = Vec::new();
    let (mut here, mut elsewhere) = (Vec::new(), Vec::new());
    let file = group.first().map(|e| e.document_loc.file);
    for embedding in group {
        if seen.contains(&&embedding.principal) {
            continue;
        }
        seen.push(&embedding.principal);
        if Some(embedding.loc.file) == file {
            here.push(embedding.holder.as_str());
        } else {
            elsewhere.push(embedding.holder.as_str());
        }
    }
    let mut listed = here.join(", ");
    if !elsewhere.is_empty() {
        if !listed.is_empty() {
            listed.push_str("; ");
        }
        listed.push_str("in other templates: ");
        listed.push_str(&elsewhere.join(", "));
    }
    format!("{} principals ({listed})", seen.len())
}

/// One principal's copy of an inline document.
#[derive(Debug)]
struct Embedding {
    principal: PrincipalKey,
    /// "role `app`", for messages.
    holder: String,
    /// Where the principal takes the document: the document itself for a `Policies` entry, the
    /// principal's entry in `Roles`/`Users`/`Groups` of a policy resource.
    loc: Loc,
    document_loc: Loc,
    resource: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum PrincipalKey {
    Model(usize),
    /// A principal named by a policy resource but not declared in the scan, by its reference
    /// in that file.
    Unresolved(FileId, String),
}

/// Groups of embeddings of one normalized document in two or more principals of one account,
/// each in source order. A managed policy cannot be shared across accounts, so copies in
/// different accounts are not duplicates. Documents are bucketed by account and normal form in
/// a hash map, so the cost is linear in the number of inline policies.
fn duplicate_groups(
    model: &Model,
    graph: &IamGraph,
    account_of: impl Fn(FileId) -> AccountKey,
) -> Vec<Vec<Embedding>> {
    let mut index: HashMap<(AccountKey, NormalDocument), usize> = HashMap::new();
    let mut groups: Vec<Vec<Embedding>> = Vec::new();
    let mut add = |document: &PolicyDocument, embeddings: Vec<Embedding>| {
        let Some(normal) = NormalDocument::of(document) else {
            return;
        };
        let key = (account_of(document.loc.file), normal);
        let slot = *index.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(slot) {
            group.extend(embeddings);
        }
    };
    for (i, principal) in model.principals.iter().enumerate() {
        for inline in &principal.inline_policies {
            let embedding = Embedding {
                principal: PrincipalKey::Model(i),
                holder: holder(principal),
                loc: inline.document.loc,
                document_loc: inline.document.loc,
                resource: principal.resource.name.clone(),
            };
            add(&inline.document, vec![embedding]);
        }
    }
    let policy_nodes: HashMap<usize, NodeIndex> = graph
        .graph
        .node_indices()
        .filter_map(|n| match graph.node(n).model {
            ModelRef::Policy(i) => Some((i, n)),
            _ => None,
        })
        .collect();
    for (i, policy) in model.policies.iter().enumerate() {
        if policy.managed {
            continue;
        }
        let resolved: Vec<(usize, Loc)> = policy_nodes
            .get(&i)
            .into_iter()
            .flat_map(|&node| graph.incoming(node, EdgeKind::HasPolicy))
            .filter_map(|(_, source, edge)| match graph.node(source).model {
                ModelRef::Principal(p) => Some((p, edge.loc?)),
                _ => None,
            })
            .collect();
        let targets = policy
            .roles
            .iter()
            .map(|r| (r, PrincipalType::Role))
            .chain(policy.users.iter().map(|u| (u, PrincipalType::User)))
            .chain(policy.groups.iter().map(|g| (g, PrincipalType::Group)));
        let embeddings = targets
            .map(|(target, kind)| {
                let known = resolved
                    .iter()
                    .find(|(_, loc)| *loc == target.loc)
                    .and_then(|(p, _)| model.principals.get(*p).map(|principal| (*p, principal)));
                let (principal, holder) = match known {
                    Some((p, principal)) => (PrincipalKey::Model(p), holder(principal)),
                    None => (
                        PrincipalKey::Unresolved(target.loc.file, target.display()),
                        format!("{} `{}`", principal_kind_word(kind), reference_name(target)),
                    ),
                };
                Embedding {
                    principal,
                    holder,
                    loc: target.loc,
                    document_loc: policy.document.loc,
                    resource: policy.resource.name.clone(),
                }
            })
            .collect();
        add(&policy.document, embeddings);
    }
    groups
        .into_iter()
        .filter_map(|mut group| {
            group.sort_by_key(|e| (e.document_loc, e.loc));
            let mut principals: Vec<&PrincipalKey> = group.iter().map(|e| &e.principal).collect();
            principals.sort();
            principals.dedup();
            (principals.len() >= 2).then_some(group)
        })
        .collect()
}

/// How a principal reference is shown when it does not resolve: `!Ref Name` as `Name`.
fn reference_name(value: &Expr) -> String {
    match value.as_symbol() {
        Some(Symbol::Resource(name) | Symbol::Param(name)) => name.clone(),
        Some(Symbol::Attribute { resource, .. }) => resource.clone(),
        _ => value.display(),
    }
}

fn holder(principal: &Principal) -> String {
    format!(
        "{} `{}`",
        principal_kind_word(principal.kind),
        principal_label(principal)
    )
}

/// A policy document reduced to what it grants: source positions, `Sid`s, the order of
/// statements and of list values, and the case of action names are left out.
#[derive(Debug, PartialEq, Eq, Hash)]
struct NormalDocument {
    version: Option<String>,
    statements: Vec<NormalStatement>,
}

#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct NormalStatement {
    effect: u8,
    principal: Option<Vec<(String, String)>>,
    not_principal: Option<Vec<(String, String)>>,
    action: Option<Vec<String>>,
    not_action: Option<Vec<String>>,
    resource: Option<Vec<String>>,
    not_resource: Option<Vec<String>>,
    /// (operator, key in lower case, values).
    conditions: Vec<(String, String, Vec<String>)>,
}

impl NormalDocument {
    /// `None` for documents that cannot be compared: built by an intrinsic, or empty.
    fn of(document: &PolicyDocument) -> Option<Self> {
        if document.opaque
            || document.statements.is_empty()
            || document.statements.iter().any(|s| s.conditions.opaque)
        {
            return None;
        }
        let mut statements: Vec<NormalStatement> = document
            .statements
            .iter()
            .map(NormalStatement::of)
            .collect();
        statements.sort();
        statements.dedup();
        Some(NormalDocument {
            version: document.version.as_ref().map(normal_value),
            statements,
        })
    }
}

impl NormalStatement {
    fn of(statement: &Statement) -> Self {
        let actions = |values: &Option<Vec<Expr>>| {
            values
                .as_ref()
                .map(|v| sorted(v.iter().map(|a| normal_value(a).to_lowercase())))
        };
        let values = |values: &Option<Vec<Expr>>| {
            values.as_ref().map(|v| sorted(v.iter().map(normal_value)))
        };
        NormalStatement {
            effect: match statement.effect {
                Effect::Allow => 0,
                Effect::Deny => 1,
                Effect::Invalid => 2,
            },
            principal: statement.principal.as_ref().map(normal_principals),
            not_principal: statement.not_principal.as_ref().map(normal_principals),
            action: actions(&statement.action),
            not_action: actions(&statement.not_action),
            resource: values(&statement.resource),
            not_resource: values(&statement.not_resource),
            conditions: normal_conditions(&statement.conditions),
        }
    }
}

fn sorted(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut values: Vec<String> = values.collect();
    values.sort();
    values.dedup();
    values
}

fn normal_principals(principals: &Principals) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = principals
        .entries
        .iter()
        .map(|e| (format!("{:?}", e.kind), normal_value(&e.value)))
        .collect();
    entries.sort();
    entries.dedup();
    entries
}

fn normal_conditions(conditions: &Conditions) -> Vec<(String, String, Vec<String>)> {
    let mut items: Vec<(String, String, Vec<String>)> = conditions
        .items
        .iter()
        .map(|c| {
            (
                c.operator.clone(),
                c.key.to_lowercase(),
                sorted(c.values.iter().map(normal_value)),
            )
        })
        .collect();
    items.sort();
    items
}

/// A value as text. Pseudo parameters mean the same in every template; a reference to a
/// template's own parameter or resource is qualified with its file, since `!Ref Bucket` in two
/// templates names two different buckets.
fn normal_value(value: &Expr) -> String {
    value
        .parts
        .iter()
        .map(|part| match part {
            Part::Lit(text) => text.trim().to_owned(),
            Part::Sym(
                symbol @ (Symbol::OwnAccount
                | Symbol::Partition
                | Symbol::Region
                | Symbol::UrlSuffix),
            ) => {
                format!("${{{symbol:?}}}")
            }
            Part::Sym(Symbol::Import(name)) => format!("${{import:{name}}}"),
            Part::Sym(symbol) => format!("${{{}:{symbol:?}}}", value.loc.file.0),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{FileFacts, build};
    use crate::parse::parse_yaml;

    fn scan(yaml: &str) -> (Model, IamGraph) {
        let root = parse_yaml(yaml).unwrap().0.unwrap();
        let model = crate::normalize::cfn::normalize(FileId(0), &root).unwrap();
        let graph = build(
            &model,
            &[FileFacts {
                account: AccountKey::Unnamed,
                scope: 0,
            }],
            &crate::config::Accounts::default(),
        );
        (model, graph)
    }

    const TWO_INLINE: &str = r#"
Resources:
  App:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}
      Policies:
        - PolicyName: a
          PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "*"}]}
  Extra:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref App
      PolicyName: b
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: "*"}]}
"#;

    #[test]
    fn counts_embedded_and_standalone_inline_policies() {
        let (model, graph) = scan(TWO_INLINE);
        let over = principals_over_limit(&model, &graph, 1);
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].principal, 0);
        let names: Vec<&str> = over[0].policies.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(principals_over_limit(&model, &graph, 2).is_empty());
        assert_eq!(
            principals_over_limit(&model, &graph, 0)[0].policies.len(),
            2
        );
    }

    #[test]
    fn options_are_checked_against_their_type() {
        let parse = |text: &'static str| {
            let table = toml::de::DeTable::parse(text).unwrap().into_inner();
            let (_, value) = table.into_iter().next().unwrap();
            InlinePolicyOveruse.validate_options(&crate::rules::OptionsInput::new(value))
        };
        assert_eq!(parse("[t]\nmax_inline_policies = 3\n"), Ok(()));
        assert!(parse("[t]\nmax_inline_policies = \"three\"\n").is_err());
        assert!(parse("[t]\nmax_inline_policy = 3\n").is_err());
        assert!(parse("[t]\nmax_inline_policies = -1\n").is_err());
    }

    #[test]
    fn normal_form_ignores_order_case_and_sid() {
        let (model, _) = scan(
            r#"
Resources:
  A:
    Type: AWS::IAM::User
    Properties:
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {Sid: One, Effect: Allow, Action: [s3:GetObject, S3:PutObject], Resource: ["arn:aws:s3:::b/*", "arn:aws:s3:::a/*"]}
              - {Effect: Deny, Action: "*", Resource: "*", Condition: {Bool: {aws:SecureTransport: "false"}}}
  B:
    Type: AWS::IAM::User
    Properties:
      Policies:
        - PolicyName: q
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {Effect: Deny, Action: "*", Resource: "*", Condition: {Bool: {AWS:SecureTransport: "false"}}}
              - {Sid: Two, Effect: Allow, Action: [s3:putobject, s3:GetObject], Resource: ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]}
  C:
    Type: AWS::IAM::User
    Properties:
      Policies:
        - PolicyName: r
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: [s3:putobject, s3:GetObject], Resource: ["arn:aws:s3:::A/*", "arn:aws:s3:::b/*"]}
"#,
        );
        let normal =
            |i: usize| NormalDocument::of(&model.principals[i].inline_policies[0].document);
        assert_eq!(normal(0), normal(1));
        // Resource ARNs are case-sensitive; and C lacks the Deny statement.
        assert_ne!(normal(0), normal(2));
    }
}
