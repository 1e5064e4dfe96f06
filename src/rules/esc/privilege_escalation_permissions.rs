use crate::catalog::{ActionId, Catalog};
use crate::graph::escalation::{METHODS, Method, Victim};
use crate::graph::permissions::{Effective, Grant, Permissions, Reach};
use crate::model::PrincipalType;
use crate::rules::shared::principal_kind_word;
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// A principal's permissions cover a known privilege-escalation method.
    pub PrivilegeEscalationPermissions {
        code: "ESC001",
        name: "privilege-escalation-permissions",
        severity: High,
        summary: "a principal's permissions cover a known privilege-escalation method on unrestricted resources",
    }
}

/// How many items a message lists before "and N more".
const LISTED: usize = 4;

/// `a, b, c, d and 3 more methods`.
fn listing(items: &[String], noun: &str) -> String {
    let shown = items
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match items.len().saturating_sub(LISTED) {
        0 => shown,
        1 => format!("{shown} and 1 more {noun}"),
        more => format!("{shown} and {more} more {noun}s"),
    }
}

impl Rule for PrivilegeEscalationPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let catalog = Catalog::get();
        let graph = cx.graph;
        for (i, permissions) in graph.permissions.iter().enumerate() {
            let (Some(principal), Some(&node)) =
                (cx.model.principals.get(i), graph.principal_nodes.get(i))
            else {
                continue;
            };
            let effective = permissions.effective(catalog);
            // Every action on every resource is full admin, which POL003 / POL010 report.
            if catalog.action_count() > 0 && effective.unrestricted.len() == catalog.action_count()
            {
                continue;
            }
            // A user's group grants are reported on the group.
            let own_only = principal.kind == PrincipalType::User;
            let mut by_grant: Vec<(&Grant, Vec<&Method>)> = Vec::new();
            for method in METHODS {
                let Some(grant) = key_grant(permissions, &effective, method, own_only) else {
                    continue;
                };
                match by_grant.iter_mut().find(|(g, _)| std::ptr::eq(*g, grant)) {
                    Some((_, methods)) => methods.push(method),
                    None => by_grant.push((grant, vec![method])),
                }
            }
            let label = principal_kind_word(principal.kind);
            let name = &graph.node(node).name;
            for (grant, methods) in by_grant {
                let keys = unique(methods.iter().map(|m| m.key));
                let names: Vec<String> = methods
                    .iter()
                    .map(|m| {
                        if m.also.is_empty() {
                            m.name.to_owned()
                        } else {
                            format!("{} (with `{}`)", m.name, m.also.join("`, `"))
                        }
                    })
                    .collect();
                let first = methods.first().copied().unwrap_or(&METHODS[0]);
                let mut finding = cx
                    .finding(
                        grant.loc,
                        &principal.resource.name,
                        format!(
                            "{label} `{name}` can escalate its privileges by {}: `{}` allows {} on {}",
                            listing(&names, "method"),
                            grant.policy,
                            listing(&keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>(), "action"),
                            scope(grant),
                        ),
                    )
                    .with_help(format!(
                        "{} ({}): {}. Name the resources the action may touch or add a condition that scopes it, and deny what the principal must never do",
                        first.name,
                        first.source.as_str(),
                        first.what
                    ));
                let mut related: Vec<&Grant> = vec![grant];
                for also in unique(methods.iter().flat_map(|m| m.also.iter().copied())) {
                    let Some(other) = catalog
                        .action_id(also)
                        .and_then(|id| unconditional_grant(permissions, id))
                    else {
                        continue;
                    };
                    if !related.iter().any(|g| std::ptr::eq(*g, other)) {
                        related.push(other);
                        finding =
                            finding.with_related(other.loc, format!("`{also}` is allowed here"));
                    }
                }
                cx.report(finding);
            }
        }
    }
}

/// The grant of the method's key action on every resource, when the principal's effective
/// permissions cover the whole method.
fn key_grant<'p>(
    permissions: &'p Permissions,
    effective: &Effective,
    method: &Method,
    own_only: bool,
) -> Option<&'p Grant> {
    let catalog = Catalog::get();
    let key = catalog.action_id(method.key)?;
    let all_also = method.also.iter().all(|a| {
        catalog
            .action_id(a)
            .is_some_and(|id| effective.allows_unconditionally(id))
    });
    if !all_also {
        return None;
    }
    permissions
        .covering_grant(effective, key, own_only)
        .or_else(|| match method.victim {
            Some(Victim::PassedTo(service)) => {
                permissions.passing_grant(effective, key, service, own_only)
            }
            _ => None,
        })
}

/// "every resource", or the resource types a grant names every resource of.
fn scope(grant: &Grant) -> String {
    if grant.reach == Reach::Conditional {
        return format!("every role when passed to {}", grant.passed_to.join(" or "));
    }
    if grant.on_any_resource {
        return "every resource".to_owned();
    }
    let kinds: Vec<String> = grant
        .every_of_type
        .iter()
        .map(|(service, kind)| format!("every {service} {kind}"))
        .collect();
    kinds.join(" and ")
}

/// The first grant allowing `action` without a condition, for a related location.
fn unconditional_grant(permissions: &Permissions, action: ActionId) -> Option<&Grant> {
    [Reach::Unrestricted, Reach::Specific]
        .into_iter()
        .find_map(|reach| permissions.grant_of(action, reach))
}

/// In first-seen order, without repeats.
fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}
