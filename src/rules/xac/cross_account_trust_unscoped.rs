use crate::model::PrincipalKind;
use crate::rules::shared::{ASSUME_ROLE, principal_label, trust_allow_statements};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// Trust to another account as a whole, with nothing narrowing who in it may assume.
    pub CrossAccountTrustUnscoped {
        code: "XAC001",
        name: "cross-account-trust-unscoped",
        severity: High,
        summary: "trust policy admits a whole other account without a scoping condition",
    }
}

/// Conditions that narrow which principal of the trusted account may assume the role.
const SCOPING_KEYS: &[&str] = &[
    "sts:ExternalId",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalTag/",
    "aws:MultiFactorAuthPresent",
];

impl Rule for CrossAccountTrustUnscoped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for (role, statement) in trust_allow_statements(cx.model) {
            if !statement.covers_action(ASSUME_ROLE)
                || statement.conditions.opaque
                || statement.conditions.pins_any(SCOPING_KEYS)
            {
                continue;
            }
            let accounts = statement
                .principal
                .iter()
                .flat_map(|p| p.entries.iter())
                .filter(|e| e.kind == PrincipalKind::Aws && e.value.is_account_principal());
            for entry in accounts {
                let account = entry.value.account();
                if !cx.is_other_account(&account, role.resource.file) {
                    continue;
                }
                let finding = cx
                    .finding(
                        entry.value.loc,
                        &role.resource.name,
                        format!(
                            "role `{}` trusts the whole account `{}`: any principal there whose own policy allows `sts:AssumeRole` can assume it, and no condition narrows which",
                            principal_label(role),
                            entry.value.display()
                        ),
                    )
                    .with_help("name the trusted role (`arn:aws:iam::ACCOUNT:role/NAME`) in `Principal`, or add a condition on `aws:PrincipalArn`, `sts:ExternalId` or `aws:PrincipalOrgID`")
                    .with_related(statement.loc, "in this statement");
                cx.report(finding);
            }
        }
    }
}
