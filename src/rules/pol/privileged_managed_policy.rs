use std::collections::HashMap;

use petgraph::graph::NodeIndex;

use crate::finding::Severity;
use crate::graph::{EdgeKind, IamGraph, ModelRef, NodeKind};
use crate::model::Expr;
use crate::rules::shared::{principal_kind_word, principal_label};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::source::Loc;

declare_rule! {
    /// An AWS managed policy with administrator or IAM-write power attached to a principal.
    pub PrivilegedManagedPolicy {
        code: "POL010",
        name: "privileged-managed-policy",
        severity: High,
        summary: "AWS managed policy with administrator or IAM-write power attached to a principal",
    }
}

/// AWS managed policies that make their holder an administrator or let it become one, with
/// what they grant. Keep `rules/POL010.md` in step.
const PRIVILEGED: &[(&str, &str)] = &[
    ("AdministratorAccess", "every action on every resource"),
    (
        "AdministratorAccess-Amplify",
        "IAM role and policy management and `iam:PassRole` on every resource (AWS calls it as powerful as `AdministratorAccess`)",
    ),
    (
        "IAMFullAccess",
        "`iam:*` on every resource, enough to grant itself anything",
    ),
    (
        "PowerUserAccess",
        "every action outside IAM and Organizations; one more IAM right (such as `iam:PassRole`) makes it administrator",
    ),
    (
        "AWSOrganizationsFullAccess",
        "`organizations:*`: service control policies, new accounts and, from the management account, administrator access to member accounts",
    ),
];

fn privileged(name: &str) -> Option<&'static str> {
    PRIVILEGED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, what)| *what)
}

/// Who from outside the account can become this principal: an edge from an external node or
/// an identity provider, or an identity pool handing it out.
fn outside_assumer(graph: &IamGraph, principal: NodeIndex) -> Option<(String, Option<Loc>)> {
    let assumers = graph
        .incoming(principal, EdgeKind::CanAssume)
        .filter(|(_, _, edge)| edge.is_traversable())
        .map(|(_, from, edge)| (graph.node(from), edge))
        .filter(|(node, _)| {
            node.external
                || matches!(
                    node.kind,
                    NodeKind::IdentityProvider | NodeKind::ExternalPrincipal
                )
        })
        .map(|(node, edge)| {
            let what = match node.kind {
                NodeKind::IdentityProvider => format!(
                    "federated identities of `{}`",
                    node.name.trim_start_matches("https://")
                ),
                NodeKind::Account => format!("account `{}`", node.name),
                _ => format!("`{}`", node.name),
            };
            (what, edge.loc)
        });
    let pools = graph
        .incoming(principal, EdgeKind::AttachedToPool)
        .map(|(_, pool, edge)| {
            (
                format!(
                    "{} identities of Cognito identity pool `{}`",
                    edge.label,
                    graph.node(pool).name
                ),
                edge.loc,
            )
        });
    let mut all: Vec<_> = assumers.chain(pools).collect();
    all.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    all.into_iter().next()
}

impl Rule for PrivilegedManagedPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let (model, graph) = (cx.model, cx.graph);
        // The graph draws one `has-policy` edge per attachment, located at the ARN value: that
        // is how an ARN written on an attachment resource finds its principal.
        let holder_of: HashMap<Loc, NodeIndex> = model
            .principals
            .iter()
            .zip(&graph.principal_nodes)
            .flat_map(|(_, &node)| {
                graph
                    .outgoing(node, EdgeKind::HasPolicy)
                    .filter_map(move |(_, _, edge)| edge.loc.map(|loc| (loc, node)))
            })
            .collect();
        let embedded = model.principals.iter().flat_map(|p| {
            p.managed_policy_arns
                .iter()
                .map(move |arn| (arn, p.resource.name.as_str()))
        });
        let attached = model
            .attachments
            .iter()
            .map(|a| (&a.policy_arn, a.resource.name.as_str()));
        for (arn, resource) in embedded.chain(attached) {
            let Some(name) = arn.aws_managed_policy_name() else {
                continue;
            };
            let Some(grants) = privileged(&name) else {
                continue;
            };
            self.report(
                cx,
                arn,
                resource,
                &name,
                grants,
                holder_of.get(&arn.loc).copied(),
            );
        }
    }
}

impl PrivilegedManagedPolicy {
    fn report(
        &self,
        cx: &mut RuleContext<'_>,
        arn: &Expr,
        resource: &str,
        name: &str,
        grants: &str,
        holder: Option<NodeIndex>,
    ) {
        let (model, graph) = (cx.model, cx.graph);
        let principal = holder.and_then(|node| match graph.node(node).model {
            ModelRef::Principal(i) => model.principals.get(i),
            _ => None,
        });
        let holder_label = principal.map_or_else(
            || "a principal".to_owned(),
            |p| format!("{} `{}`", principal_kind_word(p.kind), principal_label(p)),
        );
        let outside = holder.and_then(|node| outside_assumer(graph, node));
        let mut message = format!(
            "{holder_label} has the AWS managed policy `{name}` attached (`{}`), which grants {grants}",
            arn.display()
        );
        let mut severity = cx.severity();
        if let Some((who, _)) = &outside {
            message.push_str(&format!(
                ", and {who} can assume it from outside the account"
            ));
            // Escalate the default only: a severity set in the configuration is kept as is.
            if severity == Self::META.severity {
                severity = Severity::Critical;
            }
        }
        let mut finding = cx
            .finding(arn.loc, resource, message)
            .with_severity(severity)
            .with_help("replace it with a policy that grants only the actions and resources this principal uses (IAM Access Analyzer can generate one from its CloudTrail activity)");
        if let Some((_, Some(loc))) = outside {
            finding = finding.with_related(loc, "assumable from outside the account here");
        }
        cx.report(finding);
    }
}
