use crate::finding::Severity;
use crate::graph::{EdgeKind, ModelRef};
use crate::model::{Condition, IdentityPool};
use crate::rules::shared::{
    COGNITO_AMR, COGNITO_AUD, cognito_entry, may_name_identity_pool, principal_label,
    referenced_identity_pool, value_label,
};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::source::Loc;

declare_rule! {
    /// A Cognito trust that pins the identity pool but not whether the identity signed in.
    pub CognitoTrustWithoutAmr {
        code: "WIF002",
        name: "cognito-trust-without-amr",
        severity: Medium,
        summary: "Cognito trust pins the identity pool but not the authentication type (amr)",
    }
}

/// A pool that is known to hand out guest credentials, and where it says so.
struct GuestPool<'m> {
    pool: &'m IdentityPool,
    flag: Loc,
    /// Found through the role's attachment rather than named by `aud`.
    attached: bool,
}

fn guest_pool(pool: &IdentityPool, attached: bool) -> Option<GuestPool<'_>> {
    let flag = pool.allow_unauthenticated.filter(|f| f.value)?;
    Some(GuestPool {
        pool,
        flag: flag.loc,
        attached,
    })
}

/// A pool that allows guests and whose identities pass `aud`: a pool the values reference, or
/// one the role is attached to whose id the values may hold (a parameter, an import).
fn find_guest_pool<'m>(
    cx: &RuleContext<'m>,
    role: usize,
    aud: &Condition,
) -> Option<GuestPool<'m>> {
    let (model, graph) = (cx.model, cx.graph);
    let named = aud
        .values
        .iter()
        .filter_map(|v| referenced_identity_pool(cx, v))
        .find_map(|pool| guest_pool(pool, false));
    named.or_else(|| {
        graph
            .principal_nodes
            .get(role)
            .into_iter()
            .flat_map(|&node| graph.incoming(node, EdgeKind::AttachedToPool))
            .filter_map(|(_, pool, _)| match graph.node(pool).model {
                ModelRef::IdentityPool(p) => model.identity_pools.get(p),
                _ => None,
            })
            .filter(|pool| {
                aud.values
                    .iter()
                    .any(|v| may_name_identity_pool(cx, v, pool, aud.is_pattern_test()))
            })
            .find_map(|pool| guest_pool(pool, true))
    })
}

impl Rule for CognitoTrustWithoutAmr {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let model = cx.model;
        for (index, role) in model.principals.iter().enumerate() {
            let Some(trust) = &role.trust else { continue };
            for statement in &trust.statements {
                let Some(entry) = cognito_entry(cx, statement) else {
                    continue;
                };
                let conditions = &statement.conditions;
                // Without a pinned `aud` any pool can assume the role: WIF001 reports that.
                let Some(aud) = conditions.pinning(COGNITO_AUD).next() else {
                    continue;
                };
                if conditions.pins(COGNITO_AMR) {
                    continue;
                }
                let guests = find_guest_pool(cx, index, aud);
                let pools: Vec<String> = aud.values.iter().map(value_label).collect();
                let pools = pools.join("`, `");
                let role_name = principal_label(role);
                let mut finding = match &guests {
                    Some(guest) => {
                        let pool = &guest.pool.resource.name;
                        let reached = if guest.attached {
                            format!("is attached to identity pool `{pool}`, which allows unauthenticated identities")
                        } else {
                            "that pool allows unauthenticated identities".to_owned()
                        };
                        cx.finding(
                            entry.value.loc,
                            &role.resource.name,
                            format!(
                                "role `{role_name}` trusts identity pool `{pools}` without a `{COGNITO_AMR}` condition, and {reached}: anyone who knows the pool id can assume the role"
                            ),
                        )
                        .with_severity(Severity::High)
                    }
                    None => cx.finding(
                        entry.value.loc,
                        &role.resource.name,
                        format!(
                            "role `{role_name}` trusts identity pool `{pools}` without a `{COGNITO_AMR}` condition: unauthenticated identities of the pool can assume it as well as signed-in users"
                        ),
                    ),
                };
                finding = finding
                    .with_help(format!(
                        "add `ForAnyValue:StringLike: {{\"{COGNITO_AMR}\": \"authenticated\"}}` to this trust statement (`unauthenticated` for the pool's guest role)"
                    ))
                    .with_related(aud.key_loc, "the pool is pinned here, the identity type is not");
                if let Some(pool) = guests {
                    finding = finding.with_related(pool.flag, "guests allowed here");
                }
                cx.report(finding);
            }
        }
    }
}
