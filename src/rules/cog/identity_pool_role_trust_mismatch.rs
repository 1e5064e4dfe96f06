use crate::finding::Severity;
use crate::graph::{EdgeKind, ModelRef};
use crate::model::policy::wildcard_match;
use crate::model::{Condition, Expr, IdentityPool, PrincipalKind, Statement};
use crate::rules::shared::{
    ASSUME_ROLE_WITH_WEB_IDENTITY, COGNITO, COGNITO_AMR, COGNITO_AUD, Federated, cognito_entry,
    federated_provider, may_name_identity_pool, principal_label, value_label,
};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::source::Loc;

declare_rule! {
    /// A role attached to an identity pool whose trust does not admit that pool's identities.
    pub IdentityPoolRoleTrustMismatch {
        code: "COG004",
        name: "identity-pool-role-trust-mismatch",
        severity: High,
        summary: "role attached to an identity pool does not trust that pool as attached",
    }
}

const GUEST: &str = "unauthenticated";

/// Whether a statement may admit Cognito identities without the scan being able to check its
/// conditions: a wildcard principal, a provider the scan cannot identify, or Cognito with
/// conditions it cannot read.
fn may_admit_cognito(cx: &RuleContext<'_>, statement: &Statement) -> bool {
    statement.is_allow()
        && statement.covers_action(ASSUME_ROLE_WITH_WEB_IDENTITY)
        && statement
            .principal
            .iter()
            .flat_map(|p| p.entries.iter())
            .any(|e| match e.kind {
                PrincipalKind::Everyone => true,
                PrincipalKind::Federated if e.value.is_literal("*") => true,
                PrincipalKind::Federated => match federated_provider(cx, &e.value) {
                    Federated::Unknown | Federated::UnknownWebIdentity => true,
                    provider => statement.conditions.opaque && provider.host() == Some(COGNITO),
                },
                _ => false,
            })
}

/// The `aud` condition that shuts `pool` out of a statement, if one does: all its values name
/// other pools (values OR; conditions AND, so one such condition is enough).
fn excluding_aud<'s>(
    cx: &RuleContext<'_>,
    statement: &'s Statement,
    pool: &IdentityPool,
) -> Option<&'s Condition> {
    statement.conditions.pinning(COGNITO_AUD).find(|c| {
        !c.values
            .iter()
            .any(|v| may_name_identity_pool(cx, v, pool, c.is_pattern_test()))
    })
}

/// Whether one `amr` value admits guests (the key holds `unauthenticated` for them); `*` and
/// `?` are wildcards only under a pattern operator. Values the scan cannot read may.
fn admits_guests(value: &Expr, pattern: bool) -> bool {
    value.as_literal().is_none_or(|text| {
        if pattern {
            wildcard_match(text, GUEST)
        } else {
            text.trim().eq_ignore_ascii_case(GUEST)
        }
    })
}

/// For a statement with `amr` conditions: whether guests pass all of them, with the value that
/// lets them (or the first value, when they do not). `None` without `amr` conditions (WIF002).
fn guest_verdict(statement: &Statement) -> Option<(bool, &Expr)> {
    let amr: Vec<&Condition> = statement.conditions.pinning(COGNITO_AMR).collect();
    let first = amr.first()?.values.first()?;
    let letting_in: Option<Vec<&Expr>> = amr
        .iter()
        .map(|c| {
            c.values
                .iter()
                .find(|v| admits_guests(v, c.is_pattern_test()))
        })
        .collect();
    Some(match letting_in {
        Some(values) => (true, values.first().copied().unwrap_or(first)),
        None => (false, first),
    })
}

/// What is wrong between one attachment and its role's trust.
enum Mismatch<'s> {
    /// No statement lets Cognito identities in at all.
    NoCognitoTrust,
    /// Every Cognito statement pins `aud` to other pools.
    OtherPool(&'s Condition),
    /// Attached as authenticated, but guests pass the `amr` condition.
    GuestsAdmitted(&'s Expr),
    /// Attached as unauthenticated, but the `amr` conditions shut guests out.
    GuestsShutOut(&'s Expr),
}

fn mismatch<'s>(
    cx: &RuleContext<'_>,
    statements: &'s [Statement],
    pool: &IdentityPool,
    label: &str,
) -> Option<Mismatch<'s>> {
    let cognito: Vec<&Statement> = statements
        .iter()
        .filter(|s| cognito_entry(cx, s).is_some())
        .collect();
    // A statement the scan cannot judge may be the one that admits the pool: only the
    // authenticated role's guest check, which needs one statement letting guests in, still runs.
    let unsure = statements.iter().any(|s| may_admit_cognito(cx, s));
    if cognito.is_empty() {
        return (!unsure).then_some(Mismatch::NoCognitoTrust);
    }
    let admitting: Vec<&Statement> = cognito
        .iter()
        .copied()
        .filter(|s| excluding_aud(cx, s, pool).is_none())
        .collect();
    if admitting.is_empty() {
        if unsure {
            return None;
        }
        return cognito
            .iter()
            .find_map(|s| excluding_aud(cx, s, pool))
            .map(Mismatch::OtherPool);
    }
    match label {
        "authenticated" => admitting.iter().find_map(|s| match guest_verdict(s) {
            Some((true, value)) => Some(Mismatch::GuestsAdmitted(value)),
            _ => None,
        }),
        GUEST if !unsure => {
            let verdicts: Option<Vec<(bool, &Expr)>> =
                admitting.iter().map(|s| guest_verdict(s)).collect();
            match verdicts?.as_slice() {
                all if all.iter().all(|(admits, _)| !admits) => {
                    all.first().map(|(_, value)| Mismatch::GuestsShutOut(value))
                }
                _ => None,
            }
        }
        // Rule-mapped roles go to signed-in identities chosen by claims: any `amr` works.
        _ => None,
    }
}

impl Rule for IdentityPoolRoleTrustMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let (model, graph) = (cx.model, cx.graph);
        for &pool_node in &graph.identity_pool_nodes {
            let ModelRef::IdentityPool(p) = graph.node(pool_node).model else {
                continue;
            };
            let Some(pool) = model.identity_pools.get(p) else {
                continue;
            };
            for (_, role_node, edge) in graph.outgoing(pool_node, EdgeKind::AttachedToPool) {
                let ModelRef::Principal(r) = graph.node(role_node).model else {
                    continue;
                };
                let Some(role) = model.principals.get(r) else {
                    continue;
                };
                let Some(trust) = role.trust.as_ref().filter(|t| !t.opaque) else {
                    continue;
                };
                let Some(found) = mismatch(cx, &trust.statements, pool, &edge.label) else {
                    continue;
                };
                let role_name = principal_label(role);
                let attached = format!(
                    "role `{role_name}` is attached to identity pool `{}` as its {} role",
                    pool.resource.name, edge.label
                );
                let (loc, message, severity, help): (Loc, String, Severity, &str) = match found {
                    Mismatch::NoCognitoTrust => (
                        trust.loc,
                        format!(
                            "{attached}, but its trust policy does not let Cognito identities assume it: the pool cannot hand it out, so a different role was probably meant"
                        ),
                        Severity::Medium,
                        "attach the role meant for this pool, or trust `Federated: cognito-identity.amazonaws.com` for `sts:AssumeRoleWithWebIdentity` with this pool's `aud`",
                    ),
                    Mismatch::OtherPool(condition) => {
                        let values: Vec<String> =
                            condition.values.iter().map(value_label).collect();
                        (
                            condition
                                .values
                                .first()
                                .map_or(condition.key_loc, |v| v.loc),
                            format!(
                                "{attached}, but its trust pins `{COGNITO_AUD}` to `{}`, another pool: identities of that pool can assume the role, this pool's cannot",
                                values.join("`, `")
                            ),
                            cx.severity(),
                            "pin `cognito-identity.amazonaws.com:aud` to this pool (`!Ref` the pool, or its Terraform `id`)",
                        )
                    }
                    Mismatch::GuestsAdmitted(value) => (
                        value.loc,
                        format!(
                            "{attached}, but its trust's `{COGNITO_AMR}` condition `{}` admits unauthenticated identities: guests can assume the signed-in users' role",
                            value.display()
                        ),
                        cx.severity(),
                        "require `ForAnyValue:StringLike: {\"cognito-identity.amazonaws.com:amr\": \"authenticated\"}` in the authenticated role's trust",
                    ),
                    Mismatch::GuestsShutOut(value) => (
                        value.loc,
                        format!(
                            "{attached}, but its trust's `{COGNITO_AMR}` condition `{}` only admits signed-in identities: guests cannot use it; are the authenticated and unauthenticated roles swapped?",
                            value.display()
                        ),
                        Severity::Medium,
                        "attach the role whose trust admits `unauthenticated` as the guest role, or fix the `amr` condition",
                    ),
                };
                let finding = cx
                    .finding(loc, &role.resource.name, message)
                    .with_severity(severity)
                    .with_help(help)
                    .with_related(
                        edge.loc.unwrap_or(pool.resource.loc),
                        format!("attached as the {} role here", edge.label),
                    );
                cx.report(finding);
            }
        }
    }
}
