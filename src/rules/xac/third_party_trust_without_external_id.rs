use crate::model::PrincipalKind;
use crate::rules::shared::{ASSUME_ROLE, principal_label, trust_allow_statements};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// Trust to an account outside the organization without `sts:ExternalId`.
    pub ThirdPartyTrustWithoutExternalId {
        code: "XAC003",
        name: "third-party-trust-without-external-id",
        severity: Medium,
        summary: "trust to an account outside the configured organization without an sts:ExternalId condition",
    }
}

impl Rule for ThirdPartyTrustWithoutExternalId {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        // Without configured accounts there is no organization to be outside of.
        if !cx.accounts.is_configured() {
            return;
        }
        for (role, statement) in trust_allow_statements(cx.model) {
            if !statement.covers_action(ASSUME_ROLE)
                || statement.conditions.opaque
                || statement.conditions.pins("sts:ExternalId")
            {
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
                        &role.resource.name,
                        format!(
                            "role `{}` trusts `{}` from {who}, outside the organization, without an `sts:ExternalId` condition (confused deputy)",
                            principal_label(role),
                            entry.value.display()
                        ),
                    )
                    .with_help("ask the third party for the external id they use for you and add `StringEquals: {\"sts:ExternalId\": \"…\"}`")
                    .with_related(statement.loc, "in this statement");
                cx.report(finding);
            }
        }
    }
}
