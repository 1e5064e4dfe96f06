use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::graph::{IamGraph, NodeKind};
use crate::model::ModelFlagExt as _;
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// An identity from outside the account reaches an admin-equivalent principal.
    pub ExternalPathToAdmin {
        code: "ESC002",
        name: "external-path-to-admin",
        severity: Critical,
        summary: "an outside identity can reach an admin-equivalent principal through assume-role or escalation steps",
    }
}

/// Where outside identities enter the graph: other accounts, `*`, web-identity and SAML
/// issuers, and identity pools that hand roles to unauthenticated guests.
fn is_outside(graph: &IamGraph, node: NodeIndex, model: &crate::model::Model) -> bool {
    let n = graph.node(node);
    match n.kind {
        NodeKind::IdentityProvider | NodeKind::ExternalPrincipal => true,
        NodeKind::Account => n.external,
        NodeKind::IdentityPool => match n.model {
            crate::graph::ModelRef::IdentityPool(i) => model
                .identity_pools
                .get(i)
                .is_some_and(|p| p.allow_unauthenticated.is_true()),
            _ => false,
        },
        _ => false,
    }
}

impl Rule for ExternalPathToAdmin {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let graph = cx.graph;
        for (i, &target) in graph.principal_nodes.iter().enumerate() {
            let Some(reason) = graph.admin.get(i).and_then(Option::as_ref) else {
                continue;
            };
            // The nearest outside node has the shortest path. A path through another admin
            // is that admin's finding: once an outsider is admin, every further step is
            // redundant.
            let mut search = graph.reachers(target, |source| graph.admin_reason(source).is_none());
            let Some(start) = search.find(|&node| is_outside(graph, node, cx.model)) else {
                continue;
            };
            let steps = search.path(start);
            let path = search.path_text(start, &steps);
            let edges: Vec<EdgeIndex> = steps.iter().map(|&(edge, _)| edge).collect();
            let Some(first_loc) = edges.first().and_then(|e| graph.edge(*e).loc) else {
                continue;
            };
            let admin = graph.node(target);
            let mut finding = cx
                .finding(
                    first_loc,
                    admin.resource.as_deref().unwrap_or(&admin.name),
                    format!(
                        "`{}` from outside the account can reach admin-equivalent {} `{}` in {} step{}; it is admin because {}",
                        graph.node(start).name,
                        admin.kind.as_str(),
                        admin.name,
                        edges.len(),
                        if edges.len() == 1 { "" } else { "s" },
                        reason.why
                    ),
                )
                .with_help("break the chain: scope the trust policy where the outside identity enters (pin audience and subject, name roles, add conditions), or take admin rights off the target")
                .with_path(path);
            for edge in edges.iter().skip(1) {
                if let Some(loc) = graph.edge(*edge).loc {
                    finding = finding.with_related(loc, "next step of the path");
                }
            }
            finding = finding.with_related(reason.loc, "what makes the target admin-equivalent");
            cx.report(finding);
        }
    }
}
