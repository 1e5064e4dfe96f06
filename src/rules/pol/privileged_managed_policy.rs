use std::collections::HashMap;

use petgraph::graph::NodeIndex;

use crate::catalog::{AccessLevel, Catalog};
use crate::finding::Severity;
use crate::graph::{EdgeKind, IamGraph, ModelRef, NodeKind};
use crate::model::Expr;
use crate::rules::shared::{
    action_examples, aws_managed_grants, principal_kind_word, principal_label, thousands,
};
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

/// Services whose permissions-management actions decide what identities may do and how they
/// sign in: IAM policies, roles and credentials, Organizations service control policies, IAM
/// Identity Center permission sets.
const IDENTITY_SERVICES: &[&str] = &["iam", "organizations", "sso"];

/// Share of the catalog's write actions, in percent, from which a policy is near-administrator
/// (`PowerUserAccess` grants all but IAM's and Organizations', about 98 %).
const NEAR_ADMIN_PERCENT: usize = 90;

/// How many of the services a near-administrator policy leaves out a message names.
const EXAMPLES: usize = 3;

/// What an AWS managed policy grants that makes its holder an administrator or lets it become
/// one, read from the policy's document; `None` for a policy that does neither, or whose
/// document iamlint does not ship (see `docs/catalog.md`). Keep `rules/POL010.md` in step.
fn privileged(name: &str) -> Option<String> {
    let catalog = Catalog::get();
    let granted = aws_managed_grants(name)?;
    if catalog.all_actions().is_subset(granted) {
        return Some("every action on every resource".to_owned());
    }
    if catalog.expand("iam:*").actions.is_subset(granted) {
        return Some(
            "every IAM action on every resource, enough to grant itself anything".to_owned(),
        );
    }
    let writes = catalog.write_like_actions();
    let mut missing = writes.clone();
    missing.difference_with(granted);
    let granted_writes = writes.len() - missing.len();
    if granted_writes * 100 >= writes.len() * NEAR_ADMIN_PERCENT {
        let mut services: Vec<&str> = missing
            .iter()
            .filter_map(|id| catalog.info(id))
            .map(|info| info.service)
            .collect();
        services.dedup();
        let more = if services.len() > EXAMPLES {
            ", …"
        } else {
            ""
        };
        services.truncate(EXAMPLES);
        return Some(format!(
            "{} of the {} write actions of every service on every resource, all but some of `{}`{more}: one more IAM right (such as `iam:PassRole`) makes it administrator",
            thousands(granted_writes),
            thousands(writes.len()),
            services.join("`, `")
        ));
    }
    let mut identity = catalog.empty_set();
    for service in IDENTITY_SERVICES {
        identity.union_with(&catalog.expand(&format!("{service}:*")).actions);
    }
    identity.intersect_with(catalog.actions_at_level(AccessLevel::PermissionsManagement));
    // Passing a role is POL007's and ESC001's question, and a service-linked role carries
    // only its service's own policy: neither grants the holder anything by itself.
    for excluded in [
        "iam:PassRole",
        "iam:CreateServiceLinkedRole",
        "iam:DeleteServiceLinkedRole",
    ] {
        if let Some(id) = catalog.action_id(excluded) {
            identity.remove(id);
        }
    }
    identity.intersect_with(granted);
    (!identity.is_empty()).then(|| {
        format!(
            "permissions-management actions on every resource ({}), which change what principals may do or their credentials",
            action_examples(catalog, &identity)
        )
    })
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
                &grants,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::managed_policies;

    #[test]
    fn privileged_policies_are_read_from_their_documents() {
        let flagged: Vec<&str> = managed_policies()
            .iter()
            .filter(|p| privileged(p.name).is_some())
            .map(|p| p.name)
            .collect();
        assert_eq!(
            flagged,
            [
                "AdministratorAccess",
                "PowerUserAccess",
                "IAMFullAccess",
                "AWSOrganizationsFullAccess",
                "AdministratorAccess-Amplify",
                // `iam:UploadSSHPublicKey`, `iam:UploadSigningCertificate`… for every user.
                "SystemAdministrator",
            ]
        );
        let power = privileged("PowerUserAccess").unwrap();
        assert!(
            power.contains("all but some of `account`, `iam`, `organizations`:"),
            "{power}"
        );
        let amplify = privileged("AdministratorAccess-Amplify").unwrap();
        assert!(amplify.contains("`iam:AttachRolePolicy`"), "{amplify}");
        assert_eq!(privileged("AWSLambdaBasicExecutionRole"), None);
    }
}
