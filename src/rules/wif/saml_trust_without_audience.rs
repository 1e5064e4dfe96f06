use crate::rules::shared::{
    ASSUME_ROLE_WITH_SAML, ASSUME_ROLE_WITH_WEB_IDENTITY, Federated, federated_entries,
    federated_provider, principal_label, trust_allow_statements, value_label,
};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// SAML federation trust that does not pin the assertion's audience.
    pub SamlTrustWithoutAudience {
        code: "WIF004",
        name: "saml-trust-without-audience",
        severity: High,
        summary: "SAML trust without a `SAML:aud` condition",
    }
}

/// The SAML assertion's recipient: the AWS sign-in endpoint for console federation.
const SAML_AUD: &str = "SAML:aud";

impl Rule for SamlTrustWithoutAudience {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let model = cx.model;
        for (role, statement) in trust_allow_statements(model) {
            if !statement.covers_action(ASSUME_ROLE_WITH_SAML)
                || statement.conditions.opaque
                || statement.conditions.pins(SAML_AUD)
            {
                continue;
            }
            // A provider the scan cannot identify (a parameter, an imported ARN) is a SAML
            // provider when the statement only allows the SAML call.
            let saml_only = !statement.covers_action(ASSUME_ROLE_WITH_WEB_IDENTITY);
            for entry in federated_entries(statement) {
                let is_saml = match federated_provider(cx, &entry.value) {
                    Federated::Saml => true,
                    Federated::Unknown => saml_only,
                    Federated::WebIdentity { .. } | Federated::UnknownWebIdentity => false,
                };
                if !is_saml {
                    continue;
                }
                let finding = cx
                    .finding(
                        entry.value.loc,
                        &role.resource.name,
                        format!(
                            "role `{}` trusts SAML provider `{}` without a `{SAML_AUD}` condition: the trust does not check that an assertion was issued for AWS sign-in",
                            principal_label(role),
                            value_label(&entry.value)
                        ),
                    )
                    .with_help(format!(
                        "add `StringEquals: {{\"{SAML_AUD}\": \"https://signin.aws.amazon.com/saml\"}}` (or your regional sign-in endpoint) to this trust statement"
                    ))
                    .with_related(statement.loc, "in this statement");
                cx.report(finding);
            }
        }
    }
}
