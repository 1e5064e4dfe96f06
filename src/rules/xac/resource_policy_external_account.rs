use crate::model::PrincipalKind;
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// A resource policy that grants an account outside the organization.
    pub ResourcePolicyExternalAccount {
        code: "XAC005",
        name: "resource-policy-external-account",
        severity: Medium,
        summary: "resource policy grants access to an account outside the configured organization",
    }
}

/// Conditions that keep the grant inside the organization whatever `Principal` says.
const ORGANIZATION_KEYS: &[&str] = &["aws:PrincipalOrgID", "aws:PrincipalOrgPaths"];

impl Rule for ResourcePolicyExternalAccount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        if !cx.accounts.is_configured() {
            return;
        }
        for policy in &cx.model.resource_policies {
            for statement in policy.document.statements.iter().filter(|s| s.is_allow()) {
                if statement.conditions.opaque || statement.conditions.pins_any(ORGANIZATION_KEYS) {
                    continue;
                }
                for entry in statement.principal.iter().flat_map(|p| p.entries.iter()) {
                    if entry.kind != PrincipalKind::Aws {
                        continue;
                    }
                    let Some(who) = cx.outside_organization(&entry.value) else {
                        continue;
                    };
                    let finding = cx
                        .finding(
                            entry.value.loc,
                            &policy.resource.name,
                            format!(
                                "the policy of `{}` grants `{}` from {who}, outside the organization",
                                policy.resource.name,
                                entry.value.display()
                            ),
                        )
                        .with_help("remove the grant, or list the account in iamlint.toml with `external = true` and suppress this finding with the reason it is trusted")
                        .with_related(statement.loc, "in this statement");
                    cx.report(finding);
                }
            }
        }
        for permission in &cx.model.lambda_permissions {
            let Some(who) = cx.outside_organization(&permission.principal) else {
                continue;
            };
            if permission.principal_org_id.is_some() {
                continue;
            }
            let finding = cx
                .finding(
                    permission.principal.loc,
                    &permission.resource.name,
                    format!(
                        "Lambda permission `{}` lets {who}, outside the organization, invoke the function",
                        permission.resource.name
                    ),
                )
                .with_help("remove the permission, or list the account in iamlint.toml with `external = true` and suppress this finding with the reason it is trusted");
            cx.report(finding);
        }
    }
}
