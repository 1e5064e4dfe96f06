use crate::graph::{EdgeKind, NodeKind};
use crate::model::PrincipalType;
use crate::rules::shared::{policy_node_label, principal_label};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// An IAM user that holds policies itself instead of through groups.
    pub UserWithDirectPolicies {
        code: "POL002",
        name: "user-with-direct-policies",
        severity: Low,
        summary: "IAM user with inline or directly attached policies instead of group membership",
    }
}

impl Rule for UserWithDirectPolicies {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let (model, graph) = (cx.model, cx.graph);
        let users = model
            .principals
            .iter()
            .zip(&graph.principal_nodes)
            .filter(|(p, _)| p.kind == PrincipalType::User);
        for (user, &node) in users {
            // Every `has-policy` edge of a user is a direct grant: its `Policies`, its
            // `ManagedPolicyArns`, policy resources naming it, attachments.
            let mut direct: Vec<_> = graph
                .outgoing(node, EdgeKind::HasPolicy)
                .map(|(_, policy, edge)| {
                    let kind = match graph.node(policy).kind {
                        NodeKind::InlinePolicy => "inline",
                        _ => "managed",
                    };
                    (
                        edge.loc.unwrap_or(user.resource.loc),
                        format!(
                            "{kind} policy `{}`",
                            policy_node_label(model, graph, policy)
                        ),
                    )
                })
                .collect();
            direct.sort_by_key(|(loc, _)| *loc);
            direct.dedup_by(|a, b| a.0 == b.0);
            let Some(((first_loc, first), rest)) = direct.split_first() else {
                continue;
            };
            let count = match direct.len() {
                1 => "a policy".to_owned(),
                n => format!("{n} policies"),
            };
            let mut finding = cx
                .finding(
                    *first_loc,
                    &user.resource.name,
                    format!(
                        "user `{}` is granted {count} directly ({first}{}) instead of through a group: per-user grants drift apart and are hard to review",
                        principal_label(user),
                        if rest.is_empty() { "" } else { ", …" }
                    ),
                )
                .with_help("attach the policies to an IAM group (`AWS::IAM::Group`, `aws_iam_group_policy_attachment`) and add the user to it");
            for (loc, what) in rest {
                finding = finding.with_related(*loc, format!("also {what}"));
            }
            cx.report(finding);
        }
    }
}
