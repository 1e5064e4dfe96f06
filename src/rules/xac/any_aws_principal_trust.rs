use crate::model::{AccountRef, Condition, PrincipalKind};
use crate::rules::shared::{ASSUME_ROLE, principal_label, trust_allow_statements};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// A role any AWS principal of any account may assume.
    pub AnyAwsPrincipalTrust {
        code: "XAC002",
        name: "any-aws-principal-trust",
        severity: Critical,
        summary: "trust policy lets any AWS principal assume the role",
    }
}

/// Condition keys that tie the caller to an account or organization.
const CALLER_SCOPING_KEYS: &[&str] = &[
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceArn",
];

/// A pinned `aws:PrincipalArn` only restricts the account when the account field is fixed.
fn restricts_caller(condition: &Condition) -> bool {
    if !condition.pins_value() || !CALLER_SCOPING_KEYS.iter().any(|k| condition.key_is(k)) {
        return false;
    }
    if condition.key_is("aws:PrincipalArn") || condition.key_is("aws:SourceArn") {
        return condition.values.iter().all(|v| {
            matches!(
                v.account(),
                AccountRef::Id(_) | AccountRef::Own | AccountRef::Unknown
            ) && !v
                .display()
                .split(':')
                .nth(4)
                .is_some_and(|a| a.contains('*'))
        });
    }
    true
}

impl Rule for AnyAwsPrincipalTrust {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for (role, statement) in trust_allow_statements(cx.model) {
            if !statement.covers_action(ASSUME_ROLE) || statement.conditions.opaque {
                continue;
            }
            let Some(everyone) = statement
                .principal
                .iter()
                .flat_map(|p| p.entries.iter())
                .find(|e| {
                    matches!(e.kind, PrincipalKind::Everyone | PrincipalKind::Aws)
                        && e.value.is_literal("*")
                })
            else {
                continue;
            };
            if statement.conditions.items.iter().any(restricts_caller) {
                continue;
            }
            let finding = cx
                .finding(
                    everyone.value.loc,
                    &role.resource.name,
                    format!(
                        "role `{}` can be assumed by any AWS principal in any account: the trust policy allows `*` with no condition on the caller's account or organization",
                        principal_label(role)
                    ),
                )
                .with_help("name the trusted accounts or roles in `Principal`, or add a condition such as `StringEquals: {\"aws:PrincipalOrgID\": \"o-…\"}`")
                .with_related(statement.loc, "in this statement");
            cx.report(finding);
        }
    }
}
